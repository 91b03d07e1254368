"""Day 3 and longer: pupils absent several school days in a row, the state of their reason, what the trust's policy
calls for, and the follow-up tasks it makes (welfare calls, home visits, CME referrals).

Absent days, runs and "fully justified" are defined in interventions.absence; what a run calls for is
interventions.triage.follow_ups. The database counts each pupil-day's sessions; Python only reads those rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q
from django.utils import timezone

from registers import codes as C
from registers.models import AbsenceReport, Mark
from schools.models import Pupil, PupilContact, Role, School, SchoolDay

from . import absence
from .day1 import REACHED
from .models import ContactAttempt, Task
from .triage import Follow, follow_ups


@dataclass
class LongAbsence:
    pupil: Pupil
    run: absence.Run
    justified: bool
    last_contact: dt.date | None
    days_without_contact: int
    follow_ups: list[Follow]
    pending_reports: list[AbsenceReport] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)  # tasks already made for this run

    @property
    def recent_days(self) -> tuple[absence.DayMarks, ...]:
        """The run's last five days, for the page (the whole run can be weeks long)."""
        return self.run.days[-5:]

    @property
    def follow_up_labels(self) -> list[str]:
        return [Task.Kind(f.value).label for f in self.follow_ups]

    @property
    def reason_state(self) -> str:
        """In words: whether the run still has sessions with no reason, and whether a report waits for the office."""
        if self.pending_reports:
            return "A parent's report is waiting for the office"
        if any(d.unexplained for d in self.run.days):
            return "No reason yet for some sessions"
        return "Every session has a reason"


def recent_school_days(school: School, today: dt.date) -> list[dt.date]:
    """The school's last LOOKBACK_SCHOOL_DAYS school days up to today, oldest first."""
    days = (
        SchoolDay.objects.for_trust(school.trust)
        .filter(school=school, date__lte=today)
        .order_by("-date")
        .values_list("date", flat=True)[: absence.LOOKBACK_SCHOOL_DAYS]
    )
    return sorted(days)


def _justified_session() -> Q:
    """absence.session_justified in SQL: M, or I with the evidence words in the note."""
    evidence = Q()
    for word in absence.EVIDENCE_WORDS:
        evidence |= Q(note__icontains=word)
    return Q(code__in=sorted(absence.JUSTIFYING_CODES)) | (Q(code__in=sorted(absence.EVIDENCED_CODES)) & evidence)


def pupil_days(school: School, days: list[dt.date]) -> dict[int, list[absence.DayMarks]]:
    """For pupils on roll with an absence on either of the latest two school days, one DayMarks per school day."""
    marks = Mark.objects.for_trust(school.trust).at_school(school)
    latest = marks.filter(date__in=days[-2:], code__in=sorted(C.ABSENT)).values("pupil")
    on_roll = Pupil.objects.for_trust(school.trust).on_roll(school, days[-1]).values("pk")
    rows = (
        marks.filter(date__in=days, pupil__in=latest)
        .filter(pupil__in=on_roll)
        .order_by()
        .values("pupil", "date")
        .annotate(
            marked=Count("pk"),
            absent=Count("pk", filter=Q(code__in=sorted(C.ABSENT))),
            justified=Count("pk", filter=_justified_session()),
            unexplained=Count("pk", filter=Q(code="N")),
            codes=ArrayAgg("code", order_by="session"),
        )
    )
    found: dict[int, dict[dt.date, absence.DayMarks]] = defaultdict(dict)
    for r in rows:
        found[r["pupil"]][r["date"]] = absence.DayMarks(
            r["date"], r["marked"], r["absent"], r["justified"], r["unexplained"], tuple(r["codes"])
        )
    return {pupil: [by_date.get(d, absence.DayMarks(d)) for d in days] for pupil, by_date in found.items()}


def last_contact(school: School, pupil_ids: list[int], on: dt.date) -> dict[int, dt.date]:
    """The last day up to `on` each family was reached: a contact attempt that reached them, or a report they made."""
    trust = school.trust
    # Up to the end of `on`, in the school's time zone: a later contact must not shorten a past day's count.
    until = timezone.make_aware(dt.datetime.combine(on + dt.timedelta(days=1), dt.time.min))
    reached = (
        ContactAttempt.objects.for_trust(trust)
        .filter(pupil__in=pupil_ids, outcome__in=REACHED, made_at__lt=until)
        .order_by()
        .values("pupil")
        .annotate(last=Max("made_at"))
    )
    reported = (
        AbsenceReport.objects.for_trust(trust)
        .filter(pupil__in=pupil_ids, recorded_at__lt=until)
        .exclude(status=AbsenceReport.Status.REJECTED)
        .order_by()
        .values("pupil")
        .annotate(last=Max("recorded_at"))
    )
    last: dict[int, dt.date] = {}
    for row in [*reached, *reported]:
        day = timezone.localdate(row["last"])
        last[row["pupil"]] = max(day, last.get(row["pupil"], day))
    return last


