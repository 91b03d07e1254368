"""Recording marks: new marks, identical re-sends, and corrections kept in the history with who, when and why."""

import datetime as dt

import pghistory
import pytest

from registers.history import history_for_pupil
from registers.models import Mark
from registers.services import CorrectionNeedsReason, MarkInput, upsert_marks

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 9, 7)


def _record(school, pupil, code, *, user=None, reason="", session="AM"):
    return upsert_marks(
        school=school,
        marks=[MarkInput(pupil_id=pupil.pk, date=DAY, session=session, code=code)],
        source=Mark.Source.OFFICE,
        recorded_by=user,
        reason=reason,
    )


def test_a_new_mark_is_created_and_recorded_in_the_history(school_a, pupil_a, head):
    result = _record(school_a, pupil_a, "N", user=head)
    assert (result.created, result.corrected, result.unchanged) == (1, 0, 0)
    [event] = history_for_pupil(pupil_a)
    assert (event.pgh_label, event.code, event.old_code, event.recorded_by) == ("insert", "N", None, head)


def test_sending_the_same_mark_again_changes_nothing(school_a, pupil_a):
    _record(school_a, pupil_a, "/")
    result = _record(school_a, pupil_a, "/")
    assert (result.created, result.corrected, result.unchanged) == (0, 0, 1)
    assert history_for_pupil(pupil_a).count() == 1


def test_a_correction_keeps_the_old_and_new_code_who_when_and_why(school_a, pupil_a, head):
    _record(school_a, pupil_a, "N")
    result = _record(school_a, pupil_a, "I", user=head, reason="Mum phoned: flu")
    assert result.corrected == 1
    latest, first = history_for_pupil(pupil_a)
    assert (latest.pgh_label, latest.old_code, latest.code) == ("update", "N", "I")
    assert (latest.recorded_by, latest.reason) == (head, "Mum phoned: flu")
    assert latest.pgh_created_at >= first.pgh_created_at
    assert Mark.objects.get(pupil=pupil_a).code == "I"


def test_a_correction_without_a_reason_is_refused_and_nothing_is_saved(school_a, pupil_a):
    _record(school_a, pupil_a, "N")
    with pytest.raises(CorrectionNeedsReason):
        upsert_marks(
            school=school_a,
            marks=[
                MarkInput(pupil_id=pupil_a.pk, date=DAY, session="PM", code="/"),
                MarkInput(pupil_id=pupil_a.pk, date=DAY, session="AM", code="I"),
            ],
            source=Mark.Source.OFFICE,
        )
    assert list(Mark.objects.values_list("session", "code")) == [("AM", "N")]


def test_a_deleted_mark_stays_in_the_history_with_who_deleted_it(school_a, pupil_a, head):
    _record(school_a, pupil_a, "O")
    with pghistory.context(user=head.pk, reason="Entered for the wrong pupil"):
        Mark.objects.filter(pupil=pupil_a).delete()
    latest = history_for_pupil(pupil_a).first()
    assert latest.pgh_label == "delete"
    assert latest.pgh_context.metadata == {"user": head.pk, "reason": "Entered for the wrong pupil"}


def test_bulk_sql_updates_are_captured_too(school_a, pupil_a):
    _record(school_a, pupil_a, "N")
    Mark.objects.filter(pupil=pupil_a).update(code="O", reason="No reason within 5 school days")
    assert [e.code for e in history_for_pupil(pupil_a)] == ["O", "N"]


def test_history_shows_only_that_pupils_marks(school_a, pupil_a):
    from tests.factories import PupilFactory

    other = PupilFactory(school=school_a)
    _record(school_a, pupil_a, "/")
    _record(school_a, other, "I")
    assert [e.code for e in history_for_pupil(pupil_a)] == ["/"]


def test_a_bare_code_sent_again_keeps_the_offices_note_and_minutes_late(school_a, pupil_a, head):
    upsert_marks(
        school=school_a,
        marks=[MarkInput(pupil_id=pupil_a.pk, date=DAY, session="AM", code="L", minutes_late=12, note="Bus late")],
        source=Mark.Source.OFFICE,
        recorded_by=head,
    )
    result = _record(school_a, pupil_a, "L")
    assert result.unchanged == 1
    mark = Mark.objects.get(pupil=pupil_a)
    assert (mark.minutes_late, mark.note, mark.source, mark.recorded_by) == (12, "Bus late", "office", head)


def test_minutes_late_are_dropped_when_the_code_is_no_longer_late(school_a, pupil_a):
    upsert_marks(
        school=school_a,
        marks=[MarkInput(pupil_id=pupil_a.pk, date=DAY, session="AM", code="L", minutes_late=5)],
        source=Mark.Source.OFFICE,
    )
    _record(school_a, pupil_a, "/", reason="Arrived before the register began")
    assert Mark.objects.get(pupil=pupil_a).minutes_late is None
