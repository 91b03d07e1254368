"""The office's pages: late arrivals by the school's times, parents' absence reports, leave requests and who may
do what. Every write is checked in the marks and in their history."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registers.history import history_for_pupil
from registers.models import AbsenceReport, LeaveRequest, Mark
from registers.office import OfficeError, grant_leave
from registers.services import MarkInput, upsert_marks
from schools.access import access_for
from schools.models import Closure, Role
from schools.services import rebuild_school_days
from tests.factories import HalfTermFactory, PupilContactFactory, PupilFactory, SchoolFactory, staff

LONDON = zoneinfo.ZoneInfo("Europe/London")
TODAY = dt.date(2026, 11, 23)  # a Monday
MON, TUE, WED, THU, FRI = (TODAY + dt.timedelta(days=n) for n in range(5))
LAST_FRIDAY = TODAY - dt.timedelta(days=3)
T = dt.time


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 30, tzinfo=LONDON), tick=False)


def _calendar(school):
    """Autumn 2026 as school days, with an INSET day on Friday 27 November."""
    HalfTermFactory(school=school, name="Autumn 1", starts=dt.date(2026, 9, 2), ends=dt.date(2026, 10, 23))
    HalfTermFactory(school=school, name="Autumn 2", starts=dt.date(2026, 11, 2), ends=dt.date(2026, 12, 18))
    Closure.objects.create(trust=school.trust, school=school, kind="inset", name="INSET", starts=FRI, ends=FRI)
    rebuild_school_days(school)


@pytest.fixture
def calendar_a(school_a):
    _calendar(school_a)
    return school_a


@pytest.fixture
def waterton_times(school_a):
    """Waterton's times: registration at 8:45, L until 8:55, U after 8:55."""
    school_a.day_starts, school_a.registers_close, school_a.late_until = T(8, 45), T(8, 45), T(8, 55)
    school_a.save()
    return school_a


@pytest.fixture
def officer(school_a):
    user = staff(school_a.trust, Role.Kind.ATTENDANCE_OFFICER, school_a, username="officer")
    user.first_name, user.last_name = "Olive", "Officer"
    user.save()
    return user


@pytest.fixture
def named_head(head):
    head.first_name, head.last_name = "Hannah", "Head"
    head.save()
    return head


def _mark(pupil, day, session, code="N", by=None):
    school = pupil.enrolments.get().school
    upsert_marks(school=school, marks=[MarkInput(pupil.pk, day, session, code)], source="register", recorded_by=by)


def _code(pupil, day, session):
    return Mark.objects.filter(pupil=pupil, date=day, session=session).values_list("code", flat=True).first()


def _as(client, user):
    client.force_login(user)
    return client


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Late arrivals ----------------------------------------------------------------------------------------------


def _record_late(client, pupil, arrival, session="AM", reason="Bus late"):
    url = reverse("registers:office_late")
    return client.post(url, {"pupil": pupil.pk, "arrival": arrival, "session": session, "reason": reason}, follow=True)


@pytest.mark.parametrize(
    ("times", "arrival", "code"),
    [
        ("waterton", "08:50", "L"),
        ("waterton", "09:00", "U"),
        ("omega", "09:00", "L"),
        ("omega", "09:15", "L"),
        ("omega", "09:16", "U"),
    ],
)
def test_the_office_records_the_code_the_schools_own_times_give(
    client, school_a, pupil_a, officer, times, arrival, code
):
    if times == "waterton":
        school_a.day_starts, school_a.registers_close, school_a.late_until = T(8, 45), T(8, 45), T(8, 55)
        school_a.save()
    response = _record_late(_as(client, officer), pupil_a, arrival)
    assert response.status_code == 200
    mark = Mark.objects.get(pupil=pupil_a, date=TODAY, session="AM")
    assert (mark.code, mark.source, mark.recorded_by) == (code, Mark.Source.OFFICE, officer)


