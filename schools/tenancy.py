"""The one scoping path: every tenant model's manager is a TrustQuerySet, and views fetch through these helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self, TypeVar

from django.db import models
from django.shortcuts import get_object_or_404

if TYPE_CHECKING:
    from .models import Trust

M = TypeVar("M", bound=models.Model)


class TrustQuerySet(models.QuerySet):
    def for_trust(self, trust: Trust) -> Self:
        return self.filter(trust=trust)

    def all_trusts(self) -> Self:
        """Every trust's rows. Only for admin, data migrations and benchmarks; say why at the call."""
        return self.all()


def get_for_trust_or_404(qs: TrustQuerySet, trust: Trust, **lookup: object):
    """Fetch one object of this trust; another trust's object looks as if it did not exist."""
    return get_object_or_404(qs.for_trust(trust), **lookup)
