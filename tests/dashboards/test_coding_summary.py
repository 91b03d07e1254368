"""The coding summary: marks by code and by day from the day counts, lates, N past the school's limit, B and D to
check, the pupils behind each day and code, a date range and year group in the URL, downloads, and who may see it."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards import daily
from schools.models import Role
from tests.factories import staff
from tests.interventions.test_day1 import school_calendar
from tests.interventions.test_facts import pupil_at, record

LONDON = zoneinfo.ZoneInfo("Europe/London")
TODAY = dt.date(2026, 11, 23)
LAST_MONDAY = dt.date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _afternoon(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 16, 0, tzinfo=LONDON), tick=False)


@pytest.fixture
def coded(school_a):
    """Two Mondays of four pupils' marks: 16 marks, N x3 (two on 16 Nov, past the 5-school-day limit), L, U, B x2,
    D x2."""
    school_calendar(school_a)
    pupils = {name: pupil_at(school_a, name) for name in ("Able", "Baker", "Cole")}
    pupils["Dean"] = pupil_at(school_a, "Dean", year_group="6")
    record(school_a, pupils["Able"], {LAST_MONDAY: ("N", "N"), TODAY: ("/", "\\")})
    record(school_a, pupils["Baker"], {LAST_MONDAY: ("L", "\\"), TODAY: ("/", "\\")})
    record(school_a, pupils["Cole"], {LAST_MONDAY: ("U", "\\"), TODAY: ("D", "D")})
    record(school_a, pupils["Dean"], {LAST_MONDAY: ("B", "B"), TODAY: ("N", "\\")})
    return pupils


def _summary(school, year=""):
    return daily.coding_summary(school, LAST_MONDAY, TODAY, year, TODAY)


def test_marks_by_code_are_shares_of_every_mark(school_a, coded):
    summary = _summary(school_a)
    assert summary.marks == 16
    assert [(c.code, c.sessions, str(c.share)) for c in summary.codes] == [
        ("\\", 5, "31.3"),
        ("N", 3, "18.8"),
        ("/", 2, "12.5"),
        ("B", 2, "12.5"),
        ("D", 2, "12.5"),
        ("L", 1, "6.3"),
        ("U", 1, "6.3"),
    ]


def test_marks_by_day_count_attendance_lates_and_the_codes_to_check(school_a, coded):
    today, monday = _summary(school_a).days
    assert (today.date, today.marks, today.possible, today.attended, str(today.attendance_pct)) == (
        TODAY,
        8,
        6,
        5,
        "83.3",
    )
    assert today.by_code == {"N": 1, "L": 0, "U": 0, "B": 0, "D": 2}
    assert (monday.possible, monday.attended, str(monday.late_pct)) == (8, 5, "25.0")
    assert monday.by_code == {"N": 2, "L": 1, "U": 1, "B": 2, "D": 0}


def test_n_marks_past_the_schools_limit_are_counted_apart(school_a, coded):
    assert _summary(school_a).open_n == daily.OpenN(cutoff=LAST_MONDAY, overdue=2, open=3)
    school_a.reason_deadline_days = 6
    assert _summary(school_a).open_n == daily.OpenN(cutoff=dt.date(2026, 11, 13), overdue=0, open=3)


def test_a_year_group_narrows_the_counts(school_a, coded):
    summary = _summary(school_a, year="6")
    assert summary.marks == 4 and {c.code: c.sessions for c in summary.codes} == {"B": 2, "N": 1, "\\": 1}


# --- The page -------------------------------------------------------------------------------------------------------


def _get(client, user, school, **params):
    client.force_login(user)
    return client.get(reverse("dashboards:coding", args=[school.pk]), {"start": "2026-11-16", **params})


def test_the_page_links_every_count_to_its_pupils(client, head, school_a, coded):
    response = _get(client, head, school_a)
    html = response.content.decode()
    base = reverse("dashboards:coding", args=[school_a.pk])
    assert response.status_code == 200
    assert f'href="{base}?start=2026-11-16&amp;code=N&amp;day=2026-11-16#pupils"' in html
    assert f'href="{base}?start=2026-11-16&amp;code=N&amp;overdue=1#pupils"' in html
    assert "2 N sessions are past the school&#x27;s limit of 5 school days" in html
    assert "B (any other approved educational activity) was used for 2 sessions (12.5% of marks)" in html
    assert "D (dual registered) was used for 2 sessions" in html
    assert '<svg class="chart__svg"' in html


def test_the_pupils_behind_a_day_and_a_code(client, head, school_a, coded):
    response = _get(client, head, school_a, code="N", day="2026-11-16")
    assert [(m.pupil.legal_surname, m.session) for m in response.context["marks"]] == [("Able", "AM"), ("Able", "PM")]
    html = response.content.decode()
    assert "Coded N on Monday 16 November 2026: 2 sessions" in html


def test_the_pupils_behind_a_code_over_the_window(client, head, school_a, coded):
    rows = _get(client, head, school_a, code="N").context["coded"]
    assert [(r.pupil.legal_surname, r.sessions, r.first, r.last) for r in rows] == [
        ("Able", 2, LAST_MONDAY, LAST_MONDAY),
        ("Dean", 1, TODAY, TODAY),
    ]
    overdue = _get(client, head, school_a, code="N", overdue="1").context["coded"]
    assert [r.pupil.legal_surname for r in overdue] == ["Able"]


def test_a_code_that_is_not_a_register_code_lists_no_one(client, head, school_a, coded):
    response = _get(client, head, school_a, code="H")
    assert response.context["coded"] == [] and "“H” is not a register code" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "first_line", "second_line"),
    [
        ({"table": "codes"}, "Code,Meaning,Category,Sessions,% of marks", "\\,Present at afternoon registration"),
        (
            {"table": "days"},
            "Date,Marks,Possible,Attended,Attendance %,N sessions",
            "2026-11-23,8,6,5,83.3,1,0,0,0,2,0.0",
        ),
        ({"table": "pupils", "code": "N", "day": "2026-11-16"}, "Date,Session,Code,Year", "2026-11-16,AM,N,5"),
        ({"table": "pupils", "code": "N"}, "Code,Year,Group,UPN,Surname,Forename,Sessions", "N,5,,"),
    ],
)
def test_each_table_downloads(client, head, school_a, coded, params, first_line, second_line):
    response = _get(client, head, school_a, format="csv", **params)
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith(first_line) and lines[1].startswith(second_line)


def test_the_pupil_table_needs_a_code(client, head, school_a, coded):
    assert _get(client, head, school_a, format="csv", table="pupils").status_code == 404


def test_the_whole_school_summary_is_not_for_a_teacher(client, teacher, school_a, coded):
    assert _get(client, teacher, school_a).status_code == 404


def test_a_dsl_and_the_trust_lead_may_see_it_and_another_trust_may_not(client, lead, outsider, school_a, coded):
    dsl = staff(school_a.trust, Role.Kind.DSL, school_a, username="dsl")
    assert _get(client, dsl, school_a).status_code == 200
    assert _get(client, lead, school_a).status_code == 200
    assert _get(client, outsider, school_a).status_code == 404


def test_the_page_costs_the_same_queries_however_many_pupils_have_marks(client, head, school_a, coded):
    def queries():
        client.force_login(head)
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("dashboards:coding", args=[school_a.pk]), {"start": "2026-11-16", "code": "N"})
        return len(captured)

    before = queries()
    for n in range(3):
        record(school_a, pupil_at(school_a, f"More{n}"), {LAST_MONDAY: ("N", "B"), TODAY: ("U", "D")})
    assert queries() == before
