"""Day-1 triage: today's unexplained absences in risk order, contact attempts and what follows from them, concerns to
the school's DSLs, the AM -> PM conversions, and scoping. The helpers here are shared by the day-3 and task tests.
"""

import datetime as dt
import zoneinfo

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interventions import day1
from interventions.models import ContactAttempt
from registers.history import history_for_pupil
from registers.models import Mark, RegisterTaking
from registers.services import MarkInput, upsert_marks
from schools.models import Notification, Role
from schools.services import rebuild_school_days
from tests.factories import GroupFactory, HalfTermFactory, PupilContactFactory, PupilFactory, SchoolFactory, staff

LONDON = zoneinfo.ZoneInfo("Europe/London")
TODAY = dt.date(2026, 11, 23)  # a Monday
NOW = dt.datetime(2026, 11, 23, 9, 45, tzinfo=LONDON)
# Weekdays of September 2026 from the 7th, for a year-to-date history before today.
SEPTEMBER = [d for d in (dt.date(2026, 9, 7) + dt.timedelta(days=n) for n in range(40)) if d.weekday() < 5]


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(NOW, tick=False)


# --- Helpers shared with test_day3*.py and test_tasks*.py ---------------------------------------------------------


def school_calendar(school):
    """Autumn 2026 as SchoolDay rows: 2 Sep - 23 Oct and 2 Nov - 18 Dec."""
    HalfTermFactory(school=school, name="Autumn 1", starts=dt.date(2026, 9, 2), ends=dt.date(2026, 10, 23))
    HalfTermFactory(school=school, name="Autumn 2", starts=dt.date(2026, 11, 2), ends=dt.date(2026, 12, 18))
    rebuild_school_days(school)


def mark(school, pupil, code, *, day=TODAY, session="AM", note=None):
    upsert_marks(
        school=school,
        marks=[MarkInput(pupil.pk, day, session, code, note=note)],
        source=Mark.Source.REGISTER,
        reason="test set-up",
    )


def history(school, pupil, *, absent=0, present=50):
    """Year-to-date sessions in September: `absent` coded I, then `present` present."""
    sessions = [(day, session) for day in SEPTEMBER for session in ("AM", "PM")]
    codes = ["I"] * absent + ["/"] * present
    marks = [
        MarkInput(pupil.pk, day, session, "\\" if code == "/" and session == "PM" else code)
        for (day, session), code in zip(sessions, codes, strict=False)
    ]
    upsert_marks(school=school, marks=marks, source=Mark.Source.IMPORT)


def took_register(group, session="AM", day=TODAY):
    RegisterTaking.objects.create(
        trust=group.trust, school=group.school, group=group, date=day, session=session, taken_at=NOW
    )


def with_contact(pupil, name="Mary Parent", phone="07700 900456", postcode="WF1 2AB", address="1 Park Road\nWakefield"):
    return PupilContactFactory(
        pupil=pupil, contact__name=name, contact__phone=phone, contact__postcode=postcode, contact__address=address
    ).contact


def absent_pupil(school, group, surname, *, code="N", absent=0, present=50, postcode="WF1 2AB", **fields):
    """A pupil with a year-to-date history, one contact, and `code` this morning."""
    pupil = PupilFactory(school=school, group=group, legal_surname=surname, legal_forename="Pat", **fields)
    history(school, pupil, absent=absent, present=present)
    with_contact(pupil, name=f"Parent {surname}", postcode=postcode)
    mark(school, pupil, code)
    return pupil


def officer_at(school, username="officer", first_name="Olive", last_name="Officer"):
    user = staff(school.trust, Role.Kind.ATTENDANCE_OFFICER, school, username=username)
    user.first_name, user.last_name = first_name, last_name
    user.save()
    return user


def today_url(school):
    return f"{reverse('interventions:today')}?school={school.pk}"


def record_url(school, pupil):
    return f"{reverse('interventions:record_attempt', args=[pupil.pk])}?school={school.pk}"


@pytest.fixture
def officer(school_a):
    return officer_at(school_a)


# --- The list and its order ----------------------------------------------------------------------------------------


def _surnames(rows):
    return [row.pupil.legal_surname for row in rows]


def test_absent_pupils_are_in_risk_order_and_each_row_says_why(school_a, group_a):
    absent_pupil(school_a, group_a, "Other")
    absent_pupil(school_a, group_a, "Risky", absent=4, present=46)
    absent_pupil(school_a, group_a, "Severe", absent=30, present=20)
    absent_pupil(school_a, group_a, "Carer", social_worker=True)
    absent_pupil(school_a, group_a, "Persist", absent=8, present=42)
    absent_pupil(school_a, group_a, "Watched", watch_list=True, watch_list_reason="Known to early help")

    rows = day1.triage_board(school_a, TODAY).rows

    assert _surnames(rows) == ["Watched", "Carer", "Severe", "Persist", "Risky", "Other"]
    assert [row.risk.reasons for row in rows] == [
        ("Watch list: Known to early help",),
        ("Safeguarding: social worker",),
        ("Severely absent: 39.2% attendance this year",),
        ("Persistently absent: 82.4% attendance this year",),
        ("At risk of persistent absence: 90.2% attendance this year",),
        ("No other risk recorded",),
    ]


