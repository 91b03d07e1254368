"""Early warning: pupils with any absence in the year's first two school weeks, pupils persistently absent last year
at any of the trust's schools, and pupils whose latest four school weeks put them on course to become persistently
absent; the page, its rule, its downloads and its scope."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards import daily
from schools.models import Enrolment, Pupil
from schools.services import rebuild_school_days
from tests.factories import EnrolmentFactory, HalfTermFactory, PupilFactory, SchoolFactory
from tests.interventions.test_day1 import history, school_calendar
from tests.interventions.test_facts import present, record

LONDON = zoneinfo.ZoneInfo("Europe/London")
TODAY = dt.date(2026, 11, 23)  # a Monday; 24 Nov - 18 Dec leaves 38 sessions
JUNE = [dt.date(2026, 6, d) for d in (1, 2, 3, 4, 5)]


@pytest.fixture(autouse=True)
def _afternoon(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 16, 0, tzinfo=LONDON), tick=False)


def _last_summer(school):
    """Last year's Summer 2 half-term beside this autumn, so PupilWeek has last year's weeks."""
    HalfTermFactory(school=school, name="Summer 2", starts=dt.date(2026, 6, 1), ends=dt.date(2026, 7, 17))
    rebuild_school_days(school)


def _on_roll_since_last_year(school, surname, group=None):
    pupil = PupilFactory(school=school, enrolled=False, legal_surname=surname, legal_forename="Pat", group=group)
    EnrolmentFactory(pupil=pupil, school=school, starts=dt.date(2025, 9, 1))
    return pupil


@pytest.fixture
def pupils(school_a, group_a, trust_a):
    school_calendar(school_a)
    _last_summer(school_a)
    made = {}

    made["early"] = PupilFactory(school=school_a, legal_surname="Early", group=group_a)
    record(school_a, made["early"], {dt.date(2026, 9, 3): ("I", "/"), **present(dt.date(2026, 9, 8))})

    made["last_pa"] = _on_roll_since_last_year(school_a, "Lastpa")
    record(school_a, made["last_pa"], {**present(*JUNE[:4]), JUNE[4]: ("O", "O")})  # 2 of 10: 20%
    made["last_fine"] = _on_roll_since_last_year(school_a, "Lastfine")
    record(school_a, made["last_fine"], present(*JUNE))

    # Persistently absent last year at another of the trust's schools, then moved here.
    before = SchoolFactory(trust=trust_a, name="Gamma Junior", urn="300001")
    _last_summer(before)
    made["moved"] = PupilFactory(school=school_a, legal_surname="Moved")
    EnrolmentFactory(pupil=made["moved"], school=before, starts=dt.date(2025, 9, 1), ends=dt.date(2026, 7, 17))
    record(before, made["moved"], {JUNE[0]: ("O", "O"), **present(*JUNE[1:])})

    # 50 sessions present in September and October, then 4 of 10 missed in the four school weeks before this one
    # (19 Oct to 16 Nov; 26 Oct is a holiday) and present this morning: (4 + 4/10 x 38) / (62 + 38) = 19.2%.
    made["drifting"] = PupilFactory(school=school_a, legal_surname="Drifting", group=group_a)
    history(school_a, made["drifting"], absent=0, present=50)
    latest = [dt.date(2026, 11, d) for d in (16, 17, 18, 19, 20)]
    record(school_a, made["drifting"], {**present(*latest[2:], TODAY), latest[0]: ("O", "O"), latest[1]: ("O", "O")})
    made["steady"] = PupilFactory(school=school_a, legal_surname="Steady")
    history(school_a, made["steady"], absent=0, present=50)
    record(school_a, made["steady"], present(*latest, TODAY))
    return made


def _warning(school):
    return daily.early_warning(school, Pupil.objects.for_trust(school.trust), TODAY)


def _surnames(rows):
    return [row.pupil.legal_surname for row in rows]


def test_the_first_two_school_weeks_are_those_of_the_calendar(school_a, pupils):
    assert _warning(school_a).first_weeks == [dt.date(2026, 8, 31), dt.date(2026, 9, 7)]


def test_any_absence_in_the_first_two_weeks_lists_the_pupil(school_a, pupils):
    [row] = _warning(school_a).absent_early
    assert row.pupil == pupils["early"]
    assert (row.counts.possible, row.counts.absent, row.counts.unauthorised) == (4, 1, 0)


def test_pupils_persistently_absent_last_year_at_any_of_the_trusts_schools(school_a, pupils):
    warning = _warning(school_a)
    assert _surnames(warning.persistent_last_year) == ["Lastpa", "Moved"]
    assert str(warning.persistent_last_year[0].counts.attendance_pct) == "80.0"
    assert warning.last_year_label == "2025/26"
    assert warning.new_to_trust == 3  # Early, Drifting and Steady have no weeks last year


def test_a_pupil_whose_latest_weeks_project_past_ten_percent_is_on_course(school_a, pupils):
    warning = _warning(school_a)
    [row] = warning.on_course
    assert row.pupil == pupils["drifting"]
    assert warning.recent_weeks == [dt.date(2026, 10, 19), *(dt.date(2026, 11, d) for d in (2, 9, 16))]
    assert (row.counts.possible, row.counts.absent) == (10, 4)
    assert (row.year.possible, row.year.absent) == (62, 4)
    assert str(row.projection.projected_pct) == "19.2"


def test_a_pupil_already_persistently_absent_is_not_on_course_to_become_it(school_a, pupils):
    record(school_a, pupils["steady"], {dt.date(2026, 11, d): ("O", "O") for d in (9, 10, 11, 12, 13, 24)})
    assert pupils["steady"] not in [row.pupil for row in _warning(school_a).on_course]


def test_only_pupils_on_roll_today_are_listed(school_a, pupils):
    Enrolment.objects.filter(pupil=pupils["last_pa"]).update(ends=dt.date(2026, 11, 20))
    assert _surnames(_warning(school_a).persistent_last_year) == ["Moved"]


# --- The page -------------------------------------------------------------------------------------------------------


def _get(client, user, school, **params):
    client.force_login(user)
    return client.get(reverse("dashboards:early_warning", args=[school.pk]), params)


def test_the_page_shows_each_list_and_says_the_rule(client, head, school_a, pupils):
    response = _get(client, head, school_a)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#first-weeks">1</a>' in html and '<a href="#last-year">2</a>' in html
    assert '<a href="#on-course">1</a>' in html
    assert "over the 4 school weeks before this one (from 19 October), carried on over the 38 sessions left" in html
    assert "19.2%" in html and "Persistently absent last year (2025/26)" in html


@pytest.mark.parametrize(
    ("table", "header", "surnames"),
    [
        ("first_weeks", "Possible in the first weeks", ["Early"]),
        ("last_year", "Attendance % last year", ["Lastpa", "Moved"]),
        ("on_course", "Projected absence % at year end", ["Drifting"]),
    ],
)
def test_each_list_downloads_on_its_own(client, head, school_a, pupils, table, header, surnames):
    response = _get(client, head, school_a, format="csv", table=table)
    lines = response.content.decode("utf-8-sig").splitlines()
    assert header in lines[0]
    assert [line.split(",")[3] for line in lines[1:]] == surnames


def test_an_unknown_list_is_404(client, head, school_a, pupils):
    assert _get(client, head, school_a, format="csv", table="everyone").status_code == 404


def test_a_teacher_sees_their_groups_pupils_only(client, teacher, school_a, pupils):
    warning = _get(client, teacher, school_a).context["warning"]
    assert _surnames(warning.absent_early) == ["Early"] and _surnames(warning.on_course) == ["Drifting"]
    assert warning.persistent_last_year == []


def test_another_trusts_head_gets_404(client, outsider, school_a, pupils):
    assert _get(client, outsider, school_a).status_code == 404


def test_the_page_costs_the_same_queries_however_many_pupils_are_listed(client, head, school_a, group_a, pupils):
    def queries():
        client.force_login(head)
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("dashboards:early_warning", args=[school_a.pk]))
        return len(captured)

    before = queries()
    for n in range(3):
        pupil = _on_roll_since_last_year(school_a, f"More{n}", group=group_a)
        record(school_a, pupil, {JUNE[0]: ("O", "O"), dt.date(2026, 9, 3): ("O", "O"), dt.date(2026, 11, 16): "O"})
    assert queries() == before
