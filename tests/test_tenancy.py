"""One trust never reads or changes another's rows: every page, API endpoint and export, from the URL configuration.

The routes are read from the URL configuration, so a new page or endpoint cannot be forgotten: a route that takes an
object and is not listed in OBJECTS fails `test_every_route_that_takes_an_object_is_checked`.
"""

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token

from interventions.models import Case, Meeting, PenaltyNotice, Proposal, Task
from interventions.policies import save_draft, trust_version
from interventions.policy_data import policy_to_data
from interventions.thresholds import omega
from letters.models import Letter, LetterBatch, LetterTemplate
from registers.models import AbsenceReport, LeaveRequest, Mark
from schools.models import ImportJob
from tests.factories import MarkFactory, PupilContactFactory

pytestmark = pytest.mark.django_db

# Namespaced route name -> how to build its kwargs from trust A's objects.
OBJECTS = {
    "schools:pupil": lambda a: {"pk": a["pupil"].pk},
    "registers:attendance_csv": lambda a: {"school_id": a["school"].pk},
    "imports:job": lambda a: {"job_id": a["job"].pk},
    "imports:confirm": lambda a: {"job_id": a["job"].pk},
    "registers:office_report": lambda a: {"report_id": a["report"].pk},
    "registers:office_report_confirm": lambda a: {"report_id": a["report"].pk},
    "registers:office_report_reject": lambda a: {"report_id": a["report"].pk},
    "registers:office_leave_detail": lambda a: {"leave_id": a["leave"].pk},
    "registers:office_leave_decide": lambda a: {"leave_id": a["leave"].pk},
    "registers:office_leave_taken": lambda a: {"leave_id": a["leave"].pk},
    "api:pupil-detail": lambda a: {"upn": a["pupil"].upn},
    "api:contact-detail": lambda a: {"pk": a["contact"].pk},
    "api:mark-detail": lambda a: {"pk": a["mark"].pk},
    "registers:take_register": lambda a: {"group_id": a["pupil"].group_id, "day": "2026-09-07", "session": "AM"},
    "registers:take_all_present": lambda a: {"group_id": a["pupil"].group_id, "day": "2026-09-07", "session": "AM"},
    "registers:take_pupil": lambda a: {
        "group_id": a["pupil"].group_id,
        "day": "2026-09-07",
        "session": "AM",
        "pupil_id": a["pupil"].pk,
    },
    "interventions:record_attempt": lambda a: {"pupil_id": a["pupil"].pk},
    "interventions:complete_task": lambda a: {"task_id": a["task"].pk},
    "interventions:reassign_task": lambda a: {"task_id": a["task"].pk},
    "interventions:case": lambda a: {"pupil_id": a["pupil"].pk},
    "interventions:proposal_sessions": lambda a: {"proposal_id": a["proposal"].pk},
    "interventions:family": lambda a: {"pupil_id": a["pupil"].pk},
    "privacy:subject_access": lambda a: {"pupil_id": a["pupil"].pk},
    "interventions:record_notice": lambda a: {"pupil_id": a["pupil"].pk},
    "interventions:notice_status": lambda a: {"notice_id": a["notice"].pk},
    "interventions:meeting_held": lambda a: {"meeting_id": a["meeting"].pk},
    "interventions:meeting_cancel": lambda a: {"meeting_id": a["meeting"].pk},
    "letters:batch": lambda a: {"batch_id": a["letter"].batch_id},
    "letters:batch_pdf": lambda a: {"batch_id": a["letter"].batch_id},
    "letters:batch_retry": lambda a: {"batch_id": a["letter"].batch_id},
    "letters:letter_pdf": lambda a: {"letter_id": a["letter"].pk},
    # Trust A alone has wording in Urdu: another trust has no such letter to open.
    "letters:template": lambda a: {"code": "LON2", "language": "Urdu"},
    "letters:template_preview": lambda a: {"code": "LON2", "language": "Urdu"},
    "policy:version": lambda a: {"version_id": a["policy_draft"].pk},
    "policy:simulate": lambda a: {"version_id": a["policy_draft"].pk},
    "policy:simulate_school": lambda a: {"version_id": a["policy_draft"].pk, "school_id": a["school"].pk},
    "policy:adopt": lambda a: {"version_id": a["policy_draft"].pk},
    "policy:adapt": lambda a: {"school_id": a["school"].pk},
    "dashboards:today": lambda a: {"school_id": a["school"].pk},
    "dashboards:early_warning": lambda a: {"school_id": a["school"].pk},
    "dashboards:headroom": lambda a: {"school_id": a["school"].pk},
    "dashboards:coding": lambda a: {"school_id": a["school"].pk},
    "dashboards:reconciliation": lambda a: {"school_id": a["school"].pk},
    "dashboards:pupil_headroom": lambda a: {"pupil_id": a["pupil"].pk},
    "dashboards:school_dashboard": lambda a: {"school_id": a["school"].pk},
    "dashboards:school_group_trend": lambda a: {"school_id": a["school"].pk, "characteristic": "fsm"},
    "dashboards:school_trends": lambda a: {"school_id": a["school"].pk},
    "dashboards:year_dashboard": lambda a: {"school_id": a["school"].pk, "year": "5"},
    "dashboards:school_pupils": lambda a: {"school_id": a["school"].pk},
    "dashboards:group_dashboard": lambda a: {"group_id": a["pupil"].group_id},
}
# Routes outside the product's tenant data: the admin site (superusers only), the signed-in user's own account
# (password and second factor), and the public API schema and docs.
OUTSIDE = ("admin:", "accounts:")


