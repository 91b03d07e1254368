"""The daily absence view: who is absent today by year group, morning against afternoon, in risk order, each count
opening its pupils; another day by ?date=; scoped to the user; downloads as CSV and XLSX."""

import datetime as dt
import io
import zipfile
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards import daily
from schools.models import Pupil, Role
from tests.factories import GroupFactory, PupilFactory, SchoolFactory, staff
from tests.interventions.test_day1 import history, mark, school_calendar

LONDON = zoneinfo.ZoneInfo("Europe/London")
TODAY = dt.date(2026, 11, 23)  # a Monday
FRIDAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _afternoon(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 14, 0, tzinfo=LONDON), tick=False)


def _pupil(school, group, surname, year="5", **fields):
    return PupilFactory(
        school=school, group=group, legal_surname=surname, legal_forename="Pat", year_group=year, **fields
    )


def _day(school, pupil, am=None, pm=None, day=TODAY):
    if am:
        mark(school, pupil, am, day=day, session="AM")
    if pm:
        mark(school, pupil, pm, day=day, session="PM")


@pytest.fixture
def group_b(school_a):
    return GroupFactory(school=school_a, name="6B", year_group="6")


@pytest.fixture
def today_marks(school_a, group_a, group_b, pupil_a):
    """Year 5: Able absent all day (N N), Watched ill this morning (I, no PM yet), Turned absent AM and in by PM
    (O then \\), Severe absent all day with a severely absent September; the others attended all September.
    Year 6: Afternoon present then at the dentist (/ M), Here present all day, Unmarked with no mark yet."""
    school_calendar(school_a)
    history(school_a, pupil_a)
    _day(school_a, pupil_a, "N", "N")
    watched = _pupil(school_a, group_a, "Watched", watch_list=True, watch_list_reason="Known to early help")
    history(school_a, watched)
    _day(school_a, watched, "I")
    turned = _pupil(school_a, group_a, "Turned")
    history(school_a, turned)
    _day(school_a, turned, "O", "\\")
    severe = _pupil(school_a, group_a, "Severe")
    history(school_a, severe, absent=30, present=20)
    _day(school_a, severe, "O", "O")
    _day(school_a, _pupil(school_a, group_b, "Afternoon", year="6"), "/", "M")
    _day(school_a, _pupil(school_a, group_b, "Here", year="6"), "/", "\\")
    _pupil(school_a, group_b, "Unmarked", year="6")


def _view(school, **kwargs):
    return daily.day_view(school, Pupil.objects.for_trust(school.trust), TODAY, **kwargs)


def _surnames(rows):
    return [row.pupil.legal_surname for row in rows]


# --- The figures --------------------------------------------------------------------------------------------------


def test_each_year_group_counts_absence_morning_against_afternoon(school_a, today_marks):
    view = _view(school_a)
    counts = {g.year_group: (g.on_roll, g.counts) for g in view.year_groups}

    assert counts["5"] == (4, {"absent": 4, "am": 4, "pm": 2, "both": 2, "converted": 1, "no_am": 0, "no_pm": 1})
    assert counts["6"] == (3, {"absent": 1, "am": 0, "pm": 1, "both": 0, "converted": 0, "no_am": 1, "no_pm": 1})
    assert view.totals.on_roll == 7 and view.totals.counts["absent"] == 5
    assert str(view.year_groups[0].absent_pct) == "100.0"


def test_absent_pupils_are_listed_by_year_group_in_the_triage_risk_order(school_a, today_marks):
    view = _view(school_a)

    assert [(year, _surnames(rows)) for year, rows in view.by_year] == [
        ("5", ["Watched", "Severe", "Able", "Turned"]),
        ("6", ["Afternoon"]),
    ]
    watched, severe = view.rows[0], view.rows[1]
    assert watched.risk.reasons == ("Watch list: Known to early help",)
    assert severe.risk.tier.label == "Severely absent"
    assert (watched.am, watched.pm, watched.shown_as) == ("I", None, "Absent in the morning, no afternoon mark yet")
    assert view.rows[3].shown_as == "Absent in the morning, in school in the afternoon"


@pytest.mark.parametrize(
    ("show", "year", "expected"),
    [
        ("both", "", ["Severe", "Able"]),
        ("converted", "", ["Turned"]),
        ("pm", "6", ["Afternoon"]),
        ("no_am", "", ["Unmarked"]),
        ("no_pm", "5", ["Watched"]),
    ],
)
def test_each_count_has_its_own_list_of_pupils(school_a, today_marks, show, year, expected):
    assert _surnames(_view(school_a, show=show, year_group=year).rows) == expected


