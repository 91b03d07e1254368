"""Benchmark: the morning register rush, over HTTP, against the app under gunicorn.

    .venv/bin/python bench/load.py [--minutes 10] [--teachers 300] [--workers N] [--quick] [--rebuild]

Builds (once) a trust of 10 primaries of 14 classes and 4 secondaries of 40 tutor groups (300 registers, about 9,000
pupils) in a database of its own (`omega_bench_load`), with the 2026/27 calendar, this term's marks up to the day
before the run, and a tutor for every group, an attendance officer and a headteacher for every school. Then it serves
the app with gunicorn on a free port of 127.0.0.1 (DEBUG off, a random SECRET_KEY, sync workers) and runs locust
users against it (bench/load_users.py, in a process of its own): every teacher signs in through /login/, opens the
morning register of the run's day and marks each pupil, spread so that all are done within `--minutes`; meanwhile
officers and headteachers read the missing registers, triage, daily absence, dashboard and pupil pages. It prints
requests, throughput, p50/p95/p99 per kind of request and errors, then checks in the database that every pupil on
every register taken has the mark the teacher sent. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import stats  # noqa: E402
from bench.registers import percentile  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench-load"
YEAR = 2026  # 2026/27: the run's day must be one of its school days
SEED = "omega-bench-load"
PASSWORD = "bench load password"
# 10 primaries of 420 (two classes in each of Reception to Year 6) and 4 secondaries of 1,200 (eight tutor groups in
# each of Years 7 to 11): 140 + 160 = 300 registers of about 30 pupils.
PRIMARIES, PRIMARY_PUPILS = 10, 420
SECONDARIES, SECONDARY_PUPILS = 4, 1200
TARGET_P95_MS = 300
# What teachers send: most pupils present, a few late (with minutes), absent with no reason yet, ill or at an
# appointment, as on a winter morning.
CODE_SHARES = (("/", 0.92), ("L", 0.02), ("N", 0.03), ("I", 0.02), ("M", 0.01))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=None, help="the window every register is taken in (10)")
    parser.add_argument("--teachers", type=int, default=None, help="teachers taking a register (300, the most)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 minute, 30 teachers")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--database", default="omega_bench_load", help="default omega_bench_load")
    parser.add_argument("--rebuild", action="store_true", help="empty the bench database and load it again")
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument("--keep", action="store_true", help="keep the bench database for the next run (the default)")
    kept.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    args = parser.parse_args()
    args.minutes = args.minutes or (1.0 if args.quick else 10.0)
    args.teachers = args.teachers or (30 if args.quick else 300)
    if args.minutes <= 0 or not 1 <= args.teachers <= 300 or args.workers < 1:
        parser.error("--minutes and --workers must be positive, --teachers between 1 and 300")
    if "bench" not in args.database:
        # The database is emptied on --rebuild: refuse any name that could be someone's real data.
        parser.error("--database must have 'bench' in its name")
    return args


def intended_code(pupil_id: int) -> tuple[str, int | None]:
    """The code (and minutes late) a teacher gives the pupil: fixed by the pupil's id, so the check after the run
    knows what every mark should say."""
    rng = random.Random(f"{SEED}:{pupil_id}")
    draw, total = rng.random(), 0.0
    for code, share in CODE_SHARES:
        total += share
        if draw < total:
            return code, (rng.randint(3, 25) if code == "L" else None)
    return "/", None


# --- The trust ------------------------------------------------------------------------------------------------------


def run_day() -> dt.date:
    """Today, or the last weekday before it: a day whose register may be taken now (a later one is refused)."""
    today = dt.date.today()
    return today - dt.timedelta(days=max(0, today.weekday() - 4))


def trust_name(day: dt.date) -> str:
    return f"Load Benchmark Trust ({PRIMARIES} primaries, {SECONDARIES} secondaries, marks to {day})"


def prepare(args: argparse.Namespace, day: dt.date):
    """The bench trust for the run's day, loading it unless it is already there."""
    from django.core.management import call_command

    from schools.models import SchoolDay, Trust

    # The bench database holds one trust only; looking it up without a tenant is the point.
    trust = Trust.objects.filter(slug=SLUG).first()
    if trust and not args.rebuild and trust.name == trust_name(day):
        print(f"Using {trust.name} already in {args.database} (--rebuild to load again).")
    else:
        if trust or args.rebuild:
            print(f"Emptying {args.database}…")
            call_command("flush", interactive=False, verbosity=0)
        trust = load(day)
    if not SchoolDay.objects.for_trust(trust).filter(date=day).exists():
        raise SystemExit(f"{day} is not a school day in the {YEAR}/{YEAR - 1999} calendar: no register to take.")
    return trust


