"""The trust's graduated-response policy in the browser: the version in force, its history, a trust lead's drafts
(edited, tried against the policy in force school by school, then adopted) and each school's adaptation.

Trust leads edit, simulate and adopt; headteachers and designated attendance leads may read the policy that applies
to their schools. A headteacher (or a trust lead) adapts one school's parameters when the trust has not locked its
policy. Another trust's version or school is 404, and so is a school of the trust that is not the user's.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from schools.models import Pupil, Role, School
from schools.tenancy import get_for_trust_or_404
from schools.views import member_required

from . import policies, simulation
from .models import PolicyVersion
from .policy_forms import ParametersForm, SimulationForm, parameter_changes, threshold_text, unit
from .thresholds import (
    Action,
    ActionKind,
    Cadence,
    Kind,
    MeetingKind,
    Policy,
    PolicyError,
    PolicyLocked,
    ReferralKind,
    Window,
)
from .thresholds import Rule as PolicyRule

# --- The policy in words ----------------------------------------------------------------------------------------------

KIND_WORDS = {
    Kind.ATTENDANCE_BELOW: "Attendance below",
    Kind.ATTENDANCE_AT_LEAST: "Attendance at or above (acknowledgement)",
    Kind.UNAUTHORISED_IN_WEEKS: "Unauthorised absence (G, N, O, U) in a rolling window",
    Kind.U_IN_HALF_TERM: "Late after the register closed (U) this half-term",
    Kind.PERSISTENT_LATENESS: "Late after the register closed (U) in a rolling window",
    Kind.CONSECUTIVE_DAYS_ABSENT: "Consecutive days absent",
    Kind.DAYS_WITHOUT_CONTACT: "Days absent without contact",
    Kind.LEAVE_DAYS: "Term-time leave not agreed (G) this year",
    Kind.ILLNESS_DAYS: "Illness absence (I) this year",
    Kind.TARGETS_MET: "Meeting targets met at review",
    Kind.TARGETS_MISSED: "Meeting targets missed at review",
}
MEETING_WORDS = {
    MeetingKind.ATTENDANCE_IMPROVEMENT: "attendance improvement",
    MeetingKind.FURTHER_ATTENDANCE_IMPROVEMENT: "further attendance improvement",
    MeetingKind.STAGE1_REVIEW: "Stage 1 absence review",
    MeetingKind.STAGE2_SERIOUS_CONCERN: "Stage 2 serious concern",
}
REFERRAL_WORDS = {
    ReferralKind.LA_ATTENDANCE_SUPPORT: "LA attendance support",
    ReferralKind.EDUCATION_WELFARE: "LA education welfare service",
    ReferralKind.SOCIAL_CARE: "children's social care",
    ReferralKind.CHILDREN_MISSING_EDUCATION: "children missing education",
    ReferralKind.SECTION_19: "notify the LA (section 19)",
}
CADENCE_WORDS = {
    Cadence.DAILY: "",
    Cadence.WEEKLY: "at the end of each school week",
    Cadence.HALF_TERMLY: "at the end of each half-term",
}


def _words(code: str, table: dict) -> str:
    return next((words for kind, words in table.items() if kind.value == code), code.replace("_", " "))


@dataclass(frozen=True)
class ActionWords:
    text: str  # e.g. "Letter LON3", "Referral: LA attendance support"
    detail: str  # the policy's own note on it, if any


def action_words(action: Action) -> ActionWords:
    kind, detail = action.kind, action.detail
    if kind is ActionKind.LETTER:
        return ActionWords(f"Letter {action.code}", detail)
    if kind is ActionKind.MEETING:
        who = f" ({', '.join(action.attendees)})" if action.attendees else ""
        weeks = f"; targets over at least {action.target_weeks} school weeks" if action.target_weeks else ""
        return ActionWords(f"Meeting: {_words(action.code, MEETING_WORDS)}{who}", f"{detail}{weeks}".lstrip("; "))
    if kind is ActionKind.REFERRAL:
        return ActionWords(f"Referral: {_words(action.code, REFERRAL_WORDS)}", detail)
    if kind is ActionKind.PENALTY_NOTICE:
        return ActionWords("Consider a penalty notice", detail)
    return ActionWords(f"Task: {detail or action.code.replace('_', ' ')}", "")


def window_words(rule: PolicyRule) -> str:
    if rule.weeks is not None:
        return f"{rule.weeks} school week{'s' if rule.weeks != 1 else ''}"
    if rule.kind.is_percentage:
        return "year to date" if rule.window is Window.YEAR_TO_DATE else "the school week"
    if rule.kind is Kind.U_IN_HALF_TERM:
        return "the half-term"
    if rule.kind in (Kind.ILLNESS_DAYS, Kind.LEAVE_DAYS):
        return "year to date"
    if rule.kind.is_review:
        return "the review period"
    return "the current absence"


@dataclass(frozen=True)
class RuleRow:
    rule: PolicyRule
    title: str
    kind: str
    threshold: str
    unit: str  # of the threshold: "%", "sessions", "school days"
    window: str
    stage: str
    when: str  # for rules not checked every night
    actions: list[ActionWords]


def rule_rows(policy: Policy) -> list[RuleRow]:
    rows = []
    for rule in policy.rules:
        stage = f"Stage {rule.stage}" if rule.stage is not None else "Not on the ladder"
        if rule.from_stage is not None:
            stage += f" (pupils at stage {rule.from_stage} or above)"
        rows.append(
            RuleRow(
                rule=rule,
                title=rule.title or rule.code,
                kind=KIND_WORDS.get(rule.kind, rule.kind.value),
                threshold=threshold_text(rule) or "—",
                unit=unit(rule),
                window=window_words(rule),
                stage=stage,
                when=CADENCE_WORDS[rule.cadence],
                actions=[action_words(a) for a in rule.actions],
            )
        )
    return rows


def _form_entries(form: ParametersForm) -> list[tuple]:
    """Each rule's form fields with the rule in words, for the parameter table."""
    return list(zip(form.rule_rows(), rule_rows(form.base), strict=True))


