"""The dashboards' URL filters: parsed, validated and scoped by the user's access."""

import datetime as dt

import pytest
from django.http import Http404
from django.test import RequestFactory

from dashboards.filters import CHARACTERISTICS, Filters
from schools.access import access_for
from schools.models import Pupil
from tests.factories import GroupFactory, PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def _filters(user, **params):
    request = RequestFactory().get("/", params)
    request.access = access_for(user)
    return Filters.from_request(request)


def test_filters_are_read_from_the_query_string(head, school_a, group_a):
    filters = _filters(
        head, school=school_a.pk, group=group_a.pk, year="5", characteristic="fsm", start="2026-09-01", end="2026-10-01"
    )
    assert (filters.school, filters.group, filters.year, filters.characteristic.key) == (school_a, group_a, "5", "fsm")
    assert filters.window() == (dt.date(2026, 9, 1), dt.date(2026, 10, 1))
    assert filters.errors == ()


def test_the_query_string_round_trips_with_changes(head, school_a, group_a):
    filters = _filters(head, school=school_a.pk, characteristic="pp", start="2026-09-01")
    assert filters.query_string() == f"?school={school_a.pk}&characteristic=pp&start=2026-09-01"
    assert (
        filters.query_string(characteristic=None, measure="pa") == f"?school={school_a.pk}&start=2026-09-01&measure=pa"
    )
    assert filters.query_string(group=group_a, end=dt.date(2026, 9, 30)).endswith(f"&group={group_a.pk}&end=2026-09-30")


def test_a_filter_fixed_by_the_path_is_not_repeated_in_links(head, school_a):
    request = RequestFactory().get("/", {"year": "5"})
    request.access = access_for(head)
    filters = Filters.from_request(request, school=school_a)
    assert filters.school == school_a and filters.query_string() == "?year=5"


def test_another_trusts_school_or_a_group_the_user_does_not_tutor_is_404(head, teacher, school_a, school_b):
    with pytest.raises(Http404):
        _filters(head, school=school_b.pk)
    other = GroupFactory(school=school_a, name="6Z")
    with pytest.raises(Http404):
        _filters(teacher, group=other.pk)
    with pytest.raises(Http404):
        _filters(head, school="abc")


def test_a_group_at_another_school_than_the_filtered_one_is_404(lead, trust_a, school_a):
    elsewhere = GroupFactory(school=SchoolFactory(trust=trust_a, urn="100555"))
    with pytest.raises(Http404):
        _filters(lead, school=school_a.pk, group=elsewhere.pk)


def test_malformed_values_are_ignored_and_reported(head):
    filters = _filters(head, year="Year 5", characteristic="tall", start="soon", end="2026-13-01")
    assert (filters.year, filters.characteristic, filters.start, filters.end) == ("", None, None, None)
    assert len(filters.errors) == 4


def test_a_start_after_the_end_falls_back_to_the_year_to_date(head):
    filters = _filters(head, start="2026-10-01", end="2026-09-01")
    assert filters.start is None and filters.end is None and filters.errors


def test_the_window_defaults_to_the_academic_year_to_date(head):
    assert _filters(head).window(dt.date(2026, 11, 23)) == (dt.date(2026, 8, 1), dt.date(2026, 11, 23))
    # A start in an earlier year runs to the end of that academic year.
    assert _filters(head, start="2025-09-01").window(dt.date(2026, 11, 23)) == (
        dt.date(2025, 9, 1),
        dt.date(2026, 7, 31),
    )


def test_pupils_are_scoped_to_the_user_and_narrowed_by_every_filter(head, teacher, school_a, group_a, pupil_a):
    Pupil.objects.filter(pk=pupil_a.pk).update(fsm=True)
    PupilFactory(school=school_a, group=group_a, fsm=False)
    outside_group = PupilFactory(school=school_a, group=GroupFactory(school=school_a, name="6Q"), fsm=True)

    assert set(_filters(head, characteristic="fsm").pupils()) == {pupil_a, outside_group}
    assert set(_filters(teacher, characteristic="fsm").pupils()) == {pupil_a}
    assert set(_filters(head, group=group_a.pk, characteristic="not_fsm").pupils()) == {
        p for p in Pupil.objects.filter(group=group_a, fsm=False)
    }


def test_a_schools_pupils_are_those_on_its_roll_in_the_window(head, school_a, pupil_a):
    later = PupilFactory(school=school_a, enrolled=False)
    later.enrolments.create(trust=school_a.trust, school=school_a, starts=dt.date(2026, 10, 1))
    september = _filters(head, school=school_a.pk, start="2026-09-01", end="2026-09-30").pupils()
    assert set(september) == {pupil_a}


@pytest.mark.parametrize(
    ("key", "fields", "included"),
    [
        ("fsm", {"fsm": True}, True),
        ("not_fsm", {"fsm": True}, False),
        ("sen", {"sen": "E"}, True),
        ("sen", {"sen": "N"}, False),
        ("sen_k", {"sen": "K"}, True),
        ("gender_m", {"gender": "M"}, True),
        ("lac", {"looked_after": False}, False),
        ("eal", {"eal": True}, True),
        ("not_pp", {"pupil_premium": False}, True),
    ],
)
def test_each_characteristic_selects_its_pupils(school_a, key, fields, included):
    pupil = PupilFactory(school=school_a, **fields)
    assert Pupil.objects.filter(CHARACTERISTICS[key].q(), pk=pupil.pk).exists() is included
