"""`manage.py attendance URN --from --to --json` on a hand-built school, checked against figures worked by hand."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from registers.services import MarkInput, upsert_marks
from schools.models import Enrolment
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db

MON = dt.date(2026, 9, 7)


def _week(school, pupil, codes, start=MON):
    days = [start + dt.timedelta(days=d) for d in range(5)]
    marks = [
        MarkInput(pupil_id=pupil.pk, date=day, session=session, code=code)
        for (day, session), code in zip([(d, s) for d in days for s in ("AM", "PM")], codes, strict=False)
    ]
    upsert_marks(school=school, marks=marks, source="import", reason="test")


def _run(*args):
    out = StringIO()
    call_command("attendance", *args, stdout=out)
    return out.getvalue()


def test_attendance_json_equals_hand_computed_figures(school_a):
    ann = PupilFactory(school=school_a, upn="A000000000001", legal_surname="Able")
    bob = PupilFactory(school=school_a, upn="A000000000002", legal_surname="Bell")
    cat = PupilFactory(school=school_a, upn="A000000000003", legal_surname="Cole", enrolled=False)
    Enrolment.objects.create(trust=school_a.trust, pupil=cat, school=school_a, starts=MON + dt.timedelta(days=3))
    # Ann: 10 possible; / \ L \ / \ I I O U -> present 6, authorised 2, unauthorised 2, late 2: 60.0%, PA, not SA
    _week(school_a, ann, ["/", "\\", "L", "\\", "/", "\\", "I", "I", "O", "U"])
    # Bob: a trip and a closure day: / \ V V / \ / \ # # -> possible 8, present 6, approved 2: 100.0%
    _week(school_a, bob, ["/", "\\", "V", "V", "/", "\\", "/", "\\", "#", "#"])
    # Cat: admitted on Thursday; marks before admission do not count: Thu N N, Fri G G -> 4 possible, 0%: PA, SA
    _week(school_a, cat, ["/", "\\", "/", "\\", "/", "\\", "N", "N", "G", "G"])

    data = json.loads(_run(school_a.urn, "--from", "2026-09-07", "--to", "2026-09-11", "--json"))

    assert data["pupils"] == [
        {
            "upn": "A000000000001",
            "possible": 10,
            "present": 6,
            "approved_activity": 0,
            "authorised": 2,
            "unauthorised": 2,
            "late": 2,
            "attendance_pct": 60.0,
            "persistent": True,
            "severe": False,
        },
        {
            "upn": "A000000000002",
            "possible": 8,
            "present": 6,
            "approved_activity": 2,
            "authorised": 0,
            "unauthorised": 0,
            "late": 0,
            "attendance_pct": 100.0,
            "persistent": False,
            "severe": False,
        },
        {
            "upn": "A000000000003",
            "possible": 4,
            "present": 0,
            "approved_activity": 0,
            "authorised": 0,
            "unauthorised": 4,
            "late": 0,
            "attendance_pct": 0.0,
            "persistent": True,
            "severe": True,
        },
    ]
    # The school: 22 possible, 14 attended (12 present + 2 approved), 2 authorised, 6 unauthorised: 63.6%
    totals = data["school"]
    assert (totals["possible"], totals["present"], totals["approved_activity"]) == (22, 12, 2)
    assert (totals["authorised"], totals["unauthorised"], totals["late"]) == (2, 6, 2)
    assert totals["attendance_pct"] == 63.6
    assert totals["urn"] == school_a.urn


def test_attendance_without_json_prints_a_table(school_a, pupil_a):
    _week(school_a, pupil_a, ["/"] * 10)
    out = _run(school_a.urn, "--from", "2026-09-07", "--to", "2026-09-11")
    assert pupil_a.upn in out and "100.0" in out


def test_an_unknown_school_is_a_clear_error(db):
    with pytest.raises(CommandError, match="no school with URN 999999"):
        _run("999999", "--json")


def test_a_window_ending_before_it_starts_is_refused(school_a):
    with pytest.raises(CommandError, match="after"):
        _run(school_a.urn, "--from", "2026-09-11", "--to", "2026-09-07")
