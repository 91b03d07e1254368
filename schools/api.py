"""Pupils and their contacts, read-only, for MIS integrations and reports."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from .api_base import TrustScopedReadOnlyViewSet
from .models import Contact, Enrolment, Pupil, PupilContact


class EnrolmentSerializer(serializers.ModelSerializer):
    school = serializers.CharField(source="school.urn", read_only=True, help_text="The school's URN")
    school_name = serializers.CharField(source="school.name", read_only=True)

    class Meta:
        model = Enrolment
        fields = ["school", "school_name", "starts", "ends"]


class PupilSerializer(serializers.ModelSerializer):
    group = serializers.CharField(
        source="group.name", read_only=True, allow_null=True, help_text="Registration group (form or class)"
    )
    enrolments = EnrolmentSerializer(many=True, read_only=True)

    class Meta:
        model = Pupil
        # Safeguarding flags (looked after, child protection, watch list) stay out of the API: they are for the
        # DSL's screens, not for systems that sync pupils.
        fields = [
            "upn",
            "legal_surname",
            "legal_forename",
            "preferred_surname",
            "preferred_forename",
            "date_of_birth",
            "gender",
            "year_group",
            "group",
            "fsm",
            "pupil_premium",
            "sen",
            "eal",
            "enrolments",
        ]


class PupilFilters(serializers.Serializer):
    school = serializers.CharField(required=False, help_text="URN: pupils on that school's roll today")
    year = serializers.CharField(required=False, help_text="Year group, e.g. R or 5")
    group = serializers.CharField(required=False, help_text="Registration group name, e.g. 5A")
    upn = serializers.CharField(required=False, help_text="Unique pupil number")


@extend_schema_view(
    list=extend_schema(summary="Pupils the caller can see", parameters=[PupilFilters]),
    retrieve=extend_schema(summary="One pupil by UPN"),
)
class PupilViewSet(TrustScopedReadOnlyViewSet):
    """Pupils of the caller's schools (a teacher: of their own groups), each with their enrolments."""

    queryset = Pupil.objects.select_related("group").order_by("legal_surname", "legal_forename", "pk")
    serializer_class = PupilSerializer
    pupil_path = ""
    filters_class = PupilFilters
    lookup_field = "upn"
    lookup_value_regex = "[A-Za-z0-9]+"

    def narrow(self, queryset: QuerySet, filters: dict[str, Any]) -> QuerySet:
        enrolments = Enrolment.objects.for_trust(self.access.trust)
        queryset = queryset.prefetch_related(
            Prefetch("enrolments", queryset=enrolments.select_related("school").order_by("starts"))
        )
        if urn := filters.get("school"):
            today = timezone.localdate()
            on_roll = enrolments.filter(school__urn=urn, starts__lte=today).filter(
                Q(ends__isnull=True) | Q(ends__gte=today)
            )
            queryset = queryset.filter(pk__in=on_roll.values("pupil_id"))
        if year := filters.get("year"):
            queryset = queryset.filter(year_group=year)
        if group := filters.get("group"):
            queryset = queryset.filter(group__name=group)
        if upn := filters.get("upn"):
            queryset = queryset.filter(upn=upn.strip().upper())
        return queryset


class ContactPupilSerializer(serializers.ModelSerializer):
    upn = serializers.CharField(source="pupil.upn", read_only=True)

    class Meta:
        model = PupilContact
        fields = ["upn", "relationship", "parental_responsibility", "priority"]


class ContactSerializer(serializers.ModelSerializer):
    pupils = ContactPupilSerializer(
        source="pupil_links", many=True, read_only=True, help_text="The caller's pupils this contact is linked to"
    )

    class Meta:
        model = Contact
        fields = ["id", "name", "phone", "phone_alt", "email", "address", "postcode", "language", "pupils"]


class ContactFilters(serializers.Serializer):
    pupil = serializers.CharField(required=False, help_text="UPN: the contacts of this pupil")


@extend_schema_view(
    list=extend_schema(summary="Parents and carers of the caller's pupils", parameters=[ContactFilters]),
    retrieve=extend_schema(summary="One contact"),
)
class ContactViewSet(TrustScopedReadOnlyViewSet):
    """Parents and carers linked to the caller's pupils; each lists only those of its pupils the caller can see."""

    queryset = Contact.objects.order_by("name", "pk")
    serializer_class = ContactSerializer
    pupil_path = "pupil_links__pupil"
    filters_class = ContactFilters

    def narrow(self, queryset: QuerySet, filters: dict[str, Any]) -> QuerySet:
        # Only links to pupils the caller may see: a sibling at another school stays out of sight.
        links = PupilContact.objects.for_trust(self.access.trust).filter(
            pupil__in=Pupil.objects.visible_to(self.access).values("pk")
        )
        queryset = queryset.prefetch_related(
            Prefetch("pupil_links", queryset=links.select_related("pupil").order_by("priority", "pk"))
        )
        if upn := filters.get("pupil"):
            queryset = queryset.filter(pk__in=links.filter(pupil__upn=upn.strip().upper()).values("contact_id"))
        return queryset
