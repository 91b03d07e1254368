"""Day 3 and longer: runs of absence from the marks, Omega's day-3 call and visit, Waterton's day-2/4 visits and CME
referral, tasks made once however often the run is repeated, the page and its scoping.
"""

import datetime as dt

import pytest
from django.urls import reverse

from interventions import day1, day3
from interventions.absence import EVIDENCE_WORDS, session_justified
from interventions.models import Task
from interventions.tasks import create_follow_up_tasks_everywhere, create_follow_up_tasks_for_school
from registers.models import AbsenceReport, Mark
from registers.services import MarkInput, upsert_marks
from schools.models import Role, SchoolDay
from tests.factories import PupilFactory, SchoolFactory, TrustFactory, staff
from tests.interventions.test_day1 import LONDON, NOW, TODAY, _queries, officer_at, school_calendar, with_contact


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(NOW, tick=False)


def last_school_days(school, n, until=TODAY):
    days = SchoolDay.objects.filter(school=school, date__lte=until).order_by("-date").values_list("date", flat=True)
    return sorted(days[:n])


def absent_for(school, pupil, days, *, code="N", note=None, until=TODAY):
    """Present on the school day before, then absent `days` school days up to `until` (its morning only)."""
    dates = last_school_days(school, days + 1, until)
    marks = [MarkInput(pupil.pk, dates[0], "AM", "/"), MarkInput(pupil.pk, dates[0], "PM", "\\")]
    for day in dates[1:]:
        for session in ("AM",) if day == until else ("AM", "PM"):
            marks.append(MarkInput(pupil.pk, day, session, code, note=note))
    upsert_marks(school=school, marks=marks, source=Mark.Source.REGISTER)
    return dates[1]


def pupil_at(school, surname, **fields):
    pupil = PupilFactory(school=school, legal_surname=surname, legal_forename="Pat", **fields)
    with_contact(pupil, name=f"Parent {surname}")
    return pupil


@pytest.fixture
def omega(school_a):
    school_calendar(school_a)
    return school_a


@pytest.fixture
def officer(school_a):
    return officer_at(school_a)


@pytest.fixture
def waterton(db):
    trust = TrustFactory(slug="waterton", name="Waterton Academy Trust", policy="waterton")
    school = SchoolFactory(trust=trust, name="Crofton Infants")
    school_calendar(school)
    return school


def _at(hour, minute=0):
    return dt.datetime.combine(TODAY, dt.time(hour, minute), tzinfo=LONDON)


# --- Omega: day 3 -----------------------------------------------------------------------------------------------------


def test_omega_makes_a_welfare_call_due_at_eleven_and_a_home_visit_at_two_on_day_three(omega, officer):
    pupil = pupil_at(omega, "Able")
    first = absent_for(omega, pupil, 3)

    result = day3.create_follow_up_tasks(omega, TODAY)

    tasks = Task.objects.order_by("kind")
    assert [(t.kind, t.key, t.due_at, t.assignee, t.pupil, t.school) for t in tasks] == [
        ("home_visit", f"day3:{first}", _at(14), officer, pupil, omega),
        ("welfare_call", f"day3:{first}", _at(11), officer, pupil, omega),
    ]
    assert first == dt.date(2026, 11, 19)
    assert all("Omega Charter" in t.why for t in tasks)
    assert str(result) == "2 tasks created"


def test_two_days_call_for_nothing_yet_under_omega(omega, officer):
    absent_for(omega, pupil_at(omega, "Able"), 2)
    assert day3.create_follow_up_tasks(omega, TODAY).created == []
    assert day3.long_absences(omega, TODAY) == []


@pytest.mark.parametrize(
    ("code", "note", "kinds"),
    [
        ("M", None, ["welfare_call"]),
        ("I", "Hospital admission, letter seen", ["welfare_call"]),
        ("I", "Medical evidence: GP note", ["welfare_call"]),
        ("I", "Mum says flu", ["home_visit", "welfare_call"]),
        ("N", None, ["home_visit", "welfare_call"]),
    ],
)
def test_a_fully_justified_run_gets_the_call_but_no_home_visit(omega, officer, code, note, kinds):
    absent_for(omega, pupil_at(omega, "Able"), 3, code=code, note=note)
    day3.create_follow_up_tasks(omega, TODAY)
    assert list(Task.objects.order_by("kind").values_list("kind", flat=True)) == kinds


