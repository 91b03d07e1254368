"""A school with a calendar and a year group of pupils, each with two parents, ready for a letter batch large enough
that rendering it takes a few seconds."""

import datetime as dt

import pytest
from django.utils import timezone

from letters.batches import LetterRequest, start_batch
from letters.models import Letter
from registers.models import Mark
from schools.services import rebuild_school_days
from tests.factories import ContactFactory, HalfTermFactory, PupilContactFactory, PupilFactory
from tests.letters.conftest import pdf_pages

ON = dt.date(2026, 9, 21)  # a Monday, three school weeks into Autumn 1
PUPILS = 40  # two parents each: 80 letters, two chunks of rendering (letters.batches.CHUNK) taking a few seconds


@pytest.fixture
def calendar(school_a):
    HalfTermFactory(school=school_a, starts=dt.date(2026, 9, 2), ends=dt.date(2026, 10, 23))
    rebuild_school_days(school_a)
    return school_a


@pytest.fixture
def year_group(calendar):
    """PUPILS pupils, each absent one morning, each with a mother and a father with parental responsibility."""
    pupils = PupilFactory.create_batch(PUPILS, school=calendar)
    now = timezone.now()
    Mark.objects.bulk_create(
        Mark(
            trust=calendar.trust,
            school=calendar,
            pupil=p,
            date=dt.date(2026, 9, 14),
            session="AM",
            code="O",
            recorded_at=now,
        )
        for p in pupils
    )
    for pupil in pupils:
        for priority, relationship in enumerate(("Mother", "Father"), start=1):
            PupilContactFactory(
                pupil=pupil,
                relationship=relationship,
                priority=priority,
                contact=ContactFactory(trust=calendar.trust, address="2 Mill Lane\nTownley", postcode="TW1 4EF"),
            )
    return pupils


def start_letters(school, user, pupils, code="LON2"):
    return start_batch(
        school=school, user=user, title="Autumn letters", requests=[LetterRequest(p, code) for p in pupils], on=ON
    )


def pages_of_letters(batch) -> int:
    return sum(pdf_pages(pdf) for pdf in Letter.objects.filter(batch=batch).values_list("pdf", flat=True))
