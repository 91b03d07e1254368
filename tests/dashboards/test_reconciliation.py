"""Reconciliation: the year to date counted the DfE's way (equal to the `attendance` command), beside this term, this
half-term, a chosen window and a naive count, each with its window, population and a line on why it differs; the
pupils behind each figure; downloads; whole-school roles only."""

import datetime as dt
import json
import zoneinfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards import daily
from registers.statistics import SessionCounts
from schools.models import Enrolment, Pupil
from tests.factories import EnrolmentFactory
from tests.interventions.test_day1 import school_calendar
from tests.interventions.test_facts import present, pupil_at, record

LONDON = zoneinfo.ZoneInfo("Europe/London")
TODAY = dt.date(2026, 11, 25)
D = dt.date


@pytest.fixture(autouse=True)
def _afternoon(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 25, 16, 0, tzinfo=LONDON), tick=False)


def _week(monday):
    return [monday + dt.timedelta(days=n) for n in range(5)]


@pytest.fixture
def school(school_a):
    """Able 2 of 22 missed; Baker 2 of 30, all this half-term (PA here, not over the year); Cole 4 of 20, all last
    half-term (PA over the year, not here); a leaver (left 16 Oct, 2 of 4: SA); a joiner (from 1 Oct) with O O
    recorded before admission."""
    school_calendar(school_a)
    able, baker, cole = (pupil_at(school_a, name) for name in ("Able", "Baker", "Cole"))
    record(school_a, able, {**present(*_week(D(2026, 9, 7)), *_week(D(2026, 11, 16))), D(2026, 9, 14): ("O", "O")})
    autumn_2 = present(*_week(D(2026, 11, 16)))
    record(
        school_a,
        baker,
        {**present(*_week(D(2026, 9, 7)), *_week(D(2026, 9, 14))), **autumn_2, D(2026, 11, 16): ("O", "O")},
    )
    record(
        school_a,
        cole,
        {**present(*_week(D(2026, 9, 7))[2:]), **autumn_2, D(2026, 9, 7): ("I", "I"), D(2026, 9, 8): ("I", "I")},
    )
    leaver = pupil_at(school_a, "Leaver")
    Enrolment.objects.filter(pupil=leaver).update(ends=D(2026, 10, 16))
    record(school_a, leaver, {D(2026, 10, 15): ("O", "O"), D(2026, 10, 16): ("/", "\\")})
    joiner = pupil_at(school_a, "Joiner", enrolled=False)
    EnrolmentFactory(pupil=joiner, school=school_a, starts=D(2026, 10, 1))
    record(school_a, joiner, {D(2026, 9, 28): ("O", "O"), D(2026, 10, 1): ("/", "\\")})
    return school_a


def _recon(school, custom=None):
    return daily.reconciliation(school, Pupil.objects.for_trust(school.trust), TODAY, custom)


def _names(ids):
    return sorted(Pupil.objects.filter(pk__in=ids).values_list("legal_surname", flat=True))


def test_the_year_to_date_equals_the_attendance_command(capsys, school):
    call_command("attendance", school.urn, "--json", "--from", "2026-08-01", "--to", TODAY.isoformat())
    expected = json.loads(capsys.readouterr().out)["school"]
    year = _recon(school).figures(daily.YEAR)

    assert (year.totals.possible, float(year.totals.attendance_pct)) == (
        expected["possible"],
        expected["attendance_pct"],
    )
    assert (len(year.persistent), len(year.severe)) == (expected["persistent_pupils"], expected["severe_pupils"])
    assert (year.totals.possible, year.totals.absent, len(year.counted)) == (78, 10, 5)
    assert _names(year.persistent) == ["Cole", "Leaver"] and _names(year.severe) == ["Leaver"]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2026, 9, 9), D(2026, 11, 18)),  # Wednesday to Wednesday, across the half-term holiday
        (D(2026, 9, 1), D(2026, 9, 30)),
        (D(2026, 10, 16), D(2026, 10, 16)),  # the leaver's last day
        (D(2026, 10, 12), D(2026, 11, 8)),  # Monday to Sunday: whole weeks only
        (D(2026, 8, 1), TODAY),
    ],
)
def test_any_window_equals_the_attendance_command_for_it(capsys, school, start, end):
    call_command("attendance", school.urn, "--json", "--from", start.isoformat(), "--to", end.isoformat())
    expected = {row.pop("upn"): row for row in json.loads(capsys.readouterr().out)["pupils"]}
    counted = daily.window_counts(school, Pupil.objects.for_trust(school.trust), start, end)
    for pupil in Pupil.objects.for_trust(school.trust).filter(upn__in=expected):
        assert counted.get(pupil.pk, SessionCounts()).as_dict() == expected[pupil.upn], pupil.legal_surname