def test_a_pupil_missing_from_a_taken_register_is_absent_unknown_but_not_before_the_register(school_a, group_a):
    unmarked = PupilFactory(school=school_a, group=group_a, legal_surname="Unmarked")
    other_group = GroupFactory(school=school_a, name="6B", year_group="6")
    PupilFactory(school=school_a, group=other_group, legal_surname="Waiting")
    took_register(group_a, "AM")

    [row] = day1.triage_board(school_a, TODAY).rows

    assert (row.pupil, row.am, row.pm) == (unmarked, "missing", None)


def test_present_and_explained_pupils_are_not_on_the_list(school_a, group_a):
    absent_pupil(school_a, group_a, "Present", code="/")
    absent_pupil(school_a, group_a, "Ill", code="I")
    absent_pupil(school_a, group_a, "Absent")
    assert _surnames(day1.triage_board(school_a, TODAY).rows) == ["Absent"]


def test_morning_absences_present_in_the_afternoon_are_counted_as_conversions(school_a, group_a):
    converted = absent_pupil(school_a, group_a, "Converted")
    mark(school_a, converted, "\\", session="PM")
    late_after_illness = absent_pupil(school_a, group_a, "Better", code="I")
    mark(school_a, late_after_illness, "L", session="PM")
    after_close = absent_pupil(school_a, group_a, "AfterClose")
    mark(school_a, after_close, "U", session="PM")
    absent_pupil(school_a, group_a, "StillOut")

    board = day1.triage_board(school_a, TODAY)

    assert board.conversion_count == 2
    assert _surnames(board.conversions) == ["Better", "Converted"]
    assert _surnames(board.rows) == ["StillOut"]