# --- Who may do what --------------------------------------------------------------------------------------------------


def _readable_school_ids(request: HttpRequest) -> set[int]:
    """Schools whose policy the user reads: every school for a trust lead, else where they lead or review."""
    return request.access.review_school_ids


def _may_read(request: HttpRequest) -> bool:
    return request.access.is_trust_lead or bool(_readable_school_ids(request))


def _adapting_school_ids(request: HttpRequest) -> set[int]:
    """Schools whose parameters the user may adapt: the headteacher's school; every school for a trust lead."""
    if request.access.is_trust_lead:
        return request.access.school_ids
    return {r.school_id for r in request.access.roles if r.kind == Role.Kind.HEADTEACHER}


def _not_for_you(request: HttpRequest, page: str, why: str) -> HttpResponse:
    return render(request, "policy/not_for_you.html", {"page": page, "why": why}, status=403)


READERS_ONLY = "The policy pages are for trust leads, headteachers and designated attendance leads."
LEADS_ONLY = "Only the trust's leads edit, try and adopt the trust's policy."


def _version_or_404(request: HttpRequest, version_id: int, *, trust_level: bool = False) -> PolicyVersion:
    """One of the trust's versions; a school's adaptation only for a user of that school (else 404)."""
    version = get_for_trust_or_404(
        PolicyVersion.objects.select_related("school", "created_by", "adopted_by"), request.trust, pk=version_id
    )
    if version.school_id is not None and (trust_level or version.school_id not in _readable_school_ids(request)):
        raise Http404("No such policy version")
    return version


def _schools(request: HttpRequest, school_ids: set[int]):
    return School.objects.for_trust(request.trust).filter(pk__in=school_ids).order_by("name")


# --- Reading ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Adaptation:
    school: School
    version: PolicyVersion | None  # the school's own version in force, None when it follows the trust's
    changes: list[str]
    can_adapt: bool


def _adaptations(request: HttpRequest, trust_version: PolicyVersion, trust_policy: Policy) -> list[Adaptation]:
    """Each readable school's own version in force, if any, in one query.

    The same rule as policies.version_in_force: a school's latest adopted adaptation applies unless the trust's
    policy is locked or a trust version was adopted after the adaptation was made.
    """
    schools = list(_schools(request, _readable_school_ids(request)))
    locked = trust_policy.locked
    own: dict[int, PolicyVersion] = {}
    if not locked:
        latest = (
            PolicyVersion.objects.for_trust(request.trust)
            .filter(school__in=schools, adopted_at__isnull=False)
            .select_related("created_by")
            .order_by("school_id", "-adopted_at", "-number")
            .distinct("school_id")
        )
        own = {v.school_id: v for v in latest if v.created_at >= trust_version.adopted_at}
    adapters = _adapting_school_ids(request)
    return [
        Adaptation(
            school=school,
            version=own.get(school.pk),
            changes=parameter_changes(trust_policy, policies.policy_of(own[school.pk])) if school.pk in own else [],
            can_adapt=not locked and school.pk in adapters,
        )
        for school in schools
    ]


