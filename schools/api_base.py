"""The base of every API view: the caller's trust and school scope are applied once, here.

A signed-in user with no trust membership gets 403; an anonymous caller gets 401. Rows of another trust, or of
schools and groups the user cannot see, are never in the queryset, so asking for one by its key gives 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet
from django.http import HttpRequest, JsonResponse
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.views import APIView

from .access import Access
from .api_schema import TrustAutoSchema
from .models import Pupil


class BelongsToTrust(permissions.BasePermission):
    """Signed in (token or session) and a member of a trust."""

    message = "This account does not belong to a trust."

    def has_permission(self, request, view) -> bool:
        # request.access is a lazy object: it is falsy, not None, for a user without a membership.
        return bool(request.user and request.user.is_authenticated and request.access)


class TrustAccessMixin:
    """The caller's Access (set by schools.middleware) and validated query-string parameters."""

    permission_classes = [BelongsToTrust]
    schema = TrustAutoSchema()

    @property
    def access(self) -> Access:
        return self.request.access

    def query_params(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        """The query string validated by `serializer_class`; a malformed value raises a 400 naming the parameter."""
        params = serializer_class(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return params.validated_data


class TrustAPIView(TrustAccessMixin, APIView):
    """An API view that is not a list of one model (statistics, reports)."""


class TrustScopedViewSet(TrustAccessMixin, viewsets.GenericViewSet):
    """get_queryset: the model's rows `for_trust(access.trust)`, cut to the schools and pupils the user may see.

    Subclasses say how their model reaches the scope and only narrow further in `narrow`:
    - `pupil_path`: the lookup from the model to its Pupil ("" for Pupil itself); rows of pupils the user cannot
      see (other schools, or other groups for a teacher) are left out.
    - `school_path`: the lookup to the School the row belongs to; rows of other schools are left out.
    - `filters_class`: a serializer for the list's query-string filters, passed to `narrow` as a dict.
    """

    pupil_path: str | None = None
    school_path: str | None = None
    filters_class: type[serializers.Serializer] | None = None

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            # Schema generation runs without a signed-in user; it only needs to know the model.
            return queryset.none()
        filters = self.query_params(self.filters_class) if self.filters_class and self.action == "list" else {}
        return self.narrow(self.scope(queryset.for_trust(self.access.trust)), filters)

    def scope(self, queryset: QuerySet) -> QuerySet:
        """Only the rows of the user's schools and of pupils they may see."""
        access = self.access
        if self.school_path is not None:
            queryset = queryset.filter(**{f"{self.school_path}__in": access.all_school_ids})
        if self.pupil_path == "":
            return access.scope_pupils(queryset)
        if self.pupil_path is not None:
            visible = {f"{self.pupil_path}__in": Pupil.objects.visible_to(access).values("pk")}
            if _spans_many(queryset.model, self.pupil_path):
                # A join through a many-relation repeats a row once per match; a subquery keeps each row once.
                return queryset.filter(pk__in=queryset.model.objects.filter(**visible).values("pk"))
            queryset = queryset.filter(**visible)
        return queryset

    def narrow(self, queryset: QuerySet, filters: dict[str, Any]) -> QuerySet:
        """Filter the scoped rows by the list's query-string `filters` (empty outside a list) and add prefetches.

        Override to narrow; never widen.
        """
        return queryset


class TrustScopedReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TrustScopedViewSet):
    """List and retrieve, scoped."""


def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """The API's answer to a URL that names no route (a key in a shape no route takes): DRF's 404 body, not a page."""
    return JsonResponse({"detail": "Not found."}, status=404)


def _spans_many(model: type[Model], path: str) -> bool:
    """Whether the lookup `path` from `model` crosses a one-to-many or many-to-many relation."""
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if field.one_to_many or field.many_to_many:
            return True
        if field.related_model is None:
            return False
        model = field.related_model
    return False