def test_an_afternoon_n_brings_back_a_pupil_who_was_present_in_the_morning(school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Vanished", code="/")
    mark(school_a, pupil, "N", session="PM")
    [row] = day1.triage_board(school_a, TODAY).rows
    assert (row.am, row.pm) == ("/", "N")


def test_the_page_shows_contacts_with_phone_links_reasons_and_the_conversion_count(client, officer, school_a, group_a):
    absent_pupil(school_a, group_a, "Watched", watch_list=True, watch_list_reason="Known to early help")
    converted = absent_pupil(school_a, group_a, "Converted")
    mark(school_a, converted, "\\", session="PM")
    client.force_login(officer)

    html = client.get(today_url(school_a)).content.decode()

    assert 'href="tel:07700900456"' in html and "Parent Watched" in html
    assert "Watch list: Known to early help" in html
    assert "Morning absences attending this afternoon: 1" in html
    assert "Reason given…" in html


def test_with_no_absences_the_page_says_so(client, officer, school_a):
    client.force_login(officer)
    html = client.get(today_url(school_a)).content.decode()
    assert "No one is absent without a reason right now" in html
    assert "No conversions yet" in html


# --- Recording contact attempts --------------------------------------------------------------------------------------


def test_a_call_with_a_reason_sets_the_mark_through_the_register_and_moves_the_row(client, officer, school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Able")
    client.force_login(officer)

    response = client.post(
        record_url(school_a, pupil), {"method": "call", "code": "I", "note": "tummy bug"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    got = Mark.objects.get(pupil=pupil, date=TODAY, session="AM")
    assert (got.code, got.source, got.recorded_by, got.reason) == (
        "I",
        Mark.Source.OFFICE,
        officer,
        "Reason given on phone call: tummy bug",
    )
    assert [e.old_code for e in history_for_pupil(pupil).filter(date=TODAY)] == ["N", None]
    attempt = ContactAttempt.objects.get(pupil=pupil)
    assert (attempt.outcome, attempt.code, attempt.absence_date, attempt.made_by) == (
        "reason_given",
        "I",
        TODAY,
        officer,
    )
    html = response.content.decode()
    assert 'hx-swap-oob="beforeend:#resolved-list"' in html and f'id="resolved-{pupil.pk}"' in html
    assert f'id="pupil-{pupil.pk}"' not in html
    board = day1.triage_board(school_a, TODAY)
    assert (board.rows, _surnames(board.resolved)) == ([], ["Able"])


def test_a_reason_for_the_rest_of_the_day_codes_the_afternoon_too(client, officer, school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Able")
    client.force_login(officer)
    client.post(record_url(school_a, pupil), {"method": "text", "code": "M", "rest_of_day": "on"})
    marks = Mark.objects.filter(pupil=pupil, date=TODAY).order_by("session")
    assert [(m.session, m.code) for m in marks] == [("AM", "M"), ("PM", "M")]
    assert marks[1].reason == "Reason given on text message: Leave: medical or dental appointment"


def test_a_reason_without_the_rest_of_the_day_leaves_the_afternoon_to_its_register(client, officer, school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Able")
    client.force_login(officer)
    response = client.post(record_url(school_a, pupil), {"method": "call", "code": "I"})
    assert response.status_code == 302 and response["Location"].endswith(f"#pupil-{pupil.pk}")
    assert list(Mark.objects.filter(pupil=pupil, date=TODAY).values_list("session", flat=True)) == ["AM"]


def test_a_reason_for_a_pupil_missing_from_a_taken_register_creates_the_mark(client, officer, school_a, group_a):
    pupil = PupilFactory(school=school_a, group=group_a, legal_surname="Unmarked")
    took_register(group_a, "AM")
    client.force_login(officer)
    client.post(record_url(school_a, pupil), {"method": "call", "code": "R", "note": "Eid"})
    got = Mark.objects.get(pupil=pupil, date=TODAY)
    assert (got.session, got.code, got.source, got.reason) == ("AM", "R", "office", "Reason given on phone call: Eid")


def test_the_rest_of_the_day_never_overwrites_an_afternoon_already_marked(officer, school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Able", code="/")
    mark(school_a, pupil, "N", session="PM")
    recorded = day1.record_contact_attempt(
        school=school_a, pupil=pupil, today=TODAY, now=NOW, made_by=officer, method="call",
        outcome="reason_given", code="M", rest_of_day=True,
    )  # fmt: skip
    assert recorded.marks_set == 1
    codes = dict(Mark.objects.filter(pupil=pupil, date=TODAY).values_list("session", "code"))
    assert codes == {"AM": "/", "PM": "M"}


def test_a_failed_mark_saves_no_contact_attempt_either(officer, school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Able")
    with pytest.raises(IntegrityError):
        day1.record_contact_attempt(
            school=school_a, pupil=pupil, today=TODAY, now=NOW, made_by=officer, method="call",
            outcome="reason_given", code="H", note="holiday",  # H was withdrawn in 2024: the database refuses it
        )  # fmt: skip
    assert not ContactAttempt.objects.exists()
    assert Mark.objects.get(pupil=pupil, date=TODAY, session="AM").code == "N"


def test_no_answer_keeps_the_row_with_the_attempt_listed(client, officer, school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Able")
    client.force_login(officer)

    response = client.post(
        record_url(school_a, pupil), {"method": "call", "outcome": "no_answer"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert f'id="pupil-{pupil.pk}"' in html and "No answer" in html and "Olive Officer" in html
    assert Mark.objects.get(pupil=pupil, date=TODAY, session="AM").code == "N"
    [row] = day1.triage_board(school_a, TODAY).rows
    assert [a.outcome for a in row.attempts] == ["no_answer"] and not row.reached


def test_a_reason_without_a_code_asks_for_one_and_saves_nothing(client, officer, school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Able")
    client.force_login(officer)
    response = client.post(record_url(school_a, pupil), {"method": "call", "outcome": "reason_given"})
    assert response.status_code == 400
    assert "Choose the code for the reason the family gave." in response.content.decode()
    assert not ContactAttempt.objects.exists()
    assert Mark.objects.get(pupil=pupil, date=TODAY, session="AM").code == "N"


def test_a_code_outside_the_short_list_is_refused(client, officer, school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Able")
    client.force_login(officer)
    response = client.post(record_url(school_a, pupil), {"method": "call", "code": "X"}, HTTP_HX_REQUEST="true")
    assert "Select a valid choice" in response.content.decode()
    assert not ContactAttempt.objects.exists() and Mark.objects.get(pupil=pupil, date=TODAY, session="AM").code == "N"


def test_the_record_page_works_without_script_and_preselects_a_home_visit(client, officer, school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Able")
    client.force_login(officer)
    html = client.get(record_url(school_a, pupil) + "&method=home_visit").content.decode()
    assert '<option value="home_visit" selected>' in html
    assert "hx-post" not in html.split('class="attempt-form"')[1].split(">")[0]


# --- Concerns to the DSL --------------------------------------------------------------------------------------------


def test_a_concern_notifies_every_dsl_of_the_school_and_nobody_else(client, officer, school_a, group_a, school_b):
    pupil = absent_pupil(school_a, group_a, "Able")
    first = staff(school_a.trust, Role.Kind.DSL, school_a, username="dsl-one")
    second = staff(school_a.trust, Role.Kind.DSL, school_a, username="dsl-two")
    other_school = SchoolFactory(trust=school_a.trust, name="Gamma Junior")
    staff(school_a.trust, Role.Kind.DSL, other_school, username="dsl-gamma")
    staff(school_b.trust, Role.Kind.DSL, school_b, username="dsl-other-trust")
    client.force_login(officer)

    client.post(
        record_url(school_a, pupil),
        {"method": "home_visit", "outcome": "concern", "note": "No answer, curtains drawn, neighbours worried"},
    )

    notes = Notification.objects.order_by("recipient__username")
    assert [n.recipient for n in notes] == [first, second]
    assert {(n.kind, n.school, n.pupil, n.url, n.created_by) for n in notes} == {
        ("concern", school_a, pupil, reverse("schools:pupil", args=[pupil.pk]), officer)
    }
    assert "curtains drawn" in notes[0].message and "Pat Able" in notes[0].message
    [row] = day1.triage_board(school_a, TODAY).rows
    assert row.concern_raised and row.reached


def test_a_concern_needs_a_note_and_saves_nothing_without_one(client, officer, school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Able")
    staff(school_a.trust, Role.Kind.DSL, school_a, username="dsl")
    client.force_login(officer)
    response = client.post(record_url(school_a, pupil), {"method": "call", "outcome": "concern"})
    assert response.status_code == 400
    assert not ContactAttempt.objects.exists() and not Notification.objects.exists()


# --- Who may see and record -------------------------------------------------------------------------------------------


def test_a_dsl_reads_the_list_but_cannot_record(client, school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Able")
    dsl = staff(school_a.trust, Role.Kind.DSL, school_a, username="dsl")
    client.force_login(dsl)

    html = client.get(today_url(school_a)).content.decode()
    response = client.post(record_url(school_a, pupil), {"method": "call", "outcome": "no_answer"})

    assert "Pat Able" in html and "attempt-form" not in html
    assert response.status_code == 403 and not ContactAttempt.objects.exists()


def test_the_outsider_gets_404_for_the_list_and_for_recording(client, outsider, school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Able")
    client.force_login(outsider)
    assert client.get(today_url(school_a)).status_code == 404
    assert client.post(record_url(school_a, pupil), {"method": "call", "outcome": "no_answer"}).status_code == 404
    url = reverse("interventions:record_attempt", args=[pupil.pk])
    assert client.post(url, {"method": "call", "outcome": "no_answer"}).status_code == 404
    assert not ContactAttempt.objects.exists()


def test_a_teacher_gets_404_for_the_school_and_is_told_the_page_is_not_for_them(client, teacher, school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Able")
    client.force_login(teacher)
    assert client.get(today_url(school_a)).status_code == 404
    assert client.post(record_url(school_a, pupil), {"method": "call", "outcome": "no_answer"}).status_code == 404
    landing = client.get(reverse("interventions:today"))
    assert landing.status_code == 403 and "Pat Able" not in landing.content.decode()
    assert "This page is for the attendance office" in landing.content.decode()


def test_an_officer_of_another_school_in_the_trust_gets_404(client, school_a, group_a):
    pupil = absent_pupil(school_a, group_a, "Able")
    elsewhere = officer_at(SchoolFactory(trust=school_a.trust, name="Gamma Junior"), username="gamma-officer")
    client.force_login(elsewhere)
    assert client.get(today_url(school_a)).status_code == 404
    assert client.post(record_url(school_a, pupil), {"method": "call", "outcome": "no_answer"}).status_code == 404


def test_without_a_school_the_page_opens_at_the_users_first_school(client, officer, school_a, group_a):
    absent_pupil(school_a, group_a, "Able")
    client.force_login(officer)
    response = client.get(reverse("interventions:today"))
    assert response.status_code == 200 and response.context["school"] == school_a


# --- Query counts -----------------------------------------------------------------------------------------------------


def _absences_with_attempts(school, group, officer, start, n):
    for i in range(start, start + n):
        pupil = absent_pupil(school, group, f"Pupil{i}", social_worker=bool(i % 2))
        with_contact(pupil, name=f"Other carer {i}")
        day1.record_contact_attempt(
            school=school, pupil=pupil, today=TODAY, now=NOW, made_by=officer, method="call", outcome="no_answer"
        )


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_triage_page_takes_the_same_queries_for_three_or_six_rows(client, officer, school_a, group_a):
    client.force_login(officer)
    _absences_with_attempts(school_a, group_a, officer, 0, 3)
    three = _queries(client, today_url(school_a))
    _absences_with_attempts(school_a, group_a, officer, 3, 3)
    six = _queries(client, today_url(school_a))
    assert len(day1.triage_board(school_a, TODAY).rows) == 6
    assert three == six