def load(day: dt.date):
    """Schools, the calendar, pupils in their groups, this term's marks before `day`, the summaries and the staff."""
    import pgtrigger
    from django.db import connection, transaction
    from django.utils import timezone

    from registers import summaries
    from schools import synthetic
    from schools.models import School, SchoolDay, Trust

    started = time.monotonic()
    with transaction.atomic():
        trust = Trust.objects.create(slug=SLUG, name=trust_name(day))
        plans = []
        for i in range(PRIMARIES + SECONDARIES):
            secondary = i >= PRIMARIES
            school = School.objects.create(
                trust=trust,
                urn=f"{700000 + i}",
                name=f"Load {'High' if secondary else 'Primary'} School {i + 1:02d}",
                phase=School.Phase.SECONDARY if secondary else School.Phase.PRIMARY,
            )
            synthetic.create_calendar(school, [YEAR])
            plans.append(
                synthetic.SchoolPlan(
                    school=school,
                    year_groups=tuple(map(str, range(7, 12))) if secondary else ("R", *map(str, range(1, 7))),
                    pupils=SECONDARY_PUPILS if secondary else PRIMARY_PUPILS,
                    la_code=332,
                    establishment=(4000 if secondary else 2000) + i,
                    area=(("Bench Town", "BT1"),),
                    post_town="Bench Town",
                )
            )
        pupil_plans = synthetic.create_pupils(trust, plans, year=YEAR, seed=SEED, contacts=False)
        create_staff(trust)
    print(f"Created {len(pupil_plans):,} pupils in {len(plans)} schools ({time.monotonic() - started:.1f}s)")

    by_school = synthetic.group_plans_by_school(pupil_plans)
    since, until = synthetic.first_school_day(YEAR), day - dt.timedelta(days=1)
    recorded_at, marks = timezone.now(), 0
    for plan in plans:
        days = SchoolDay.objects.for_trust(trust).filter(school=plan.school).values_list("date", flat=True)
        year = synthetic.school_year(plan.school, YEAR, days, SEED)
        rows = synthetic.marks_for_school(by_school[plan.school.pk], [year], seed=SEED, since=since, until=until)
        # History would hold one insert event per mark, for nothing the benchmark reads.
        with transaction.atomic(), pgtrigger.ignore("registers.Mark:insert_insert"):
            marks += synthetic.copy_marks(rows, recorded_at=recorded_at, reason="Benchmark", immediate_checks=False)
        # Marks copied in bulk bypass the write path that keeps the summaries.
        summaries.refresh(plan.school, since, until)
    print(f"Loaded {marks:,} marks from {since} to {until} with their summaries ({time.monotonic() - started:.0f}s)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"Built in {time.monotonic() - started:.0f}s")
    return trust


def create_staff(trust) -> None:
    """A tutor for every group (teacher-001…), an attendance officer and a headteacher for every school."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from schools.models import Membership, RegistrationGroup, Role, School

    User = get_user_model()
    password = make_password(PASSWORD)  # hashed once: the server still checks it in full at every sign-in

    def person(username: str, kind: str, school) -> object:
        user = User.objects.create(username=username, password=password)
        Membership.objects.create(user=user, trust=trust)
        Role.objects.create(trust=trust, user=user, kind=kind, school=school)
        return user

    groups = RegistrationGroup.objects.for_trust(trust).order_by("school__name", "year_group", "name")
    for n, group in enumerate(groups, start=1):
        group.tutors.add(person(f"teacher-{n:03d}", Role.Kind.TEACHER, group.school))
    for n, school in enumerate(School.objects.for_trust(trust).order_by("name"), start=1):
        person(f"officer-{n:02d}", Role.Kind.ATTENDANCE_OFFICER, school)
        person(f"head-{n:02d}", Role.Kind.HEADTEACHER, school)


def reset_day(trust, day: dt.date) -> None:
    """Empty the day's morning registers (an earlier run's marks and takings), so every run starts at 8:40."""
    from django.db import transaction

    from registers import summaries
    from registers.models import Mark, RegisterTaking
    from schools.models import School

    with transaction.atomic():
        marks = Mark.objects.for_trust(trust).filter(date=day, session=Mark.Session.AM)
        if not marks.exists():
            return
        marks.delete()
        RegisterTaking.objects.for_trust(trust).filter(date=day, session=Mark.Session.AM).delete()
        for school in School.objects.for_trust(trust):
            summaries.refresh(school, day, day)
    print(f"Emptied the morning registers of {day} from an earlier run.")


# --- The plan the users follow ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Register:
    teacher: str
    group_id: int
    school: str
    url: str
    pupils: int  # on roll on the day: the rows the page should show


def registers_to_take(trust, day: dt.date, teachers: int) -> list[Register]:
    """The first `teachers` registers, taken from each school in turn so that every school is busy."""
    from registers.taking import pupils_on_register, register_url
    from schools.models import RegistrationGroup

    groups = RegistrationGroup.objects.for_trust(trust).select_related("school").prefetch_related("tutors")
    by_school: dict[int, list] = defaultdict(list)
    for group in groups.order_by("school__name", "year_group", "name"):
        by_school[group.school_id].append(group)
    interleaved = [
        g for rank in range(max(map(len, by_school.values()))) for gs in by_school.values() for g in gs[rank : rank + 1]
    ]
    chosen = []
    for group in interleaved[:teachers]:
        (tutor,) = group.tutors.all()
        pupils = pupils_on_register(group, day).count()
        chosen.append(Register(tutor.username, group.pk, group.school.name, register_url(group, day, "AM"), pupils))
    return chosen


def readers(trust, day: dt.date) -> list[dict]:
    """Each school's officer and headteacher, with the pages they keep open during registration."""
    from django.urls import reverse

    from schools.models import Pupil, Role

    people = []
    roles = Role.objects.for_trust(trust).filter(kind__in=[Role.Kind.ATTENDANCE_OFFICER, Role.Kind.HEADTEACHER])
    for role in roles.select_related("user", "school").order_by("school__name", "kind"):
        school = role.school
        on_roll = Pupil.objects.for_trust(trust).on_roll(school, day).order_by("pk").values_list("pk", flat=True)
        sample = random.Random(f"{SEED}:{school.pk}").sample(list(on_roll), 10)
        missing = f"{reverse('registers:take_missing')}?school={school.pk}&date={day}&session=AM"
        absence = reverse("dashboards:today", kwargs={"school_id": school.pk})
        pupils = [("pupil page", reverse("schools:pupil", kwargs={"pk": pk})) for pk in sample]
        if role.kind == Role.Kind.ATTENDANCE_OFFICER:
            triage = f"{reverse('interventions:today')}?school={school.pk}"
            # The office watches the missing registers and the first-day triage most of all.
            pages = [("missing registers", missing), ("triage", triage), ("missing registers", missing)]
            pages += [("daily absence", absence), ("triage", triage)]
            every = (15, 45)
        else:
            dashboard = reverse("dashboards:school_dashboard", kwargs={"school_id": school.pk})
            pages = [("school dashboard", dashboard), ("missing registers", missing), ("daily absence", absence)]
            every = (40, 80)
        people.append(
            {"username": role.user.username, "role": role.kind, "pages": pages, "pupils": pupils, "every": every}
        )
    return people


