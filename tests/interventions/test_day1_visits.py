"""The day's home-visit round: pupils not reached and visits due today, grouped by postcode district, printable."""

import datetime as dt

import pytest
from django.urls import reverse

from interventions import day1
from interventions.models import Task
from tests.factories import PupilFactory
from tests.interventions.test_day1 import (
    NOW,
    TODAY,
    _queries,
    absent_pupil,
    mark,
    officer_at,
    with_contact,
)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def officer(school_a):
    return officer_at(school_a)


def visits_url(school):
    return f"{reverse('interventions:visits')}?school={school.pk}"


def _attempt(school, pupil, officer, outcome, method="call"):
    day1.record_contact_attempt(
        school=school, pupil=pupil, today=TODAY, now=NOW, made_by=officer, method=method, outcome=outcome
    )


def _visit_task(school, pupil, due, status=Task.Status.OPEN, title="Home visit: day 2 of unexplained absence"):
    return Task.objects.create(
        trust=school.trust,
        school=school,
        pupil=pupil,
        kind=Task.Kind.HOME_VISIT,
        title=title,
        due_at=due,
        status=status,
        key=f"test:{pupil.pk}:{due:%Y%m%d}",
    )


def _round(school):
    return [(d.name, [s.item.row.pupil.legal_surname for s in d.stops]) for d in day1.visit_round(school, TODAY)]


def test_pupils_not_reached_and_visits_due_today_are_grouped_by_postcode_district(officer, school_a, group_a):
    absent_pupil(school_a, group_a, "Alder", postcode="WF2 7QQ")
    absent_pupil(school_a, group_a, "Birch", postcode="WF1 3BB")
    absent_pupil(school_a, group_a, "Cedar", postcode="LS6 1AA")
    absent_pupil(school_a, group_a, "Damson", postcode="WF1 2AB")
    _attempt(school_a, absent_pupil(school_a, group_a, "Elder", postcode="WF1 1AA"), officer, "seen_safe", "home_visit")
    _attempt(school_a, absent_pupil(school_a, group_a, "Fir", postcode="WF10 1AA"), officer, "no_answer")
    due_today = absent_pupil(school_a, group_a, "Gorse", code="/", postcode="WF2 1AA")
    _visit_task(school_a, due_today, NOW.replace(hour=14))
    _visit_task(school_a, absent_pupil(school_a, group_a, "Hazel", code="/"), NOW + dt.timedelta(days=1))
    _visit_task(school_a, absent_pupil(school_a, group_a, "Ivy", code="/"), NOW, status=Task.Status.DONE)

    assert _round(school_a) == [
        ("LS6", ["Cedar"]),
        ("WF1", ["Damson", "Birch"]),
        ("WF2", ["Gorse", "Alder"]),
        ("WF10", ["Fir"]),
    ]


def test_a_stop_uses_the_priority_contacts_address_and_says_why(officer, school_a, group_a):
    pupil = PupilFactory(school=school_a, group=group_a, legal_surname="Able")
    with_contact(pupil, name="Second carer", postcode="LS6 1AA").pupil_links.update(priority=2)
    with_contact(pupil, name="First carer", postcode="WF3 4CD")
    mark(school_a, pupil, "N")
    _visit_task(school_a, pupil, NOW.replace(hour=14))

    [district] = day1.visit_round(school_a, TODAY)

    assert district.name == "WF3"
    [stop] = district.stops
    assert stop.item.why == ["Absent with no reason and not reached today", "Home visit: day 2 of unexplained absence"]


def test_the_page_prints_as_one_list_with_a_record_outcome_link_per_stop(client, officer, school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Able", postcode="WF1 2AB")
    client.force_login(officer)

    html = client.get(visits_url(school_a)).content.decode()

    assert "interventions/interventions.css" in html
    assert "WF1" in html and "1 Park Road" in html and "Pat Able" in html
    record = reverse("interventions:record_attempt", args=[pupil.pk])
    assert f"{record}?school={school_a.pk}&amp;method=home_visit&amp;next=" in html


def test_recording_from_the_round_goes_back_to_the_round(client, officer, school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Able")
    client.force_login(officer)
    url = f"{reverse('interventions:record_attempt', args=[pupil.pk])}?school={school_a.pk}"
    response = client.post(url, {"method": "home_visit", "outcome": "seen_safe", "next": visits_url(school_a)})
    assert response["Location"] == visits_url(school_a)
    assert _round(school_a) == []


def test_an_outside_next_address_is_ignored(client, officer, school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Able")
    client.force_login(officer)
    url = f"{reverse('interventions:record_attempt', args=[pupil.pk])}?school={school_a.pk}"
    response = client.post(url, {"method": "call", "outcome": "no_answer", "next": "https://evil.example/"})
    assert response["Location"].startswith(reverse("interventions:today"))


def test_with_no_visits_the_page_says_so(client, officer, school_a):
    client.force_login(officer)
    assert "No home visits today" in client.get(visits_url(school_a)).content.decode()


def test_the_outsider_and_a_teacher_get_404(client, outsider, teacher, school_a):
    for user in (outsider, teacher):
        client.force_login(user)
        assert client.get(visits_url(school_a)).status_code == 404


def test_the_round_takes_the_same_queries_for_three_or_six_stops(client, officer, school_a, group_a):
    client.force_login(officer)

    def add(start):
        for i in range(start, start + 3):
            absent_pupil(school_a, group_a, f"Absent{i}", postcode=f"WF{i + 1} 1AA")
            _visit_task(school_a, absent_pupil(school_a, group_a, f"Tasked{i}", code="/"), NOW.replace(hour=14))

    add(0)
    three = _queries(client, visits_url(school_a))
    add(3)
    six = _queries(client, visits_url(school_a))
    assert sum(len(d.stops) for d in day1.visit_round(school_a, TODAY)) == 12
    assert three == six
