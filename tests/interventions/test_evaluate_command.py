"""`manage.py evaluate URN --on DATE --json` on hand-built schools: the proposals each trust's policy makes."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from interventions.models import EvaluationRun, Proposal
from schools.models import SchoolDay
from tests.factories import PupilFactory
from tests.interventions.test_day1 import school_calendar
from tests.interventions.test_facts import record

ON = dt.date(2026, 11, 25)  # a Wednesday: nothing weekly or half-termly is due


def run(*args):
    out = StringIO()
    call_command("evaluate", *args, stdout=out)
    return out.getvalue()


def proposals(school, on=ON):
    return json.loads(run(school.urn, "--on", on.isoformat(), "--json"))["proposals"]


def sessions(school, n, *, before=ON):
    """The first `n` (date, session) pairs of the school's calendar before `before`."""
    days = SchoolDay.objects.filter(school=school, date__lt=before).order_by("date").values_list("date", flat=True)
    return [(d, s) for d in days for s in ("AM", "PM")][:n]


def history(school, pupil, codes):
    """One code per session from the start of the calendar; present codes are / in the morning, \\ after."""
    marks = {}
    for (date, session), code in zip(sessions(school, len(codes)), codes, strict=True):
        if code == "/" and session == "PM":
            code = "\\"
        am = marks.get(date, (None, None))[0]
        marks[date] = (code, None) if session == "AM" else (am, code)
    record(school, pupil, marks)


@pytest.fixture
def omega(school_a):
    school_calendar(school_a)
    return school_a


@pytest.fixture
def waterton(school_b):
    school_calendar(school_b)
    return school_b


def test_an_omega_pupil_at_94_percent_is_proposed_lon3(omega):
    pupil = PupilFactory(school=omega, upn="A000000000001", legal_surname="Able")
    history(omega, pupil, ["/"] * 47 + ["I"] * 3)

    assert proposals(omega) == [
        {
            "upn": "A000000000001",
            "rule": "omega.lon3",
            "stage": 2,
            "action": "letter:LON3",
            "letter": "LON3",
            "evidence": {
                "attended": 47,
                "possible": 50,
                "absent": 3,
                "unauthorised": 0,
                "attendance_pct": "94.0",
                "rule": "omega.lon3",
                "kind": "attendance_below",
                "threshold": "95",
                "window": "year_to_date",
                "policy": "Omega graduated response",
                "version": 1,
            },
        }
    ]


def test_below_the_minimum_possible_sessions_nothing_is_proposed(omega):
    pupil = PupilFactory(school=omega, legal_surname="Able")
    history(omega, pupil, ["/"] * 14 + ["O"] * 5)  # 19 possible sessions, 73.7%

    assert proposals(omega) == []


def test_five_u_sessions_in_a_waterton_half_term_propose_the_warning_letter(waterton):
    pupil = PupilFactory(school=waterton, upn="B000000000001", legal_surname="Baker")
    history(waterton, pupil, ["/"] * 50)  # September and early October
    late = [dt.date(2026, 11, d) for d in (2, 3, 4, 5, 6)]
    record(waterton, pupil, {d: ("U", "\\") for d in late})  # 55 of 60 attended: 91.7%, above Stage 1

    assert proposals(waterton) == [
        {
            "upn": "B000000000001",
            "rule": "waterton.late_warning",
            "stage": None,
            "action": "letter:WAT_LATE_WARNING",
            "letter": "WAT_LATE_WARNING",
            "evidence": {
                "u_sessions_this_half_term": 5,
                "rule": "waterton.late_warning",
                "kind": "u_in_half_term",
                "threshold": "5",
                "policy": "Waterton attendance policy",
                "version": 1,
            },
        }
    ]


def test_four_u_sessions_are_not_enough(waterton):
    pupil = PupilFactory(school=waterton, legal_surname="Baker")
    history(waterton, pupil, ["/"] * 50)
    record(waterton, pupil, {dt.date(2026, 11, d): ("U", "\\") for d in (2, 3, 4, 5)})

    assert proposals(waterton) == []


