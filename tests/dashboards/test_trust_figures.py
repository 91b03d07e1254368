"""The trust view's figures: each school's, each group's and the trust's, from the weekly summaries, equal to the
`attendance` command's, this year to date beside the same point last year."""

import datetime as dt
import io
import json
import zoneinfo
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards import trust as figures
from registers.models import Mark
from registers.services import MarkInput, upsert_marks
from registers.statistics import SessionCounts
from schools.models import Enrolment, Pupil, School
from tests.factories import EnrolmentFactory, PupilFactory, SchoolFactory

TODAY = dt.date(2026, 11, 23)  # a Monday
THIS_MONDAY, LAST_MONDAY = dt.date(2026, 11, 23), dt.date(2026, 11, 16)
YEAR_AGO_MONDAY = dt.date(2025, 11, 24)  # 52 weeks before TODAY: the last week counted last year
NO_NATIONAL = lambda phase, group: None  # noqa: E731


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 30, tzinfo=zoneinfo.ZoneInfo("Europe/London")), tick=False)


def record(school, pupil, monday, codes):
    """`codes` AM then PM from `monday`, through the register's write path (which keeps the summaries)."""
    sessions = [(monday + dt.timedelta(days=n // 2), ("AM", "PM")[n % 2]) for n in range(len(codes))]
    marks = [MarkInput(pupil.pk, day, session, code) for (day, session), code in zip(sessions, codes, strict=True)]
    upsert_marks(school=school, marks=marks, source=Mark.Source.IMPORT)


def enrol_last_year(pupil, school, ends=None):
    return EnrolmentFactory(pupil=pupil, school=school, starts=dt.date(2025, 9, 1), ends=ends)


@pytest.fixture
def gamma(trust_a):
    return SchoolFactory(trust=trust_a, name="Gamma High", urn="300001", phase=School.Phase.SECONDARY)


@pytest.fixture
def trust_a_marks(school_a, pupil_a, gamma):
    """Alpha Primary: Ann (FSM) misses 2 of 10 this year (PA); Bea attends all 10; Cal is on roll with no marks yet.
    Last year Ann missed 5 of 10 in the same weeks (SA), and more after the same point. Gamma High: Dan (EAL) left
    Alpha for Gamma in October, so each school counts him for his time on its roll."""
    Pupil.objects.filter(pk=pupil_a.pk).update(fsm=True)
    record(school_a, pupil_a, LAST_MONDAY, ["/", "\\"] * 4 + ["O", "O"])
    bea = PupilFactory(school=school_a, legal_surname="Bright", legal_forename="Bea", gender=Pupil.Gender.MALE)
    record(school_a, bea, LAST_MONDAY, ["/", "\\"] * 5)
    PupilFactory(school=school_a, legal_surname="Clay", legal_forename="Cal")
    enrol_last_year(pupil_a, school_a, ends=dt.date(2026, 7, 31))
    record(school_a, pupil_a, dt.date(2025, 11, 17), ["/", "\\", "I", "I", "/", "O", "O", "\\", "/", "I"])
    record(school_a, pupil_a, dt.date(2025, 12, 1), ["O"] * 10)  # after the same point last year: not counted

    dan = PupilFactory(school=gamma, legal_surname="Dee", legal_forename="Dan", eal=True, enrolled=False)
    EnrolmentFactory(pupil=dan, school=school_a, starts=dt.date(2026, 9, 1), ends=dt.date(2026, 10, 2))
    EnrolmentFactory(pupil=dan, school=gamma, starts=dt.date(2026, 10, 5))
    record(school_a, dan, dt.date(2026, 9, 28), ["/", "\\", "/", "\\", "O", "O"])
    record(gamma, dan, THIS_MONDAY, ["/", "\\"])
    return {"ann": pupil_a, "bea": bea, "dan": dan}


def attendance_command_totals(school) -> dict:
    out = io.StringIO()
    call_command("attendance", school.urn, "--json", stdout=out)
    return json.loads(out.getvalue())["school"]


def test_this_year_runs_to_today_and_last_year_to_the_same_weekday_52_weeks_before():
    this, last = figures.windows(TODAY)
    assert (this.academic_year, this.start, this.end, this.last_week) == (2026, dt.date(2026, 8, 1), TODAY, TODAY)
    assert (last.academic_year, last.start, last.end) == (2025, dt.date(2025, 8, 1), YEAR_AGO_MONDAY)
    assert this.label == "2026/27" and last.label == "2025/26"


def test_on_31_july_last_year_ends_on_its_own_31_july():
    this, last = figures.windows(dt.date(2027, 7, 31))
    assert this.start == dt.date(2026, 8, 1)
    assert (last.start, last.end) == (dt.date(2025, 8, 1), dt.date(2026, 7, 31))


def test_the_trust_totals_equal_the_sum_of_the_attendance_commands_school_totals(
    trust_a, school_a, gamma, trust_a_marks
):
    table = figures.school_table(trust_a, TODAY, NO_NATIONAL)
    command = [attendance_command_totals(school) for school in (school_a, gamma)]

    total = table.total.this_year
    for name in ("possible", "present", "approved_activity", "authorised", "unauthorised", "late"):
        assert getattr(total.counts, name) == sum(c[name] for c in command), name
    assert total.pupils == sum(c["pupils"] for c in command)
    assert total.persistent == sum(c["persistent_pupils"] for c in command)
    assert total.severe == sum(c["severe_pupils"] for c in command)
    # And each school's row is that school's command output.
    for row, school_totals in zip(table.rows, command, strict=True):
        assert row.this_year.counts.possible == school_totals["possible"]
        assert float(row.this_year.attendance_pct) == school_totals["attendance_pct"]


def test_each_school_shows_pupils_attendance_pa_and_sa_this_year_and_last(trust_a, school_a, gamma, trust_a_marks):
    table = figures.school_table(trust_a, TODAY, NO_NATIONAL)
    alpha, high = table.rows
    assert (alpha.label, high.label) == ("Alpha Primary", "Gamma High")

    # Ann 8/10, Bea 10/10, Dan 4/6 while at Alpha (PA); Cal on roll with no sessions yet.
    assert alpha.this_year == figures.Figures(
        pupils=4, counted=3, counts=SessionCounts(26, 22, 0, 0, 4, 0), persistent=2, severe=0
    )
    assert (str(alpha.this_year.attendance_pct), str(alpha.this_year.persistent_pct)) == ("84.6", "66.7")
    assert str(alpha.this_year.unauthorised_pct) == "15.4"
    # Last year: Ann alone, 5 of 10 missed up to the same point (SA); December's absences are after it.
    assert alpha.last_year == figures.Figures(
        pupils=1, counted=1, counts=SessionCounts(10, 5, 0, 3, 2, 0), persistent=1, severe=1
    )
    assert (high.this_year.pupils, high.this_year.counts.possible, high.this_year.persistent) == (1, 2, 0)
    assert high.last_year == figures.Figures()


def test_the_total_adds_sessions_and_is_not_a_mean_of_the_schools_percentages(trust_a, school_a, gamma, trust_a_marks):
    table = figures.school_table(trust_a, TODAY, NO_NATIONAL)
    # (22 + 2) of (26 + 2) sessions: 85.7%, where the mean of 84.6% and 100% would be 92.3%.
    assert str(table.total.this_year.attendance_pct) == "85.7"
    assert table.total.label == "All 2 schools" and table.total.is_total


def test_against_the_target_national_and_last_year_are_differences_in_points(trust_a, school_a, trust_a_marks):
    national = {("primary", "all"): Decimal("94.5")}
    table = figures.school_table(trust_a, TODAY, lambda phase, group: national.get((phase, group)))
    alpha = table.rows[0]
    assert alpha.target_gap == Decimal("84.6") - Decimal("96")
    assert alpha.national_gap == Decimal("84.6") - Decimal("94.5")
    assert alpha.change == Decimal("84.6") - Decimal("50.0")


def test_the_trust_total_has_a_national_figure_only_when_every_school_shares_a_phase(trust_a, school_a, gamma):
    national = {("primary", "all"): Decimal("94.5"), ("secondary", "all"): Decimal("91.1")}
    lookup = lambda phase, group: national.get((phase, group))  # noqa: E731
    mixed = figures.school_table(trust_a, TODAY, lookup)
    assert [r.national_pct for r in mixed.rows] == [Decimal("94.5"), Decimal("91.1")]
    assert mixed.total.national_pct is None
    School.objects.filter(pk=gamma.pk).update(phase=School.Phase.PRIMARY)
    assert figures.school_table(trust_a, TODAY, lookup).total.national_pct == Decimal("94.5")


def test_a_school_with_nobody_on_roll_has_no_figures(trust_a, school_a):
    [row] = figures.school_table(trust_a, TODAY, NO_NATIONAL).rows
    assert row.this_year == figures.Figures() and row.this_year.attendance_pct is None
    assert row.target_gap is None and row.change is None


def test_each_group_is_summed_across_the_schools_and_shown_school_by_school(trust_a, school_a, gamma, trust_a_marks):
    tables = figures.group_tables(trust_a, TODAY, NO_NATIONAL)
    rows = {row.group.key: row for row in tables.groups}
    assert [row.group.key for row in tables.groups] == ["all", *(g.key for g in figures.GROUPS)]

    assert rows["all"].this_year == figures.school_table(trust_a, TODAY, NO_NATIONAL).total.this_year
    assert (rows["fsm"].this_year.pupils, rows["fsm"].this_year.counts.possible) == (1, 10)
    assert rows["fsm"].last_year.severe == 1
    # Dan (EAL) at both schools: his sessions at each, summed.
    eal = tables.by_school["eal"]
    assert [(r.label, r.this_year.counts.possible) for r in eal.rows] == [("Alpha Primary", 6), ("Gamma High", 2)]
    assert eal.total.this_year.counts.possible == 8 and eal.total.this_year.pupils == 2
    assert rows["gender_m"].this_year.counts == SessionCounts(10, 10, 0, 0, 0, 0)
    assert rows["lac"].this_year == figures.Figures()


def test_every_group_opens_the_pupil_lists_characteristic_filter():
    from dashboards.filters import CHARACTERISTICS

    assert {g.key for g in figures.GROUPS} <= set(CHARACTERISTICS)


def test_each_group_matches_the_pupils_the_pupil_list_filter_selects(trust_a, school_a, trust_a_marks):
    """The SQL condition of each group and the pupil list's filter pick the same pupils."""
    from dashboards.filters import CHARACTERISTICS

    Pupil.objects.filter(pk=trust_a_marks["bea"].pk).update(pupil_premium=True, sen="K", looked_after=True)
    tables = figures.group_tables(trust_a, TODAY, NO_NATIONAL)
    for group in figures.GROUPS:
        on_roll = Enrolment.objects.filter(
            school=school_a, pupil__in=Pupil.objects.filter(CHARACTERISTICS[group.key].q())
        )
        expected = on_roll.values("pupil").distinct().count()
        assert tables.by_school[group.key].rows[0].this_year.pupils == expected, group.key


def test_another_trusts_schools_and_pupils_are_never_counted(trust_a, school_a, trust_a_marks, school_b, pupil_b):
    record(school_b, pupil_b, LAST_MONDAY, ["O"] * 10)
    table = figures.school_table(trust_a, TODAY, NO_NATIONAL)
    assert "Beta Academy" not in [r.label for r in table.rows]
    assert table.total.this_year.counts.unauthorised == 4


def test_the_figures_take_the_same_number_of_queries_however_many_schools(trust_a):
    urns = iter(range(300010, 300020))

    def queries_with(count):
        for _ in range(count):
            school = SchoolFactory(trust=trust_a, urn=str(next(urns)))
            record(school, PupilFactory(school=school), LAST_MONDAY, ["/", "O"])
        with CaptureQueriesContext(connection) as queries:
            figures.group_tables(trust_a, TODAY, NO_NATIONAL)
        return len(queries)

    one, three = queries_with(1), queries_with(3)
    assert one == three <= 7  # the schools, two grouped queries, and the settings and savepoint around them


def rows_named(*labels):
    return [
        figures.Row(
            label=label, this_year=figures.Figures(counts=counts), last_year=figures.Figures(), national_pct=None
        )
        for label, counts in labels
    ]


def test_sorting_puts_rows_without_a_figure_last_in_either_direction():
    rows = rows_named(("b", SessionCounts(10, 9)), ("a", SessionCounts()), ("c", SessionCounts(10, 7)))
    column, descending = figures.parse_sort("attendance")
    assert [r.label for r in figures.sort_rows(rows, column, descending)] == ["c", "b", "a"]
    column, descending = figures.parse_sort("-attendance")
    assert descending and [r.label for r in figures.sort_rows(rows, column, descending)] == ["b", "c", "a"]


@pytest.mark.parametrize("value", ["", "nonsense", "-", "--name", "pupils;drop"])
def test_an_unknown_sort_sorts_by_name(value):
    column, descending = figures.parse_sort(value)
    assert (column.key, descending) == ("name", False)


def test_every_column_can_sort_the_rows():
    rows = rows_named(("b", SessionCounts(10, 9)), ("a", SessionCounts(10, 8)))
    for column in figures.COLUMNS:
        assert len(figures.sort_rows(rows, column, True)) == 2


def test_last_years_figures_equal_the_attendance_command_over_the_same_weeks(trust_a, school_a, trust_a_marks):
    out = io.StringIO()
    call_command("attendance", school_a.urn, "--json", "--from", "2025-08-01", "--to", "2025-11-24", stdout=out)
    command = json.loads(out.getvalue())["school"]
    last_year = figures.school_table(trust_a, TODAY, NO_NATIONAL).rows[0].last_year
    assert (last_year.counts.possible, last_year.counts.unauthorised) == (command["possible"], command["unauthorised"])
    assert (last_year.pupils, last_year.severe) == (command["pupils"], command["severe_pupils"])