def test_running_again_the_same_day_or_the_next_makes_no_duplicates(omega, officer, time_machine):
    pupil = pupil_at(omega, "Able")
    absent_for(omega, pupil, 3)
    day3.create_follow_up_tasks(omega, TODAY)

    again = day3.create_follow_up_tasks(omega, TODAY)
    tuesday = TODAY + dt.timedelta(days=1)
    time_machine.move_to(NOW + dt.timedelta(days=1), tick=False)
    upsert_marks(school=omega, marks=[MarkInput(pupil.pk, tuesday, "AM", "N")], source=Mark.Source.REGISTER)
    upsert_marks(school=omega, marks=[MarkInput(pupil.pk, TODAY, "PM", "N")], source=Mark.Source.REGISTER)
    next_day = day3.create_follow_up_tasks(omega, tuesday)

    assert (len(again.created), again.existing) == (0, 2)
    assert (len(next_day.created), next_day.existing) == (0, 2)
    assert Task.objects.count() == 2


def test_the_celery_task_can_run_twice_and_ends_in_the_same_state(omega, officer):
    absent_for(omega, pupil_at(omega, "Able"), 3)
    first = create_follow_up_tasks_for_school(omega.trust_id, omega.pk, TODAY.isoformat())
    second = create_follow_up_tasks_for_school(omega.trust_id, omega.pk, TODAY.isoformat())
    assert (first, second) == ("2 tasks created", "0 tasks created, 2 already existed")
    assert Task.objects.count() == 2


def test_the_task_for_another_trusts_school_id_does_nothing(omega, officer, trust_b):
    absent_for(omega, pupil_at(omega, "Able"), 3)
    assert create_follow_up_tasks_for_school(trust_b.pk, omega.pk, TODAY.isoformat()) == "no such school"
    assert not Task.objects.exists()


