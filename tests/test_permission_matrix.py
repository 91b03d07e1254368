"""Who may use each page and API endpoint: every route of the URL configuration × every role × own trust or another.

TABLE is the one statement of what each role may do, written from what the product means each role to do
(schools/access.py). The routes come from the URL configuration: a route with no row in TABLE fails a test named
after it, and so does a row with no route, so a new page cannot be forgotten.

Each role is held once at trust A's school (where the objects are) and once at trust B's, asking for trust A's
objects. "Allowed" is any answer but 401, 403, 404 or 405 that is not a 500 and not a sign-in redirect; "refused" is
403 or 404. Another trust's user is refused every object of trust A and never sees trust A's pupils or school on a
list. A teacher of another group at the same school stands for "a teacher reaching another group's pupils".
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from rest_framework.views import APIView

from registers.models import Mark
from schools.models import Notification, Role
from schools.services import rebuild_school_days
from tests.factories import GroupFactory, HalfTermFactory, PupilFactory, SchoolFactory, TrustFactory, staff
from tests.test_tenancy import OBJECTS, _routes, trust_a_rows

pytestmark = pytest.mark.django_db

TRUST_LEAD = Role.Kind.TRUST_LEAD
HEAD = Role.Kind.HEADTEACHER
ATTENDANCE_LEAD = Role.Kind.ATTENDANCE_LEAD
OFFICER = Role.Kind.ATTENDANCE_OFFICER
TEACHER = Role.Kind.TEACHER  # tutor of the pupil's own group
DSL = Role.Kind.DSL
OTHER_TUTOR = "teacher_of_another_group"  # a teacher at the same school who tutors a different group
ANONYMOUS = "anonymous"

# Who holds what (schools.access): trust leads see every school; OFFICE runs the attendance office; reviewers approve
# the engine's proposals and print letters; the headteacher decides leave and adapts the school's policy.
EVERY_MEMBER = frozenset({TRUST_LEAD, HEAD, ATTENDANCE_LEAD, OFFICER, DSL, TEACHER, OTHER_TUTOR})
PUBLIC = EVERY_MEMBER | {ANONYMOUS}
SCHOOL_WIDE = frozenset({TRUST_LEAD, HEAD, ATTENDANCE_LEAD, OFFICER, DSL})
SEES_THE_PUPIL = SCHOOL_WIDE | {TEACHER}
OFFICE = frozenset({TRUST_LEAD, HEAD, ATTENDANCE_LEAD, OFFICER})
REGISTER_TAKERS = OFFICE | {TEACHER}
REVIEWERS = frozenset({TRUST_LEAD, HEAD, ATTENDANCE_LEAD})
HEADS = frozenset({TRUST_LEAD, HEAD})
TRUST_LEADS = frozenset({TRUST_LEAD})

# The six roles as held at trust B, asking for trust A's objects.
ROLES_ELSEWHERE = (TRUST_LEAD, HEAD, ATTENDANCE_LEAD, OFFICER, DSL, TEACHER)
ROLES_HERE = (*ROLES_ELSEWHERE, OTHER_TUTOR)

DAY = "2026-09-07"
NOW = dt.datetime(2026, 9, 7, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London"))


@dataclass(frozen=True)
class Rule:
    """Who may use a route. `get`/`post`: the roles allowed, or None where the route does not take the method (405).

    `kwargs`, `query` and `data` build the path's arguments, the query string and the POST body from trust A's rows
    (and the signed-in user); the path's arguments default to tests.test_tenancy.OBJECTS. A request that names one of
    trust A's objects, wherever it names it, is refused to every user of another trust.
    """

    get: frozenset[str] | None
    post: frozenset[str] | None = None
    kwargs: Callable[[dict], dict] | None = None
    query: Callable[[dict], dict] | None = None
    data: Callable[[dict, object], dict] | None = None
    json: bool = False
    # Answers that are part of the route's normal working for an allowed user (the health check's "unwell").
    also_fine: frozenset[int] = field(default_factory=frozenset)
    # Answers that refuse here besides 403 and 404 (the API's row errors for a school or pupil outside one's scope).
    refused_with: frozenset[int] = field(default_factory=frozenset)


def _my_notification(a: dict, user) -> dict:
    """A notification of trust A to `user` (to trust A's lead for a visitor): theirs to open only if they work there."""
    note = Notification.objects.create(
        trust=a["school"].trust,
        school=a["school"],
        recipient=user or a["lead"],
        kind=Notification.Kind.REGISTER_REMINDER,
        pupil=a["pupil"],
        message="Register not taken",
    )
    return {"notification": note.pk}


def _one_mark(a: dict, user) -> dict:
    return {
        "school": a["school"].urn,
        "reason": "Register corrected",
        "marks": [{"upn": a["pupil"].upn, "date": DAY, "session": "AM", "code": "/"}],
    }


def _school(a: dict) -> dict:
    return {"school": a["school"].pk}


def _pupil(a: dict, user=None) -> dict:
    return {"pupil": a["pupil"].pk}


def _proposal(a: dict, user) -> dict:
    return {"proposal": a["proposal"].pk, "reason": "Already in hand"}


TABLE: dict[str, Rule] = {
    # --- Dashboards: a school's figures for its school-wide staff; a teacher sees their own groups.
    "dashboards:home": Rule(get=EVERY_MEMBER),
    "dashboards:school_dashboard": Rule(get=SCHOOL_WIDE),
    "dashboards:school_group_trend": Rule(get=SCHOOL_WIDE),
    "dashboards:school_trends": Rule(get=SCHOOL_WIDE),
    "dashboards:year_dashboard": Rule(get=SCHOOL_WIDE),
    "dashboards:school_pupils": Rule(get=EVERY_MEMBER),  # a teacher's list holds their own groups' pupils only
    "dashboards:group_dashboard": Rule(get=SEES_THE_PUPIL),
    "dashboards:today": Rule(get=EVERY_MEMBER),
    "dashboards:early_warning": Rule(get=EVERY_MEMBER),
    "dashboards:headroom": Rule(get=EVERY_MEMBER),
    "dashboards:coding": Rule(get=SCHOOL_WIDE),
    "dashboards:reconciliation": Rule(get=SCHOOL_WIDE),
    "dashboards:pupil_headroom": Rule(get=SEES_THE_PUPIL),
    "dashboards:trust": Rule(get=TRUST_LEADS),
    "dashboards:trust_groups": Rule(get=TRUST_LEADS),
    # --- Signing in and out, and the unauthenticated health check.
    "login": Rule(get=PUBLIC, post=PUBLIC),
    "logout": Rule(get=None, post=PUBLIC),
    "health": Rule(get=PUBLIC, also_fine=frozenset({503})),
    # --- The user's own account and second factor: anyone signed in, whatever their role.
    "accounts:account": Rule(get=EVERY_MEMBER, post=EVERY_MEMBER),
    "accounts:password_change": Rule(get=EVERY_MEMBER, post=EVERY_MEMBER),
    "accounts:password_changed": Rule(get=EVERY_MEMBER, post=EVERY_MEMBER),
    "accounts:verify": Rule(get=EVERY_MEMBER, post=EVERY_MEMBER),
    "accounts:setup": Rule(get=EVERY_MEMBER, post=EVERY_MEMBER),
    "accounts:recovery_codes": Rule(get=None, post=EVERY_MEMBER),
    "accounts:remove": Rule(get=None, post=EVERY_MEMBER),
    # --- Schools, pupils and each user's own notifications.
    "schools:list": Rule(get=EVERY_MEMBER),
    "schools:pupils": Rule(get=EVERY_MEMBER),
    "schools:pupil": Rule(get=SEES_THE_PUPIL),
    "schools:notifications": Rule(get=EVERY_MEMBER),
    "schools:notification_read": Rule(get=None, post=EVERY_MEMBER, data=_my_notification),
    "schools:notifications_read_all": Rule(get=None, post=EVERY_MEMBER),
    # --- Registers: teachers take their own groups' registers, the office any of its school's.
    "registers:attendance_csv": Rule(get=SCHOOL_WIDE),
    "registers:take_index": Rule(get=EVERY_MEMBER),
    "registers:take_missing": Rule(get=OFFICE, query=_school),
    "registers:take_remind": Rule(
        get=None, post=OFFICE, data=lambda a, user: {"school": a["school"].pk, "date": DAY, "session": "AM"}
    ),
    "registers:take_register": Rule(get=REGISTER_TAKERS, post=REGISTER_TAKERS),
    "registers:take_all_present": Rule(get=None, post=REGISTER_TAKERS),
    "registers:take_pupil": Rule(get=None, post=REGISTER_TAKERS, data=lambda a, user: {"code": "/"}),
    # --- The attendance office: lates, absence reports, leave (decided by the headteacher).
    "registers:office_late": Rule(get=OFFICE, post=OFFICE, query=_pupil, data=_pupil),
    "registers:office_reports": Rule(get=OFFICE, post=OFFICE, query=_pupil, data=_pupil),
    "registers:office_report": Rule(get=OFFICE),
    "registers:office_report_confirm": Rule(get=None, post=OFFICE),
    "registers:office_report_reject": Rule(get=None, post=OFFICE),
    "registers:office_leave": Rule(get=OFFICE, post=OFFICE, query=_pupil, data=_pupil),
    "registers:office_leave_detail": Rule(get=OFFICE),
    "registers:office_leave_decide": Rule(get=None, post=HEADS),
    "registers:office_leave_taken": Rule(get=None, post=OFFICE),
    # --- Imports are the trust lead's.
    "imports:start": Rule(get=TRUST_LEADS, post=TRUST_LEADS),
    "imports:job": Rule(get=TRUST_LEADS),
    "imports:confirm": Rule(get=None, post=TRUST_LEADS),
    # --- Follow-up: the office records, a DSL reads the triage and absence lists.
    "interventions:today": Rule(get=SCHOOL_WIDE, query=_school),
    "interventions:visits": Rule(get=SCHOOL_WIDE, query=_school),
    "interventions:record_attempt": Rule(get=OFFICE, post=OFFICE, query=_school),
    "interventions:long_absence": Rule(get=SCHOOL_WIDE, query=_school),
    "interventions:create_tasks": Rule(get=None, post=OFFICE, query=_school),
    "interventions:tasks": Rule(get=OFFICE),
    "interventions:complete_task": Rule(get=None, post=OFFICE),
    "interventions:reassign_task": Rule(get=None, post=OFFICE),
    # --- Review and cases: reviewers decide; the office reads cases and families.
    "interventions:review": Rule(get=REVIEWERS, query=_school),
    "interventions:review_approve": Rule(get=None, post=REVIEWERS, data=_proposal),
    "interventions:review_dismiss": Rule(get=None, post=REVIEWERS, data=_proposal),
    "interventions:proposal_sessions": Rule(get=OFFICE),
    "interventions:case": Rule(get=OFFICE),
    "interventions:record_notice": Rule(get=None, post=REVIEWERS),
    "interventions:family": Rule(get=OFFICE),
    "interventions:meeting_held": Rule(get=None, post=REVIEWERS),
    "interventions:meeting_cancel": Rule(get=None, post=REVIEWERS),
    "interventions:notice_status": Rule(get=None, post=REVIEWERS),
    # --- Policy: reviewers read it, trust leads draft and adopt, the headteacher adapts their school's.
    "policy:overview": Rule(get=REVIEWERS),
    "policy:edit": Rule(get=TRUST_LEADS, post=TRUST_LEADS),
    "policy:version": Rule(get=REVIEWERS),
    "policy:simulate": Rule(get=TRUST_LEADS),
    "policy:simulate_school": Rule(get=TRUST_LEADS),
    "policy:adopt": Rule(get=TRUST_LEADS, post=TRUST_LEADS),
    "policy:adapt": Rule(get=HEADS, post=HEADS),
    # --- Letters: reviewers print; a letter's copy opens for the school's staff; wording is the trust lead's.
    "letters:batches": Rule(get=REVIEWERS),
    "letters:new": Rule(get=REVIEWERS, post=REVIEWERS),
    "letters:batch": Rule(get=REVIEWERS),
    "letters:batch_pdf": Rule(get=REVIEWERS),
    "letters:batch_retry": Rule(get=None, post=REVIEWERS),
    "letters:letter_pdf": Rule(get=SCHOOL_WIDE),
    "letters:templates": Rule(get=TRUST_LEADS),
    "letters:template": Rule(get=TRUST_LEADS, post=TRUST_LEADS),
    "letters:template_preview": Rule(get=None, post=TRUST_LEADS),
    # --- The API: every member, scoped to the pupils they see; marks are written by those who keep registers.
    "api:api-root": Rule(get=EVERY_MEMBER),
    "api:statistics": Rule(get=EVERY_MEMBER, query=lambda a: {"school": a["school"].urn}),
    "api:pupil-list": Rule(get=EVERY_MEMBER),
    "api:pupil-detail": Rule(get=SEES_THE_PUPIL),
    "api:contact-list": Rule(get=EVERY_MEMBER),
    "api:contact-detail": Rule(get=SEES_THE_PUPIL),
    "api:mark-list": Rule(get=EVERY_MEMBER),
    # Marks are written by the office and by the pupil's own tutor. Another group's pupil, or a school that is not
    # the caller's, is refused as an error of the row (400), and nothing is saved.
    "api:mark-bulk": Rule(get=None, post=REGISTER_TAKERS, data=_one_mark, json=True, refused_with=frozenset({400})),
    # The API's schema and its documentation page are public: they describe the API, not any trust's rows.
    "api-schema": Rule(get=PUBLIC),
    "api-docs": Rule(get=PUBLIC),
    # --- Privacy: the access log for heads and trust leads; the retention period is the trust's, set by its lead;
    # a pupil's subject-access export for the reviewers of a school they were enrolled at.
    "privacy:access_log": Rule(get=HEADS),
    "privacy:retention": Rule(get=TRUST_LEADS, post=TRUST_LEADS),
    "privacy:subject_access": Rule(get=REVIEWERS, kwargs=lambda a: {"pupil_id": a["pupil"].pk}),
}

# The admin site is Django's, for superusers only; no role of the product reaches it (test at the end).
ADMIN = "admin:"


def _route_names() -> list[str]:
    return sorted({name for name, _ in _routes() if not name.startswith(ADMIN)})


def _patterns() -> dict:
    """The first pattern of each named route (the API's format-suffix twins share its name)."""
    found: dict = {}
    for name, pattern in _routes():
        found.setdefault(name, pattern)
    return found


PATTERNS = _patterns()


def _is_api(name: str) -> bool:
    view = PATTERNS[name].callback
    return issubclass(getattr(view, "cls", object), APIView)


def _takes_object(name: str) -> bool:
    return bool(set(PATTERNS[name].pattern.regex.groupindex) - {"format"})


def _names_trust_a(name: str, rule: Rule) -> bool:
    """Whether the request names one of trust A's objects (in the path, the query string or the body)."""
    return _takes_object(name) or rule.query is not None or rule.data is not None


# --- Requests and answers -------------------------------------------------------------------------------------------


def _both_trusts() -> dict:
    """The standing cast's trust A (school, calendar, group, pupil, lead) with tests.test_tenancy's rows, built by
    that fixture's own function, and trust B's school."""
    school_a = SchoolFactory(trust=TrustFactory(slug="trust-a", name="Trust A"), name="Alpha Primary", urn="100001")
    HalfTermFactory(school=school_a)  # Autumn 1, from 2 September 2026: the rows' day is a school day
    rebuild_school_days(school_a)
    group_a = GroupFactory(school=school_a, name="5A", year_group="5")
    pupil_a = PupilFactory(
        school=school_a, group=group_a, upn="A100000000001", legal_surname="Able", legal_forename="Ann"
    )
    lead = staff(school_a.trust, TRUST_LEAD, username="lead")
    trust_b = TrustFactory(slug="trust-b", name="Trust B", policy="waterton")
    school_b = SchoolFactory(trust=trust_b, name="Beta Academy", urn="200001")
    return trust_a_rows.__wrapped__(school_a, pupil_a, lead) | {"group": group_a, "lead": lead, "school_b": school_b}


@pytest.fixture(scope="module")
def rows(django_db_setup, django_db_blocker):
    """Both trusts' rows, made once for the module's thousand-odd tests, on the morning of the rows' day.

    They live in a transaction rolled back after the module's last test; each test runs in a savepoint inside it
    (pytest-django's `db`), so whatever a request changes is undone before the next test.
    """
    outer = transaction.atomic()
    with django_db_blocker.unblock(), time_machine.travel(NOW, tick=False):
        outer.__enter__()
        made = _both_trusts()
    yield made
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _a_school_morning():
    """The morning of the day trust A's rows are about: the pupil is on roll and the register is open."""
    with time_machine.travel(NOW, tick=False):
        yield


def _url(name: str, rule: Rule, a: dict) -> str:
    kwargs = (rule.kwargs or OBJECTS[name])(a) if _takes_object(name) else {}
    url = reverse(name, kwargs=kwargs)
    return f"{url}?{urlencode(rule.query(a))}" if rule.query else url


def _ask(client, method: str, name: str, rule: Rule, a: dict, user):
    """The response, and the text of what was sent (an answer may repeat it without showing anything new)."""
    url = _url(name, rule, a)
    if method == "get":
        return client.get(url), url
    data = rule.data(a, user) if rule.data else {}
    if rule.json:
        return client.post(url, data, content_type="application/json"), f"{url} {data}"
    return client.post(url, data), f"{url} {data}"


def _sent_to_sign_in(response) -> bool:
    """A redirect to the sign-in page that comes back afterwards (?next=), as login_required answers."""
    if response.status_code not in (301, 302):
        return False
    location = urlsplit(response["Location"])
    return location.path == reverse("login") and "next=" in location.query


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _shows_the_pupil(body: str, a: dict, sent: str = "") -> bool:
    """Whether the answer names trust A's pupil, beyond repeating a UPN the request itself sent."""
    pupil = a["pupil"]
    upn_shown = pupil.upn in body and pupil.upn not in sent
    return upn_shown or re.search(rf"\b{re.escape(pupil.legal_surname)}\b", body) is not None


def _check_allowed(response, rule: Rule, what: str) -> None:
    status = response.status_code
    assert status not in {401, 403, 404, 405} | rule.refused_with, f"{what} should be allowed, got {status}"
    assert status < 500 or status in rule.also_fine, f"{what} failed with {status}"
    assert not _sent_to_sign_in(response), f"{what} should be allowed, was sent to sign in"


def _check_refused(response, rule: Rule, what: str, a: dict) -> None:
    status = response.status_code
    assert status in {403, 404} | rule.refused_with, f"{what} should be refused, got {status}"
    assert Mark.objects.get(pk=a["mark"].pk).code == "O", f"{what} was refused but changed trust A's register"


def _check_not_taken(response, what: str) -> None:
    assert response.status_code == 405, f"{what}: the route does not take this method, got {response.status_code}"


# --- Users ----------------------------------------------------------------------------------------------------------


def _member(role: str, school, group):
    """A user holding `role` at `school` (trust-wide for a trust lead); a teacher tutors `group`."""
    kind = TEACHER if role == OTHER_TUTOR else role
    user = staff(school.trust, kind, school, username=f"{role}-{school.trust.slug}")
    if kind == TEACHER:
        group.tutors.add(user)
    return user


# --- The table matches the URL configuration ---------------------------------------------------------------------


def test_every_route_in_the_url_configuration_has_a_row_in_the_table():
    missing = sorted(set(_route_names()) - set(TABLE))
    assert not missing, f"say who may use these routes in TABLE of {__name__}: {missing}"


def test_every_row_in_the_table_names_a_route():
    stale = sorted(set(TABLE) - set(_route_names()))
    assert not stale, f"these rows of TABLE name no route: {stale}"


def test_every_route_that_takes_an_object_is_given_one_of_trust_a():
    missing = sorted(
        n for n in _route_names() if _takes_object(n) and n not in OBJECTS and not (n in TABLE and TABLE[n].kwargs)
    )
    assert not missing, f"give these routes kwargs in TABLE (or OBJECTS in tests.test_tenancy): {missing}"


def test_every_route_is_open_to_someone_so_a_refusal_is_never_a_broken_address():
    closed = sorted(name for name, rule in TABLE.items() if not (rule.get or rule.post))
    assert not closed, f"no role may use {closed}: a refusal there would prove nothing"


# --- The matrix -----------------------------------------------------------------------------------------------------


def _rule(name: str) -> Rule:
    if name not in TABLE:
        pytest.fail(f"{name} is in the URL configuration but not in TABLE: say which roles may use it")
    return TABLE[name]


@pytest.mark.parametrize("role", ROLES_HERE)
@pytest.mark.parametrize("name", _route_names())
def test_at_trust_a_each_role_is_allowed_or_refused_as_the_table_says(client, rows, name, role):
    rule = _rule(name)
    school = rows["school"]
    group = GroupFactory(school=school, name="6B", year_group="6") if role == OTHER_TUTOR else rows["group"]
    user = _member(role, school, group)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    for method in ("get", "post"):
        allowed = getattr(rule, method)
        response, sent = _ask(client, method, name, rule, rows, user)
        what = f"{method.upper()} {name} by a {role} of trust A"
        if allowed is None:
            _check_not_taken(response, what)
        elif role in allowed:
            _check_allowed(response, rule, what)
        else:
            _check_refused(response, rule, what, rows)
        if role == OTHER_TUTOR:
            assert not _shows_the_pupil(_body(response), rows, sent), f"{what} shows a pupil of another group"


@pytest.mark.parametrize("role", ROLES_ELSEWHERE)
@pytest.mark.parametrize("name", _route_names())
def test_at_trust_b_each_role_is_refused_trust_a_objects_and_sees_none_of_its_pupils(client, rows, name, role):
    rule = _rule(name)
    school_b = rows["school_b"]
    user = _member(role, school_b, GroupFactory(school=school_b, name="5B"))
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    for method in ("get", "post"):
        allowed = getattr(rule, method)
        response, sent = _ask(client, method, name, rule, rows, user)
        what = f"{method.upper()} {name} by a {role} of trust B"
        if allowed is None:
            _check_not_taken(response, what)
        elif _names_trust_a(name, rule) or role not in allowed:
            _check_refused(response, rule, what, rows)
        else:
            # A list page or endpoint: the user's own trust's, whatever their role.
            _check_allowed(response, rule, what)
        body = _body(response)
        assert not _shows_the_pupil(body, rows, sent), f"{what} shows trust A's pupil"
        assert rows["school"].name not in body, f"{what} shows trust A's school"


@pytest.mark.parametrize("name", _route_names())
def test_a_visitor_who_has_not_signed_in_is_refused_everything_but_the_public_routes(client, rows, name):
    rule = _rule(name)
    for method in ("get", "post"):
        allowed = getattr(rule, method)
        response, sent = _ask(client, method, name, rule, rows, None)
        what = f"{method.upper()} {name} without signing in"
        status = response.status_code
        if allowed is None:
            # Most routes ask for sign-in before they look at the method; a few look at the method first.
            refusal = status in (401, 403) if _is_api(name) else _sent_to_sign_in(response)
            assert status == 405 or refusal, f"{what}: the route does not take this method, got {status}"
        elif ANONYMOUS in allowed:
            _check_allowed(response, rule, what)
        elif _is_api(name):
            assert status in (401, 403), f"{what} should be 401 or 403, got {status}"
        else:
            assert _sent_to_sign_in(response), f"{what} should send to sign in, got {status}"
        body = _body(response)
        assert not _shows_the_pupil(body, rows, sent) and rows["school"].name not in body, f"{what} shows trust A"


# --- The admin site ---------------------------------------------------------------------------------------------


ADMIN_PAGES = ("admin:index", "admin:schools_pupil_changelist", "admin:registers_mark_changelist")


@pytest.mark.parametrize("role", ROLES_HERE)
def test_no_role_of_the_product_reaches_the_admin_site(client, rows, role):
    user = _member(role, rows["school"], rows["group"])
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    for name in ADMIN_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302 and urlsplit(response["Location"]).path == reverse("admin:login"), name