def test_an_arrival_after_the_late_limit_turns_n_into_u_and_the_history_keeps_both(
    client, waterton_times, pupil_a, officer, teacher
):
    _mark(pupil_a, TODAY, "AM", "N", by=teacher)
    response = _record_late(_as(client, officer), pupil_a, "08:58", reason="Overslept")

    [message] = _messages(response)
    assert "Arrived 08:58, after the late limit 08:55: U (unauthorised)" in message
    assert "13 minutes late" in message and "changed from N to U" in message
    mark = Mark.objects.get(pupil=pupil_a, date=TODAY, session="AM")
    assert (mark.code, mark.minutes_late, mark.reason) == ("U", 13, "Late arrival at 08:58: Overslept")
    latest = history_for_pupil(pupil_a).first()
    assert (latest.old_code, latest.code, latest.reason) == ("N", "U", "Late arrival at 08:58: Overslept")
    assert latest.recorded_by == officer


def test_the_pupil_page_history_shows_the_late_arrival(client, waterton_times, pupil_a, officer, teacher):
    _mark(pupil_a, TODAY, "AM", "N", by=teacher)
    _record_late(_as(client, officer), pupil_a, "08:50", reason="Dentist")
    html = client.get(reverse("schools:pupil", args=[pupil_a.pk])).content.decode()
    assert "Late arrival at 08:50: Dentist" in html
    assert "Olive Officer" in html


def test_an_afternoon_arrival_follows_the_afternoon_times(client, school_a, pupil_a, officer, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 14, 0, tzinfo=LONDON), tick=False)
    _record_late(_as(client, officer), pupil_a, "13:40", session="PM")
    mark = Mark.objects.get(pupil=pupil_a, date=TODAY, session="PM")
    assert (mark.code, mark.minutes_late) == ("U", 25)  # PM registration 13:15, late until 13:30


def test_an_arrival_later_than_now_is_refused_and_nothing_is_saved(client, school_a, pupil_a, officer):
    response = _record_late(_as(client, officer), pupil_a, "10:15")
    assert "10:15 is later than now (09:30)" in response.content.decode()
    assert not Mark.objects.filter(pupil=pupil_a).exists()


def test_a_late_arrival_needs_a_reason(client, school_a, pupil_a, officer):
    response = _record_late(_as(client, officer), pupil_a, "09:00", reason="")
    assert response.context["form"].errors["reason"]
    assert not Mark.objects.filter(pupil=pupil_a).exists()


def test_times_out_of_order_are_explained_and_nothing_is_saved(client, school_a, pupil_a, officer):
    school_a.late_until = T(8, 0)
    school_a.save()
    response = _record_late(_as(client, officer), pupil_a, "09:00")
    assert "times are out of order" in response.content.decode()
    assert not Mark.objects.filter(pupil=pupil_a).exists()


def test_the_late_list_shows_todays_late_marks_only(client, school_a, pupil_a, officer):
    other = PupilFactory(school=school_a, legal_surname="Yesterday")
    _mark(other, LAST_FRIDAY, "AM", "L")
    _record_late(_as(client, officer), pupil_a, "09:00", reason="Traffic")
    html = client.get(reverse("registers:office_late")).content.decode()
    assert "Able, Ann" in html and "Late arrival at 09:00: Traffic" in html
    assert "Yesterday" not in html


