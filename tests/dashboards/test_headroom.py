"""The headroom rules, without a database: sessions to spare before PA and SA at year end, and the projection that
puts a pupil on course to become persistently absent."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from dashboards.headroom import PERSISTENT, SEVERE, Spare, Standing, headroom, on_course, spare
from interventions.penalty import threshold
from registers.statistics import SessionCounts
from schools.calendar import school_days

CLEAR, CERTAIN = Standing.CLEAR, Standing.CERTAIN


@pytest.mark.parametrize(
    ("possible", "absent", "left", "line", "expected"),
    [
        # 380 sessions in the year: 38 absences is 10%, so 37 is the most a pupil can miss and stay below it.
        (100, 5, 280, PERSISTENT, Spare(32, CLEAR)),
        (100, 37, 280, PERSISTENT, Spare(0, CLEAR)),
        (100, 38, 280, PERSISTENT, Spare(0, CERTAIN)),
        (100, 60, 280, PERSISTENT, Spare(0, CERTAIN)),
        # 385 sessions: 38 absences is 9.87%, 39 is 10.1%.
        (105, 0, 280, PERSISTENT, Spare(38, CLEAR)),
        (0, 0, 380, PERSISTENT, Spare(37, CLEAR)),
        # Near the end of the year the remaining sessions are the limit.
        (370, 10, 10, PERSISTENT, Spare(10, CLEAR, all_remaining=True)),
        (370, 27, 10, PERSISTENT, Spare(10, CLEAR, all_remaining=True)),
        (370, 28, 10, PERSISTENT, Spare(9, CLEAR)),
        # The last day: nothing left to miss.
        (380, 37, 0, PERSISTENT, Spare(0, CLEAR, all_remaining=True)),
        (380, 38, 0, PERSISTENT, Spare(0, CERTAIN)),
        # Severe absence at 50%: 189 of 380 stays below it, 190 meets it.
        (100, 40, 280, SEVERE, Spare(149, CLEAR)),
        (100, 100, 280, SEVERE, Spare(89, CLEAR)),
        (300, 190, 80, SEVERE, Spare(0, CERTAIN)),
        # No possible sessions at all: no line can be met.
        (0, 0, 0, PERSISTENT, Spare(0, CLEAR, all_remaining=True)),
    ],
)
def test_sessions_to_spare_before_a_line_at_year_end(possible, absent, left, line, expected):
    assert spare(possible, absent, left, line) == expected


def test_sessions_to_spare_agree_with_counting_every_possible_future():
    """The arithmetic equals trying each number of further absences against the PA and SA tests themselves."""
    for possible in range(0, 41, 3):
        for absent in range(0, possible + 1, 2):
            for left in range(0, 31, 5):
                for line, met in ((PERSISTENT, "persistent"), (SEVERE, "severe")):

                    def crosses(extra, possible=possible, absent=absent, left=left, met=met):
                        counts = SessionCounts(possible=possible + left, authorised=absent + extra)
                        return getattr(counts, met)

                    below = [extra for extra in range(left + 1) if not crosses(extra)]
                    result = spare(possible, absent, left, line)
                    if below:
                        assert (result.sessions, result.standing) == (max(below), CLEAR)
                    else:
                        assert (result.sessions, result.standing) == (0, CERTAIN)


@pytest.mark.parametrize(("possible", "absent", "left"), [(-1, 0, 10), (10, -1, 10), (10, 0, -1), (10, 11, 10)])
def test_impossible_figures_are_refused(possible, absent, left):
    with pytest.raises(ValueError):
        spare(possible, absent, left, PERSISTENT)


def test_spare_sessions_are_told_in_days_too():
    assert spare(100, 5, 280, PERSISTENT).days == Decimal("16")
    assert spare(105, 0, 280, PERSISTENT).days == Decimal("19")


def test_a_pupils_headroom_holds_both_lines_and_the_penalty_window():
    days = school_days([(dt.date(2026, 9, 2), dt.date(2026, 10, 23))])
    on = dt.date(2026, 9, 18)
    check = threshold(days, [(dt.date(2026, 9, 14), "AM", "O"), (dt.date(2026, 9, 15), "PM", "G")], on)
    result = headroom(SessionCounts(possible=24, present=20, unauthorised=4), sessions_left=336, penalty=check)

    assert result.persistent == Spare(31, CLEAR)  # 360 sessions: 35 absences stay below 36, 4 so far
    assert result.severe == Spare(175, CLEAR)
    assert result.penalty_sessions == 8
    assert headroom(SessionCounts(), 10, None).penalty_sessions is None


def test_least_headroom_sorts_first():
    certain = headroom(SessionCounts(possible=100, unauthorised=50), 10, None)
    tight = headroom(SessionCounts(possible=100, present=95, unauthorised=5), 100, None)
    loose = headroom(SessionCounts(possible=100, present=100), 100, None)
    assert sorted([loose, tight, certain], key=lambda h: h.sort_key) == [certain, tight, loose]


# --- On course to become persistently absent --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "recent", "left", "projected", "expected"),
    [
        # 8% so far, 20% in the latest weeks: (8 + 0.2 x 280) / 380 = 16.8%.
        ((100, 8), (40, 8), 280, Decimal("16.8"), True),
        # 8% so far but no absence lately: 8 / 380 = 2.1%.
        ((100, 8), (40, 0), 280, Decimal("2.1"), False),
        # Exactly 10% at year end is persistent absence: (2 + 0.15 x 40) / 80.
        ((40, 2), (20, 3), 40, Decimal("10.0"), True),
        ((40, 2), (20, 3), 38, Decimal("9.9"), False),
        # Already persistently absent: not "on course to become" it.
        ((100, 10), (40, 20), 280, Decimal("39.5"), False),
        # No possible sessions in the latest weeks: no rate to project.
        ((100, 8), (0, 0), 280, None, False),
    ],
)
def test_the_latest_weeks_rate_projected_to_year_end(year, recent, left, projected, expected):
    result = on_course(
        SessionCounts(possible=year[0], present=year[0] - year[1], authorised=year[1]),
        SessionCounts(possible=recent[0], present=recent[0] - recent[1], unauthorised=recent[1]),
        left,
    )
    assert result.projected_pct == projected
    assert result.on_course is expected


def test_the_projection_is_exact_not_rounded():
    result = on_course(SessionCounts(possible=30, present=29, authorised=1), SessionCounts(possible=3, authorised=1), 9)
    assert result.recent_rate == Fraction(1, 3)
    assert result.projected_rate == Fraction(4, 39)
