"""Which policy version is in force for a school, and saving new versions: drafts, adoption, school adaptations.

The version in force for a school is its own latest adopted adaptation if the trust's policy allows one, else the
trust's latest adopted version. A trust with no version yet starts from its preset (Trust.policy), saved as version
1 the first time it is needed, so every proposal can name the version it was made under.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from schools.models import School, Trust

from .models import PolicyVersion
from .policy_data import policy_from_data, policy_to_data
from .thresholds import PRESETS, Policy, PolicyError, PolicyLocked


def trust_version(trust: Trust) -> PolicyVersion:
    """The trust's adopted version in force, creating version 1 from the trust's preset when it has none."""
    version = _latest_adopted(trust, None)
    if version is not None:
        return version
    try:
        preset = PRESETS[trust.policy]()
    except KeyError:
        raise PolicyError(f"{trust} follows {trust.policy!r}, which has no policy preset") from None
    with transaction.atomic():
        # Two first runs at once: the unique (trust, school, number) lets one win; the other reads its row.
        version, _ = PolicyVersion.objects.get_or_create(
            trust=trust,
            school=None,
            number=1,
            defaults={"document": policy_to_data(preset), "adopted_at": timezone.now(), "note": "From the preset"},
        )
    return version


def version_in_force(school: School) -> PolicyVersion:
    trust_v = trust_version(school.trust)
    if trust_v.document.get("locked"):
        return trust_v
    own = _latest_adopted(school.trust, school)
    # A school's adaptation made under an older trust version gives way to a newer trust version.
    if own is not None and own.created_at >= trust_v.adopted_at:
        return own
    return trust_v


def policy_of(version: PolicyVersion) -> Policy:
    return policy_from_data(version.document, version=version.number)


def in_force(school: School) -> tuple[PolicyVersion, Policy]:
    version = version_in_force(school)
    return version, policy_of(version)


def save_draft(trust: Trust, document: Mapping[str, object], user, note: str = "") -> PolicyVersion:
    """A new draft version of the trust's policy; PolicyError (nothing saved) when the document is not valid."""
    policy_from_data(document)
    trust_version(trust)  # the version in force exists first, so a draft is never taken for it
    return _new_version(trust, None, dict(document), user, note, adopt=False)


def adopt(version: PolicyVersion, user) -> PolicyVersion:
    """Put a draft into force (as it is: the number it was saved under is the number proposals will name)."""
    if not version.is_draft:
        raise PolicyError(f"version {version.number} is already adopted")
    policy_from_data(version.document)
    version.adopted_at, version.adopted_by = timezone.now(), user
    version.save(update_fields=["adopted_at", "adopted_by"])
    return version


def adapt_for_school(school: School, document: Mapping[str, object], user, note: str = "") -> PolicyVersion:
    """A school's adaptation of the trust's parameters, in force at once; PolicyLocked for a locked trust policy."""
    trust_v = trust_version(school.trust)
    if trust_v.document.get("locked"):
        raise PolicyLocked(f"{trust_v.document.get('name')} is set centrally and cannot be adapted")
    policy_from_data(document)
    return _new_version(school.trust, school, dict(document), user, note, adopt=True)


def _latest_adopted(trust: Trust, school: School | None) -> PolicyVersion | None:
    return (
        PolicyVersion.objects.for_trust(trust)
        .filter(school=school, adopted_at__isnull=False)
        .order_by("-adopted_at", "-number")
        .first()
    )


def _new_version(trust, school, document, user, note, *, adopt: bool) -> PolicyVersion:
    with transaction.atomic():
        # Lock the trust's row so two editors saving at once get consecutive numbers, not a clash.
        Trust.objects.select_for_update().get(pk=trust.pk)
        last = PolicyVersion.objects.for_trust(trust).filter(school=school).order_by("-number").first()
        number = (last.number + 1) if last else 1
        now = timezone.now()
        return PolicyVersion.objects.create(
            trust=trust,
            school=school,
            number=number,
            document={**document, "version": number},
            note=note,
            created_by=user,
            adopted_at=now if adopt else None,
            adopted_by=user if adopt else None,
        )
