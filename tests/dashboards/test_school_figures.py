"""The school dashboards' figures (dashboards.figures) equal the live statistics and the `attendance` command.

The figures are read from the summary tables; these tests write marks through the real path (upsert_marks, which
keeps the summaries) and compare with what `manage.py attendance URN --json` and registers.attendance count from the
marks themselves, over the same whole weeks. The pure rules (RAG, at-risk weeks, lining weeks up) need no database.
"""

import datetime as dt
import io
import json
import zoneinfo
from decimal import Decimal

import pytest
from django.core.management import call_command

from dashboards import figures
from dashboards.figures import Window
from registers.attendance import school_statistics
from registers.models import Mark
from registers.services import MarkInput, upsert_marks
from registers.statistics import SessionCounts
from schools.models import Enrolment, Pupil
from tests.factories import EnrolmentFactory, GroupFactory, PupilFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
TODAY = dt.date(2026, 9, 25)  # a Friday, three school weeks into the year
THIS_YEAR = [dt.date(2026, 9, 7), dt.date(2026, 9, 14), dt.date(2026, 9, 21)]
LAST_YEAR = [monday - dt.timedelta(days=364) for monday in THIS_YEAR]  # 8, 15 and 22 September 2025
YEAR_TO_DATE = Window(dt.date(2026, 8, 1), TODAY)


def freeze_today(time_machine) -> dt.date:
    time_machine.move_to(dt.datetime(2026, 9, 25, 15, 0, tzinfo=LONDON), tick=False)
    return TODAY


@pytest.fixture
def today(time_machine):
    return freeze_today(time_machine)