def test_the_json_names_the_school_and_day_and_lists_pupils_in_surname_order(omega):
    for upn, surname in (("A000000000003", "Young"), ("A000000000001", "Able"), ("A000000000002", "Mason")):
        pupil = PupilFactory(school=omega, upn=upn, legal_surname=surname)
        history(omega, pupil, ["/"] * 44 + ["O"] * 6)  # 88%: LON5
    PupilFactory(school=omega, legal_surname="Present")

    data = json.loads(run(omega.urn, "--on", "2026-11-25", "--json"))

    assert list(data) == ["school", "on", "proposals"]
    assert (data["school"], data["on"]) == (omega.urn, "2026-11-25")
    assert [(p["upn"], p["rule"], p["stage"], p["action"], p["letter"]) for p in data["proposals"]] == [
        (upn, "omega.lon5", 4, "letter:LON5", "LON5") for upn in ("A000000000001", "A000000000002", "A000000000003")
    ]
    assert all(list(p) == ["upn", "rule", "stage", "action", "letter", "evidence"] for p in data["proposals"])
    assert data["proposals"][0]["evidence"]["attendance_pct"] == "88.0"


def test_figures_in_days_are_decimal_strings(omega):
    pupil = PupilFactory(school=omega, legal_surname="Able")
    history(omega, pupil, ["I"] * 31)  # 15.5 school days of illness

    [section_19] = [p for p in proposals(omega) if p["rule"] == "omega.section_19"]

    assert (section_19["action"], section_19["letter"]) == ("referral:section_19", None)
    assert section_19["evidence"]["illness_days"] == "15.5"


def test_the_table_shows_each_proposal_with_its_figures(omega):
    pupil = PupilFactory(school=omega, upn="A000000000001", legal_surname="Able", legal_forename="Ann")
    history(omega, pupil, ["/"] * 47 + ["I"] * 3)

    out = run(omega.urn, "--on", "2026-11-25")

    assert "Alpha Primary (URN 100001) on 2026-11-25: Omega graduated response, version 1" in out
    [row] = [line for line in out.splitlines() if line.startswith("A000000000001")]
    assert "Ann Able" in row and "omega.lon3" in row and "letter:LON3" in row
    assert "attended 47, possible 50" in row and "attendance_pct 94.0" in row
    assert out.splitlines()[-1] == "1 proposal for 1 pupil on roll"


def test_an_unknown_urn_is_an_error(db):
    with pytest.raises(CommandError, match="no school with URN 999999"):
        run("999999", "--on", "2026-11-25")


def test_a_bad_date_is_an_error(omega):
    with pytest.raises(CommandError, match="not a date"):
        run(omega.urn, "--on", "25/11/2026")


def test_commit_records_the_proposals_and_prints_them(omega):
    pupil = PupilFactory(school=omega, upn="A000000000001", legal_surname="Able")
    history(omega, pupil, ["/"] * 47 + ["I"] * 3)

    printed = json.loads(run(omega.urn, "--on", ON.isoformat(), "--json", "--commit"))["proposals"]

    assert [(p["upn"], p["rule"], p["letter"]) for p in printed] == [("A000000000001", "omega.lon3", "LON3")]
    assert proposals(omega) == []  # the pupil is now at stage 2: the next run does not propose it again
    proposal = Proposal.objects.get(pupil=pupil)
    assert (proposal.rule, proposal.stage, proposal.case.stage) == ("omega.lon3", 2, 2)
    assert proposal.evidence["attendance_pct"] == "94.0"
    assert len(proposal.evidence["sessions"]) == 3


def test_committing_the_same_day_twice_records_nothing_new(omega):
    pupil = PupilFactory(school=omega, legal_surname="Able")
    history(omega, pupil, ["/"] * 47 + ["I"] * 3)
    run(omega.urn, "--on", ON.isoformat(), "--commit")

    err = StringIO()
    call_command("evaluate", omega.urn, "--on", ON.isoformat(), "--commit", stdout=StringIO(), stderr=err)

    assert "already evaluated on 2026-11-25" in err.getvalue()
    assert Proposal.objects.filter(pupil=pupil).count() == 1
    assert EvaluationRun.objects.filter(school=omega, on=ON).count() == 1
