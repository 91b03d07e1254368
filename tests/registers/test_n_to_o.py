"""N marks with no reason within the school's limit of school days become O, nightly, each change in the history."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from registers.history import history_for_pupil
from registers.models import AbsenceReport, Mark
from registers.services import MarkInput, upsert_marks
from registers.tasks import convert_overdue_n_marks, convert_overdue_n_marks_everywhere
from schools.services import rebuild_school_days
from tests.factories import HalfTermFactory, PupilFactory, SchoolFactory

D = dt.date
FRI_BEFORE_HALF_TERM = D(2026, 10, 23)  # the last day of Autumn 1; half-term is 26-30 October
THU_AFTER, FRI_AFTER = D(2026, 11, 5), D(2026, 11, 6)


def _autumn(school):
    HalfTermFactory(school=school, name="Autumn 1", starts=D(2026, 9, 2), ends=FRI_BEFORE_HALF_TERM)
    HalfTermFactory(school=school, name="Autumn 2", starts=D(2026, 11, 2), ends=D(2026, 12, 18))
    rebuild_school_days(school)


@pytest.fixture
def school(school_a):
    _autumn(school_a)
    return school_a


def _mark(school, pupil, day, code, session="AM", reason=""):
    upsert_marks(
        school=school, marks=[MarkInput(pupil.pk, day, session, code)], source=Mark.Source.REGISTER, reason=reason
    )


def _run(school, day):
    return convert_overdue_n_marks(school.trust_id, school.pk, day.isoformat())


def _code(pupil, day, session="AM"):
    return Mark.objects.get(pupil=pupil, date=day, session=session).code


def test_an_n_becomes_o_after_five_school_days_and_holidays_do_not_count(school, pupil_a):
    _mark(school, pupil_a, FRI_BEFORE_HALF_TERM, "N")

    assert _run(school, D(2026, 10, 30)) == {"cutoff": "2026-10-16", "converted": 0}  # half-term: no school days
    assert _run(school, THU_AFTER)["converted"] == 0  # four school days since: 2-5 November
    assert _code(pupil_a, FRI_BEFORE_HALF_TERM) == "N"

    assert _run(school, FRI_AFTER) == {"cutoff": "2026-10-23", "converted": 1}
    assert _code(pupil_a, FRI_BEFORE_HALF_TERM) == "O"


def test_each_change_is_in_the_history_with_the_reason_and_no_person(school, pupil_a):
    _mark(school, pupil_a, FRI_BEFORE_HALF_TERM, "N")
    _run(school, FRI_AFTER)
    latest = history_for_pupil(pupil_a).first()
    assert (latest.old_code, latest.code) == ("N", "O")
    assert latest.reason == "No reason within 5 school days"
    assert latest.recorded_by is None and latest.source == Mark.Source.OFFICE


def test_running_twice_changes_nothing_more(school, pupil_a):
    _mark(school, pupil_a, FRI_BEFORE_HALF_TERM, "N")
    first, second = _run(school, FRI_AFTER), _run(school, FRI_AFTER)
    assert (first["converted"], second["converted"]) == (1, 0)
    assert history_for_pupil(pupil_a).count() == 2  # the insert and one change


def test_n_marks_that_got_a_reason_or_are_not_yet_due_are_left_alone(school, pupil_a):
    _mark(school, pupil_a, FRI_BEFORE_HALF_TERM, "N", session="AM")
    _mark(school, pupil_a, FRI_BEFORE_HALF_TERM, "N", session="PM")
    _mark(school, pupil_a, FRI_BEFORE_HALF_TERM, "I", session="PM", reason="Mother phoned: sickness")
    _mark(school, pupil_a, D(2026, 11, 2), "N")  # Monday after half-term: only 4 school days since

    assert _run(school, FRI_AFTER)["converted"] == 1
    assert [_code(pupil_a, FRI_BEFORE_HALF_TERM, s) for s in ("AM", "PM")] == ["O", "I"]
    assert _code(pupil_a, D(2026, 11, 2)) == "N"


def test_a_session_covered_by_a_report_waiting_for_an_officer_stays_n(school, pupil_a, head):
    _mark(school, pupil_a, FRI_BEFORE_HALF_TERM, "N", session="AM")
    _mark(school, pupil_a, FRI_BEFORE_HALF_TERM, "N", session="PM")
    AbsenceReport.objects.create(
        trust=school.trust,
        school=school,
        pupil=pupil_a,
        reported_by="Mary Able",
        channel="voicemail",
        code="I",
        reason="Sick",
        first_day=FRI_BEFORE_HALF_TERM,
        first_session="PM",
        last_day=FRI_BEFORE_HALF_TERM,
        last_session="PM",
        recorded_by=head,
    )
    assert _run(school, FRI_AFTER)["converted"] == 1
    assert [_code(pupil_a, FRI_BEFORE_HALF_TERM, s) for s in ("AM", "PM")] == ["O", "N"]


def test_each_school_uses_its_own_deadline_and_other_schools_are_untouched(school, trust_a, pupil_a):
    patient = SchoolFactory(trust=trust_a, name="Patient Primary", reason_deadline_days=10)
    _autumn(patient)
    other = PupilFactory(school=patient)
    _mark(school, pupil_a, FRI_BEFORE_HALF_TERM, "N")
    _mark(patient, other, FRI_BEFORE_HALF_TERM, "N")

    _run(school, FRI_AFTER)
    assert _run(patient, FRI_AFTER)["converted"] == 0  # five school days of the ten so far
    assert (_code(pupil_a, FRI_BEFORE_HALF_TERM), _code(other, FRI_BEFORE_HALF_TERM)) == ("O", "N")
    assert _run(patient, D(2026, 11, 13))["converted"] == 1
    assert Mark.objects.get(pupil=other).reason == "No reason within 10 school days"


def test_a_school_with_no_calendar_converts_nothing(school_a, pupil_a):
    _mark(school_a, pupil_a, FRI_BEFORE_HALF_TERM, "N")
    assert _run(school_a, FRI_AFTER) == {"cutoff": None, "converted": 0}
    assert _code(pupil_a, FRI_BEFORE_HALF_TERM) == "N"


def test_a_task_naming_a_school_of_another_trust_does_nothing(school, trust_b, pupil_a):
    _mark(school, pupil_a, FRI_BEFORE_HALF_TERM, "N")
    assert convert_overdue_n_marks(trust_b.pk, school.pk, FRI_AFTER.isoformat()) == {"cutoff": None, "converted": 0}
    assert _code(pupil_a, FRI_BEFORE_HALF_TERM) == "N"


def test_the_nightly_sweep_queues_one_task_per_school_after_commit(
    school, school_b, pupil_a, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(dt.datetime(2026, 11, 6, 19, 30, tzinfo=dt.UTC), tick=False)
    _mark(school, pupil_a, FRI_BEFORE_HALF_TERM, "N")

    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert convert_overdue_n_marks_everywhere() == 2
    assert len(queued) == 2
    assert _code(pupil_a, FRI_BEFORE_HALF_TERM) == "N", "nothing runs before the sweep's transaction commits"

    with django_capture_on_commit_callbacks(execute=True):
        convert_overdue_n_marks_everywhere()
    assert _code(pupil_a, FRI_BEFORE_HALF_TERM) == "O"


def test_the_command_runs_one_school_as_on_a_date(school, pupil_a):
    _mark(school, pupil_a, FRI_BEFORE_HALF_TERM, "N")
    out = StringIO()
    call_command("convert_overdue_n", school.urn, "--on", FRI_AFTER.isoformat(), stdout=out)
    assert out.getvalue().strip() == "Alpha Primary (100001): 1 N marks up to 2026-10-23 became O"
    assert _code(pupil_a, FRI_BEFORE_HALF_TERM) == "O"


def test_the_command_without_a_urn_runs_every_school(school, school_b):
    out = StringIO()
    call_command("convert_overdue_n", "--on", THU_AFTER.isoformat(), stdout=out)
    assert out.getvalue().splitlines() == [
        "Alpha Primary (100001): 0 N marks up to 2026-10-22 became O",
        "Beta Academy (200001): too few school days so far for any N to be overdue",
    ]


def test_the_command_refuses_an_unknown_urn_or_a_bad_date(db):
    with pytest.raises(CommandError, match="no school with URN 999999"):
        call_command("convert_overdue_n", "999999")
    with pytest.raises(CommandError, match="not a date"):
        call_command("convert_overdue_n", "--on", "23/11/2026")
