"""Runs of absent days, "fully justified", days without contact and the tasks a run makes, without a database."""

import datetime as dt

import pytest

from interventions.absence import (
    DayMarks,
    absence_run,
    days_without_contact,
    first_follow_up_day,
    justified_for,
    session_justified,
    task_spec,
)
from interventions.triage import Follow

MON = dt.date(2026, 11, 16)


def _days(*specs):
    """One DayMarks per spec, on consecutive dates: "" no marks, else the day's codes ("NN", "N", "/\\", "MM")."""
    out = []
    for n, spec in enumerate(specs):
        codes = tuple(spec)
        absent = sum(c in "NOGUIMRCTE" for c in codes)
        out.append(
            DayMarks(
                MON + dt.timedelta(days=n),
                marked=len(codes),
                absent=absent,
                justified=sum(c == "M" for c in codes),
                unexplained=sum(c == "N" for c in codes),
                codes=codes,
            )
        )
    return out


@pytest.mark.parametrize(
    ("days", "length"),
    [
        (["/\\", "NN", "NN", "N"], 3),
        (["NN", "NN", "NN", ""], 3),  # today before its registers: left out, the run goes on
        (["NN", "", "NN", "NN"], 2),  # a past school day without marks ends the run
        (["NN", "N/", "NN"], 1),  # present for one session: not an absent day
        (["NN", "NX", "NN"], 1),  # not a possible session: not an absent day
        (["NN", "NN", "/"], 0),
        ([], 0),
        ([""], 0),
    ],
)
def test_a_run_counts_absent_days_back_from_the_latest_day_with_marks(days, length):
    assert absence_run(_days(*days)).length == length


def test_a_run_knows_its_first_and_last_day():
    run = absence_run(_days("/\\", "NN", "NN", "N"))
    assert (run.first_day, run.last_day) == (MON + dt.timedelta(days=1), MON + dt.timedelta(days=3))


@pytest.mark.parametrize(
    ("code", "note", "justified"),
    [
        ("M", "", True),
        ("I", "Medical evidence seen: GP letter", True),
        ("I", "Admitted to HOSPITAL", True),
        ("I", "mum says flu", False),
        ("N", "hospital", False),
        ("R", "", False),
    ],
)
def test_a_session_is_fully_justified_by_m_or_by_i_with_the_evidence_in_the_note(code, note, justified):
    assert session_justified(code, note) is justified


def test_omega_counts_a_run_justified_only_when_every_session_is():
    assert justified_for("omega", absence_run(_days("MM", "MM", "M")))
    assert not justified_for("omega", absence_run(_days("MM", "II", "M")))


def test_waterton_counts_a_run_explained_when_no_session_is_n():
    assert justified_for("waterton", absence_run(_days("II", "II")))
    assert not justified_for("waterton", absence_run(_days("NN", "II")))


@pytest.mark.parametrize(
    ("last_contact", "without"),
    [(None, 3), (MON, 3), (MON + dt.timedelta(days=1), 2), (MON + dt.timedelta(days=3), 0)],
)
def test_days_without_contact_count_the_runs_days_after_the_family_was_last_reached(last_contact, without):
    run = absence_run(_days("/\\", "NN", "NN", "NN"))
    assert days_without_contact(run, last_contact) == without


def test_the_first_day_acted_on_follows_the_policy():
    assert (first_follow_up_day("omega"), first_follow_up_day("waterton"), first_follow_up_day("odst")) == (3, 2, 3)


def test_task_keys_name_the_rule_and_the_runs_first_day():
    run = absence_run(_days("NN", "NN", "NN", "NN"))
    assert [
        (s.kind, s.key, s.due)
        for s in (
            task_spec("omega", Follow.WELFARE_CALL, run),
            task_spec("omega", Follow.HOME_VISIT, run),
            task_spec("waterton", Follow.HOME_VISIT, run),
            task_spec("waterton", Follow.CME_REFERRAL, run),
        )
    ] == [
        ("welfare_call", "day3:2026-11-16", dt.time(11)),
        ("home_visit", "day3:2026-11-16", dt.time(14)),
        ("home_visit", "visit-day4:2026-11-16", dt.time(14)),
        ("cme_referral", "cme:2026-11-16", dt.time(11)),
    ]
