"""The review screen, a pupil's case page, the family view and the notice ledger's forms.

Reviewers (the designated attendance lead, the headteacher, trust leads) approve and dismiss proposals and record
meetings and notices; the attendance office may read a case and a family. Another trust's objects, and a pupil at
none of the user's schools, are 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_GET, require_POST

from schools.models import Pupil, PupilContact, School
from schools.queries import current_school
from schools.views import member_required

from . import family as family_service
from . import ledger, penalty
from . import review as review_service
from .models import Meeting, PenaltyNotice, Proposal
from .views import _next_url, _school, _schools

# --- Forms ------------------------------------------------------------------------------------------------------------


class DateInput(forms.DateInput):
    """The browser's date picker, which reads and sends ISO dates whatever the site's display format."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class MeetingHeldForm(forms.Form):
    held_on = forms.DateField(label="Held on", widget=DateInput)
    target_pct = forms.DecimalField(
        label="Attendance target (%)", min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    target_weeks = forms.IntegerField(
        label="Target period (weeks)",
        min_value=family_service.MIN_TARGET_WEEKS,
        max_value=family_service.MAX_TARGET_WEEKS,
        help_text=f"At least {family_service.MIN_TARGET_WEEKS} weeks",
    )
    review_on = forms.DateField(
        label="Review on", required=False, widget=DateInput, help_text="Leave empty for the end of the target period"
    )
    notes = forms.CharField(label="Notes", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, meeting: Meeting, today: dt.date, **kwargs):
        kwargs.setdefault("prefix", f"meeting-{meeting.pk}")
        kwargs.setdefault(
            "initial", {"held_on": today, "target_weeks": meeting.target_weeks or family_service.MIN_TARGET_WEEKS}
        )
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        held_on, review_on = data.get("held_on"), data.get("review_on")
        if held_on and held_on > self.today:
            self.add_error("held_on", "A meeting cannot be recorded as held on a day still to come.")
        if held_on and review_on and review_on <= held_on:
            self.add_error("review_on", "The review comes after the meeting.")
        return data


class NoticeForm(forms.Form):
    """A notice issued to one parent with parental responsibility for the pupil (`links`, already loaded)."""

    contact = forms.TypedChoiceField(label="Parent or carer", coerce=int)
    kind = forms.ChoiceField(label="Kind", choices=PenaltyNotice.Kind.choices)
    reason = forms.ChoiceField(label="Reason", choices=PenaltyNotice.Reason.choices)
    issued_on = forms.DateField(label="Issued on", widget=DateInput)
    amount = forms.DecimalField(
        label="Amount (£)",
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=2,
        help_text="Leave empty for the ledger's amount: £160 (£80 if paid within 21 days) for a first notice, £160 "
        "for a second",
    )
    improvement_weeks = forms.IntegerField(
        label="Improvement period (weeks)",
        required=False,
        help_text=f"Notice to Improve only: {penalty.NTI_MIN_WEEKS} to {penalty.NTI_MAX_WEEKS} weeks",
    )
    note = forms.CharField(label="Note", required=False, max_length=1000)

    def __init__(self, *args, links=(), today: dt.date, **kwargs):
        kwargs.setdefault("prefix", "notice")
        kwargs.setdefault("initial", {"issued_on": today, "kind": PenaltyNotice.Kind.PENALTY_NOTICE})
        super().__init__(*args, **kwargs)
        self.today = today
        self.contacts = {link.contact_id: link.contact for link in links}
        self.fields["contact"].choices = [
            (link.contact_id, f"{link.contact.name} ({link.relationship})") for link in links
        ]

    def clean(self):
        data = super().clean()
        if data.get("issued_on") and data["issued_on"] > self.today:
            self.add_error("issued_on", "Record a notice once it has been issued, not before.")
        if data.get("kind") == PenaltyNotice.Kind.NOTICE_TO_IMPROVE:
            weeks = data.get("improvement_weeks")
            try:
                penalty.check_improvement_weeks(weeks)
            except ValueError:
                self.add_error(
                    "improvement_weeks",
                    f"A Notice to Improve needs an improvement period of {penalty.NTI_MIN_WEEKS} to "
                    f"{penalty.NTI_MAX_WEEKS} weeks.",
                )
            if data.get("reason") == PenaltyNotice.Reason.TERM_TIME_HOLIDAY:
                self.add_error("kind", "A Notice to Improve is not given for a term-time holiday.")
        return data

    def notice(self) -> dict:
        """The keyword arguments for interventions.ledger.record_notice, less the school, pupil and user."""
        data = self.cleaned_data
        nti = data["kind"] == PenaltyNotice.Kind.NOTICE_TO_IMPROVE
        return {
            "contact": self.contacts[data["contact"]],
            "kind": data["kind"],
            "reason": data["reason"],
            "issued_on": data["issued_on"],
            "amount": None if nti else data.get("amount"),
            "improvement_weeks": data.get("improvement_weeks") if nti else None,
            "note": data.get("note", ""),
        }


class NoticeStatusForm(forms.Form):
    status = forms.ChoiceField(label="Status")
    note = forms.CharField(label="Note", required=False, max_length=1000)

    def __init__(self, *args, notice: PenaltyNotice, **kwargs):
        kwargs.setdefault("prefix", f"notice-{notice.pk}")
        kwargs.setdefault("initial", {"status": notice.status})
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s.value, s.label) for s in ledger.STATUSES[notice.kind]]