def write_plan(path: Path, host: str, args: argparse.Namespace, registers: list[Register], reading: list[dict]) -> None:
    """The users' instructions for bench/load_users.py: who signs in, when, what they open and send."""
    window = args.minutes * 60
    pace = args.minutes / 10  # a register takes about 45 s in the 10-minute run, proportionally less in shorter ones
    taking = 30 * 1.2 * pace + 10 * pace
    span = max(1.0, window - taking - 0.05 * window)
    rng = random.Random(f"{SEED}:starts")
    slots = [(i + rng.random()) / len(registers) * span for i in range(len(registers))]
    rng.shuffle(slots)
    styles = (
        "keys",
        "keys",
        "keys",
        "keys",
        "keys",
        "absent_then_all",
        "absent_then_all",
        "absent_then_all",
        "form",
        "form",
    )
    teachers = [
        {"username": r.teacher, "url": r.url, "pupils": r.pupils, "start": start, "style": styles[i % len(styles)]}
        for i, (r, start) in enumerate(zip(registers, slots, strict=True))
    ]
    plan = {
        "host": host,
        "password": PASSWORD,
        "window": window,
        "pace": pace,
        "teachers": teachers,
        "readers": reading,
    }
    path.write_text(json.dumps(plan))


# --- The server -----------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    """gunicorn serving the app on loopback with production settings, once it answers."""
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "omega_attendance.settings",
    }
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "omega_attendance.wsgi",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--timeout=60",
        f"--chdir={ROOT}",
    ]
    server = subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    host = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{host}/login/", timeout=5) as response:
                if response.status == 200:
                    return server, host
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


