"""Who may do what at which school."""

import datetime as dt

import pytest
import time_machine

from schools.access import access_for
from schools.models import Role
from tests.factories import GroupFactory, staff

pytestmark = pytest.mark.django_db


def test_a_teacher_takes_only_their_own_groups_register(teacher, group_a, school_a):
    other = GroupFactory(school=school_a)
    access = access_for(teacher)
    assert access.can_take_register(group_a)
    assert not access.can_take_register(other)
    assert school_a.pk not in access.office_school_ids


def test_the_office_takes_any_register_of_its_school(school_a, group_a):
    officer = staff(school_a.trust, Role.Kind.ATTENDANCE_OFFICER, school_a)
    access = access_for(officer)
    assert access.can_take_register(group_a)
    assert access.office_school_ids == {school_a.pk}


def test_a_dsl_sees_the_school_but_does_not_run_the_office(school_a):
    dsl = staff(school_a.trust, Role.Kind.DSL, school_a)
    access = access_for(dsl)
    assert access.school_ids == {school_a.pk}
    assert access.dsl_school_ids == {school_a.pk}
    assert not access.office_school_ids


def test_only_the_head_or_a_trust_lead_decides_leave(school_a, head, lead):
    officer = staff(school_a.trust, Role.Kind.ATTENDANCE_OFFICER, school_a)
    assert access_for(head).leave_decision_school_ids == {school_a.pk}
    assert access_for(lead).leave_decision_school_ids == {school_a.pk}
    assert not access_for(officer).leave_decision_school_ids


def test_another_trusts_register_is_never_this_users(outsider, group_a):
    assert not access_for(outsider).can_take_register(group_a)


@time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), tick=False)
def test_a_pupil_who_left_in_an_earlier_year_is_not_the_old_schools_to_see(school_a, head):
    from schools.models import Enrolment, Pupil
    from tests.factories import PupilFactory, SchoolFactory

    secondary = SchoolFactory(trust=school_a.trust)
    moved = PupilFactory(school=secondary, enrolled=False)
    Enrolment.objects.create(
        trust=school_a.trust, pupil=moved, school=school_a, starts=dt.date(2020, 9, 1), ends=dt.date(2026, 7, 22)
    )
    Enrolment.objects.create(trust=school_a.trust, pupil=moved, school=secondary, starts=dt.date(2026, 9, 2))
    left_this_year = PupilFactory(school=school_a, enrolled=False)
    Enrolment.objects.create(
        trust=school_a.trust,
        pupil=left_this_year,
        school=school_a,
        starts=dt.date(2020, 9, 1),
        ends=dt.date(2026, 10, 1),
    )
    visible = set(Pupil.objects.visible_to(access_for(head)))
    assert moved not in visible
    assert left_this_year in visible