# --- The review screen ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowView:
    row: review_service.ReviewRow
    checked: bool = False
    error: str = ""  # a refused single dismissal
    reason: str = ""  # what was typed, kept after an error


@dataclass(frozen=True)
class GroupView:
    group: review_service.ReviewGroup
    rows: list[RowView]
    error: str = ""  # a refused bulk dismissal
    reason: str = ""


def _review_context(request: HttpRequest, school: School, refused: Refusal | None = None) -> dict:
    """The page, and after a refused dismissal the choices as they were made, with the error where it belongs."""
    ids = request.access.review_school_ids
    groups = []
    for group in review_service.awaiting_review(school):
        rows = []
        for row in group.rows:
            pk = row.proposal.pk
            single = refused is not None and refused.only == pk
            rows.append(
                RowView(
                    row,
                    checked=refused is not None and pk in refused.chosen and refused.only is None,
                    error=refused.error if single else "",
                    reason=refused.reasons.get(f"reason_{pk}", "") if refused else "",
                )
            )
        bulk = refused is not None and refused.only is None and any(r.checked for r in rows)
        groups.append(
            GroupView(group, rows, refused.error if bulk else "", refused.reasons.get("reason", "") if bulk else "")
        )
    return {
        "school": school,
        "other_schools": _schools(request, ids) if len(ids) > 1 else [],
        "groups": groups,
        "waiting": sum(len(g.rows) for g in groups),
        "recent": review_service.recently_decided(school),
    }


@dataclass(frozen=True)
class Refusal:
    chosen: set[int]
    only: int | None
    error: str
    reasons: dict[str, str]


@member_required
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    school = _school(request, request.access.review_school_ids)
    if school is None:
        return render(request, "interventions/review_not_for_you.html", status=403)
    return render(request, "interventions/review.html", _review_context(request, school))


