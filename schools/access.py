"""What a signed-in user may see: their trust, the schools their roles grant, and for teachers their groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import QuerySet

from .models import Membership, Role, School, Trust

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

    def scope_schools(self, qs: QuerySet) -> QuerySet:
        return qs.for_trust(self.trust).filter(pk__in=self.all_school_ids)

    def scope_pupils(self, qs: QuerySet) -> QuerySet:
        """Pupils of the trust in the user's schools, or in their own groups where they only teach."""
        from django.db.models import Q

        qs = qs.for_trust(self.trust)
        if self.is_trust_lead:
            return qs
        visible = Q(enrolments__school_id__in=self.school_ids) | Q(
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