def _routes(resolver=None, namespace=""):
    """(namespaced name, pattern) for every named route."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def _takes_object(pattern) -> bool:
    return bool(set(pattern.pattern.regex.groupindex) - {"format"})


def _object_routes():
    return sorted(
        {name for name, p in _routes() if _takes_object(p) and not name.startswith(OUTSIDE) and name in OBJECTS}
    )


def _list_routes():
    names = {name for name, p in _routes() if not _takes_object(p) and not name.startswith(OUTSIDE)}
    return sorted(names - {"login", "logout", "health", "api:api-root", "api-schema", "api-docs"})


def _letter_of(school, pupil, contact):
    """A rendered letter in a finished batch, and the trust's own wording of LON2 in Urdu."""
    LetterTemplate.objects.create(trust=school.trust, code="LON2", language="Urdu", title="LON2", body="Urdu wording")
    batch = LetterBatch.objects.create(
        trust=school.trust, school=school, title="Trust A's letters", status="done", total=1, rendered=1, pdf=b"%PDF"
    )
    return Letter.objects.create(
        trust=school.trust, school=school, batch=batch, pupil=pupil, contact=contact, code="LON2", pdf=b"%PDF-1.7"
    )


def _case_of(school, pupil, contact):
    """A planned meeting on the pupil's case, and a penalty notice to the parent."""
    case = Case.objects.create(trust=school.trust, school=school, pupil=pupil, stage=2)
    meeting = Meeting.objects.create(
        trust=school.trust, school=school, case=case, pupil=pupil, kind="attendance_improvement", title="Meeting"
    )
    notice = PenaltyNotice.objects.create(
        trust=school.trust,
        school=school,
        pupil=pupil,
        contact=contact,
        kind=PenaltyNotice.Kind.PENALTY_NOTICE,
        reason=PenaltyNotice.Reason.IRREGULAR_ATTENDANCE,
        issued_on=dt.date(2026, 9, 7),
    )
    return meeting, notice


def _proposal_of(meeting):
    """A proposal awaiting review on the meeting's case."""
    return Proposal.objects.create(
        trust=meeting.trust,
        school=meeting.school,
        case=meeting.case,
        pupil=meeting.pupil,
        policy_version=trust_version(meeting.trust),
        evaluated_on=dt.date(2026, 9, 7),
        rule="omega.lon3",
        rule_kind="attendance_below",
        category=Proposal.Category.MEETING,
        actions=[],
        evidence={"sessions": [["2026-09-07", "AM", "O"]]},
    )


