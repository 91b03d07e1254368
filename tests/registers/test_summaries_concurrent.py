"""Two registers of one school saved at the same moment both keep the summaries right (seen under bench/load.py)."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from registers.models import DayCodeCount, Mark, PupilWeek
from registers.services import MarkInput, upsert_marks
from tests.factories import PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db(transaction=True)

DAY = dt.date(2026, 11, 23)


def save_in_thread(school, pupil, code, *, saved=None, release=None, errors):
    """Record one mark in a transaction of its own; with `release`, hold the transaction open until it is set."""

    def run():
        try:
            with transaction.atomic():
                upsert_marks(school=school, marks=[MarkInput(pupil.pk, DAY, "AM", code)], source=Mark.Source.REGISTER)
                if saved:
                    saved.set()
                if release:
                    release.wait(10)
        except Exception as e:  # the main thread asserts on it
            errors.append(e)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_saves_at_one_school_at_once_are_both_counted_in_the_day_counts():
    school = SchoolFactory()
    first, second = PupilFactory(school=school), PupilFactory(school=school)
    saved, release, errors = threading.Event(), threading.Event(), []

    holding = save_in_thread(school, first, "/", saved=saved, release=release, errors=errors)
    assert saved.wait(10)
    # The first save has written the day's counts and not committed; the second reaches the same rows meanwhile.
    waiting = save_in_thread(school, second, "/", errors=errors)
    waiting.join(0.5)
    release.set()
    holding.join(10)
    waiting.join(10)

    assert errors == []
    counts = DayCodeCount.objects.filter(school=school, date=DAY, session="AM", code="/")
    assert sum(counts.values_list("sessions", flat=True)) == 2
    assert PupilWeek.objects.filter(school=school).count() == 2
