"""Keeping the dashboards' summary tables (PupilWeek, DayCodeCount) equal to the marks.

`refresh(school, start, end)` recounts every school week touching [start, end] from the marks in SQL: the rows of
those weeks are deleted and written again in one transaction, so a summary is never half old, half new. The register
write path (registers.services.upsert_marks) refreshes the weeks and pupils it touched before it commits; the nightly
task refreshes each school's year to date as a safety net (N marks turned to O, enrolments changed, bulk loads).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, DateField, F, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek

from schools.calendar import academic_year, week_of
from schools.models import School

from .models import COUNT_FIELDS, DayCodeCount, Mark, PupilWeek, count_annotations
from .statistics import SessionCounts

# pg_advisory_xact_lock's first key for a school's summaries; the school id is the second.
SUMMARY_LOCK = 7202


def refresh(school: School, start: dt.date, end: dt.date, pupil_ids: Collection[int] | None = None) -> int:
    """Recount the school's summaries for the weeks touching [start, end]; returns the pupil-week rows written.

    With `pupil_ids`, only those pupils' weeks are recounted (a register or a correction); the day counts are always
    recounted for the whole school on the days in range, since they add up every pupil.
    """
    first, last = week_of(start), week_of(end) + dt.timedelta(days=6)
    marks = Mark.objects.for_trust(school.trust).at_school(school).between(first, last).while_enrolled()
    weeks = PupilWeek.objects.for_trust(school.trust).filter(school=school, week__range=(first, last))
    if pupil_ids is not None:
        marks, weeks = marks.filter(pupil__in=list(pupil_ids)), weeks.filter(pupil__in=list(pupil_ids))
    with transaction.atomic():
        # Two registers of one school saved at once would both delete the day's counts and both write them again
        # (a unique violation), or each count without the other's marks: they take turns until each one commits.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SUMMARY_LOCK, school.pk])
        weeks.delete()
        rows = (
            marks.order_by()
            .annotate(week=TruncWeek("date", output_field=DateField()))
            .values("pupil", "week")
            .annotate(**count_annotations())
        )
        written = PupilWeek.objects.bulk_create(
            [
                PupilWeek(
                    trust=school.trust,
                    school=school,
                    pupil_id=row["pupil"],
                    week=row["week"],
                    academic_year=academic_year(row["week"]),
                    **{f: row[f] for f in COUNT_FIELDS},
                )
                for row in rows
            ],
            batch_size=2000,
        )
        _refresh_days(school, start if pupil_ids is not None else first, end if pupil_ids is not None else last)
    return len(written)


def _refresh_days(school: School, first: dt.date, last: dt.date) -> None:
    DayCodeCount.objects.for_trust(school.trust).filter(school=school, date__range=(first, last)).delete()
    rows = (
        Mark.objects.for_trust(school.trust)
        .at_school(school)
        .between(first, last)
        .while_enrolled()
        .order_by()
        .values("date", "session", "code", year=F("pupil__year_group"))
        .annotate(sessions=Count("pk"))
    )
    DayCodeCount.objects.bulk_create(
        [
            DayCodeCount(
                trust=school.trust,
                school=school,
                date=row["date"],
                academic_year=academic_year(row["date"]),
                year_group=row["year"] or "",
                session=row["session"],
                code=row["code"],
                sessions=row["sessions"],
            )
            for row in rows
        ],
        batch_size=2000,
    )


def refresh_year(school: School, on: dt.date) -> int:
    """Recount the school's whole academic year up to `on` (the nightly safety net, and after a bulk load)."""
    return refresh(school, dt.date(academic_year(on), 8, 1), on)


def window_counts(
    school: School, start: dt.date, end: dt.date, pupils: QuerySet | Collection[int] | None = None
) -> dict[int, SessionCounts]:
    """Each pupil's counts at the school over [start, end], while on its roll, as registers.attendance counts them.

    The school weeks lying wholly inside the window come from PupilWeek; the part weeks at either end from the marks,
    so the figures equal the `attendance` command's for any window while most of a long one is read from the
    summaries. Two grouped queries; pupils with nothing counted are left out. `pupils` (a queryset or ids) narrows
    the pupils; None counts everyone.
    """
    return window_counts_by_school([school], start, end, pupils).get(school.pk, {})