def week(school, pupil, monday, codes):
    """Record up to ten codes for the week of `monday`: Monday AM, Monday PM, Tuesday AM, ... ("" skips one)."""
    marks = []
    for n, code in enumerate(codes):
        if not code:
            continue
        day, session = monday + dt.timedelta(days=n // 2), ("AM", "PM")[n % 2]
        if code == "/" and session == "PM":
            code = "\\"
        marks.append(MarkInput(pupil.pk, day, session, code))
    upsert_marks(school=school, marks=marks, source=Mark.Source.IMPORT)


PRESENT = ["/"] * 10


def since_last_year(pupil):
    """On roll from September 2025, so last year's marks count."""
    Enrolment.objects.filter(pupil=pupil).update(starts=dt.date(2025, 9, 1))


@pytest.fixture
def school_year(school_a, group_a, pupil_a, today):
    return build_school_year(school_a, group_a, pupil_a)


def build_school_year(school_a, group_a, pupil_a):
    """Alpha Primary, three weeks this year and the same three weeks last year.

    Ann Able (5A, FSM): 4 of 30 absent this year (PA); present all last year.
    Bea Bright (5A, PP, EAL): one L and one U this year (U is unauthorised absence).
    Cal Cole (6B, SEN support, male): 16 of 30 absent this year (SA); 4 of 30 last year (PA).
    Dee Dunn (6B, EHC plan, looked after, male): joined on 14 September; marks from the week before do not count.
    Eve Eady (5): left in July 2026 after a severe last year; counted last year only.
    Fay Ford (6B): 2 absent of 24 possible (three days coded X): at risk, 91.7%.
    """
    group_6b = GroupFactory(school=school_a, name="6B", year_group="6")
    Pupil.objects.filter(pk=pupil_a.pk).update(fsm=True)
    bea = PupilFactory(
        school=school_a, group=group_a, legal_surname="Bright", legal_forename="Bea", pupil_premium=True, eal=True
    )
    cal = PupilFactory(
        school=school_a, group=group_6b, year_group="6", legal_surname="Cole", legal_forename="Cal", sen="K", gender="M"
    )
    dee = PupilFactory(
        school=school_a,
        group=group_6b,
        year_group="6",
        legal_surname="Dunn",
        legal_forename="Dee",
        sen="E",
        looked_after=True,
        gender="M",
        enrolled=False,
    )
    EnrolmentFactory(pupil=dee, school=school_a, starts=dt.date(2026, 9, 14))
    eve = PupilFactory(school=school_a, group=group_a, legal_surname="Eady", legal_forename="Eve", enrolled=False)
    EnrolmentFactory(pupil=eve, school=school_a, starts=dt.date(2025, 9, 1), ends=dt.date(2026, 7, 22))
    fay = PupilFactory(school=school_a, group=group_6b, year_group="6", legal_surname="Ford", legal_forename="Fay")
    for pupil in (pupil_a, cal, bea):
        since_last_year(pupil)

    week(school_a, pupil_a, THIS_YEAR[0], ["I", "I", *["/"] * 8])
    week(school_a, pupil_a, THIS_YEAR[1], PRESENT)
    week(school_a, pupil_a, THIS_YEAR[2], ["O", "O", *["/"] * 8])
    week(school_a, bea, THIS_YEAR[0], ["L", *["/"] * 9])
    week(school_a, bea, THIS_YEAR[1], ["U", *["/"] * 9])
    week(school_a, bea, THIS_YEAR[2], ["/", "/", "V", "V", *["/"] * 6])
    week(school_a, cal, THIS_YEAR[0], ["G"] * 10)
    week(school_a, cal, THIS_YEAR[1], ["N"] * 6 + ["/"] * 4)
    week(school_a, cal, THIS_YEAR[2], ["/"] * 10)
    week(school_a, dee, THIS_YEAR[0], ["O"] * 10)  # before admission: not counted
    week(school_a, dee, THIS_YEAR[1], ["M", *["/"] * 9])
    week(school_a, dee, THIS_YEAR[2], ["/"] * 10)
    week(school_a, fay, THIS_YEAR[0], ["X"] * 6 + ["/"] * 4)
    week(school_a, fay, THIS_YEAR[1], ["I", "I", *["/"] * 8])
    week(school_a, fay, THIS_YEAR[2], PRESENT)

    for monday in LAST_YEAR:
        week(school_a, pupil_a, monday, PRESENT)
        week(school_a, bea, monday, PRESENT)
        week(school_a, eve, monday, ["O"] * 6 + ["/"] * 4)
    week(school_a, cal, LAST_YEAR[0], ["I", "I", "I", "I", *["/"] * 6])
    week(school_a, cal, LAST_YEAR[1], PRESENT)
    week(school_a, cal, LAST_YEAR[2], PRESENT)
    return {"ann": pupil_a, "bea": bea, "cal": cal, "dee": dee, "eve": eve, "fay": fay, "6B": group_6b}


def attendance_json(school, *window):
    args = [school.urn, "--json"]
    if window:
        args += ["--from", window[0].isoformat(), "--to", window[1].isoformat()]
    out = io.StringIO()
    call_command("attendance", *args, stdout=out)
    return json.loads(out.getvalue())["school"]


def as_command_totals(group: figures.GroupFigures) -> dict:
    counts = group.counts.as_dict()
    del counts["persistent"], counts["severe"]
    return {**counts, "persistent_pupils": group.persistent, "severe_pupils": group.severe}


def command_totals(totals: dict) -> dict:
    return {k: v for k, v in totals.items() if k not in {"urn", "name", "from", "to", "pupils"}}


# --- Against the attendance command ---------------------------------------------------------------------------


def test_year_to_date_headlines_equal_the_attendance_commands_totals(school_a, school_year):
    figures_now = figures.breakdown(school_a, YEAR_TO_DATE).all
    command = attendance_json(school_a)

    assert as_command_totals(figures_now) == command_totals(command)
    assert (figures_now.persistent, figures_now.severe, figures_now.at_risk) == (2, 1, 1)
    assert figures_now.pupils == 5  # Eve left before this year began


def test_the_same_point_last_year_equals_the_command_over_the_same_weeks_last_year(school_a, school_year):
    last = YEAR_TO_DATE.last_year()
    assert (last.start, last.end) == (dt.date(2025, 8, 2), dt.date(2025, 9, 26))
    figures_then = figures.breakdown(school_a, last).all

    assert as_command_totals(figures_then) == command_totals(attendance_json(school_a, last.start, last.end))
    assert (figures_then.pupils, figures_then.persistent, figures_then.severe) == (4, 2, 1)


def test_one_week_equals_the_command_for_that_monday_to_friday(school_a, school_year):
    monday = THIS_YEAR[1]
    one_week = Window(monday, monday + dt.timedelta(days=4))
    assert as_command_totals(figures.breakdown(school_a, one_week).all) == command_totals(
        attendance_json(school_a, one_week.start, one_week.end)
    )


def test_a_window_cut_mid_week_counts_its_days_exactly_as_the_command_does(school_a, school_year):
    wednesday_to_tuesday = Window(dt.date(2026, 9, 9), dt.date(2026, 9, 22))
    assert wednesday_to_tuesday.split() == (
        (dt.date(2026, 9, 14), dt.date(2026, 9, 14)),
        [(dt.date(2026, 9, 9), dt.date(2026, 9, 13)), (dt.date(2026, 9, 21), dt.date(2026, 9, 22))],
    )
    assert as_command_totals(figures.breakdown(school_a, wednesday_to_tuesday).all) == command_totals(
        attendance_json(school_a, wednesday_to_tuesday.start, wednesday_to_tuesday.end)
    )


@pytest.mark.parametrize(
    ("start", "end", "weeks", "days"),
    [
        ("2026-09-07", "2026-09-13", ("2026-09-07", "2026-09-07"), []),
        ("2026-09-07", "2026-09-11", None, [("2026-09-07", "2026-09-11")]),
        ("2026-09-05", "2026-09-20", ("2026-09-07", "2026-09-14"), [("2026-09-05", "2026-09-06")]),
        ("2026-09-10", "2026-09-10", None, [("2026-09-10", "2026-09-10")]),
    ],
)
def test_a_window_splits_into_whole_weeks_and_leftover_days(start, end, weeks, days):
    def d(text):
        return dt.date.fromisoformat(text)

    window = Window(d(start), d(end))
    assert window.split() == (tuple(map(d, weeks)) if weeks else None, [(d(a), d(b)) for a, b in days])


def test_each_group_of_pupils_equals_the_live_statistics_for_those_pupils(school_a, school_year):
    result = figures.breakdown(school_a, YEAR_TO_DATE)
    checks = {
        "fsm": {"fsm": True},
        "not_fsm": {"fsm": False},
        "pp": {"pupil_premium": True},
        "sen_k": {"sen": "K"},
        "sen_e": {"sen": "E"},
        "no_sen": {"sen": "N"},
        "eal": {"eal": True},
        "gender_m": {"gender": "M"},
        "gender_f": {"gender": "F"},
        "lac": {"looked_after": True},
    }
    for key, lookup in checks.items():
        live = school_statistics(school_a, *YEAR_TO_DATE_DATES, pupils=Pupil.objects.filter(**lookup))
        with_sessions = [row.counts for row in live.pupils if row.counts.possible]
        group = result.groups[key]
        assert group.counts == live.totals, key
        assert group.pupils == len(with_sessions), key
        assert group.persistent == sum(c.persistent for c in with_sessions), key
        assert group.severe == sum(c.severe for c in with_sessions), key
    assert result.groups["sen"].counts == result.groups["sen_k"].counts + result.groups["sen_e"].counts


YEAR_TO_DATE_DATES = (YEAR_TO_DATE.start, YEAR_TO_DATE.end)


def test_year_groups_add_up_to_the_school_and_match_the_live_statistics(school_a, school_year):
    result = figures.breakdown(school_a, YEAR_TO_DATE)
    assert [y.key for y in result.years] == ["year:5", "year:6"]
    year_6 = school_statistics(school_a, *YEAR_TO_DATE_DATES, pupils=Pupil.objects.filter(year_group="6"))
    assert result.years[1].counts == year_6.totals
    assert sum((y.counts for y in result.years), SessionCounts()) == result.all.counts


def test_narrowing_to_a_tutor_group_counts_only_its_pupils(school_a, group_a, school_year):
    result = figures.breakdown(school_a, YEAR_TO_DATE, Pupil.objects.filter(group=school_year["6B"]))
    live = school_statistics(school_a, *YEAR_TO_DATE_DATES, pupils=Pupil.objects.filter(group=school_year["6B"]))
    assert result.all.counts == live.totals
    assert (result.all.pupils, result.all.persistent, result.all.severe, result.all.at_risk) == (3, 1, 1, 1)


# --- Pupil lists ---------------------------------------------------------------------------------------------------


def _listed(measure, window=YEAR_TO_DATE, school=None):
    return [line.surname for line in figures.pupil_lines(school, window, Pupil.objects.all(), measure)]


def test_each_measure_lists_exactly_the_pupils_the_live_statistics_flag(school_a, school_year):
    live = {
        row.pupil.legal_surname: row.counts
        for row in school_statistics(school_a, *YEAR_TO_DATE_DATES).pupils
        if row.counts.possible
    }
    assert sorted(_listed("pa", school=school_a)) == sorted(n for n, c in live.items() if c.persistent)
    assert sorted(_listed("sa", school=school_a)) == sorted(n for n, c in live.items() if c.severe)
    assert _listed("at_risk", school=school_a) == ["Ford"]
    assert sorted(_listed("unauthorised", school=school_a)) == ["Able", "Bright", "Cole"]
    assert _listed("full", school=school_a) == []
    assert _listed("late", school=school_a) == ["Bright"]


def test_the_list_runs_from_the_worst_attendance(school_a, school_year):
    assert _listed("all", school=school_a) == ["Cole", "Able", "Ford", "Dunn", "Bright"]


def test_last_years_list_includes_the_pupil_who_has_since_left(school_a, school_year):
    assert _listed("sa", YEAR_TO_DATE.last_year(), school=school_a) == ["Eady"]
    assert _listed("pa", YEAR_TO_DATE.last_year(), school=school_a) == ["Eady", "Cole"]


def test_a_days_list_comes_from_that_days_marks(school_a, school_year):
    monday = THIS_YEAR[1]
    one_day = Window(monday, monday)
    assert sorted(_listed("absent", one_day, school=school_a)) == ["Bright", "Cole", "Dunn", "Ford"]
    [dee] = [line for line in figures.pupil_lines(school_a, one_day, Pupil.objects.all()) if line.surname == "Dunn"]
    assert (dee.counts.possible, dee.counts.absent) == (2, 1)
    codes = figures.day_codes(school_a, monday, [school_year["dee"].pk])
    assert (codes[school_year["dee"].pk].am, codes[school_year["dee"].pk].pm) == ("M", "\\")


# --- Weeks, reasons and day trends ---------------------------------------------------------------------------------


def test_each_week_is_set_beside_the_same_calendar_week_last_year(school_a, school_year):
    weeks = figures.weekly(school_a, YEAR_TO_DATE)
    assert [w.week for w in weeks] == THIS_YEAR
    for w in weeks:
        live_now = school_statistics(school_a, w.week, w.week + dt.timedelta(days=4)).totals
        then = w.last_year_week
        live_then = school_statistics(school_a, then, then + dt.timedelta(days=4)).totals
        assert (w.counts, w.last_year) == (live_now, live_then)
    assert [w.rag for w in weeks] == ["", "green", "green"]


def test_reasons_for_absence_are_shares_of_the_absent_sessions_by_code(school_a, school_year):
    reasons = {r.code: r for r in figures.reasons(school_a, YEAR_TO_DATE)}
    absent = school_statistics(school_a, *YEAR_TO_DATE_DATES).totals.absent
    assert absent == 24
    assert {code: r.sessions for code, r in reasons.items()} == {"I": 4, "O": 2, "U": 1, "G": 10, "N": 6, "M": 1}
    assert reasons["G"].share_pct == Decimal("41.7")
    assert sum(r.sessions for r in reasons.values()) == absent


def test_a_tutor_groups_reasons_come_from_its_pupils_marks(school_a, school_year):
    reasons = figures.reasons_for_pupils(school_a, YEAR_TO_DATE, Pupil.objects.filter(group=school_year["6B"]))
    assert {r.code: r.sessions for r in reasons} == {"G": 10, "N": 6, "M": 1, "I": 2}


def test_day_trends_add_up_to_the_weeks_and_flag_the_lowest(school_a, school_year):
    trends = figures.day_trends(school_a, YEAR_TO_DATE)
    weekly = figures.weekly(school_a, YEAR_TO_DATE)
    assert [(w.possible, w.attended) for w in trends.weeks] == [(w.counts.possible, w.counts.attended) for w in weekly]
    assert [w.last_year_pct for w in trends.weeks] == [w.last_year_attendance_pct for w in weekly]
    assert sum(d.possible for d in trends.weekdays) == sum(w.possible for w in trends.weeks)
    assert [d.label for d in trends.weekdays] == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    assert sum(d.at_risk for d in trends.weekdays) == 1
    assert sum(d.at_risk for d in trends.days) == figures.AT_RISK_DAYS
    assert min(trends.days, key=lambda d: d.attendance_pct).at_risk
    year_6 = trends.week_years[THIS_YEAR[0]][1]
    assert (year_6.key, year_6.possible) == ("6", 14)  # Cal's 10 and Fay's 4 (Dee not yet on roll)


# --- Pure rules ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "previous", "colour"),
    [
        (Decimal("95.0"), Decimal("94.4"), "green"),
        (Decimal("95.0"), Decimal("94.5"), "amber"),
        (Decimal("95.0"), Decimal("95.5"), "amber"),
        (Decimal("95.0"), Decimal("95.6"), "red"),
        (Decimal("95.0"), None, ""),
        (None, Decimal("95.0"), ""),
    ],
)
def test_a_week_is_green_up_red_down_and_amber_within_half_a_point(current, previous, colour):
    assert figures.rag(current, previous) == colour


