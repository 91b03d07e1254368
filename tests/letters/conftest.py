"""A school with a calendar, a pupil with three weeks of marks, and her parents: the mother prefers Polish, the father
English, and a stepfather without parental responsibility gets no letter."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from registers.models import Mark
from schools.models import Role
from schools.services import rebuild_school_days
from tests.factories import ContactFactory, HalfTermFactory, PupilContactFactory, staff

# Autumn 1, 2026: school days from Wednesday 2 September.
ON = dt.date(2026, 9, 21)  # a Monday: three full school weeks and the Wednesday-Friday of the first are behind it


def pdf_text(content: bytes) -> str:
    """The text of every page of a PDF, as pypdf reads it back, with runs of whitespace made single spaces."""
    reader = PdfReader(io.BytesIO(bytes(content)))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def pdf_pages(content: bytes) -> int:
    return len(PdfReader(io.BytesIO(bytes(content))).pages)


def mark_days(school, pupil, codes_by_day: dict[dt.date, tuple[str, str]]) -> None:
    now = timezone.now()
    Mark.objects.bulk_create(
        Mark(trust=school.trust, school=school, pupil=pupil, date=day, session=session, code=code, recorded_at=now)
        for day, (am, pm) in codes_by_day.items()
        for session, code in (("AM", am), ("PM", pm))
    )


@pytest.fixture
def calendar(school_a):
    school_a.address = "Alpha Lane\nTownley\nTW1 2AB"
    school_a.headteacher_name = "Mrs J. Lindley"
    school_a.save()
    HalfTermFactory(school=school_a, starts=dt.date(2026, 9, 2), ends=dt.date(2026, 10, 23))
    rebuild_school_days(school_a)
    return school_a


@pytest.fixture
def marked(calendar, pupil_a):
    """Ann's 14 school days from 2 to 21 September: present, except an O morning, an I day and two U mornings (and
    one L). 28 possible sessions, 23 attended, 5 missed (2.5 days), 3 of them unauthorised; 3 late."""
    days = [dt.date(2026, 9, 2) + dt.timedelta(days=n) for n in range(20)]
    school_days = [d for d in days if d.weekday() < 5 and d <= ON]
    codes = dict.fromkeys(school_days, ("/", "/"))
    codes[dt.date(2026, 9, 4)] = ("O", "/")
    codes[dt.date(2026, 9, 9)] = ("I", "I")
    codes[dt.date(2026, 9, 15)] = ("U", "/")
    codes[dt.date(2026, 9, 16)] = ("U", "/")
    codes[dt.date(2026, 9, 17)] = ("L", "/")
    mark_days(calendar, pupil_a, codes)
    return pupil_a


@pytest.fixture
def parents(pupil_a):
    mother = PupilContactFactory(
        pupil=pupil_a,
        relationship="Mother",
        priority=1,
        contact=ContactFactory(
            trust=pupil_a.trust,
            name="Maria Nowak",
            language="Polish",
            address="12 Oak Road\nTownley",
            postcode="TW1 3CD",
        ),
    ).contact
    father = PupilContactFactory(
        pupil=pupil_a,
        relationship="Father",
        priority=2,
        contact=ContactFactory(
            trust=pupil_a.trust, name="John Able", address="4 Elm Close\nOtherton\nOT2 9ZZ", postcode="ot29zz"
        ),
    ).contact
    PupilContactFactory(
        pupil=pupil_a,
        relationship="Stepfather",
        priority=3,
        parental_responsibility=False,
        contact=ContactFactory(trust=pupil_a.trust, name="Steve Step"),
    )
    return mother, father


@pytest.fixture
def attendance_lead(school_a):
    return staff(school_a.trust, Role.Kind.ATTENDANCE_LEAD, school_a, username="attendance-lead")
