"""The demonstration trusts: Omega Multi-Academy Trust (three schools) and Waterton Academy Trust (one primary).

`load_demo` builds both with pupils, parents, calendars for last year and this year, staff logins, and a register
mark for every pupil on roll, every school day, from the first day of last year up to the day before the load (or
`until`), so that dashboards have this year and last year to compare. The people and registers come from
schools.synthetic, seeded, so every load of the same size gives the same trust.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pgtrigger
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor
from interventions.engine import commit_school
from registers import summaries
from registers.models import Mark

from . import synthetic
from .models import Membership, RegistrationGroup, Role, School, SchoolDay, Trust

DEMO_PASSWORD = "attendance-demo"
# The demo's roles that need a second factor share one published authenticator key, so anyone trying the demo can add
# it to an authenticator app (or run `oathtool --totp -b KEY`). A real account sets up its own key on first sign-in.
DEMO_TOTP_KEY = "OMEGADEMOOMEGADEMOOMEGADEMOOMEGA"
SEED = "omega-demo"
# The size the demo is built at; `pupils` scales every school from this.
FULL_SIZE = 1500
YEARS = (2025, 2026)  # last academic year and this one

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoSchool:
    key: str
    name: str
    urn: str
    phase: str
    year_groups: tuple[str, ...]
    pupils: int  # on roll at full size
    establishment: int  # the DfE establishment number, part of each UPN given here
    headteacher: str
    address: str
    inset_days: tuple[dt.date, ...]
    day_starts: dt.time = dt.time(8, 45)
    registers_close: dt.time = dt.time(9, 15)
    late_until: dt.time = dt.time(9, 15)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str  # a Role.Kind
    schools: tuple[str, ...] = ()  # DemoSchool keys; empty for the trust lead
    tutor_of: str = ""  # a registration group at the (one) school

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class DemoTrust:
    slug: str
    name: str
    policy: str
    la_code: int
    post_town: str
    area: tuple[tuple[str, str], ...]
    schools: tuple[DemoSchool, ...]
    users: tuple[DemoUser, ...] = field(default=())


INFANT, PRIMARY, SECONDARY = ("R", "1", "2"), ("R", *map(str, range(1, 7))), tuple(map(str, range(7, 12)))

OMEGA = DemoTrust(
    slug="omega",
    name="Omega Multi-Academy Trust",
    policy=Trust.Policy.OMEGA,
    la_code=877,
    post_town="Warrington",
    area=(
        ("Great Sankey", "WA5"),
        ("Penketh", "WA5"),
        ("Westbrook", "WA5"),
        ("Orford", "WA2"),
        ("Padgate", "WA2"),
        ("Latchford", "WA4"),
        ("Stockton Heath", "WA4"),
        ("Birchwood", "WA3"),
    ),
    schools=(
        DemoSchool(
            key="infant",
            name="Meadowbank Infant School",
            urn="147362",
            phase=School.Phase.INFANT,
            year_groups=INFANT,
            pupils=250,
            establishment=2217,
            headteacher="Joanne Pritchard",
            address="Meadowbank Road\nGreat Sankey\nWarrington WA5 3QP",
            inset_days=(dt.date(2025, 10, 24), dt.date(2026, 10, 16)),
        ),
        DemoSchool(
            key="primary",
            name="Kingsley Park Primary Academy",
            urn="148915",
            phase=School.Phase.PRIMARY,
            year_groups=PRIMARY,
            pupils=420,
            establishment=2094,
            headteacher="Daniel Okafor",
            address="Kingsley Avenue\nOrford\nWarrington WA2 9DL",
            inset_days=(dt.date(2026, 1, 5), dt.date(2027, 1, 4)),
        ),
        DemoSchool(
            key="secondary",
            name="Riverside High Academy",
            urn="146208",
            phase=School.Phase.SECONDARY,
            year_groups=SECONDARY,
            pupils=830,
            establishment=4136,
            headteacher="Mark Fenwick",
            address="Station Road\nLatchford\nWarrington WA4 1JN",
            inset_days=(dt.date(2025, 11, 3), dt.date(2026, 11, 2)),
            day_starts=dt.time(8, 35),
            registers_close=dt.time(9, 5),
            late_until=dt.time(9, 5),
        ),
    ),
    users=(
        DemoUser("trustlead", "Catherine", "Holt", Role.Kind.TRUST_LEAD),
        DemoUser("head.primary", "Daniel", "Okafor", Role.Kind.HEADTEACHER, ("primary",)),
        DemoUser("lead.primary", "Priya", "Sharma", Role.Kind.ATTENDANCE_LEAD, ("primary",)),
        DemoUser("officer", "Karen", "Whitfield", Role.Kind.ATTENDANCE_OFFICER, ("infant", "primary", "secondary")),
        DemoUser("teacher.primary", "Tom", "Bradshaw", Role.Kind.TEACHER, ("primary",), tutor_of="4 Oak"),
        DemoUser("dsl.primary", "Rachel", "Ainsworth", Role.Kind.DSL, ("primary",)),
        DemoUser("head.secondary", "Mark", "Fenwick", Role.Kind.HEADTEACHER, ("secondary",)),
        DemoUser("head.infant", "Joanne", "Pritchard", Role.Kind.HEADTEACHER, ("infant",)),
    ),
)

WATERTON = DemoTrust(
    slug="waterton",
    name="Waterton Academy Trust",
    policy=Trust.Policy.WATERTON,
    la_code=384,
    post_town="Wakefield",
    area=(("Ossett", "WF5"), ("Horbury", "WF4"), ("Sandal", "WF2"), ("Agbrigg", "WF1"), ("Outwood", "WF1")),
    schools=(
        DemoSchool(
            key="waterton",
            name="Hollybank Primary Academy",
            urn="149537",
            phase=School.Phase.PRIMARY,
            year_groups=PRIMARY,
            pupils=120,
            establishment=2163,
            headteacher="Susan Hirst",
            address="Hollybank Lane\nHorbury\nWakefield WF4 6LB",
            inset_days=(dt.date(2026, 1, 5), dt.date(2026, 10, 23)),
            # Waterton's policy: doors open at 8:30 and registration ends at 8:40, but a pupil is only late (L)
            # from 8:45 to 8:55, and U after 8:55; an arrival up to 8:45 counts as on time.
            day_starts=dt.time(8, 45),
            registers_close=dt.time(8, 45),
            late_until=dt.time(8, 55),
        ),
    ),
    users=(DemoUser("head.waterton", "Susan", "Hirst", Role.Kind.HEADTEACHER, ("waterton",)),),
)

DEMO_TRUSTS = (OMEGA, WATERTON)


def _where(trust: DemoTrust, user: DemoUser) -> str:
    if not user.schools:
        return f"{trust.name} (all schools)"
    names = [s.name for s in trust.schools if s.key in user.schools]
    return ", ".join(names)


def _describe(user: DemoUser) -> str:
    label = Role.Kind(user.role).label
    return f"{label}, tutor of {user.tutor_of}" if user.tutor_of else label


# (username, role, school) for every demo login; all share DEMO_PASSWORD.
DEMO_LOGINS: list[tuple[str, str, str]] = [
    (user.username, _describe(user), _where(trust, user)) for trust in DEMO_TRUSTS for user in trust.users
]


@dataclass
class LoadResult:
    pupils: int = 0
    marks: int = 0
    seconds: float = 0.0
    skipped: bool = False


def load_demo(
    *,
    until: dt.date | None = None,
    pupils: int = FULL_SIZE,
    weeks: int | None = None,
    reset: bool = False,
    progress: Progress = print,
) -> LoadResult:
    """Build both demo trusts; returns what was loaded, or `skipped` if the Omega or Waterton trust already exists.

    `until` is the last day with marks (default: yesterday); `pupils` scales the Omega trust (about 1,500 at full
    size) and Waterton with it; `weeks` keeps only the last few weeks of marks. With `reset`, both demo trusts
    are deleted first, with everything that belongs to them.
    """
    until = until or timezone.localdate() - dt.timedelta(days=1)
    started = time.monotonic()
    result = LoadResult()
    with transaction.atomic():
        # Trusts are the tenants themselves: looking across the installation for the demo ones is the point.
        existing = list(Trust.objects.filter(slug__in=[t.slug for t in DEMO_TRUSTS]).values_list("name", flat=True))
        if existing and not reset:
            progress(f"Demo already loaded ({', '.join(existing)}); nothing to do. Use --reset to rebuild it.")
            return LoadResult(skipped=True)
        if existing:
            delete_demo_trusts(progress)
        _check_usernames_are_free()
        since = synthetic.first_school_day(YEARS[0])
        if weeks:
            since = max(since, until - dt.timedelta(weeks=weeks) + dt.timedelta(days=1))
        for spec in DEMO_TRUSTS:
            loaded_pupils, loaded_marks = _load_trust(
                spec, scale=pupils / FULL_SIZE, since=since, until=until, progress=progress
            )
            result.pupils += loaded_pupils
            result.marks += loaded_marks
    result.seconds = time.monotonic() - started
    progress(f"Loaded {result.pupils:,} pupils and {result.marks:,} marks in {result.seconds:.1f}s.")
    return result


def _load_trust(
    spec: DemoTrust, *, scale: float, since: dt.date, until: dt.date, progress: Progress
) -> tuple[int, int]:
    """Create one trust with everything in it; returns (pupils, marks)."""
    trust = Trust.objects.create(slug=spec.slug, name=spec.name, policy=spec.policy)
    schools = {s.key: _create_school(trust, s) for s in spec.schools}
    plans = [
        synthetic.SchoolPlan(
            school=schools[s.key],
            year_groups=s.year_groups,
            pupils=max(len(s.year_groups), round(s.pupils * scale)),
            la_code=spec.la_code,
            establishment=s.establishment,
            area=spec.area,
            post_town=spec.post_town,
        )
        for s in spec.schools
    ]
    pupils = synthetic.create_pupils(trust, plans, year=YEARS[-1], seed=f"{SEED}:{spec.slug}", leavers=True)
    where = f"{len(schools)} schools" if len(schools) > 1 else "one school"
    progress(f"{spec.name}: {len(pupils):,} pupils (with last year's leavers) in {where}")
    _create_users(trust, spec, schools)

    by_school = synthetic.group_plans_by_school(pupils)
    recorded_at = timezone.now()
    marks = 0
    for school in schools.values():
        started = time.monotonic()
        days = SchoolDay.objects.for_trust(trust).filter(school=school)
        years = [
            synthetic.school_year(school, y, days.filter(academic_year=y).values_list("date", flat=True), SEED)
            for y in YEARS
        ]
        rows = synthetic.marks_for_school(by_school[school.pk], years, seed=SEED, since=since, until=until)
        count = synthetic.copy_marks(rows, recorded_at=recorded_at, reason="Demo data")
        marks += count
        progress(f"  {school.name}: {count:,} marks ({time.monotonic() - started:.1f}s)")
    for school in schools.values():
        summaries.refresh(school, since, until)  # marks copied in bulk bypass the write path that keeps them
    with connection.cursor() as cursor:
        # Fresh planner statistics for the bulk-loaded tables: without them the engine's queries choose bad plans.
        cursor.execute("ANALYZE")
    for school in schools.values():
        _evaluate(school, until, progress)
    return len(pupils), marks


def _evaluate(school: School, until: dt.date, progress: Progress) -> None:
    """The graduated response's run on the last school day with marks, so the review screen has proposals."""
    last = SchoolDay.objects.for_trust(school.trust).filter(school=school, date__lte=until).order_by("-date").first()
    if last is None:
        return
    run = commit_school(school, last.date)
    if run is not None:
        progress(f"  {school.name}: {run.proposals:,} proposals awaiting review from the run on {last.date}")