def test_the_search_finds_pupils_on_roll_at_the_offices_schools_only(
    client, school_a, trust_a, pupil_a, pupil_b, officer
):
    elsewhere = SchoolFactory(trust=trust_a, name="Gamma Junior", urn="300001")
    PupilFactory(school=elsewhere, legal_surname="Abler", legal_forename="Gary")
    PupilFactory(school=school_a, legal_surname="Cole")
    response = _as(client, officer).get(reverse("registers:office_late"), {"q": "abl"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="pupil-results"')
    assert "<html" not in html
    assert "Able, Ann" in html and f"?pupil={pupil_a.pk}" in html
    assert "Abler" not in html and "Cole" not in html
    assert "HX-Request" in response["Vary"]


def test_without_htmx_the_search_renders_the_whole_page_with_results(client, school_a, pupil_a, officer):
    html = _as(client, officer).get(reverse("registers:office_late"), {"q": "A100000000001"}).content.decode()
    assert "<html" in html and "Able, Ann" in html


def test_a_search_with_no_match_says_so(client, school_a, pupil_a, officer):
    html = _as(client, officer).get(reverse("registers:office_late"), {"q": "nobody"}).content.decode()
    assert "No pupil on roll at your schools matches" in html


@pytest.mark.parametrize("where", ["another trust", "another school of the trust", "left the school"])
def test_a_pupil_outside_the_offices_schools_is_404(client, trust_a, school_a, pupil_b, officer, where):
    if where == "another trust":
        pupil = pupil_b
    elif where == "another school of the trust":
        pupil = PupilFactory(school=SchoolFactory(trust=trust_a, urn="300001"))
    else:
        pupil = PupilFactory(school=school_a)
        pupil.enrolments.update(ends=LAST_FRIDAY)
    client = _as(client, officer)
    assert client.get(reverse("registers:office_late"), {"pupil": pupil.pk}).status_code == 404
    assert _record_late(client, pupil, "09:00").status_code == 404
    assert not Mark.objects.filter(pupil=pupil).exists()


# --- Absence reports --------------------------------------------------------------------------------------------


def _report_data(pupil, **overrides):
    data = {
        "pupil": pupil.pk,
        "contact": "",
        "reported_by": "Mary Able",
        "channel": "phone",
        "code": "I",
        "reason": "Chickenpox",
        "first_day": MON.isoformat(),
        "first_session": "AM",
        "last_day": FRI.isoformat(),
        "last_session": "PM",
        "expected_return": "",
    }
    return data | overrides


def _record_report(client, pupil, **overrides):
    return client.post(reverse("registers:office_reports"), _report_data(pupil, **overrides))


def test_a_report_proposes_its_code_for_the_school_day_sessions_it_covers(client, calendar_a, pupil_a, officer):
    response = _record_report(_as(client, officer), pupil_a)
    report = AbsenceReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registers:office_report", args=[report.pk])
    assert (report.status, report.code, report.school, report.recorded_by) == ("pending", "I", calendar_a, officer)

    page = client.get(response["Location"])
    plan = page.context["plan"]
    # Monday to Thursday; Friday 27 November is an INSET day.
    assert [(p.date, p.session, p.code) for p in plan] == [
        (d, s, "I") for d in (MON, TUE, WED, THU) for s in ("AM", "PM")
    ]
    assert not Mark.objects.filter(pupil=pupil_a).exists(), "nothing is written until an officer confirms"


def test_confirming_writes_the_code_on_school_days_only_future_ones_included(client, calendar_a, pupil_a, officer):
    _mark(pupil_a, MON, "AM", "N")
    _record_report(_as(client, officer), pupil_a)
    report = AbsenceReport.objects.get()

    response = client.post(reverse("registers:office_report_confirm", args=[report.pk]), follow=True)

    report.refresh_from_db()
    assert (report.status, report.decided_by) == ("confirmed", officer)
    assert report.decided_at is not None
    marks = Mark.objects.filter(pupil=pupil_a).order_by("date", "session")
    assert [(m.date, m.session, m.code) for m in marks] == [
        (d, s, "I") for d in (MON, TUE, WED, THU) for s in ("AM", "PM")
    ]
    reason = "Absence report: Chickenpox (reported by Mary Able by phone)"
    assert {m.reason for m in marks} == {reason}
    monday = history_for_pupil(pupil_a).filter(date=MON, session="AM").first()
    assert (monday.old_code, monday.code, monday.reason) == ("N", "I", reason)
    assert "Report confirmed" in _messages(response)[0]


def test_confirming_keeps_sessions_the_pupil_attended(client, calendar_a, pupil_a, officer):
    _mark(pupil_a, MON, "AM", "/")
    _record_report(_as(client, officer), pupil_a, last_day=MON.isoformat())
    report = AbsenceReport.objects.get()
    client.post(reverse("registers:office_report_confirm", args=[report.pk]))
    assert (_code(pupil_a, MON, "AM"), _code(pupil_a, MON, "PM")) == ("/", "I")


def test_a_report_picks_the_reporter_from_the_pupils_contacts(client, calendar_a, pupil_a, officer):
    contact = PupilContactFactory(pupil=pupil_a, contact__name="Mary Able").contact
    _record_report(_as(client, officer), pupil_a, contact=str(contact.pk), reported_by="", channel="voicemail")
    report = AbsenceReport.objects.get()
    assert (report.contact, report.reported_by) == (contact, "Mary Able")
    client.post(reverse("registers:office_report_confirm", args=[report.pk]))
    assert Mark.objects.filter(pupil=pupil_a).first().reason.endswith("(reported by Mary Able by voicemail)")


def test_a_report_needs_a_contact_or_a_typed_name(client, calendar_a, pupil_a, officer):
    response = _record_report(_as(client, officer), pupil_a, reported_by="")
    assert response.status_code == 200
    assert "type the name of who reported it" in response.content.decode()
    assert not AbsenceReport.objects.exists()


def test_another_pupils_contact_is_refused(client, calendar_a, school_a, pupil_a, officer):
    stranger = PupilContactFactory(pupil=PupilFactory(school=school_a)).contact
    response = _record_report(_as(client, officer), pupil_a, contact=str(stranger.pk))
    assert response.status_code == 200 and not AbsenceReport.objects.exists()


def test_a_report_with_no_school_days_is_refused_and_nothing_saved(client, calendar_a, pupil_a, officer):
    saturday = (TODAY + dt.timedelta(days=5)).isoformat()
    response = _record_report(_as(client, officer), pupil_a, first_day=saturday, last_day=saturday)
    assert "There are no school days at Alpha Primary" in response.content.decode()
    assert not AbsenceReport.objects.exists()


def test_a_report_ending_before_it_starts_is_refused(client, calendar_a, pupil_a, officer):
    response = _record_report(_as(client, officer), pupil_a, first_day=TUE.isoformat(), last_day=MON.isoformat())
    assert response.context["form"].errors["last_day"] == ["The last session is before the first one."]


def test_a_code_outside_the_short_list_is_refused(client, calendar_a, pupil_a, officer):
    response = _record_report(_as(client, officer), pupil_a, code="X")
    assert "code" in response.context["form"].errors
    assert not AbsenceReport.objects.exists()


def test_rejecting_a_report_keeps_the_marks_and_records_the_note(client, calendar_a, pupil_a, officer):
    _mark(pupil_a, MON, "AM", "N")
    _record_report(_as(client, officer), pupil_a, code="I", reason="Tired")
    report = AbsenceReport.objects.get()
    response = client.post(reverse("registers:office_report_reject", args=[report.pk]), {"note": "Seen in town"})
    report.refresh_from_db()
    assert response.status_code == 302
    assert (report.status, report.decision_note, report.decided_by) == ("rejected", "Seen in town", officer)
    assert list(Mark.objects.filter(pupil=pupil_a).values_list("code", flat=True)) == ["N"]


def test_rejecting_needs_a_note(client, calendar_a, pupil_a, officer):
    _record_report(_as(client, officer), pupil_a)
    report = AbsenceReport.objects.get()
    response = client.post(reverse("registers:office_report_reject", args=[report.pk]), {"note": ""})
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.status == "pending"


def test_a_decided_report_cannot_be_confirmed_again(client, calendar_a, pupil_a, officer):
    _record_report(_as(client, officer), pupil_a, last_day=MON.isoformat())
    report = AbsenceReport.objects.get()
    client.post(reverse("registers:office_report_reject", args=[report.pk]), {"note": "Not believed"})
    response = client.post(reverse("registers:office_report_confirm", args=[report.pk]), follow=True)
    assert _messages(response)[-1] == "This report has already been decided."
    assert not Mark.objects.filter(pupil=pupil_a).exists()


def test_exceptional_circumstances_need_the_head_to_confirm(client, calendar_a, pupil_a, officer, named_head):
    _record_report(_as(client, officer), pupil_a, code="C", reason="Funeral", last_day=MON.isoformat())
    report = AbsenceReport.objects.get()
    refused = client.post(reverse("registers:office_report_confirm", args=[report.pk]), follow=True)
    assert "only the headteacher can grant" in _messages(refused)[0]
    assert not Mark.objects.filter(pupil=pupil_a).exists()

    _as(client, named_head).post(reverse("registers:office_report_confirm", args=[report.pk]))
    assert (_code(pupil_a, MON, "AM"), _code(pupil_a, MON, "PM")) == ("C", "C")


def test_the_reports_page_lists_pending_reports_with_a_count(client, calendar_a, school_a, pupil_a, officer):
    _record_report(_as(client, officer), pupil_a)
    _record_report(client, PupilFactory(school=school_a, legal_surname="Second"))
    response = client.get(reverse("registers:office_reports"))
    assert response.context["pending_reports"] == 2
    assert [r.pupil.legal_surname for r in response.context["pending"]] == ["Able", "Second"]


# --- Leave requests ---------------------------------------------------------------------------------------------


def _request_leave(client, pupil, kind="C", first=MON, last=FRI, **overrides):
    data = {
        "pupil": pupil.pk,
        "contact": "",
        "kind": kind,
        "reason": "Grandparent's funeral abroad",
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "requested_on": (TODAY - dt.timedelta(days=14)).isoformat(),
    }
    return client.post(reverse("registers:office_leave"), data | overrides)


def _decide(client, leave, decision, note=""):
    return client.post(reverse("registers:office_leave_decide", args=[leave.pk]), {"decision": decision, "note": note})


def test_a_leave_request_is_recorded_with_the_school_days_it_asks_for(client, calendar_a, pupil_a, officer):
    response = _request_leave(_as(client, officer), pupil_a)
    leave = LeaveRequest.objects.get()
    assert response["Location"] == reverse("registers:office_leave_detail", args=[leave.pk])
    assert (leave.decision, leave.kind, leave.recorded_by) == ("pending", "C", officer)
    listing = client.get(reverse("registers:office_leave"))
    [row] = listing.context["requests"]
    assert row.school_days == 4  # Monday to Thursday; Friday is an INSET day
    assert "Waiting for the head" in listing.content.decode()


def test_the_head_grants_leave_and_its_school_days_get_the_kinds_code(client, calendar_a, pupil_a, officer, named_head):
    _request_leave(_as(client, officer), pupil_a, kind="J1", first=TUE, last=WED)
    leave = LeaveRequest.objects.get()

    response = _decide(_as(client, named_head), leave, "grant", note="Interview at the new school")

    leave.refresh_from_db()
    assert response.status_code == 302
    assert (leave.decision, leave.decided_by, leave.decision_note) == (
        "granted",
        named_head,
        "Interview at the new school",
    )
    marks = Mark.objects.filter(pupil=pupil_a).order_by("date", "session")
    assert [(m.date, m.session, m.code) for m in marks] == [(d, s, "J1") for d in (TUE, WED) for s in ("AM", "PM")]
    assert {m.reason for m in marks} == {"Leave granted by Hannah Head on 23 November 2026"}


def test_an_officer_cannot_decide_leave(client, calendar_a, pupil_a, officer):
    _request_leave(_as(client, officer), pupil_a)
    leave = LeaveRequest.objects.get()
    page = client.get(reverse("registers:office_leave_detail", args=[leave.pk]))
    assert "waits for the headteacher" in page.content.decode()
    assert _decide(client, leave, "grant").status_code == 403
    leave.refresh_from_db()
    assert leave.decision == "pending" and not Mark.objects.exists()


def test_a_holiday_cannot_be_granted_and_the_form_says_why(client, calendar_a, pupil_a, officer, named_head):
    _request_leave(_as(client, officer), pupil_a, kind="G")
    leave = LeaveRequest.objects.get()
    response = _decide(_as(client, named_head), leave, "grant")
    assert response.status_code == 400
    assert "term-time holidays cannot be authorised" in str(response.context["form"].errors["decision"])
    leave.refresh_from_db()
    assert leave.decision == "pending" and not Mark.objects.exists()


def test_granting_a_holiday_is_refused_by_the_service_too(calendar_a, pupil_a, named_head):
    leave = LeaveRequest.objects.create(
        trust=calendar_a.trust,
        school=calendar_a,
        pupil=pupil_a,
        kind=LeaveRequest.Kind.HOLIDAY,
        reason="Skiing",
        first_day=MON,
        last_day=TUE,
        requested_on=TODAY,
    )
    with pytest.raises(OfficeError, match="term-time holidays cannot be authorised"):
        grant_leave(access=access_for(named_head), leave_id=leave.pk, decided_by=named_head, note="", today=TODAY)
    leave.refresh_from_db()
    assert leave.decision == "pending" and not Mark.objects.exists()


def test_refused_leave_writes_no_marks_and_taken_codes_its_absent_days_g(
    client, calendar_a, pupil_a, officer, named_head, time_machine
):
    _request_leave(_as(client, officer), pupil_a, kind="G", first=MON, last=TUE)
    leave = LeaveRequest.objects.get()
    _decide(_as(client, named_head), leave, "refuse", note="Not exceptional")
    leave.refresh_from_db()
    assert (leave.decision, leave.decision_note) == ("refused", "Not exceptional")
    assert not Mark.objects.exists()

    # Wednesday: the register shows the pupil absent with no reason on Monday and Tuesday morning, present Tuesday PM.
    time_machine.move_to(dt.datetime(2026, 11, 25, 9, 30, tzinfo=LONDON), tick=False)
    for day, session, code in [(MON, "AM", "N"), (MON, "PM", "N"), (TUE, "AM", "N"), (TUE, "PM", "\\")]:
        _mark(pupil_a, day, session, code)
    response = _as(client, officer).post(reverse("registers:office_leave_taken", args=[leave.pk]), follow=True)

    leave.refresh_from_db()
    assert leave.taken_when_refused
    assert [(m.session, m.code) for m in Mark.objects.filter(pupil=pupil_a).order_by("date", "session")] == [
        ("AM", "G"),
        ("PM", "G"),
        ("AM", "G"),
        ("PM", "\\"),
    ]
    assert set(Mark.objects.filter(code="G").values_list("reason", flat=True)) == {"Leave refused and taken"}
    assert "Refused, taken" in response.content.decode()


def test_refused_leave_cannot_be_recorded_as_taken_before_it_starts(client, calendar_a, pupil_a, officer, named_head):
    next_week = TODAY + dt.timedelta(days=7)
    _request_leave(_as(client, officer), pupil_a, first=next_week, last=next_week)
    leave = LeaveRequest.objects.get()
    _decide(_as(client, named_head), leave, "refuse")
    response = client.post(reverse("registers:office_leave_taken", args=[leave.pk]), follow=True)
    assert "record it as taken once it has begun" in _messages(response)[-1]
    leave.refresh_from_db()
    assert not leave.taken_when_refused and not Mark.objects.exists()


def test_a_decided_request_cannot_be_decided_again(client, calendar_a, pupil_a, officer, named_head):
    _request_leave(_as(client, officer), pupil_a)
    leave = LeaveRequest.objects.get()
    _decide(_as(client, named_head), leave, "refuse")
    response = _decide(client, leave, "grant")
    assert response.status_code == 302
    leave.refresh_from_db()
    assert leave.decision == "refused" and not Mark.objects.exists()


# --- Who may do what --------------------------------------------------------------------------------------------

PAGES = ["registers:office_late", "registers:office_reports", "registers:office_leave"]


@pytest.mark.parametrize("name", PAGES)
def test_officer_and_head_open_the_office_pages(client, school_a, officer, head, name):
    for user in (officer, head):
        response = _as(client, user).get(reverse(name))
        assert response.status_code == 200
        assert 'aria-label="Office"' in response.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_a_teacher_gets_a_403_that_says_who_the_office_pages_are_for(client, teacher, name):
    response = _as(client, teacher).get(reverse(name))
    assert response.status_code == 403
    assert "attendance officers, attendance leads and headteachers" in response.content.decode()


def test_a_teacher_cannot_record_a_late_arrival(client, school_a, pupil_a, teacher):
    assert _record_late(_as(client, teacher), pupil_a, "09:00").status_code == 403
    assert not Mark.objects.exists()


@pytest.fixture
def trust_a_records(client, calendar_a, pupil_a, officer):
    _record_report(_as(client, officer), pupil_a)
    _request_leave(client, pupil_a)
    client.logout()
    return AbsenceReport.objects.get(), LeaveRequest.objects.get()


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("registers:office_report", "get"),
        ("registers:office_report_confirm", "post"),
        ("registers:office_report_reject", "post"),
        ("registers:office_leave_detail", "get"),
        ("registers:office_leave_decide", "post"),
        ("registers:office_leave_taken", "post"),
    ],
)
def test_another_trusts_head_gets_404_for_every_report_and_request(client, trust_a_records, outsider, name, method):
    report, leave = trust_a_records
    target = report if "report" in name else leave
    response = getattr(_as(client, outsider), method)(reverse(name, args=[target.pk]), {"decision": "grant"})
    assert response.status_code == 404
    report.refresh_from_db()
    leave.refresh_from_db()
    assert (report.status, leave.decision) == ("pending", "pending")


