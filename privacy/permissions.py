"""Who may read the access log, and who may take a pupil's subject-access export."""

from __future__ import annotations

from schools.access import Access
from schools.models import Pupil


def may_read_log(access: Access) -> bool:
    """The trust lead (the whole trust) and headteachers (their schools)."""
    return access.is_trust_lead or bool(access.leave_decision_school_ids)


def may_read_pupil_log(access: Access, pupil: Pupil) -> bool:
    """The trust lead, or a headteacher of a school the pupil was enrolled at (enrolments prefetched: no query)."""
    return access.is_trust_lead or _enrolled_at(pupil, access.leave_decision_school_ids)


def may_export_pupil(access: Access, pupil: Pupil) -> bool:
    """The trust lead, or the headteacher or designated attendance lead of a school the pupil was enrolled at."""
    return pupil.trust_id == access.trust.pk and (access.is_trust_lead or _enrolled_at(pupil, access.review_school_ids))


def _enrolled_at(pupil: Pupil, school_ids: set[int]) -> bool:
    return any(e.school_id in school_ids for e in pupil.enrolments.all())