def test_each_window_is_labelled_with_its_dates_and_population(school):
    windows = [(f.window.key, f.window.label, f.window.start, f.window.end) for f in _recon(school).rows]
    assert windows == [
        ("year", "Year to date (the DfE's window)", D(2026, 8, 1), TODAY),
        ("term", "Autumn term to date", D(2026, 9, 2), TODAY),
        ("half_term", "Autumn 2 to date", D(2026, 11, 2), TODAY),
        ("naive", "Naive count", D(2026, 8, 1), TODAY),
    ]
    assert "leavers up to their leaving date" in _recon(school).rows[0].window.population
    assert "enrolment dates ignored" in _recon(school).rows[-1].window.population


def test_a_shorter_window_judges_persistent_absence_on_its_own_sessions(school):
    recon = _recon(school)
    assert recon.figures(daily.TERM).explanation == (
        "The same sessions as the year to date (none before 2 September 2026), so the same figures."
    )
    half = recon.figures(daily.HALF_TERM)
    assert (half.totals.possible, _names(half.persistent)) == (30, ["Baker"])
    assert half.explanation == (
        "Counts 30 of the year's 78 possible sessions, from 2 November 2026; persistent absence is judged on each "
        "pupil's sessions in this window alone, so 1 pupil is persistently absent here but not over the year, and 2 "
        "the other way."
    )


def test_the_naive_count_leaves_out_leavers_and_counts_marks_outside_enrolments(school):
    recon = _recon(school)
    naive = recon.figures(daily.NAIVE)
    assert (naive.totals.possible, _names(naive.persistent)) == (76, ["Cole", "Joiner"])
    assert naive.explanation == (
        "Leaves out 1 pupil no longer on roll (4 possible sessions; 1 of them persistently absent) and counts 2 "
        "possible sessions recorded outside the pupils' enrolment dates."
    )
    assert _names(recon.leavers) == ["Leaver"]


def test_a_chosen_window_is_counted_the_dfes_way_too(school):
    custom = _recon(school, (D(2026, 9, 1), D(2026, 9, 30))).figures(daily.CUSTOM)
    assert (custom.window.label, custom.totals.possible, _names(custom.persistent)) == (
        "Chosen window",
        42,
        ["Able", "Cole"],
    )


def test_nursery_pupils_are_counted_apart_for_the_dfes_cohort(school):
    Pupil.objects.filter(legal_surname="Able").update(year_group="N2")
    assert _recon(school).nursery == 1


@pytest.mark.parametrize(
    ("spans", "on", "expected"),
    [
        (
            [
                ("Autumn 1", D(2026, 9, 2), D(2026, 10, 23)),
                ("Autumn 2", D(2026, 11, 2), D(2026, 12, 18)),
                ("Spring 1", D(2027, 1, 4), D(2027, 2, 12)),
                ("Spring 2", D(2027, 2, 22), D(2027, 3, 26)),
            ],
            D(2027, 2, 16),  # the February half-term holiday
            ("Spring term", D(2027, 1, 4), D(2027, 3, 26)),
        ),
        (
            [
                ("Michaelmas A", D(2026, 9, 2), D(2026, 10, 23)),
                ("Michaelmas B", D(2026, 11, 2), D(2026, 12, 18)),
                ("Lent", D(2027, 1, 4), D(2027, 3, 26)),
            ],
            D(2027, 1, 10),
            ("Lent term", D(2027, 1, 4), D(2027, 3, 26)),
        ),
        (
            [("First", D(2026, 9, 2), D(2026, 10, 23)), ("Second", D(2026, 11, 2), D(2026, 12, 18))],
            D(2026, 11, 3),
            ("Term 1", D(2026, 9, 2), D(2026, 12, 18)),
        ),
        ([("Autumn 1", D(2026, 9, 2), D(2026, 10, 23))], D(2026, 8, 20), None),
    ],
)
def test_terms_are_pairs_of_half_terms(spans, on, expected):
    assert daily.latest_started(daily.terms_of(spans), on) == expected