def _create_school(trust: Trust, spec: DemoSchool) -> School:
    """The school, its last-year and this-year calendars (half-terms, INSET days, bank holidays) and school days."""
    school = School.objects.create(
        trust=trust,
        urn=spec.urn,
        name=spec.name,
        phase=spec.phase,
        day_starts=spec.day_starts,
        registers_close=spec.registers_close,
        late_until=spec.late_until,
        address=spec.address,
        headteacher_name=spec.headteacher,
    )
    synthetic.create_calendar(school, YEARS, inset_days=spec.inset_days)
    return school


def _create_users(trust: Trust, spec: DemoTrust, schools: dict[str, School]) -> None:
    User = get_user_model()
    # One hash for all: hashing is slow on purpose, and every demo login shares the password anyway.
    password = make_password(DEMO_PASSWORD)
    domain = f"{spec.slug}.example.org"
    for person in spec.users:
        user = User.objects.create(
            username=person.username,
            first_name=person.first_name,
            last_name=person.last_name,
            email=f"{person.username}@{domain}",
            password=password,
        )
        Membership.objects.create(user=user, trust=trust)
        for key in person.schools or (None,):
            Role.objects.create(trust=trust, user=user, kind=person.role, school=schools[key] if key else None)
        if person.role in second_factor.REQUIRED_FOR:
            TOTPDevice.objects.create(
                user=user, name="Authenticator app", confirmed=True, key=base64.b32decode(DEMO_TOTP_KEY).hex()
            )
        if person.tutor_of:
            group = RegistrationGroup.objects.for_trust(trust).get(
                school=schools[person.schools[0]], name=person.tutor_of
            )
            group.tutors.add(user)