@member_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    if not _may_read(request):
        return _not_for_you(request, "Attendance policy", READERS_ONLY)
    version, policy = _trust_in_force(request)
    versions = (
        PolicyVersion.objects.for_trust(request.trust)
        .filter(school=None)
        .select_related("created_by", "adopted_by")
        .order_by("-number")
    )
    context = {
        "version": version,
        "policy": policy,
        "rows": rule_rows(policy),
        "versions": versions,
        "adaptations": _adaptations(request, version, policy),
        "is_lead": request.access.is_trust_lead,
    }
    return render(request, "policy/overview.html", context)


def _trust_in_force(request: HttpRequest) -> tuple[PolicyVersion, Policy]:
    version = policies.trust_version(request.trust)
    return version, policies.policy_of(version)


@member_required
@require_GET
def version_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    if not _may_read(request):
        return _not_for_you(request, "Attendance policy", READERS_ONLY)
    version = _version_or_404(request, version_id)
    policy = policies.policy_of(version)
    trust_v, trust_policy = _trust_in_force(request)
    context = {
        "version": version,
        "policy": policy,
        "rows": rule_rows(policy),
        "in_force": trust_v,
        "changes": parameter_changes(trust_policy, policy) if version.pk != trust_v.pk else [],
        "is_lead": request.access.is_trust_lead,
    }
    return render(request, "policy/version.html", context)


# --- A trust lead's drafts --------------------------------------------------------------------------------------------


@member_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest) -> HttpResponse:
    """A form over the parameters of the version in force (or of the draft named by ?from=); saving makes a draft."""
    if not request.access.is_trust_lead:
        return _not_for_you(request, "Edit the attendance policy", LEADS_ONLY)
    wanted = request.GET.get("from", "")
    if wanted:
        base = _version_or_404(request, int(wanted) if wanted.isdigit() else 0, trust_level=True)
    else:
        base, _ = _trust_in_force(request)
    form = ParametersForm(request.POST or None, document=base.document, trust_wide=True)
    if form.is_valid():
        try:
            draft = policies.save_draft(request.trust, form.document(), request.user, form.cleaned_data["note"])
        except PolicyError as e:
            form.add_error(None, str(e))
        else:
            messages.success(
                request,
                f"Draft version {draft.number} saved. Nothing has changed in force: try it against the policy in "
                "force, then adopt it.",
            )
            return redirect("policy:version", version_id=draft.pk)
    context = {"base": base, "form": form, "entries": _form_entries(form), "action": request.get_full_path()}
    return render(request, "policy/edit.html", context, status=400 if form.is_bound else 200)


@dataclass(frozen=True)
class SchoolResult:
    school: School
    comparison: simulation.Comparison | None = None  # None until worked out
    changed: list[tuple[Pupil | None, simulation.Change]] | None = None
    in_force: PolicyVersion | None = None  # the school's version in force: its own adaptation, or the trust's


def _school_result(school: School, on, draft: PolicyVersion) -> SchoolResult:
    comparison = simulation.compare_school(school, on, draft)
    in_force = policies.version_in_force(school)
    ids = [c.pupil_id for c in comparison.changes]
    pupils = {p.pk: p for p in Pupil.objects.for_trust(school.trust).filter(pk__in=ids)}
    changed = sorted(
        ((pupils.get(c.pupil_id), c) for c in comparison.changes),
        key=lambda pc: (pc[0].legal_surname, pc[0].legal_forename, pc[1].pupil_id) if pc[0] else ("", "", 0),
    )
    return SchoolResult(school, comparison, changed, in_force)


def _simulation_context(request: HttpRequest, draft: PolicyVersion, form: SimulationForm) -> dict:
    in_force, in_force_policy = _trust_in_force(request)
    return {
        "draft": draft,
        "form": form,
        "on": form.cleaned_data["on"] if form.is_valid() else None,
        "in_force": in_force,
        "changes": parameter_changes(in_force_policy, policies.policy_of(draft)),
    }


@member_required
@require_GET
def simulate(request: HttpRequest, version_id: int) -> HttpResponse:
    """The trust's schools, each of whose comparisons the page then fetches in turn (simulate_school)."""
    if not request.access.is_trust_lead:
        return _not_for_you(request, "Try a draft policy", LEADS_ONLY)
    draft = _version_or_404(request, version_id, trust_level=True)
    form = SimulationForm(request.GET)
    context = _simulation_context(request, draft, form)
    context["results"] = [SchoolResult(s) for s in School.objects.for_trust(request.trust).order_by("name")]
    return render(request, "policy/simulate.html", context, status=200 if form.is_valid() else 400)