def test_another_day_shows_that_days_marks(school_a, pupil_a, today_marks):
    _day(school_a, pupil_a, "M", "/", day=FRIDAY)
    view = daily.day_view(school_a, Pupil.objects.for_trust(school_a.trust), FRIDAY)
    assert _surnames(view.rows) == ["Able"]
    assert {r.pupil.legal_surname: (r.am, r.pm) for r in view.rows}["Able"] == ("M", "/")


# --- The page -------------------------------------------------------------------------------------------------------


def _get(client, user, school, **params):
    client.force_login(user)
    return client.get(reverse("dashboards:today", args=[school.pk]), params)


def test_the_head_sees_the_counts_and_every_count_links_to_its_pupils(client, head, school_a, today_marks):
    response = _get(client, head, school_a)
    html = response.content.decode()

    assert response.status_code == 200
    assert "Absent today" in html and "Year 5" in html
    link = f'href="{reverse("dashboards:today", args=[school_a.pk])}?show=converted&amp;show_year=5#pupils"'
    assert link in html
    followed = client.get(reverse("dashboards:today", args=[school_a.pk]), {"show": "converted", "show_year": "5"})
    assert _surnames(followed.context["view"].rows) == ["Turned"]
    assert "risk--1" in html and "Watch list: Known to early help" in html


def test_the_page_keeps_another_day_in_its_links(client, head, school_a, pupil_a, today_marks):
    _day(school_a, pupil_a, "M", "/", day=FRIDAY)
    html = _get(client, head, school_a, date="2026-11-20").content.decode()
    assert "Absent on Friday 20 November 2026" in html
    assert "date=2026-11-20&amp;show=absent&amp;show_year=5#pupils" in html
    assert f'href="{reverse("dashboards:today", args=[school_a.pk])}?date=2026-11-23"' in html  # the next school day


def test_a_date_that_is_not_a_date_is_reported_and_today_is_shown(client, head, school_a, today_marks):
    response = _get(client, head, school_a, date="yesterday")
    assert response.context["day"] == TODAY
    assert "“yesterday” is not a date" in response.content.decode()


def test_filters_in_the_url_narrow_the_pupils(client, head, school_a, group_b, today_marks):
    response = _get(client, head, school_a, group=group_b.pk)
    assert [g.year_group for g in response.context["view"].year_groups] == ["6"]


def test_a_teacher_sees_only_the_group_they_tutor(client, teacher, school_a, today_marks):
    response = _get(client, teacher, school_a)
    assert response.status_code == 200
    assert [g.year_group for g in response.context["view"].year_groups] == ["5"]
    html = response.content.decode()
    assert "Afternoon" not in html and "Unmarked" not in html
    assert "Coding summary" not in html  # a whole-school page


def test_a_school_outside_the_users_schools_is_404(client, head, outsider, school_a, school_b, trust_a):
    other = SchoolFactory(trust=trust_a, name="Gamma Junior", urn="300001")
    assert _get(client, head, other).status_code == 404
    assert _get(client, head, school_b).status_code == 404
    assert _get(client, outsider, school_a).status_code == 404


def test_the_office_is_pointed_to_the_triage_and_home_visits(client, school_a, today_marks):
    officer = staff(school_a.trust, Role.Kind.ATTENDANCE_OFFICER, school_a, username="officer")
    html = _get(client, officer, school_a).content.decode()
    assert f"{reverse('interventions:today')}?school={school_a.pk}" in html
    assert f"{reverse('interventions:visits')}?school={school_a.pk}" in html


def test_the_list_downloads_as_csv_with_each_pupils_sessions_and_risk(client, head, school_a, today_marks):
    response = _get(client, head, school_a, show="both", format="csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert response["Content-Disposition"] == 'attachment; filename="absent-100001-2026-11-23-both.csv"'
    assert lines[0].startswith("Year,Group,UPN,Surname,Forename,AM,PM,Pattern,Risk")
    assert [line.split(",")[3] for line in lines[1:]] == ["Severe", "Able"]
    assert ",O,O,Absent all day,Severely absent," in lines[1]


def test_the_list_downloads_as_xlsx(client, head, school_a, today_marks):
    response = _get(client, head, school_a, format="xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "Watched" in strings and "Known to early help" in strings


def test_the_page_costs_the_same_queries_however_many_pupils_are_absent(client, head, school_a, group_a, today_marks):
    def queries():
        client.force_login(head)
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("dashboards:today", args=[school_a.pk]))
        return len(captured)

    before = queries()
    for n in range(3):
        _day(school_a, _pupil(school_a, group_a, f"Extra{n}"), "O", "O")
    assert queries() == before