def window_counts_by_school(
    schools: Collection[School], start: dt.date, end: dt.date, pupils: QuerySet | Collection[int] | None = None
) -> dict[int, dict[int, SessionCounts]]:
    """window_counts for several schools of one trust at once, by school id then pupil id: still two queries."""
    result: dict[int, dict[int, SessionCounts]] = {s.pk: {} for s in schools}
    for part in _window_parts(schools, start, end, pupils):
        for row in part:
            by_pupil = result[row["school"]]
            by_pupil[row["pupil"]] = by_pupil.get(row["pupil"], SessionCounts()) + _counts(row)
    return result


@dataclass(frozen=True)
class SchoolTotals:
    """A school's pupils over a window: their sessions summed, and how many were persistently or severely absent."""

    counts: SessionCounts
    persistent: int
    severe: int


def window_totals_by_school(schools: Collection[School], start: dt.date, end: dt.date) -> dict[int, SchoolTotals]:
    """What window_counts_by_school adds up to per school, added up by the database in one query.

    A trust of 50 large schools has over 100,000 pupils: summing their counts per school in SQL, rather than building
    a row per pupil in Python, is what keeps the trust lead's home page quick. A school with nothing counted is given
    zero counts.
    """
    columns = ", ".join(("school_id", "pupil_id", *COUNT_FIELDS))
    parts, params = [], []
    for part in _window_parts(schools, start, end):
        sql, part_params = part.query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS part ({columns})")
        params.extend(part_params)
    absent = "(pp.authorised + pp.unauthorised)"
    sums = ", ".join(f"sum(pp.{f})" for f in COUNT_FIELDS)
    query = f"""
        WITH per_pupil AS (
            SELECT school_id, pupil_id, {", ".join(f"sum({f}) AS {f}" for f in COUNT_FIELDS)}
            FROM ({" UNION ALL ".join(parts)}) AS parts GROUP BY school_id, pupil_id
        )
        SELECT pp.school_id, {sums},
               count(*) FILTER (WHERE pp.possible > 0 AND {absent} * 10 >= pp.possible),
               count(*) FILTER (WHERE pp.possible > 0 AND {absent} * 2 >= pp.possible)
        FROM per_pupil AS pp GROUP BY pp.school_id
    """
    totals = {s.pk: SchoolTotals(SessionCounts(), 0, 0) for s in schools}
    if not schools:
        return totals
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for school_id, *counts, persistent, severe in cursor.fetchall():
            totals[school_id] = SchoolTotals(SessionCounts(*(int(c) for c in counts)), persistent, severe)
    return totals


def _window_parts(
    schools: Collection[School], start: dt.date, end: dt.date, pupils: QuerySet | Collection[int] | None = None
) -> list[QuerySet]:
    """Per school and pupil, the counts of [start, end] in (at most) two grouped querysets: the school weeks lying
    wholly inside the window from PupilWeek, the part weeks at either end from the marks. Each row holds `school`,
    `pupil` and COUNT_FIELDS, in that order."""
    if not schools:
        return []
    trust = next(iter(schools)).trust
    first_monday = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    last_monday = week_of(end - dt.timedelta(days=6))  # the last week ending (Sunday) on or before `end`
    ids = [s.pk for s in schools]
    marks = Mark.objects.for_trust(trust).filter(school__in=ids).between(start, end).while_enrolled()
    weeks = PupilWeek.objects.for_trust(trust).filter(school__in=ids)
    if pupils is not None:
        chosen = pupils.values("pk") if isinstance(pupils, QuerySet) else list(pupils)
        marks, weeks = marks.filter(pupil__in=chosen), weeks.filter(pupil__in=chosen)
    parts = []
    if first_monday <= last_monday:
        parts.append(
            weeks.filter(week__range=(first_monday, last_monday))
            .order_by()
            .values("school", "pupil")
            .annotate(**{f: Sum(f) for f in COUNT_FIELDS})
        )
        marks = marks.filter(Q(date__lt=first_monday) | Q(date__gt=last_monday + dt.timedelta(days=6)))
    parts.append(marks.order_by().values("school", "pupil").annotate(**count_annotations()))
    return parts


def _counts(row: dict) -> SessionCounts:
    return SessionCounts(**{f: row.get(f) or 0 for f in COUNT_FIELDS})