def test_the_sweep_enqueues_one_task_per_school_after_commit(
    omega, officer, waterton, django_capture_on_commit_callbacks
):
    absent_for(omega, pupil_at(omega, "Able"), 3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueued = create_follow_up_tasks_everywhere(TODAY.isoformat())
    assert enqueued == len(callbacks) == 2
    assert Task.objects.filter(school=omega).count() == 2


def test_nothing_is_made_on_a_day_that_is_not_a_school_day(omega, officer, time_machine):
    absent_for(omega, pupil_at(omega, "Able"), 3)
    saturday = TODAY - dt.timedelta(days=2)
    assert day3.create_follow_up_tasks(omega, saturday).created == []


def test_new_tasks_go_to_the_officer_with_fewest_open_tasks(omega):
    busy = officer_at(omega, username="busy")
    free = officer_at(omega, username="free")
    other = pupil_at(omega, "Other")
    for n in range(2):
        Task.objects.create(
            trust=omega.trust, school=omega, pupil=other, kind="welfare_call", title="t", due_at=NOW, key=f"k{n}"
        )
    Task.objects.filter(key="k0").update(assignee=busy)
    Task.objects.filter(key="k1").update(assignee=busy, status=Task.Status.DONE)
    staff(omega.trust, Role.Kind.ATTENDANCE_OFFICER, SchoolFactory(trust=omega.trust), username="elsewhere")
    absent_for(omega, pupil_at(omega, "Able"), 3)
    absent_for(omega, pupil_at(omega, "Baker"), 3)

    created = day3.create_follow_up_tasks(omega, TODAY).created

    # busy has one open task, free none: free, then turn about (a tie goes to the first officer made).
    assert [t.assignee for t in created] == [free, busy, free, busy]


def test_without_an_attendance_officer_tasks_are_left_unassigned(omega, head):
    absent_for(omega, pupil_at(omega, "Able"), 3)
    assert [t.assignee for t in day3.create_follow_up_tasks(omega, TODAY).created] == [None, None]


# --- Waterton: day 2 and day 4 visits, CME after 20 days without contact -------------------------------------------


def _kinds_and_keys(school):
    return sorted(Task.objects.filter(school=school).values_list("kind", "key"))


@pytest.mark.parametrize(("days", "visit"), [(1, None), (2, "visit-day2"), (3, None), (4, "visit-day4")])
def test_waterton_visits_on_day_two_and_day_four_of_an_unexplained_absence(waterton, days, visit):
    first = absent_for(waterton, pupil_at(waterton, "Able"), days)
    day3.create_follow_up_tasks(waterton, TODAY)
    assert _kinds_and_keys(waterton) == ([("home_visit", f"{visit}:{first}")] if visit else [])


def test_waterton_makes_no_visit_once_the_absence_is_explained(waterton):
    absent_for(waterton, pupil_at(waterton, "Able"), 2, code="I")
    assert day3.create_follow_up_tasks(waterton, TODAY).created == []


def test_waterton_refers_to_cme_after_twenty_school_days_without_contact(waterton):
    first = absent_for(waterton, pupil_at(waterton, "Able"), 20)
    day3.create_follow_up_tasks(waterton, TODAY)
    [task] = Task.objects.all()
    assert (task.kind, task.key, task.due_at) == ("cme_referral", f"cme:{first}", _at(11))
    assert "CME" in task.why


def test_contact_during_the_run_holds_off_the_cme_referral_but_contact_before_it_does_not(waterton):
    reached, before = pupil_at(waterton, "Reached"), pupil_at(waterton, "Before")
    absent_for(waterton, reached, 20)
    first = absent_for(waterton, before, 20)
    officer = officer_at(waterton, username="w-officer")
    for pupil, day in ((reached, TODAY - dt.timedelta(days=7)), (before, first - dt.timedelta(days=3))):
        day1.record_contact_attempt(
            school=waterton,
            pupil=pupil,
            today=day,
            now=dt.datetime.combine(day, dt.time(10), tzinfo=LONDON),
            made_by=officer,
            method="home_visit",
            outcome="seen_safe",
        )

    day3.create_follow_up_tasks(waterton, TODAY)

    assert list(Task.objects.values_list("pupil__legal_surname", "kind")) == [("Before", "cme_referral")]


# --- The page ----------------------------------------------------------------------------------------------------


def long_url(school):
    return f"{reverse('interventions:long_absence')}?school={school.pk}"


def test_the_page_lists_runs_with_the_state_of_the_reason_and_the_follow_ups(client, omega, officer):
    reported = pupil_at(omega, "Reported")
    absent_for(omega, reported, 4)
    AbsenceReport.objects.create(
        trust=omega.trust,
        school=omega,
        pupil=reported,
        reported_by="Mum",
        channel="voicemail",
        code="I",
        reason="Chest infection",
        first_day=TODAY,
        last_day=TODAY,
    )
    absent_for(omega, pupil_at(omega, "Justified"), 3, code="M")
    absent_for(omega, pupil_at(omega, "Short"), 2)
    client.force_login(officer)

    response = client.get(long_url(omega))

    rows = response.context["rows"]
    assert [(r.pupil.legal_surname, r.run.length) for r in rows] == [("Reported", 4), ("Justified", 3)]
    assert [r.follow_up_labels for r in rows] == [["Welfare call", "Home visit"], ["Welfare call"]]
    html = response.content.decode()
    assert "A parent&#x27;s report is waiting for the office" in html and "Chest infection" in html
    assert "Every session has a reason" in html and "Fully justified" in html
    assert "Create today's tasks" in html


def test_the_button_makes_todays_tasks_and_says_how_many(client, omega, officer):
    absent_for(omega, pupil_at(omega, "Able"), 3)
    client.force_login(officer)
    url = f"{reverse('interventions:create_tasks')}?school={omega.pk}"

    first = client.post(url, follow=True)
    second = client.post(url, follow=True)

    assert "2 tasks created." in first.content.decode()
    assert "0 tasks created, 2 already existed." in second.content.decode()
    assert Task.objects.count() == 2
    html = second.content.decode()
    assert "Welfare call: open, Olive Officer, due Mon 11:00" in html


def test_a_dsl_reads_the_page_but_cannot_make_tasks(client, omega):
    absent_for(omega, pupil_at(omega, "Able"), 3)
    dsl = staff(omega.trust, Role.Kind.DSL, omega, username="dsl")
    client.force_login(dsl)
    html = client.get(long_url(omega)).content.decode()
    assert "Able" in html and "Create today" not in html
    assert client.post(f"{reverse('interventions:create_tasks')}?school={omega.pk}").status_code == 404
    assert not Task.objects.exists()


def test_the_outsider_and_a_teacher_get_404(client, omega, outsider, teacher):
    absent_for(omega, pupil_at(omega, "Able"), 3)
    for user in (outsider, teacher):
        client.force_login(user)
        assert client.get(long_url(omega)).status_code == 404
        assert client.post(f"{reverse('interventions:create_tasks')}?school={omega.pk}").status_code == 404
    assert not Task.objects.exists()


def test_without_a_calendar_the_page_says_runs_cannot_be_counted(client, school_a, officer):
    client.force_login(officer)
    assert "calendar has not been set up" in client.get(long_url(school_a)).content.decode()


def test_the_page_takes_the_same_queries_for_three_or_six_rows(client, omega, officer):
    client.force_login(officer)

    def add(start):
        for i in range(start, start + 3):
            pupil = pupil_at(omega, f"Pupil{i}")
            absent_for(omega, pupil, 3 + i)
            AbsenceReport.objects.create(
                trust=omega.trust, school=omega, pupil=pupil, reported_by="Dad", channel="phone", code="I",
                reason="Ill", first_day=TODAY, last_day=TODAY,
            )  # fmt: skip
        day3.create_follow_up_tasks(omega, TODAY)

    add(0)
    three = _queries(client, long_url(omega))
    add(3)
    six = _queries(client, long_url(omega))
    assert len(day3.long_absences(omega, TODAY)) == 6
    assert three == six


# --- The SQL and the pure rule agree --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "note"),
    [("M", ""), ("I", ""), ("I", "Medical Evidence: consultant letter"), ("I", "in hospital"), ("N", "hospital")],
)
def test_the_database_counts_justified_sessions_as_the_pure_rule_does(omega, code, note):
    assert EVIDENCE_WORDS  # the SQL is built from the same words
    pupil = pupil_at(omega, "Able")
    upsert_marks(school=omega, marks=[MarkInput(pupil.pk, TODAY, "AM", code, note=note)], source="register")
    [day] = [d for d in day3.pupil_days(omega, last_school_days(omega, 2))[pupil.pk] if d.marked]
    assert bool(day.justified) is session_justified(code, note)


# --- Day 1: the watch list ------------------------------------------------------------------------------------------


def test_a_watch_list_pupil_absent_with_no_reason_gets_a_social_care_alert_task_for_the_dsl(omega, officer):
    dsl = staff(omega.trust, Role.Kind.DSL, omega, username="dsl")
    watched = pupil_at(omega, "Watched", watch_list=True, watch_list_reason="Known to early help")
    other = pupil_at(omega, "Other")
    absent_for(omega, watched, 1)
    absent_for(omega, other, 1)

    day3.create_follow_up_tasks(omega, TODAY)
    again = day3.create_follow_up_tasks(omega, TODAY)

    [task] = Task.objects.filter(kind=Task.Kind.SOCIAL_CARE_ALERT)
    assert (task.pupil, task.assignee, task.key, task.due_at) == (watched, dsl, f"social-care:{TODAY}", _at(10, 30))
    assert "Known to early help" in task.why
    assert again.created == []