# --- The page -------------------------------------------------------------------------------------------------------


def _get(client, user, school, **params):
    client.force_login(user)
    return client.get(reverse("dashboards:reconciliation", args=[school.pk]), params)


def test_the_page_shows_each_window_with_its_explanation(client, head, school):
    response = _get(client, head, school)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Year to date (the DfE&#x27;s window)" in html and "Autumn 2 to date" in html and "Naive count" in html
    assert "Leaves out 1 pupil no longer on roll" in html
    base = reverse("dashboards:reconciliation", args=[school.pk])
    assert f'href="{base}?window=half_term&amp;measure=gained#pupils"' in html
    assert f'href="{base}?window=naive&amp;measure=leavers#pupils"' in html


@pytest.mark.parametrize(
    ("window", "measure", "expected"),
    [
        ("year", "pa", ["Cole", "Leaver"]),
        ("year", "sa", ["Leaver"]),
        ("half_term", "gained", ["Baker"]),
        ("half_term", "lost", ["Cole", "Leaver"]),
        ("naive", "leavers", ["Leaver"]),
        ("naive", "counted", ["Able", "Baker", "Cole", "Joiner"]),
    ],
)
def test_every_figure_opens_its_pupils(client, head, school, window, measure, expected):
    rows = _get(client, head, school, window=window, measure=measure).context["listed_rows"]
    assert sorted(pupil.legal_surname for pupil, _ in rows) == expected


def test_an_unknown_list_or_table_is_404(client, head, school):
    assert _get(client, head, school, window="decade", measure="pa").status_code == 404
    assert _get(client, head, school, window="year", measure="everyone").status_code == 404
    assert _get(client, head, school, format="csv", table="pupils").status_code == 404  # no list chosen
    assert _get(client, head, school, format="csv", table="everything").status_code == 404


def test_a_chosen_window_comes_from_the_url(client, head, school):
    recon = _get(client, head, school, start="2026-09-01", end="2026-09-30").context["recon"]
    assert recon.figures(daily.CUSTOM).window.end == D(2026, 9, 30)


def test_the_figures_and_the_pupils_download(client, head, school):
    summary = _get(client, head, school, format="csv").content.decode("utf-8-sig").splitlines()
    assert summary[0].startswith("Window,From,To,Population,Pupils counted,Possible,Attended,Attendance %")
    assert summary[1].startswith("Year to date (the DfE's window),2026-08-01,2026-11-25,")
    assert ",5,78,68,87.2,12.8,2,40.0,1,20.0," in summary[1]
    pupils = _get(client, head, school, window="year", measure="pa", table="pupils", format="csv")
    lines = pupils.content.decode("utf-8-sig").splitlines()
    assert [line.split(",")[4] for line in lines[1:]] == ["Cole", "Leaver"]


def test_reconciliation_is_for_whole_school_roles(client, teacher, outsider, lead, school):
    assert _get(client, teacher, school).status_code == 404
    assert _get(client, outsider, school).status_code == 404
    assert _get(client, lead, school).status_code == 200


def test_the_page_costs_the_same_queries_however_many_pupils_are_counted(client, head, school):
    def queries():
        client.force_login(head)
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("dashboards:reconciliation", args=[school.pk]), {"window": "year", "measure": "counted"})
        return len(captured)

    before = queries()
    for n in range(3):
        record(school, pupil_at(school, f"More{n}"), {D(2026, 9, 14): ("O", "O"), D(2026, 11, 16): ("/", "\\")})
    assert queries() == before