@member_required
@require_GET
@vary_on_headers("HX-Request")
def simulate_school(request: HttpRequest, version_id: int, school_id: int) -> HttpResponse:
    """One school's comparison: the simulate page's htmx fragment, or a page of its own without script."""
    if not request.access.is_trust_lead:
        return _not_for_you(request, "Try a draft policy", LEADS_ONLY)
    draft = _version_or_404(request, version_id, trust_level=True)
    school = get_for_trust_or_404(School.objects.select_related("trust"), request.trust, pk=school_id)
    form = SimulationForm(request.GET)
    context = _simulation_context(request, draft, form)
    if not form.is_valid():
        context["results"] = [SchoolResult(school)]
        return render(request, "policy/simulate.html", context, status=400)
    result = _school_result(school, form.cleaned_data["on"], draft)
    if request.htmx:
        return render(request, "policy/simulate.html#school", {**context, "result": result})
    return render(request, "policy/simulate.html", {**context, "results": [result], "one_school": school})


@member_required
@require_http_methods(["GET", "POST"])
def adopt(request: HttpRequest, version_id: int) -> HttpResponse:
    """GET asks to confirm; POST puts the draft into force for every school of the trust."""
    if not request.access.is_trust_lead:
        return _not_for_you(request, "Adopt a draft policy", LEADS_ONLY)
    draft = _version_or_404(request, version_id, trust_level=True)
    if request.method == "POST":
        try:
            policies.adopt(draft, request.user)
        except PolicyError as e:
            messages.error(request, f"Not adopted: {e}.")
            return redirect("policy:version", version_id=draft.pk)
        messages.success(
            request,
            f"Version {draft.number} is in force from now for every school of the trust, replacing the schools' own "
            "adaptations; tonight's run uses it and each proposal records it.",
        )
        return redirect("policy:overview")
    in_force, in_force_policy = _trust_in_force(request)
    context = {
        "draft": draft,
        "in_force": in_force,
        "changes": parameter_changes(in_force_policy, policies.policy_of(draft)),
    }
    return render(request, "policy/adopt.html", context)


# --- A school's adaptation --------------------------------------------------------------------------------------------


@member_required
@require_http_methods(["GET", "POST"])
def adapt(request: HttpRequest, school_id: int) -> HttpResponse:
    """The school's own parameters, in force at once when saved; refused (403) when the trust's policy is locked."""
    school = get_for_trust_or_404(School.objects.select_related("trust"), request.trust, pk=school_id)
    if school.pk not in request.access.all_school_ids:
        raise Http404("No such school")
    page = f"Adapt the policy for {school.name}"
    if school.pk not in _adapting_school_ids(request):
        return _not_for_you(request, page, "A school's parameters are adapted by its headteacher or a trust lead.")
    trust_v, trust_policy = _trust_in_force(request)
    history = (
        PolicyVersion.objects.for_trust(request.trust)
        .filter(school=school)
        .select_related("created_by")
        .order_by("-number")
    )
    context = {"school": school, "trust_version": trust_v, "history": history, "locked": trust_policy.locked}
    if trust_policy.locked:
        return render(request, "policy/adapt.html", context, status=403 if request.method == "POST" else 200)
    current = policies.version_in_force(school)
    form = ParametersForm(request.POST or None, document=current.document, trust_wide=False)
    if form.is_valid():
        try:
            saved = policies.adapt_for_school(school, form.document(), request.user, form.cleaned_data["note"])
        except PolicyLocked:
            context["locked"] = True
            return render(request, "policy/adapt.html", context, status=403)
        except PolicyError as e:
            form.add_error(None, str(e))
        else:
            messages.success(
                request,
                f"{school.name}'s adaptation (version {saved.number}) is in force from now; tonight's run uses it.",
            )
            return redirect("policy:adapt", school_id=school.pk)
    context |= {
        "current": current,
        "form": form,
        "entries": _form_entries(form),
        "changes": parameter_changes(trust_policy, policies.policy_of(current)) if current.school_id else [],
        "action": reverse("policy:adapt", kwargs={"school_id": school.pk}),
    }
    return render(request, "policy/adapt.html", context, status=400 if form.is_bound else 200)