def long_absences(school: School, today: dt.date, minimum: int | None = None) -> list[LongAbsence]:
    """Pupils absent `minimum` or more school days in a row up to today (by default the first run the trust's policy
    acts on: 3 for Omega, 2 for Waterton), longest run first, each with the state of the reason and its follow-ups.
    """
    policy = school.trust.policy
    minimum = minimum or absence.first_follow_up_day(policy)
    days = recent_school_days(school, today)
    if not days:
        return []
    runs = {pupil: absence.absence_run(marks) for pupil, marks in pupil_days(school, days).items()}
    runs = {pupil: run for pupil, run in runs.items() if run.length >= minimum}
    if not runs:
        return []
    ids = list(runs)
    trust = school.trust
    pupils = (
        Pupil.objects.for_trust(trust)
        .filter(pk__in=ids)
        .select_related("group")
        .prefetch_related(
            Prefetch(
                "contact_links",
                queryset=PupilContact.objects.for_trust(trust).select_related("contact").order_by("priority", "pk"),
            )
        )
    )
    earliest = min(run.first_day for run in runs.values())
    pending = defaultdict(list)
    for report in AbsenceReport.objects.for_trust(trust).filter(
        school=school, pupil__in=ids, status=AbsenceReport.Status.PENDING, last_day__gte=earliest
    ):
        pending[report.pupil_id].append(report)
    tasks = defaultdict(list)
    for task in Task.objects.for_trust(trust).filter(school=school, pupil__in=ids).select_related("assignee"):
        tasks[task.pupil_id].append(task)
    contacted = last_contact(school, ids, today)
    rows = []
    for pupil in pupils:
        run = runs[pupil.pk]
        justified = absence.justified_for(policy, run)
        without = absence.days_without_contact(run, contacted.get(pupil.pk))
        suffix = f":{run.first_day}"
        rows.append(
            LongAbsence(
                pupil=pupil,
                run=run,
                justified=justified,
                last_contact=contacted.get(pupil.pk),
                days_without_contact=without,
                follow_ups=follow_ups(policy, run.length, justified, without),
                pending_reports=[r for r in pending[pupil.pk] if r.last_day >= run.first_day],
                tasks=[t for t in tasks[pupil.pk] if t.key.endswith(suffix)],
            )
        )
    return sorted(rows, key=lambda r: (-r.run.length, r.pupil.legal_surname, r.pupil.legal_forename, r.pupil.pk))


# --- Follow-up tasks ------------------------------------------------------------------------------------------------


class OfficerPicker:
    """Assigns each new task to the school's attendance officer with the fewest open tasks (none without officers)."""

    def __init__(self, school: School):
        User = get_user_model()
        officers = (
            User.objects.filter(
                roles__trust=school.trust, roles__school=school, roles__kind=Role.Kind.ATTENDANCE_OFFICER
            )
            .annotate(open_tasks=Count("tasks", filter=Q(tasks__status=Task.Status.OPEN), distinct=True))
            .order_by("pk")
        )
        self.load = {user: user.open_tasks for user in officers}

    def next(self):
        if not self.load:
            return None
        user = min(self.load, key=lambda u: (self.load[u], u.pk))
        self.load[user] += 1
        return user

    def give_back(self, user) -> None:
        if user is not None:
            self.load[user] -= 1


@dataclass(frozen=True)
class FollowUpResult:
    created: list[Task]
    existing: int

    def __str__(self) -> str:
        made = f"{len(self.created)} task{'' if len(self.created) == 1 else 's'} created"
        return f"{made}, {self.existing} already existed" if self.existing else made


def due_at(today: dt.date, at: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(today, at))


@transaction.atomic
def create_follow_up_tasks(school: School, today: dt.date) -> FollowUpResult:
    """Make today's tasks for every run the trust's policy acts on. Safe to run again: a task is keyed by its rule
    and the run's first day (get_or_create on the unique pupil, kind and key), so a re-run makes no duplicates.

    Nothing is made on a day that is not one of the school's school days.
    """
    days = recent_school_days(school, today)
    if not days or days[-1] != today:
        return FollowUpResult(created=[], existing=0)
    policy = school.trust.policy
    picker = OfficerPicker(school)
    created, existing = [], 0
    for row in long_absences(school, today):
        for follow in row.follow_ups:
            spec = absence.task_spec(policy, follow, row.run)
            assignee = picker.next()
            task, made = Task.objects.for_trust(school.trust).get_or_create(
                pupil=row.pupil,
                kind=spec.kind,
                key=spec.key,
                defaults={
                    "trust": school.trust,
                    "school": school,
                    "title": spec.title,
                    "why": spec.why,
                    "assignee": assignee,
                    "due_at": due_at(today, spec.due),
                },
            )
            if made:
                created.append(task)
            else:
                picker.give_back(assignee)
                existing += 1
    alerts, already = _social_care_alerts(school, today)
    return FollowUpResult(created=created + alerts, existing=existing + already)


def _social_care_alerts(school: School, today: dt.date) -> tuple[list[Task], int]:
    """Omega Charter, Day 1: "Alert calls to social care for 'watch list' students – liaise with Designated
    Safeguarding Lead". One task a day for each watch-list pupil absent with no reason, for the school's DSL."""
    from .day1 import triage_board

    dsl = (
        get_user_model()
        .objects.filter(roles__trust=school.trust, roles__school=school, roles__kind=Role.Kind.DSL)
        .order_by("pk")
        .first()
    )
    created, existing = [], 0
    for row in triage_board(school, today).rows:
        if not row.pupil.watch_list:
            continue
        task, made = Task.objects.for_trust(school.trust).get_or_create(
            pupil=row.pupil,
            kind=Task.Kind.SOCIAL_CARE_ALERT,
            key=f"social-care:{today.isoformat()}",
            defaults={
                "trust": school.trust,
                "school": school,
                "title": f"Alert call to social care for {row.pupil.display_name}: liaise with the DSL",
                "why": f"On the watch list ({row.pupil.watch_list_reason}) and absent today with no reason",
                "assignee": dsl,
                "due_at": due_at(today, dt.time(10, 30)),
            },
        )
        if made:
            created.append(task)
        else:
            existing += 1
    return created, existing