def _check_usernames_are_free() -> None:
    usernames = [u.username for t in DEMO_TRUSTS for u in t.users]
    taken = list(get_user_model().objects.filter(username__in=usernames).values_list("username", flat=True))
    if taken:
        raise ValueError(f"demo usernames already belong to other accounts: {', '.join(sorted(taken))}")


def delete_demo_trusts(progress: Progress = print) -> None:
    """Delete the demo trusts and every row that belongs to them: their users, and history too.

    Other tables point at a trust's rows with PROTECT, so rows are deleted model by model (every model with a
    `trust` foreign key), retrying those still protected until nothing is left; this keeps working as apps add
    tenant models.
    """
    trusts = Trust.objects.filter(slug__in=[t.slug for t in DEMO_TRUSTS])
    names = ", ".join(trusts.values_list("name", flat=True))
    # Every trigger is off: a "delete" history event per row would only be deleted next, and the history of these
    # trusts goes too (event tables have a `trust` column like the rows they record).
    with transaction.atomic(), pgtrigger.ignore():
        marks, _ = Mark.objects.filter(trust__in=trusts).delete()
        # Users go last: what they decided and recorded (proposals, letters, policy versions) points at them.
        user_ids = list(get_user_model().objects.filter(membership__trust__in=trusts).values_list("pk", flat=True))
        remaining = [model for model in apps.get_models() if _belongs_to_trust(model)]
        for _ in range(len(remaining)):
            blocked = []
            for model in remaining:
                try:
                    with transaction.atomic():
                        model._base_manager.filter(trust__in=trusts).delete()
                except (ProtectedError, RestrictedError):
                    blocked.append(model)
            remaining = blocked
            if not remaining:
                break
        get_user_model().objects.filter(pk__in=user_ids).delete()
        trusts.delete()
    progress(f"Deleted the demo trusts ({names}), their {marks:,} marks and everything else of theirs.")


def _belongs_to_trust(model: type[models.Model]) -> bool:
    try:
        trust = model._meta.get_field("trust")
    except FieldDoesNotExist:
        return False
    return trust.is_relation and trust.related_model is Trust and not trust.many_to_many