@pytest.fixture
def trust_a_rows(school_a, pupil_a, lead):
    contact = PupilContactFactory(pupil=pupil_a).contact
    mark = MarkFactory(school=school_a, pupil=pupil_a, date=dt.date(2026, 9, 7), code="O")
    job = ImportJob.objects.create(
        trust=school_a.trust,
        school=school_a,
        kind=ImportJob.Kind.MARKS,
        filename="marks.csv",
        content=b"upn,date,session,code\n",
        status=ImportJob.Status.READY,
        created_by=lead,
    )
    task = Task.objects.create(
        trust=school_a.trust,
        school=school_a,
        pupil=pupil_a,
        kind=Task.Kind.WELFARE_CALL,
        title="Welfare call",
        due_at=dt.datetime(2026, 9, 7, 11, tzinfo=dt.UTC),
        key="day3:2026-09-07",
    )
    report = AbsenceReport.objects.create(
        trust=school_a.trust,
        school=school_a,
        pupil=pupil_a,
        reported_by="Parent",
        channel=AbsenceReport.Channel.PHONE,
        code="I",
        reason="Ill",
        first_day=dt.date(2026, 9, 7),
        last_day=dt.date(2026, 9, 7),
    )
    leave = LeaveRequest.objects.create(
        trust=school_a.trust,
        school=school_a,
        pupil=pupil_a,
        kind=LeaveRequest.Kind.EXCEPTIONAL,
        reason="Funeral",
        first_day=dt.date(2026, 9, 7),
        last_day=dt.date(2026, 9, 8),
        requested_on=dt.date(2026, 9, 1),
    )
    policy_draft = save_draft(school_a.trust, policy_to_data(omega()), lead, note="Trust A's draft")
    letter = _letter_of(school_a, pupil_a, contact)
    meeting, notice = _case_of(school_a, pupil_a, contact)
    return {
        "proposal": _proposal_of(meeting),
        "meeting": meeting,
        "notice": notice,
        "policy_draft": policy_draft,
        "letter": letter,
        "school": school_a,
        "pupil": pupil_a,
        "contact": contact,
        "mark": mark,
        "job": job,
        "task": task,
        "report": report,
        "leave": leave,
    }


@pytest.fixture
def outsider_lead(trust_b):
    from schools.models import Role
    from tests.factories import staff

    return staff(trust_b, Role.Kind.TRUST_LEAD, username="outsider-lead")


def test_every_route_that_takes_an_object_is_checked():
    unchecked = {
        name for name, p in _routes() if _takes_object(p) and not name.startswith(OUTSIDE) and name not in OBJECTS
    }
    assert not unchecked, f"add these routes to OBJECTS in {__name__}: {sorted(unchecked)}"


@pytest.mark.parametrize("name", _object_routes())
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_trusts_user_gets_404_for_every_object(client, trust_a_rows, outsider_lead, name, method):
    client.force_login(outsider_lead, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse(name, kwargs=OBJECTS[name](trust_a_rows))
    response = getattr(client, method)(url)
    # A method the view does not take is refused before the object is looked up (405); never 200, never the object.
    assert response.status_code in (404, 405), url
    assert trust_a_rows["pupil"].upn not in response.content.decode(errors="replace")


@pytest.mark.parametrize("name", [n for n in _object_routes() if n.startswith("api:")])
def test_another_trusts_api_token_gets_404_for_every_object(client, trust_a_rows, outsider_lead, name):
    token = Token.objects.create(user=outsider_lead)
    url = reverse(name, kwargs=OBJECTS[name](trust_a_rows))
    response = client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 404


@pytest.mark.parametrize("name", _list_routes())
def test_no_list_page_or_endpoint_shows_another_trusts_pupils(client, trust_a_rows, outsider_lead, name):
    client.force_login(outsider_lead, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse(name))
    body = response.content.decode(errors="replace")
    pupil = trust_a_rows["pupil"]
    assert response.status_code in (200, 400, 403, 405)
    assert pupil.upn not in body and pupil.legal_surname not in body
    assert trust_a_rows["school"].name not in body


def test_another_trust_cannot_write_marks_for_this_trusts_pupils(client, trust_a_rows, outsider_lead):
    token = Token.objects.create(user=outsider_lead)
    payload = {
        "school": trust_a_rows["school"].urn,
        "reason": "test",
        "marks": [{"upn": trust_a_rows["pupil"].upn, "date": "2026-09-07", "session": "AM", "code": "/"}],
    }
    response = client.post(
        "/api/marks/bulk/", payload, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert response.status_code in (400, 403, 404)
    assert Mark.objects.get(pk=trust_a_rows["mark"].pk).code == "O"


def test_the_attendance_export_gives_a_schools_own_staff_the_csv(client, trust_a_rows, head):
    client.force_login(head, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(
        reverse("registers:attendance_csv", kwargs={"school_id": trust_a_rows["school"].pk}),
        {"from": "2026-09-07", "to": "2026-09-11"},
    )
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("upn,surname,forename")
    assert lines[1:] == ["A100000000001,Able,Ann,5,5A,1,0,0,0,1,0,0.0,Y,Y"]


def test_a_teacher_gets_404_for_the_whole_school_export(client, trust_a_rows, teacher):
    client.force_login(teacher, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("registers:attendance_csv", kwargs={"school_id": trust_a_rows["school"].pk})
    assert client.get(url).status_code == 404


def test_exported_text_cannot_run_as_a_spreadsheet_formula():
    from omega_attendance.spreadsheets import safe_cell

    assert safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("Able") == "Able"
    assert safe_cell(-3) == -3
