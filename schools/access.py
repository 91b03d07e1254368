"""What a signed-in user may see: their trust, the schools their roles grant, and for teachers their groups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import QuerySet

from .models import Membership, Role, School, Trust

# Roles that run a school's attendance office (the register of record, reasons, triage).
OFFICE = {Role.Kind.HEADTEACHER, Role.Kind.ATTENDANCE_LEAD, Role.Kind.ATTENDANCE_OFFICER}

SCHOOL_WIDE = {
    Role.Kind.HEADTEACHER,
    Role.Kind.ATTENDANCE_LEAD,
    Role.Kind.ATTENDANCE_OFFICER,
    Role.Kind.DSL,
}


@dataclass
class Access:
    trust: Trust
    roles: list[Role] = field(default_factory=list)
    user_id: int | None = None

    @property
    def is_trust_lead(self) -> bool:
        return any(r.kind == Role.Kind.TRUST_LEAD for r in self.roles)

    @cached_property
    def school_ids(self) -> set[int]:
        """Schools where the user sees every pupil."""
        if self.is_trust_lead:
            return set(School.objects.for_trust(self.trust).values_list("pk", flat=True))
        return {r.school_id for r in self.roles if r.kind in SCHOOL_WIDE}

    @cached_property
    def teaching_school_ids(self) -> set[int]:
        """Schools where the user is only a teacher (sees their own groups)."""
        return {r.school_id for r in self.roles if r.kind == Role.Kind.TEACHER} - self.school_ids

    @property
    def all_school_ids(self) -> set[int]:
        return self.school_ids | self.teaching_school_ids

    def kinds_at(self, school_id: int) -> set[str]:
        return {r.kind for r in self.roles if r.school_id in (None, school_id)}

    def can_import(self) -> bool:
        return self.is_trust_lead

    def _schools_with(self, kinds: set[str]) -> set[int]:
        if self.is_trust_lead:
            return self.school_ids
        return {r.school_id for r in self.roles if r.kind in kinds}

    @cached_property
    def office_school_ids(self) -> set[int]:
        """Schools where the user runs the attendance office: records lates, reasons and contact, triages absence."""
        return self._schools_with(OFFICE)

    @cached_property
    def dsl_school_ids(self) -> set[int]:
        return {r.school_id for r in self.roles if r.kind == Role.Kind.DSL}

    @cached_property
    def leave_decision_school_ids(self) -> set[int]:
        """Schools where the user decides leave-of-absence requests: the headteacher (or a trust lead)."""
        return self._schools_with({Role.Kind.HEADTEACHER})

    @cached_property
    def review_school_ids(self) -> set[int]:
        """Schools where the user approves or dismisses the engine's proposals and prints letters: the designated
        attendance lead and the headteacher (or a trust lead)."""
        return self._schools_with({Role.Kind.ATTENDANCE_LEAD, Role.Kind.HEADTEACHER})

    def sees_pastoral_notes(self, pupil) -> bool:
        """Contact notes and concerns raised to the DSL: for the office and DSLs of the pupil's schools, trust leads."""
        if self.is_trust_lead:
            return True
        schools = {e.school_id for e in pupil.enrolments.all()}
        return bool(schools & (self.office_school_ids | self.dsl_school_ids))

    def can_take_register(self, group) -> bool:
        """Teachers take their own groups' registers; the office takes any register of its schools on their behalf."""
        if group.school_id in self.office_school_ids:
            return True
        return group.school_id in self.teaching_school_ids | self.school_ids and any(
            t.pk == self.user_id for t in group.tutors.all()
        )

    def scope_schools(self, qs: QuerySet) -> QuerySet:
        return qs.for_trust(self.trust).filter(pk__in=self.all_school_ids)

    def scope_pupils(self, qs: QuerySet) -> QuerySet:
        """Pupils of the trust in the user's schools, or in their own groups where they only teach.

        A school's staff see pupils on its roll this academic year, leavers included (the DfE counts them up to their
        leaving date); a pupil who left in an earlier year belongs to their new school's staff, not the old one's.
        """
        from django.db.models import Q
        from django.utils import timezone

        from .calendar import academic_year

        qs = qs.for_trust(self.trust)
        if self.is_trust_lead:
            return qs
        year_start = dt.date(academic_year(timezone.localdate()), 8, 1)
        on_roll_this_year = Q(enrolments__ends__isnull=True) | Q(enrolments__ends__gte=year_start)
        visible = Q(Q(enrolments__school_id__in=self.school_ids) & on_roll_this_year) | Q(
            group__school_id__in=self.teaching_school_ids, group__tutors__id=self.user_id
        )
        return qs.filter(pk__in=qs.model.objects.filter(visible).values("pk"))


def access_for(user) -> Access | None:
    """The user's Access, or None for a user with no trust (an anonymous or unassigned account)."""
    if not user.is_authenticated:
        return None
    membership = Membership.objects.select_related("trust").filter(user=user).first()
    if membership is None:
        return None
    roles = list(Role.objects.filter(user=user, trust=membership.trust).select_related("school"))
    return Access(trust=membership.trust, roles=roles, user_id=user.pk)