@member_required
@require_GET
def proposal_sessions(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """The sessions that count for one proposal, loaded when the review screen's evidence is opened."""
    readers = request.access.review_school_ids | request.access.office_school_ids
    proposal = Proposal.objects.for_trust(request.trust).filter(pk=proposal_id, school_id__in=readers).first()
    if proposal is None:
        raise Http404("No such proposal")
    return render(request, "interventions/review_sessions.html", {"row": review_service.review_row(proposal)})


def _chosen(request: HttpRequest) -> tuple[list[Proposal], str | None]:
    """The proposals the form names (the one row's button, else the ticked boxes) and that row's id, if one.

    Every one must be at a school the user reviews: otherwise 404, and nothing is decided.
    """
    only = request.POST.get("only", "")
    wanted = [only] if only else request.POST.getlist("proposal")
    if not all(value.isdigit() for value in wanted):
        raise Http404("No such proposal")
    ids = {int(value) for value in wanted}
    proposals = list(
        Proposal.objects.for_trust(request.trust)
        .filter(pk__in=ids, school_id__in=request.access.review_school_ids)
        .select_related("school")
    )
    if len(proposals) != len(ids):
        raise Http404("No such proposal")
    return proposals, only or None


def _back_to_review(request: HttpRequest, proposals: list[Proposal]) -> HttpResponse:
    school = request.POST.get("school", "")
    if not school.isdigit() and proposals:
        school = str(proposals[0].school_id)
    return redirect(reverse("interventions:review") + (f"?school={school}" if school.isdigit() else ""))


def _batch_links(result: review_service.ApprovalResult):
    links = [(reverse("letters:batch", args=[batch.pk]), batch.title) for batch in result.batches]
    return format_html_join(" ", ' <a href="{}">Open the letter batch: {}</a>', links)


@member_required
@require_POST
def approve(request: HttpRequest) -> HttpResponse:
    proposals, _ = _chosen(request)
    if not proposals:
        messages.error(request, "Nothing approved: tick at least one proposal first.")
        return _back_to_review(request, proposals)
    result = review_service.approve(proposals, request.user)
    messages.success(request, format_html("{}{}", result.summary(), _batch_links(result)))
    return _back_to_review(request, proposals)


@member_required
@require_POST
def dismiss(request: HttpRequest) -> HttpResponse:
    proposals, only = _chosen(request)
    if not proposals:
        messages.error(request, "Nothing dismissed: tick at least one proposal first.")
        return _back_to_review(request, proposals)
    reason = request.POST.get(f"reason_{only}" if only else "reason", "")
    try:
        result = review_service.dismiss(proposals, request.user, reason)
    except review_service.DismissalNeedsReason as e:
        refused = Refusal(
            chosen={p.pk for p in proposals},
            only=int(only) if only else None,
            error=str(e),
            reasons={k: v for k, v in request.POST.items() if k.startswith("reason")},
        )
        context = _review_context(request, proposals[0].school, refused)
        return render(request, "interventions/review.html", context, status=400)
    messages.success(request, result.summary())
    return _back_to_review(request, proposals)


# --- The case page and the family view --------------------------------------------------------------------------------


def _pupil_or_404(request: HttpRequest, pupil_id: int) -> Pupil:
    try:
        return family_service.pupil_for_case(request.access, pupil_id, timezone.localdate())
    except Pupil.DoesNotExist as e:
        raise Http404("No such pupil") from e


def _parent_links(request: HttpRequest, pupil: Pupil) -> list[PupilContact]:
    return list(
        PupilContact.objects.for_trust(request.trust)
        .filter(pupil=pupil, parental_responsibility=True)
        .select_related("contact")
        .order_by("priority", "pk")
    )


def _case_context(request: HttpRequest, pupil: Pupil, **bound) -> dict:
    today = timezone.localdate()
    file = family_service.case_file(request.access, pupil, today)
    reviews = request.access.review_school_ids
    meeting_forms = [
        (
            meeting,
            bound.get(f"meeting-{meeting.pk}") or MeetingHeldForm(meeting=meeting, today=today)
            if meeting.status == Meeting.Status.PLANNED and meeting.school_id in reviews
            else None,
        )
        for meeting in file.meetings
    ]
    return {
        "file": file,
        "pupil": pupil,
        "meeting_forms": meeting_forms,
        "notice_form": bound.get("notice") or NoticeForm(links=_parent_links(request, pupil), today=today),
        "ledgers": [_ledger_view(request, parent) for parent in file.parents],
        "today": today,
    }


@dataclass(frozen=True)
class LedgerView:
    """One parent's ledger for one child, each notice with its status form where the user may change it."""

    parent: family_service.ParentLedger
    entries: list[tuple[ledger.LedgerRow, NoticeStatusForm | None]]


def _ledger_view(request: HttpRequest, parent: family_service.ParentLedger) -> LedgerView:
    reviews = request.access.review_school_ids
    return LedgerView(
        parent,
        [
            (row, NoticeStatusForm(notice=row.notice) if row.notice.school_id in reviews else None)
            for row in parent.rows
        ],
    )


@member_required
@require_GET
def case(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil = _pupil_or_404(request, pupil_id)
    return render(request, "interventions/case.html", _case_context(request, pupil))


@member_required
@require_GET
def family(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil = _pupil_or_404(request, pupil_id)
    parents = family_service.family_of(request.access, pupil, timezone.localdate())
    context = {
        "pupil": pupil,
        "parents": [
            (
                parent,
                [(child, _ledger_view(request, child.ledger) if child.ledger else None) for child in parent.children],
            )
            for parent in parents
        ],
    }
    return render(request, "interventions/family.html", context)


def _case_url(pupil_id: int, anchor: str = "") -> str:
    return reverse("interventions:case", args=[pupil_id]) + (f"#{anchor}" if anchor else "")


def _reviewer_of(request: HttpRequest, school_id: int | None) -> None:
    """403 for someone who may read the case but does not review at the school concerned."""
    if school_id not in request.access.review_school_ids:
        raise PermissionDenied("Meetings and notices are recorded by the school's attendance lead or headteacher.")


@member_required
@require_POST
def record_notice(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil = _pupil_or_404(request, pupil_id)
    today = timezone.localdate()
    school = current_school(pupil, today)
    _reviewer_of(request, school.pk if school else None)
    form = NoticeForm(request.POST, links=_parent_links(request, pupil), today=today)
    if form.is_valid():
        try:
            notice = ledger.record_notice(school=school, pupil=pupil, user=request.user, **form.notice())
        except ledger.LedgerRefused as e:
            form.add_error(None, str(e))
        else:
            messages.success(
                request,
                f"{notice.get_kind_display()} to {notice.contact.name} for {pupil.display_name}, issued "
                f"{notice.issued_on:%-d %B %Y}, recorded.",
            )
            return redirect(_next_url(request) or _case_url(pupil.pk, "ledger"))
    return render(request, "interventions/case.html", _case_context(request, pupil, notice=form), status=400)


@member_required
@require_POST
def notice_status(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = (
        PenaltyNotice.objects.for_trust(request.trust).select_related("contact", "pupil").filter(pk=notice_id).first()
    )
    if notice is None:
        raise Http404("No such notice")
    _pupil_or_404(request, notice.pupil_id)
    _reviewer_of(request, notice.school_id)
    form = NoticeStatusForm(request.POST, notice=notice)
    back = _next_url(request) or _case_url(notice.pupil_id, "ledger")
    if not form.is_valid():
        messages.error(request, f"Status not changed: {'; '.join(e for es in form.errors.values() for e in es)}")
        return redirect(back)
    try:
        notice = ledger.set_status(notice, form.cleaned_data["status"], note=form.cleaned_data["note"])
    except ledger.LedgerRefused as e:
        messages.error(request, f"Status not changed: {e}")
        return redirect(back)
    messages.success(
        request,
        f"{notice.get_kind_display()} to {notice.contact.name} for {notice.pupil.display_name}: "
        f"{notice.get_status_display().lower()}.",
    )
    return redirect(back)


def _meeting_or_404(request: HttpRequest, meeting_id: int) -> Meeting:
    meeting = Meeting.objects.for_trust(request.trust).filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404("No such meeting")
    _pupil_or_404(request, meeting.pupil_id)
    _reviewer_of(request, meeting.school_id)
    return meeting


@member_required
@require_POST
def meeting_held(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting_or_404(request, meeting_id)
    form = MeetingHeldForm(request.POST, meeting=meeting, today=timezone.localdate())
    if form.is_valid():
        try:
            meeting = family_service.record_meeting_held(meeting, **form.cleaned_data)
        except family_service.MeetingNotPlanned as e:
            messages.error(request, str(e))
        else:
            messages.success(
                request,
                f"{meeting.title} recorded as held on {meeting.held_on:%-d %B %Y}: "
                f"target {meeting.target_pct.normalize():f}% over {meeting.target_weeks} weeks, "
                f"reviewed on {meeting.review_on:%-d %B %Y}.",
            )
        return redirect(_case_url(meeting.pupil_id, "meetings"))
    pupil = _pupil_or_404(request, meeting.pupil_id)
    context = _case_context(request, pupil, **{f"meeting-{meeting.pk}": form})
    return render(request, "interventions/case.html", context, status=400)


@member_required
@require_POST
def meeting_cancel(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting_or_404(request, meeting_id)
    try:
        meeting = family_service.cancel_meeting(meeting, reason=request.POST.get("reason", ""))
    except family_service.MeetingNotPlanned as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"{meeting.title} cancelled.")
    return redirect(_case_url(meeting.pupil_id, "meetings"))
