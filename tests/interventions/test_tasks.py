"""The team's tasks: my open tasks and all at my schools, overdue highlighted, done with an outcome, reassigned."""

import datetime as dt

import pytest
from django.urls import reverse

from interventions.models import Task
from schools.models import Role
from tests.factories import PupilFactory, SchoolFactory, staff
from tests.interventions.test_day1 import NOW, _queries, officer_at


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def officer(school_a):
    return officer_at(school_a)


@pytest.fixture
def colleague(school_a):
    return officer_at(school_a, username="colleague", first_name="Colin", last_name="Colleague")


def task_for(school, assignee=None, *, pupil=None, due=NOW + dt.timedelta(hours=2), title="Welfare call", **fields):
    pupil = pupil or PupilFactory(school=school, legal_forename="Pat")
    return Task.objects.create(
        trust=school.trust,
        school=school,
        pupil=pupil,
        kind=fields.pop("kind", Task.Kind.WELFARE_CALL),
        title=title,
        why="Day 3 of absence",
        assignee=assignee,
        due_at=due,
        key=f"test:{pupil.pk}:{title}",
        **fields,
    )


def _titles(response):
    return [row.task.title for row, _, _ in response.context["entries"]]


def complete_url(task):
    return reverse("interventions:complete_task", args=[task.pk])


def reassign_url(task):
    return reverse("interventions:reassign_task", args=[task.pk])


def test_an_officer_sees_their_open_tasks_soonest_first_with_overdue_ones_marked(client, officer, colleague, school_a):
    task_for(school_a, officer, title="Later", due=NOW + dt.timedelta(hours=4))
    task_for(school_a, officer, title="Overdue", due=NOW - dt.timedelta(hours=1))
    task_for(school_a, colleague, title="Colleague's")
    task_for(school_a, officer, title="Done", status=Task.Status.DONE)
    client.force_login(officer)

    response = client.get(reverse("interventions:tasks"))

    assert _titles(response) == ["Overdue", "Later"]
    html = response.content.decode()
    assert html.count("task--overdue") == 1 and "Overdue</strong>" in html
    assert "2 open tasks, 1 overdue" in html
    assert ">Mon 23 Nov, 13:45</time>" in html


def test_all_open_tasks_at_my_schools_leave_out_other_schools_and_trusts(
    client, officer, colleague, school_a, school_b
):
    task_for(school_a, officer, title="Mine")
    task_for(school_a, colleague, title="Colleague's")
    task_for(school_a, None, title="Nobody's")
    task_for(SchoolFactory(trust=school_a.trust), None, title="Other school's")
    task_for(school_b, None, title="Other trust's")
    client.force_login(officer)

    response = client.get(reverse("interventions:tasks") + "?show=all")

    assert sorted(_titles(response)) == ["Colleague's", "Mine", "Nobody's"]


def test_completing_needs_an_outcome_and_changes_nothing_without_one(client, officer, school_a):
    task = task_for(school_a, officer)
    client.force_login(officer)

    response = client.post(complete_url(task), {"outcome": "   "}, HTTP_HX_REQUEST="true")

    assert "Write the outcome" in response.content.decode()
    task.refresh_from_db()
    assert (task.status, task.outcome, task.completed_by) == ("open", "", None)


def test_completing_records_the_outcome_who_and_when_and_swaps_the_card(client, officer, school_a):
    task = task_for(school_a, officer)
    client.force_login(officer)

    response = client.post(complete_url(task), {"outcome": "Spoke to mum: back tomorrow"}, HTTP_HX_REQUEST="true")

    task.refresh_from_db()
    assert (task.status, task.outcome, task.completed_by, task.completed_at) == (
        "done",
        "Spoke to mum: back tomorrow",
        officer,
        NOW,
    )
    html = response.content.decode()
    assert f'id="task-{task.pk}"' in html and "Spoke to mum: back tomorrow" in html and "Mark done" not in html


