"""A leaver with something in every table that points at a pupil, and a stored letter PDF to download."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfWriter

from interventions.models import Case, ContactAttempt, Meeting, PenaltyNotice, PolicyVersion, Proposal, Task
from letters.models import Letter, LetterBatch
from registers import summaries
from registers.models import AbsenceReport, LeaveRequest, Mark
from schools.models import Enrolment, Notification, Role
from tests.factories import ContactFactory, PupilContactFactory, PupilFactory, staff

LEFT_ON = dt.date(2026, 7, 20)
# The last week of the leaver's last term: one mark of each kind that counts differently.
LAST_WEEK = {
    dt.date(2026, 7, 13): ("/", "/"),
    dt.date(2026, 7, 14): ("L", "/"),
    dt.date(2026, 7, 15): ("I", "I"),
    dt.date(2026, 7, 16): ("O", "/"),
    dt.date(2026, 7, 17): ("G", "G"),
    dt.date(2026, 7, 20): ("/", "X"),
}


def a_pdf(pages: int = 1) -> bytes:
    """A real PDF file (blank A4 pages), as a letter's stored copy would be."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def mark_week(school, pupil, *, note: str = "") -> None:
    now = timezone.now()
    Mark.objects.bulk_create(
        Mark(
            trust=school.trust,
            school=school,
            pupil=pupil,
            date=day,
            session=session,
            code=code,
            note=note if code == "I" else "",
            source=Mark.Source.REGISTER,
            recorded_at=now,
        )
        for day, (am, pm) in LAST_WEEK.items()
        for session, code in (("AM", am), ("PM", pm))
    )


def leave(pupil, on: dt.date) -> None:
    Enrolment.objects.filter(pupil=pupil).update(starts=dt.date(2020, 9, 1), ends=on)


@pytest.fixture
def dsl(school_a):
    return staff(school_a.trust, Role.Kind.DSL, school_a, username="dsl")


@pytest.fixture
def leaver(pupil_a, school_a, head, dsl):
    """Ann left on 20 July 2026. She has marks (one corrected), both parents (her father also has a child still on
    roll), a report, leave, a call, a task, a case with a dismissed proposal and a meeting, a penalty notice to her
    mother, a letter with its PDF in a printed batch, a concern raised to the DSL and a view in the access log."""
    trust = school_a.trust
    pupil = pupil_a
    pupil.preferred_forename = "Annie"
    pupil.watch_list = True
    pupil.watch_list_reason = "Sibling known to social care"
    pupil.date_of_birth = dt.date(2016, 3, 14)
    pupil.save()
    leave(pupil, LEFT_ON)
    mark_week(school_a, pupil, note="Hospital appointment at St Mary's")
    correction = Mark.objects.get(pupil=pupil, date=dt.date(2026, 7, 16), session="AM")
    correction.code, correction.reason = "M", "Mother phoned: Ann at the dentist with her brother Tom"
    correction.save()
    summaries.refresh(school_a, dt.date(2026, 7, 13), dt.date(2026, 7, 20))

    mother = ContactFactory(trust=trust, name="Maria Able", address="12 Oak Road\nTownley", postcode="TW1 3CD")
    father = ContactFactory(trust=trust, name="Peter Able", address="3 Elm Close\nTownley", postcode="TW1 9ZZ")
    PupilContactFactory(pupil=pupil, contact=mother, relationship="Mother")
    PupilContactFactory(pupil=pupil, contact=father, relationship="Father", priority=2)
    sibling = PupilFactory(school=school_a, legal_surname="Able", legal_forename="Tom", upn="A100000000002")
    PupilContactFactory(pupil=sibling, contact=father, relationship="Father")

    common = {"trust": trust, "school": school_a, "pupil": pupil}
    AbsenceReport.objects.create(
        **common, contact=mother, reported_by="Maria Able", channel="phone", code="I", reason="Tonsillitis",
        first_day=dt.date(2026, 7, 15), last_day=dt.date(2026, 7, 15), decision_note="Doctor's note seen",
    )  # fmt: skip
    LeaveRequest.objects.create(
        **common, contact=mother, kind="G", reason="Grandmother's 80th birthday in Kraków",
        first_day=dt.date(2026, 7, 17), last_day=dt.date(2026, 7, 17), requested_on=dt.date(2026, 6, 1),
        decision="refused", decision_note="Not exceptional",
    )  # fmt: skip
    ContactAttempt.objects.create(
        **common, contact=mother, absence_date=dt.date(2026, 7, 16), method="call", outcome="reason_given",
        note="Mum says Ann is anxious about Year 6 SATs", made_at=timezone.now(),
    )  # fmt: skip
    Task.objects.create(
        **common, kind=Task.Kind.HOME_VISIT, title="Home visit to Ann Able at 12 Oak Road", why="Day 3",
        due_at=timezone.now(), key="day3:2026-07-16", outcome="Seen safe; mother tearful",
    )  # fmt: skip
    case = Case.objects.create(**common, stage=2)
    policy = PolicyVersion.objects.create(trust=trust, number=1, document={"name": "Omega"})
    proposal = Proposal.objects.create(
        **common, case=case, policy_version=policy, evaluated_on=dt.date(2026, 7, 17), rule="below_95",
        rule_kind="attendance_below", category="letter", actions=[], evidence={"rate": "0.93"},
        status="dismissed", dismissal_reason="Ann's mother is in hospital",
    )  # fmt: skip
    Meeting.objects.create(
        **common, case=case, proposal=proposal, kind="improvement", title="Attendance Improvement Meeting",
        attendees="Maria Able, Mrs Lindley", notes="Ann finds mornings hard since the divorce",
    )  # fmt: skip
    PenaltyNotice.objects.create(
        **common, contact=mother, kind="penalty_notice", reason="term_time_holiday", issued_on=dt.date(2026, 7, 20),
        amount=80, note="Delivered by hand to Maria",
    )  # fmt: skip
    batch = LetterBatch.objects.create(trust=trust, school=school_a, title="LON3", status="done", pdf=a_pdf(2))
    letter = Letter.objects.create(
        **common, batch=batch, contact=mother, code="LON3", addressee="Maria Able", address="12 Oak Road\nTownley",
        figures={"pupil_name": "Ann Able"}, pdf=a_pdf(), rendered_at=timezone.now(),
    )  # fmt: skip
    Notification.objects.create(
        trust=trust, school=school_a, recipient=dsl, kind="concern", pupil=pupil,
        message="Concern raised about Ann Able: bruising", url=f"/schools/pupils/{pupil.pk}/",
    )  # fmt: skip
    pupil.refresh_from_db()
    pupil.mother, pupil.father, pupil.sibling, pupil.letter, pupil.batch = mother, father, sibling, letter, batch
    return pupil