def test_a_teacher_gets_404_for_a_report_or_request_of_their_school(client, trust_a_records, teacher):
    report, leave = trust_a_records
    client = _as(client, teacher)
    assert client.get(reverse("registers:office_report", args=[report.pk])).status_code == 404
    assert client.post(reverse("registers:office_report_confirm", args=[report.pk])).status_code == 404
    assert client.get(reverse("registers:office_leave_detail", args=[leave.pk])).status_code == 404
    report.refresh_from_db()
    assert report.status == "pending"


def test_the_head_of_another_school_in_the_trust_gets_404(client, trust_a, trust_a_records):
    gamma = SchoolFactory(trust=trust_a, urn="300001")
    other_head = staff(trust_a, Role.Kind.HEADTEACHER, gamma, username="gamma-head")
    report, leave = trust_a_records
    client = _as(client, other_head)
    assert client.get(reverse("registers:office_report", args=[report.pk])).status_code == 404
    assert _decide(client, leave, "grant").status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_another_trusts_lists_do_not_show_this_trusts_work(client, trust_a_records, outsider, name):
    html = _as(client, outsider).get(reverse(name)).content.decode()
    assert "Able" not in html and "Chickenpox" not in html


# --- Query counts -----------------------------------------------------------------------------------------------


def _fill(school, officer, rows):
    """`rows` pupils, each with a late mark today, a pending and a decided report, and a leave request."""
    for n in range(rows):
        pupil = PupilFactory(school=school)
        upsert_marks(
            school=school,
            marks=[MarkInput(pupil.pk, TODAY, "AM", "L", minutes_late=5)],
            source=Mark.Source.OFFICE,
            recorded_by=officer,
            reason="Late arrival at 08:50: Bus",
        )
        for status in ("pending", "confirmed"):
            AbsenceReport.objects.create(
                trust=school.trust,
                school=school,
                pupil=pupil,
                reported_by="Parent",
                channel="phone",
                code="I",
                reason="Ill",
                first_day=TODAY,
                last_day=TODAY,
                status=status,
                recorded_by=officer,
                decided_by=officer if status == "confirmed" else None,
            )
        LeaveRequest.objects.create(
            trust=school.trust,
            school=school,
            pupil=pupil,
            kind="C" if n % 2 else "G",
            reason="Family",
            first_day=TODAY,
            last_day=TODAY + dt.timedelta(days=n),
            requested_on=TODAY,
            recorded_by=officer,
        )


LISTED = {
    "registers:office_late": "late_today",
    "registers:office_reports": "pending",
    "registers:office_leave": "requests",
}


@pytest.mark.parametrize("name", PAGES)
def test_each_list_page_makes_the_same_number_of_queries_for_3_or_6_rows(client, calendar_a, officer, name):
    client = _as(client, officer)
    counts = []
    for rows in (3, 6):
        _fill(calendar_a, officer, rows - len(counts) * 3)
        client.get(reverse(name))  # the session and the user are loaded once, as on any page
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(name))
        assert len(response.context[LISTED[name]]) == rows
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