def test_a_task_cannot_be_completed_twice(client, officer, colleague, school_a):
    task = task_for(school_a, officer)
    client.force_login(colleague)
    client.post(complete_url(task), {"outcome": "Visited: seen safe"})
    client.force_login(officer)

    response = client.post(complete_url(task), {"outcome": "Called"})

    assert response.status_code == 400 and "already closed" in response.content.decode()
    task.refresh_from_db()
    assert (task.outcome, task.completed_by) == ("Visited: seen safe", colleague)


def test_without_script_completing_goes_back_to_the_list_with_a_message(client, officer, school_a):
    task = task_for(school_a, officer)
    client.force_login(officer)
    response = client.post(complete_url(task), {"outcome": "Called"}, follow=True)
    assert response.redirect_chain == [(reverse("interventions:tasks"), 302)]
    assert "Done: Welfare call" in response.content.decode()


def test_a_task_can_be_given_to_a_colleague_at_the_school_or_to_nobody(client, officer, colleague, school_a):
    task = task_for(school_a, officer)
    client.force_login(officer)

    client.post(reassign_url(task), {"assignee": colleague.pk})
    task.refresh_from_db()
    assert task.assignee == colleague

    client.post(reassign_url(task), {"assignee": ""})
    task.refresh_from_db()
    assert task.assignee is None


def test_a_task_cannot_be_given_to_staff_of_another_school_or_a_teacher(client, officer, teacher, school_a):
    task = task_for(school_a, officer)
    elsewhere = officer_at(SchoolFactory(trust=school_a.trust), username="elsewhere")
    client.force_login(officer)
    for user in (elsewhere, teacher):
        response = client.post(reassign_url(task), {"assignee": user.pk}, HTTP_HX_REQUEST="true")
        assert "Select a valid choice" in response.content.decode()
    task.refresh_from_db()
    assert task.assignee == officer


def test_the_outsider_gets_404_for_another_trusts_tasks(client, officer, outsider, school_a):
    task = task_for(school_a, officer)
    client.force_login(outsider)
    assert client.post(complete_url(task), {"outcome": "x"}).status_code == 404
    assert client.post(reassign_url(task), {"assignee": ""}).status_code == 404
    assert "Pat" not in client.get(reverse("interventions:tasks") + "?show=all").content.decode()
    task.refresh_from_db()
    assert (task.status, task.assignee) == ("open", officer)


def test_a_teacher_and_a_dsl_have_no_task_list_and_no_task(client, officer, teacher, school_a):
    task = task_for(school_a, officer)
    dsl = staff(school_a.trust, Role.Kind.DSL, school_a, username="dsl")
    for user in (teacher, dsl):
        client.force_login(user)
        assert client.get(reverse("interventions:tasks")).status_code == 403
        assert client.post(complete_url(task), {"outcome": "x"}).status_code == 404


def test_an_officer_of_another_school_gets_404_for_this_schools_task(client, officer, school_a):
    task = task_for(school_a, officer)
    client.force_login(officer_at(SchoolFactory(trust=school_a.trust), username="elsewhere"))
    assert client.post(complete_url(task), {"outcome": "x"}).status_code == 404


def test_the_list_takes_the_same_queries_for_three_or_six_tasks(client, officer, colleague, school_a, trust_a):
    lead = staff(trust_a, Role.Kind.TRUST_LEAD, username="lead")
    other_school = SchoolFactory(trust=trust_a)
    officer_at(other_school, username="other-officer")
    client.force_login(lead)

    def add(start):
        for i in range(start, start + 3):
            task_for(school_a if i % 2 else other_school, (officer, colleague, None)[i % 3], title=f"Task {i}")

    add(0)
    three = _queries(client, reverse("interventions:tasks") + "?show=all")
    add(3)
    six = _queries(client, reverse("interventions:tasks") + "?show=all")
    assert len(client.get(reverse("interventions:tasks") + "?show=all").context["entries"]) == 6
    assert three == six
