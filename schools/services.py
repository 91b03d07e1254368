"""Writes that span schools' models."""

from __future__ import annotations

from django.db import transaction

from . import calendar
from .models import SchoolDay


@transaction.atomic
def rebuild_school_days(school) -> int:
    """Replace the school's SchoolDay rows from its half-terms and closures; returns how many school days there are."""
    days = calendar.school_days(
        school.half_terms.values_list("starts", "ends"), school.closures.values_list("starts", "ends")
    )
    SchoolDay.objects.filter(school=school).delete()
    SchoolDay.objects.bulk_create(
        SchoolDay(
            trust_id=school.trust_id,
            school=school,
            date=d,
            week=calendar.week_of(d),
            academic_year=calendar.academic_year(d),
        )
        for d in days
    )
    return len(days)