def test_weeks_line_up_with_the_same_calendar_week_last_year_and_the_lowest_are_at_risk():
    counts = {
        dt.date(2026, 9, 7): SessionCounts(possible=100, present=96, authorised=4),
        dt.date(2026, 9, 14): SessionCounts(possible=100, present=90, authorised=10),
        dt.date(2026, 9, 21): SessionCounts(possible=100, present=97, authorised=3),
        dt.date(2026, 9, 28): SessionCounts(possible=100, present=94, authorised=6),
        dt.date(2026, 10, 5): SessionCounts(possible=100, present=99, authorised=1),  # after `up_to`
    }
    last = {dt.date(2025, 9, 8): SessionCounts(possible=50, present=45, unauthorised=5)}
    weeks = figures.line_up_weeks(counts, last, dt.date(2026, 10, 2))

    assert [w.week for w in weeks] == sorted(counts)[:4]
    assert weeks[0].last_year_attendance_pct == Decimal("90.0") and weeks[1].last_year is None
    assert [w.rag for w in weeks] == ["", "red", "green", "red"]
    assert [w.at_risk for w in weeks] == [True, True, False, True]


def test_a_school_week_without_possible_sessions_is_left_out():
    weeks = figures.line_up_weeks({dt.date(2026, 10, 26): SessionCounts(possible=0)}, {}, dt.date(2026, 11, 1))
    assert weeks == []


def test_year_groups_sort_nursery_reception_then_by_number():
    assert sorted(["10", "R", "2", "N2", "N1", "1"], key=figures.year_order) == ["N1", "N2", "R", "1", "2", "10"]
