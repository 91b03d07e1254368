"""Benchmark: every dashboard page of a large trust, requested as its users request them.

    .venv/bin/python bench/dashboards.py [--schools 50] [--pupils-per-school 400] [--requests 20] [--rebuild]

Builds (once) a trust of `--schools` schools in a database of its own (`omega_bench_dashboards`), with last year's
and this year's marks from the synthetic generator bench/stats.py uses (2025/26 and 2026/27, every school day, AM and
PM), the weekly summaries refreshed for each school after the COPY, and a trust lead, a headteacher and a form tutor.
Then, with the clock set to `--on` (default: the last school day of 2026/27, so "this year" is a whole year), it
requests every dashboard page through django.test.Client as its user would: the trust pages as the trust lead, a
school's pages as its headteacher, the tutor group's page as its tutor, the home page as each of them. Each page is
asked for once to warm up and then `--requests` times; it prints the median and 95th percentile per page.
Pages are found by reversing their route names; a page whose route does not exist yet is listed as skipped.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import stats  # noqa: E402
from bench.registers import percentile  # noqa: E402

SLUG = "bench-dashboards"
YEARS = (2025, 2026)  # last year and this year: 2025/26 and 2026/27
SEED = "omega-bench-dashboards"
PASSWORD = "bench dashboards password"
# Every fourth school is a secondary (Years 7-11), the rest primaries (Reception to Year 6), as in a mixed trust.
SECONDARY_EVERY = 4
LONDON = zoneinfo.ZoneInfo("Europe/London")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=50, help="schools in the trust (default 50)")
    parser.add_argument("--pupils-per-school", type=int, default=400, help="pupils on roll per school (default 400)")
    parser.add_argument("--requests", type=int, default=20, help="timed requests of each page (default 20)")
    parser.add_argument("--on", type=dt.date.fromisoformat, default=None, help="the day the pages are asked for")
    parser.add_argument("--database", default="omega_bench_dashboards", help="default omega_bench_dashboards")
    parser.add_argument("--rebuild", action="store_true", help="empty the bench database and load it again")
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument("--keep", action="store_true", help="keep the bench database for the next run (the default)")
    kept.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    args = parser.parse_args()
    if args.schools < 1 or args.requests < 1 or args.pupils_per_school < 20:
        parser.error("--schools and --requests must be positive, --pupils-per-school at least 20")
    if "bench" not in args.database:
        # The database is emptied on --rebuild: refuse any name that could be someone's real data.
        parser.error("--database must have 'bench' in its name")
    return args


# --- The trust ------------------------------------------------------------------------------------------------------


def trust_name(args: argparse.Namespace, until: dt.date) -> str:
    return f"Dashboards Benchmark Trust ({args.schools} schools of {args.pupils_per_school} pupils, marks to {until})"


def prepare(args: argparse.Namespace, until: dt.date):
    """The bench trust at the size asked for, loading it unless it is already there."""
    from django.core.management import call_command

    from schools.models import Trust

    # The bench database holds one trust only; looking it up without a tenant is the point.
    trust = Trust.objects.filter(slug=SLUG).first()
    if trust and not args.rebuild and trust.name == trust_name(args, until):
        print(f"Using {trust.name} already in {args.database} (--rebuild to load again).")
        return trust
    if trust or args.rebuild:
        print(f"Emptying {args.database}…")
        call_command("flush", interactive=False, verbosity=0)
    return load(args, until)


def load(args: argparse.Namespace, until: dt.date):
    """Schools, calendars, pupils (last year's leavers too) and two years of marks, then the summaries."""
    import pgtrigger
    from django.db import connection, transaction
    from django.utils import timezone

    from registers import summaries
    from schools import synthetic
    from schools.models import School, SchoolDay, Trust

    started = time.monotonic()
    with transaction.atomic():
        trust = Trust.objects.create(slug=SLUG, name=trust_name(args, until), policy=Trust.Policy.ODST)
        plans = []
        for i in range(args.schools):
            secondary = i % SECONDARY_EVERY == SECONDARY_EVERY - 1
            school = School.objects.create(
                trust=trust,
                urn=f"{800000 + i}",
                name=f"Bench {'High' if secondary else 'Primary'} School {i + 1:02d}",
                phase=School.Phase.SECONDARY if secondary else School.Phase.PRIMARY,
            )
            synthetic.create_calendar(school, YEARS)
            year_groups = tuple(map(str, range(7, 12))) if secondary else ("R", *map(str, range(1, 7)))
            plans.append(
                synthetic.SchoolPlan(
                    school=school,
                    year_groups=year_groups,
                    pupils=args.pupils_per_school,
                    la_code=331,
                    establishment=(4000 if secondary else 2000) + i,
                    area=(("Bench Town", "BT1"),),
                    post_town="Bench Town",
                )
            )
        pupil_plans = synthetic.create_pupils(trust, plans, year=YEARS[-1], seed=SEED, leavers=True, contacts=False)
        create_users(trust)
    print(f"Created {len(pupil_plans):,} pupils in {args.schools} schools ({time.monotonic() - started:.1f}s)")

    by_school = synthetic.group_plans_by_school(pupil_plans)
    since = synthetic.first_school_day(YEARS[0])
    recorded_at = timezone.now()
    marks, load_started = 0, time.monotonic()
    for plan in plans:
        school = plan.school
        days = SchoolDay.objects.for_trust(trust).filter(school=school)
        years = [
            synthetic.school_year(school, y, days.filter(academic_year=y).values_list("date", flat=True), SEED)
            for y in YEARS
        ]
        rows = synthetic.marks_for_school(by_school[school.pk], years, seed=SEED, since=since, until=until)
        # History would hold one insert event per mark, doubling the load for nothing the benchmark reads.
        with transaction.atomic(), pgtrigger.ignore("registers.Mark:insert_insert"):
            marks += synthetic.copy_marks(rows, recorded_at=recorded_at, reason="Benchmark", immediate_checks=False)
        elapsed = time.monotonic() - load_started
        print(f"  {school.name}: {marks:,} marks so far, {elapsed:.0f}s, {marks / elapsed:,.0f} marks/s", flush=True)
    print(f"Loaded {marks:,} marks in {time.monotonic() - load_started:.1f}s")

    with connection.cursor() as cursor:
        # The summaries are counted from the marks just copied in. Where autovacuum is off, the planner would know
        # nothing about these tables: at 50 schools of 1,100, each school's recount then took minutes, not seconds.
        cursor.execute("ANALYZE")

    refreshed = time.monotonic()
    weeks = 0
    for plan in plans:
        # Marks copied in bulk bypass the write path that keeps the summaries: recount both years.
        weeks += summaries.refresh(plan.school, since, until)
    print(f"Summaries: {weeks:,} pupil-weeks in {time.monotonic() - refreshed:.1f}s")
    with connection.cursor() as cursor:
        analysed = time.monotonic()
        cursor.execute("VACUUM ANALYZE")
        print(f"VACUUM ANALYZE: {time.monotonic() - analysed:.1f}s")
    print(f"Built in {time.monotonic() - started:.0f}s")
    return trust


@dataclass(frozen=True)
class Cast:
    lead: object
    head: object
    tutor: object


def create_users(trust) -> None:
    """The trust lead; the headteacher of the first school; the tutor of its first group with pupils."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from schools.models import Membership, Pupil, Role, School

    User = get_user_model()
    password = make_password(PASSWORD)
    first = School.objects.for_trust(trust).order_by("name").first()
    group = Pupil.objects.for_trust(trust).filter(group__school=first).order_by("group__name").first().group
    for username, kind, school in (
        ("bench-lead", Role.Kind.TRUST_LEAD, None),
        ("bench-head", Role.Kind.HEADTEACHER, first),
        ("bench-tutor", Role.Kind.TEACHER, first),
    ):
        user = User.objects.create(username=username, password=password)
        Membership.objects.create(user=user, trust=trust)
        Role.objects.create(trust=trust, user=user, kind=kind, school=school)
    group.tutors.add(User.objects.get(username="bench-tutor"))


def cast() -> Cast:
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="bench-")}
    return Cast(users["bench-lead"], users["bench-head"], users["bench-tutor"])


# --- The pages ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    label: str
    route: str  # namespaced route name
    user: str  # "lead", "head" or "tutor"
    query: tuple[tuple[str, str], ...] = ()


# Every dashboard, as its user opens it. Route parameters are filled from their names (see route_kwargs).
PAGES = (
    Page("home (trust lead)", "dashboards:home", "lead"),
    Page("home (headteacher)", "dashboards:home", "head"),
    Page("home (tutor)", "dashboards:home", "tutor"),
    Page("trust view", "dashboards:trust", "lead"),
    Page("trust view, sorted by PA", "dashboards:trust", "lead", (("sort", "-pa"),)),
    Page("trust groups", "dashboards:trust_groups", "lead"),
    Page("school dashboard", "dashboards:school_dashboard", "head"),
    Page("school dashboard (trust lead)", "dashboards:school_dashboard", "lead"),
    Page("school group trend (FSM)", "dashboards:school_group_trend", "head"),
    Page("school day and week trends", "dashboards:school_trends", "head"),
    Page("year group", "dashboards:year_dashboard", "head"),
    Page("tutor group", "dashboards:group_dashboard", "tutor"),
    Page("pupil list (all)", "dashboards:school_pupils", "head"),
    Page("pupil list (PA)", "dashboards:school_pupils", "head", (("measure", "pa"),)),
    Page("daily absence", "dashboards:today", "head"),
    Page("early warning", "dashboards:early_warning", "head"),
    Page("headroom", "dashboards:headroom", "head"),
    Page("coding summary", "dashboards:coding", "head"),
    Page("reconciliation", "dashboards:reconciliation", "head"),
)


def dashboard_routes() -> dict[str, set[str]]:
    """Every route of the dashboards namespace: its name and the names of its URL parameters."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: dict[str, set[str]] = {}

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name and namespace == "dashboards:":
                found[f"dashboards:{entry.name}"] = set(entry.pattern.regex.groupindex)

    walk(get_resolver().url_patterns, "")
    return found


def route_kwargs(trust, parameters: set[str]) -> dict[str, object] | None:
    """Values for a route's parameters from the bench trust (the first school, its tutor's group), or None when a
    parameter is one the benchmark does not know."""
    from schools.models import Pupil, RegistrationGroup, School

    school = School.objects.for_trust(trust).order_by("name").first()
    group = RegistrationGroup.objects.for_trust(trust).filter(school=school, tutors__username="bench-tutor").first()
    known = {
        "school_id": school.pk,
        "group_id": group.pk,
        "pupil_id": Pupil.objects.for_trust(trust).filter(group=group).order_by("pk").first().pk,
        "year": group.year_group,
        "year_group": group.year_group,
        "characteristic": "fsm",
    }
    if parameters - set(known):
        return None
    return {name: known[name] for name in parameters}


def pages_to_request(trust) -> tuple[list[tuple[Page, str]], list[str]]:
    """(page, URL) for every page whose route exists, and a note for each one skipped. Routes of the dashboards
    namespace that PAGES does not name are requested too (as the headteacher), so a new page is never left out."""
    from urllib.parse import urlencode

    from django.urls import reverse

    routes = dashboard_routes()
    listed = {page.route for page in PAGES}
    extra = [Page(name.split(":")[1].replace("_", " "), name, "head") for name in sorted(set(routes) - listed)]
    chosen, skipped = [], []
    for page in (*PAGES, *extra):
        if page.route not in routes:
            skipped.append(f"{page.label}: no route {page.route} yet")
            continue
        kwargs = route_kwargs(trust, routes[page.route])
        if kwargs is None:
            skipped.append(f"{page.label}: {page.route} takes {sorted(routes[page.route])}, not known here")
            continue
        url = reverse(page.route, kwargs=kwargs)
        chosen.append((page, f"{url}?{urlencode(page.query)}" if page.query else url))
    return chosen, skipped


@dataclass(frozen=True)
class Timing:
    page: Page
    url: str
    status: int
    queries: int
    bytes: int
    times_ms: list[float]


def measure(trust, on: dt.date, requests: int) -> tuple[list[Timing], list[str]]:
    import time_machine
    from django.db import connection
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.signing_in import Client

    people = cast()
    # A trust lead signs in with a second factor: give the lead an authenticator, which the client then uses.
    TOTPDevice.objects.get_or_create(user=people.lead, confirmed=True, defaults={"name": "Authenticator app"})
    chosen, skipped = pages_to_request(trust)
    timings = []
    # The pages read "today" from the clock: set it, and let it tick, so each request sees the day asked for. Users
    # sign in inside it, or their sessions would have expired by then.
    with time_machine.travel(dt.datetime.combine(on, dt.time(12), tzinfo=LONDON), tick=True):
        clients = {}
        for role in ("lead", "head", "tutor"):
            clients[role] = Client(SERVER_NAME="localhost")
            clients[role].force_login(getattr(people, role))
        for page, url in chosen:
            client = clients[page.user]
            queries = []

            def count(execute, sql, params, many, context, queries=queries):
                queries.append(sql)
                return execute(sql, params, many, context)

            try:
                with connection.execute_wrapper(count):
                    first = client.get(url)  # warm-up: the page's first queries and templates
            except Exception as e:  # a page that fails is reported, and the others still run
                skipped.append(f"{page.label}: {url} raised {type(e).__name__}: {e}")
                continue
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            timings.append(Timing(page, url, first.status_code, len(queries), len(first.content), times))
            print(f"  {page.label:<34} {statistics.median(times):8.1f} ms", flush=True)
    return timings, skipped


def report(trust, on: dt.date, requests: int, timings: list[Timing], skipped: list[str]) -> None:
    from registers.models import Mark, PupilWeek
    from schools.models import Pupil, School

    schools = School.objects.for_trust(trust).count()
    pupils = Pupil.objects.for_trust(trust).count()
    marks = Mark.objects.for_trust(trust).count()
    weeks = PupilWeek.objects.for_trust(trust).count()
    print(f"\n{trust.name}: {schools} schools, {pupils:,} pupils, {marks:,} marks, {weeks:,} pupil-weeks")
    print(f"Pages as of {on}, {requests} timed requests each after one warm-up (milliseconds):\n")
    print(f"  {'page':<34} {'user':<6} {'status':>6} {'queries':>7} {'KB':>6} {'p50':>8} {'p95':>8} {'max':>8}")
    for t in timings:
        print(
            f"  {t.page.label:<34} {t.page.user:<6} {t.status:>6} {t.queries:>7} {t.bytes / 1024:>6.0f} "
            f"{statistics.median(t.times_ms):>8.1f} {percentile(t.times_ms, 0.95):>8.1f} {max(t.times_ms):>8.1f}"
        )
    if skipped:
        print("\nNot measured:")
        for note in skipped:
            print(f"  - {note}")


def main() -> None:
    import logging

    args = parse_args()
    # A page that fails is listed at the end with its error; its traceback would bury the figures.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    stats.use_database(args.database)
    os.environ["DJANGO_SETTINGS_MODULE"] = "omega_attendance.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from schools import synthetic

    call_command("migrate", interactive=False, verbosity=0)
    on = args.on or synthetic.last_school_day(YEARS[-1])
    trust = prepare(args, until=min(on, synthetic.last_school_day(YEARS[-1])))
    print(f"\nRequesting every dashboard as of {on}:")
    timings, skipped = measure(trust, on, args.requests)
    report(trust, on, args.requests, timings, skipped)
    if args.drop:
        stats.drop_database(args.database)


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"({time.monotonic() - started:.0f}s in all)")