# --- After the run ------------------------------------------------------------------------------------------------


def report(results: dict, args: argparse.Namespace) -> bool:
    """Print the figures; True when there was no error and every kind of request had p95 under the target."""
    requests = results["requests"]
    by_name: dict[str, list[float]] = defaultdict(list)
    for name, ms, _, _ in requests:
        by_name[name].append(ms)
    errors = [r for r in requests if r[3]] + [["a user stopped", 0, 0, e] for e in results["crashes"]]
    elapsed = results["ended"] - results["started"]
    print(f"\n{len(requests):,} requests in {elapsed:.0f} s: {len(requests) / elapsed:.1f} requests/s")
    print(f"  {'request':<38} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>6}")
    failing = defaultdict(int)
    for r in errors:
        failing[r[0]] += 1
    slow = []
    rows = sorted(by_name.items(), key=lambda kv: -len(kv[1]))
    every_request = [r[1] for r in requests]
    for name, times in [*rows, ("all requests", every_request)]:
        p95 = percentile(times, 0.95)
        count = sum(failing.values()) if name == "all requests" else failing[name]
        print(
            f"  {name:<38} {len(times):>6} {percentile(times, 0.5):>8.0f} {p95:>8.0f} "
            f"{percentile(times, 0.99):>8.0f} {max(times):>8.0f} {count:>6}"
        )
        if p95 > TARGET_P95_MS:
            slow.append(name)
    done = [seconds for _, seconds in results["teachers_done"]]
    print(
        f"\nRegisters taken: {len(done)} of {args.teachers}; the last one saved at "
        f"{max(done, default=0):.0f} s of a {args.minutes * 60:.0f} s window."
    )
    if errors:
        print(f"\n{len(errors)} errors; the first few:")
        for r in errors[:8]:
            print(f"  - {r[0]}: {r[3]}")
    on_time = len(done) == args.teachers and max(done, default=0) <= args.minutes * 60
    met = not errors and not slow and on_time
    print(
        f"\nTarget (no errors, p95 under {TARGET_P95_MS} ms, every register within the window): "
        + ("met." if met else f"NOT met{': p95 over target for ' + ', '.join(slow) if slow else ''}.")
    )
    return met


