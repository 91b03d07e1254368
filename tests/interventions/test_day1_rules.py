"""Today's rules, without a database: unexplained now, converted by the afternoon, the sessions a reason codes."""

import pytest

from interventions.absence import MISSING, converted, session_state, sessions_to_code, unexplained


@pytest.mark.parametrize(
    ("code", "taken", "state"),
    [("N", True, "N"), ("/", False, "/"), (None, True, MISSING), (None, False, None), ("", True, MISSING)],
)
def test_a_sessions_state_is_its_code_or_missing_once_the_register_is_taken(code, taken, state):
    assert session_state(code, taken) == state


@pytest.mark.parametrize(
    ("am", "pm", "expected"),
    [
        ("N", None, True),
        (MISSING, None, True),
        ("N", "N", True),
        ("/", "N", True),
        ("/", MISSING, True),
        ("N", "\\", False),
        ("N", "U", False),
        ("I", None, False),
        ("O", None, False),
        (None, None, False),
    ],
)
def test_a_pupil_is_unexplained_when_the_latest_session_is_n_or_missing(am, pm, expected):
    assert unexplained(am, pm) is expected


@pytest.mark.parametrize(
    ("am", "pm", "expected"),
    [
        ("N", "\\", True),
        ("I", "L", True),
        ("O", "B", True),
        ("N", "U", False),
        ("/", "\\", False),
        ("N", None, False),
        (MISSING, "\\", False),
        ("X", "\\", False),
    ],
)
def test_a_conversion_is_an_absence_code_in_the_morning_and_an_attendance_code_in_the_afternoon(am, pm, expected):
    assert converted(am, pm) is expected


@pytest.mark.parametrize(
    ("am", "pm", "rest_of_day", "sessions"),
    [
        ("N", None, False, ["AM"]),
        ("N", None, True, ["AM", "PM"]),
        ("N", "N", False, ["AM", "PM"]),
        ("/", "N", True, ["PM"]),
        (MISSING, None, False, ["AM"]),
        ("N", "\\", True, ["AM"]),
        (None, None, True, ["AM", "PM"]),
    ],
)
def test_a_reason_codes_the_unexplained_sessions_and_if_asked_those_not_yet_taken(am, pm, rest_of_day, sessions):
    assert sessions_to_code(am, pm, rest_of_day) == sessions
