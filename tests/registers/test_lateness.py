"""Late arrivals take their code from the school's times."""

import datetime as dt

import pytest

from registers.lateness import SessionTimes, code_for_arrival, minutes_late, register_is_open

T = dt.time
# Waterton: roll call 8:45, L until 8:55, U after (registers close at 8:45; the office takes later arrivals).
WATERTON = SessionTimes(starts=T(8, 45), closes=T(8, 45), late_until=T(8, 55))
# Omega: registers close 30 minutes after roll call; an arrival after close is U.
OMEGA = SessionTimes(starts=T(8, 45), closes=T(9, 15), late_until=T(9, 15))


@pytest.mark.parametrize(
    ("times", "arrival", "code"),
    [
        (WATERTON, T(8, 40), "/"),
        (WATERTON, T(8, 45), "/"),
        (WATERTON, T(8, 46), "L"),
        (WATERTON, T(8, 55), "L"),
        (WATERTON, T(8, 56), "U"),
        (WATERTON, T(11, 0), "U"),
        (OMEGA, T(9, 0), "L"),
        (OMEGA, T(9, 15), "L"),
        (OMEGA, T(9, 16), "U"),
    ],
)
def test_an_arrival_is_present_late_or_unauthorised_by_the_schools_times(times, arrival, code):
    assert code_for_arrival("AM", arrival, times) == code


def test_on_time_in_the_afternoon_is_a_backslash():
    pm = SessionTimes(starts=T(13, 15), closes=T(13, 30), late_until=T(13, 30))
    assert code_for_arrival("PM", T(13, 10), pm) == "\\"
    assert code_for_arrival("PM", T(13, 20), pm) == "L"


def test_minutes_late_count_from_roll_call():
    assert minutes_late(T(8, 57), WATERTON) == 12
    assert minutes_late(T(8, 30), WATERTON) == 0


def test_the_register_is_open_until_it_closes():
    assert register_is_open(T(9, 15), OMEGA)
    assert not register_is_open(T(9, 16), OMEGA)


def test_times_out_of_order_are_refused():
    with pytest.raises(ValueError):
        SessionTimes(starts=T(9, 0), closes=T(8, 50), late_until=T(9, 10))