def check_marks(trust, day: dt.date, registers: list[Register], finished: set[str]) -> bool:
    """Every pupil on every register its teacher finished has the mark the teacher sent, and each such register is
    recorded as taken. A register left unfinished (the teacher met an error, or the run was called off) is counted
    apart: its marks are not lost, they were never all sent."""
    from registers.models import Mark, RegisterTaking
    from registers.taking import pupils_on_register
    from schools.models import RegistrationGroup

    unfinished = [r for r in registers if r.teacher not in finished]
    registers = [r for r in registers if r.teacher in finished]
    expected = wrong = missing = 0
    groups = RegistrationGroup.objects.for_trust(trust).in_bulk([r.group_id for r in registers])
    for register in registers:
        pupils = list(pupils_on_register(groups[register.group_id], day).values_list("pk", flat=True))
        marks = dict(
            Mark.objects.for_trust(trust)
            .filter(pupil_id__in=pupils, date=day, session=Mark.Session.AM)
            .values_list("pupil_id", "code")
        )
        expected += len(pupils)
        missing += sum(pk not in marks for pk in pupils)
        wrong += sum(pk in marks and marks[pk] != intended_code(pk)[0] for pk in pupils)
    taken = RegisterTaking.objects.for_trust(trust).filter(
        group_id__in=[r.group_id for r in registers], date=day, session=Mark.Session.AM
    )
    takings = taken.count()
    ok = not missing and not wrong and takings == len(registers)
    print(
        f"\nIn the database, for the {len(registers)} registers finished: {expected - missing:,} of {expected:,} marks "
        f"present, {wrong} with another code than the one sent, {takings} registers recorded as taken: "
        + ("all saved." if ok else "MARKS LOST.")
    )
    if unfinished:
        print(f"{len(unfinished)} registers were not finished: {', '.join(r.teacher for r in unfinished[:10])}…")
    return ok and not unfinished


def main() -> None:
    import logging

    args = parse_args()
    stats.use_database(args.database)
    os.environ["DJANGO_SETTINGS_MODULE"] = "omega_attendance.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    call_command("migrate", interactive=False, verbosity=0)
    day = run_day()
    trust = prepare(args, day)
    reset_day(trust, day)
    registers = registers_to_take(trust, day, args.teachers)
    reading = readers(trust, day)
    connection.close()  # the server's workers get the database to themselves

    with tempfile.TemporaryDirectory(prefix="omega-load-") as tmp:
        work = Path(tmp)
        server, host = start_server(args.workers, work / "gunicorn.log")
        try:
            write_plan(work / "plan.json", host, args, registers, reading)
            print(
                f"\n{len(registers)} teachers take the morning register of {day} within {args.minutes:g} min, "
                f"{len(reading)} officers and heads read pages; gunicorn, {args.workers} sync workers at {host}."
            )
            load_before = os.getloadavg()
            users = [
                sys.executable,
                str(ROOT / "bench" / "load_users.py"),
                str(work / "plan.json"),
                str(work / "out.json"),
            ]
            subprocess.run(users, check=True)
            load_after = os.getloadavg()
        finally:
            stop_server(server)
        results = json.loads((work / "out.json").read_text())
        server_log = (work / "gunicorn.log").read_text()
    print(
        f"Load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; "
        f"after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}"
    )
    met = report(results, args)
    saved = check_marks(trust, day, registers, {username for username, _ in results["teachers_done"]})
    if "Traceback" in server_log or "CRITICAL" in server_log:
        print("\nThe server logged errors; its log ends:\n" + server_log[-3000:])
    if args.drop:
        stats.drop_database(args.database)
    sys.exit(0 if met and saved else 1)


if __name__ == "__main__":
    started = time.monotonic()
    try:
        main()
    finally:
        print(f"({time.monotonic() - started:.0f}s in all)")
