"""Attendance statistics for a school over a window, read from the database.

The window is counted as the DfE's "Monitor your school attendance" service counts it: only sessions while the
pupil was on the school's roll (from admission; leavers up to their leaving date), so the figures reconcile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from schools.calendar import academic_year
from schools.models import Pupil, School

from .models import COUNT_FIELDS, Mark
from .statistics import SessionCounts, total


@dataclass(frozen=True)
class PupilStatistics:
    pupil: Pupil
    counts: SessionCounts


@dataclass(frozen=True)
class SchoolStatistics:
    school: School
    start: dt.date
    end: dt.date
    totals: SessionCounts
    pupils: list[PupilStatistics]


def year_to_date(day: dt.date) -> tuple[dt.date, dt.date]:
    """The academic year containing `day`, from 1 August up to and including `day`."""
    return dt.date(academic_year(day), 8, 1), day


def pupils_on_roll_between(school: School, start: dt.date, end: dt.date):
    """Pupils enrolled at the school on at least one day of [start, end]."""
    return (
        Pupil.objects.for_trust(school.trust)
        .filter(
            Q(enrolments__school=school, enrolments__starts__lte=end)
            & (Q(enrolments__ends__isnull=True) | Q(enrolments__ends__gte=start))
        )
        .distinct()
    )


def counted_marks(school: School, start: dt.date, end: dt.date):
    return Mark.objects.for_trust(school.trust).at_school(school).between(start, end).while_enrolled()


def school_statistics(school: School, start: dt.date, end: dt.date, pupils=None) -> SchoolStatistics:
    """Per-pupil counts for every pupil on roll in the window (zeros where no marks), and the school's totals.

    `pupils` narrows the pupils (a queryset of Pupil, e.g. one group); totals are then over those pupils.
    """
    on_roll = pupils_on_roll_between(school, start, end)
    marks = counted_marks(school, start, end)
    if pupils is not None:
        on_roll = on_roll.filter(pk__in=pupils.values("pk"))
        marks = marks.filter(pupil__in=pupils.values("pk"))
    by_pupil = {row["pupil"]: SessionCounts(**{f: row[f] for f in COUNT_FIELDS}) for row in marks.counts_by_pupil()}
    rows = [
        PupilStatistics(pupil=p, counts=by_pupil.get(p.pk, SessionCounts()))
        for p in on_roll.select_related("group").order_by("legal_surname", "legal_forename", "pk")
    ]
    # Every counted mark belongs to a pupil on roll, so the school's totals are the sum of the pupils' sessions.
    return SchoolStatistics(school=school, start=start, end=end, totals=total(by_pupil.values()), pupils=rows)


def pupil_statistics(pupil: Pupil, start: dt.date, end: dt.date) -> SessionCounts:
    """One pupil's counts over the window, summed over every school of the trust they were enrolled at."""
    return Mark.objects.for_trust(pupil.trust).filter(pupil=pupil).between(start, end).while_enrolled().session_counts()
