"""Session marks and attendance statistics over the API; a school's MIS posts its marks to `marks/bulk/`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError, PermissionDenied, ValidationError
from rest_framework.fields import empty
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from schools.access import Access
from schools.api_base import TrustAPIView, TrustScopedViewSet
from schools.api_schema import ErrorSerializer
from schools.models import Enrolment, Pupil, Role, School, SchoolDay
from schools.tenancy import get_for_trust_or_404

from . import codes
from .attendance import school_statistics, year_to_date
from .attendance_json import statistics_json
from .models import Mark
from .services import CorrectionNeedsReason, MarkInput, upsert_marks

# Roles that record any pupil's marks at their school; a teacher records only their own groups' pupils.
MARK_RECORDERS = {Role.Kind.TRUST_LEAD, Role.Kind.HEADTEACHER, Role.Kind.ATTENDANCE_LEAD, Role.Kind.ATTENDANCE_OFFICER}
# A week of AM and PM marks for a 2,000-pupil secondary school fits in one request.
MAX_MARKS_PER_REQUEST = 20_000
NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


def _renamed(fields: dict, **names: str) -> dict:
    """`fields` with some keys renamed, for query and JSON keys that are Python keywords (`from`)."""
    return {names.get(key, key): value for key, value in fields.items()}


# ---------------------------------------------------------------- reading marks


class MarkSerializer(serializers.ModelSerializer):
    upn = serializers.CharField(source="pupil.upn", read_only=True)
    school = serializers.CharField(source="school.urn", read_only=True, help_text="The school's URN")

    class Meta:
        model = Mark
        fields = [
            "upn",
            "school",
            "date",
            "session",
            "code",
            "local_code",
            "minutes_late",
            "note",
            "source",
            "recorded_at",
            "reason",
        ]


class MarkFilters(serializers.Serializer):
    school = serializers.CharField(required=False, help_text="URN")
    date_from = serializers.DateField(required=False, help_text="First day, inclusive")
    date_to = serializers.DateField(required=False, help_text="Last day, inclusive")
    upn = serializers.CharField(required=False)

    def validate(self, attrs: dict) -> dict:
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": "Must be on or after date_from."})
        return attrs


# ---------------------------------------------------------------- writing marks


class MarkRowSerializer(serializers.Serializer):
    upn = serializers.CharField(max_length=13)
    date = serializers.DateField()
    session = serializers.ChoiceField(choices=Mark.Session.choices)
    code = serializers.CharField(max_length=6, help_text="A DfE attendance code from August 2024, e.g. / \\ L I N O")
    minutes_late = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=32767, help_text="Only with L or U"
    )


class BulkMarksSerializer(serializers.Serializer):
    school = serializers.CharField(help_text="URN of the school whose register the marks belong to")
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300, help_text="Required when a code changes"
    )
    marks = MarkRowSerializer(many=True, allow_empty=False, max_length=MAX_MARKS_PER_REQUEST)


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    corrected = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class BulkErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(allow_null=True, help_text="Position in `marks`; null for the request itself")
    field = serializers.CharField()
    message = serializers.CharField()


class BulkErrorsSerializer(serializers.Serializer):
    errors = BulkErrorSerializer(many=True)


@dataclass(frozen=True)
class BulkError:
    index: int | None
    field: str
    message: str


@dataclass
class CheckedBatch:
    """A bulk request after every check: the marks to write, or every error found (then nothing is written)."""

    school: School | None = None
    reason: str = ""
    marks: list[MarkInput] = field(default_factory=list)
    errors: list[BulkError] = field(default_factory=list)


def recordable_pupils(access: Access, school: School) -> QuerySet | None:
    """Pupils ever enrolled at `school` whose marks the user may record, or None where they may record none."""
    kinds = access.kinds_at(school.pk)
    enrolled = Pupil.objects.for_trust(access.trust).filter(
        pk__in=Enrolment.objects.for_trust(access.trust).filter(school=school).values("pupil_id")
    )
    if kinds & MARK_RECORDERS:
        return enrolled
    if Role.Kind.TEACHER in kinds:
        return enrolled.filter(group__school=school, group__tutors__id=access.user_id)
    return None


def check_batch(data: object, access: Access) -> CheckedBatch:
    """Validate a whole bulk request before anything is written, collecting every error by index and field.

    Raises PermissionDenied when the user holds no role that records marks at the (known) school.
    """
    batch = CheckedBatch()
    if not isinstance(data, Mapping):
        batch.errors.append(BulkError(None, NON_FIELD, "Expected a JSON object with school, reason and marks."))
        return batch
    envelope = BulkMarksSerializer().fields
    urn = _field_value(envelope["school"], data, "school", batch.errors)
    batch.reason = _field_value(envelope["reason"], data, "reason", batch.errors) or ""
    rows = _rows(data.get("marks", empty), batch.errors)
    if urn is not None:
        batch.school = School.objects.for_trust(access.trust).filter(urn=urn, pk__in=access.all_school_ids).first()
        if batch.school is None:
            batch.errors.append(BulkError(None, "school", f"No school with URN {urn} among your schools."))
    resolved = _resolve_codes(rows, batch.errors, batch.school.local_codes if batch.school else {})
    if batch.school is not None:
        pupils = recordable_pupils(access, batch.school)
        if pupils is None:
            raise PermissionDenied(f"You may not record marks at {batch.school.name}.")
        batch.marks = _pupil_marks(batch.school, pupils, resolved, batch.errors)
    batch.errors.sort(key=lambda e: (e.index is not None, e.index or 0))
    return batch


def _field_value(serializer_field: serializers.Field, data: Mapping, name: str, errors: list[BulkError]) -> Any:
    try:
        return serializer_field.run_validation(data.get(name, empty))
    except ValidationError as exc:
        errors.extend(_errors_from(exc.detail, None, name))
        return None


def _rows(marks: object, errors: list[BulkError]) -> list[tuple[int, dict]]:
    """The rows that are well formed, with their index; the others' errors go into `errors`."""
    if marks is empty:
        errors.append(BulkError(None, "marks", "This field is required."))
        return []
    if not isinstance(marks, list) or not marks:
        errors.append(BulkError(None, "marks", "Expected a non-empty list of marks."))
        return []
    if len(marks) > MAX_MARKS_PER_REQUEST:
        errors.append(BulkError(None, "marks", f"At most {MAX_MARKS_PER_REQUEST} marks per request."))
        return []
    rows = []
    # One serializer validates every row, as a ListSerializer would: building one per row costs more than the check.
    row_serializer = MarkRowSerializer()
    for index, row in enumerate(marks):
        try:
            value = row_serializer.run_validation(row)
        except ValidationError as exc:
            errors.extend(_errors_from(exc.detail, index, NON_FIELD))
        else:
            rows.append((index, {**value, "upn": value["upn"].upper()}))
    return rows


def _resolve_codes(
    rows: list[tuple[int, dict]], errors: list[BulkError], local_codes: Mapping[str, str]
) -> list[tuple[int, dict]]:
    """Rows with `code` and `local_code` resolved to the statutory table; bad codes and repeated sessions are errors."""
    resolved, first_row_of = [], {}
    for index, row in rows:
        ok = True
        key = (row["upn"], row["date"], row["session"])
        if key in first_row_of:
            message = f"Row {first_row_of[key]} already has a mark for this pupil, date and session."
            errors.append(BulkError(index, NON_FIELD, message))
            ok = False
        else:
            first_row_of[key] = index
        try:
            code, local_code = codes.resolve(row["code"], local_codes)
        except codes.UnknownCode as exc:
            errors.append(BulkError(index, "code", str(exc)))
            continue
        if row.get("minutes_late") is not None and code not in codes.LATE:
            errors.append(BulkError(index, "minutes_late", f"Minutes late go only with L or U, not {code}."))
            ok = False
        if ok:
            resolved.append((index, {**row, "code": code, "local_code": local_code}))
    return resolved


def _pupil_marks(
    school: School, pupils: QuerySet, rows: list[tuple[int, dict]], errors: list[BulkError]
) -> list[MarkInput]:
    """MarkInputs for rows naming a pupil the user may record, on the school's roll, on a school day."""
    pupil_ids = dict(pupils.filter(upn__in={row["upn"] for _, row in rows}).values_list("upn", "pk"))
    on_roll: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    for pupil_id, starts, ends in (
        Enrolment.objects.for_trust(school.trust)
        .filter(school=school, pupil_id__in=pupil_ids.values())
        .values_list("pupil_id", "starts", "ends")
    ):
        on_roll.setdefault(pupil_id, []).append((starts, ends))
    school_days = set(
        SchoolDay.objects.for_trust(school.trust)
        .filter(school=school, date__in={row["date"] for _, row in rows})
        .values_list("date", flat=True)
    )
    marks = []
    for index, row in rows:
        upn, day = row["upn"], row["date"]
        pupil_id = pupil_ids.get(upn)
        if pupil_id is None:
            errors.append(BulkError(index, "upn", f"No pupil {upn} at {school.name} whose marks you may record."))
            continue
        if day not in school_days:
            errors.append(BulkError(index, "date", f"{day} is not a school day at {school.name}."))
            continue
        if not any(starts <= day and (ends is None or day <= ends) for starts, ends in on_roll.get(pupil_id, [])):
            errors.append(BulkError(index, "date", f"{upn} was not on {school.name}'s roll on {day}."))
            continue
        marks.append(
            MarkInput(
                pupil_id=pupil_id,
                date=day,
                session=row["session"],
                code=row["code"],
                local_code=row["local_code"],
                minutes_late=row.get("minutes_late"),
            )
        )
    return marks


def _errors_from(detail: object, index: int | None, field_name: str) -> list[BulkError]:
    """DRF's nested error detail flattened to BulkErrors."""
    if isinstance(detail, Mapping):
        return [error for name, inner in detail.items() for error in _errors_from(inner, index, name)]
    if isinstance(detail, list):
        return [error for inner in detail for error in _errors_from(inner, index, field_name)]
    return [BulkError(index, field_name, str(detail))]


def _errors_response(errors: list[BulkError]) -> Response:
    return Response({"errors": [asdict(e) for e in errors]}, status=400)


@extend_schema_view(list=extend_schema(summary="Session marks of the caller's pupils", parameters=[MarkFilters]))
class MarkViewSet(mixins.ListModelMixin, TrustScopedViewSet):
    """Session marks at the caller's schools, of the pupils they can see, by date and session."""

    queryset = Mark.objects.select_related("pupil", "school").order_by("date", "session", "pupil__upn")
    serializer_class = MarkSerializer
    pupil_path = "pupil"
    school_path = "school"
    filters_class = MarkFilters

    def narrow(self, queryset: QuerySet, filters: dict[str, Any]) -> QuerySet:
        if urn := filters.get("school"):
            queryset = queryset.filter(school__urn=urn)
        if date_from := filters.get("date_from"):
            queryset = queryset.filter(date__gte=date_from)
        if date_to := filters.get("date_to"):
            queryset = queryset.filter(date__lte=date_to)
        if upn := filters.get("upn"):
            queryset = queryset.filter(pupil__upn=upn.strip().upper())
        return queryset

    @extend_schema(
        summary="Create or correct many marks at one school (all or nothing)",
        description=(
            "Every row is checked first: pupil (by UPN) on the school's roll that day, a school day, a current DfE "
            "code, one mark per pupil and session. Any error gives 400 with every error by index and field, and "
            "nothing is saved. Marks identical to the stored ones are left alone, so posting the same batch twice "
            "changes nothing; a changed code is a correction and needs `reason`."
        ),
        request=BulkMarksSerializer,
        responses={
            200: BulkResultSerializer,
            400: BulkErrorsSerializer,
            403: OpenApiResponse(
                ErrorSerializer, description="The caller holds no role that records marks at this school."
            ),
        },
    )
    # JSON only: a register's rows do not fit in a flat form, and form bodies would only ever be rejected row by row.
    @action(detail=False, methods=["post"], url_path="bulk", parser_classes=[JSONParser])
    def bulk(self, request: Request) -> Response:
        try:
            data = request.data
        except ParseError as exc:
            # Malformed JSON is reported like every other error of the batch.
            return _errors_response([BulkError(None, NON_FIELD, str(exc.detail))])
        batch = check_batch(data, self.access)
        if batch.errors:
            return _errors_response(batch.errors)
        try:
            result = upsert_marks(
                school=batch.school,
                marks=batch.marks,
                source=Mark.Source.API,
                recorded_by=request.user,
                reason=batch.reason,
            )
        except CorrectionNeedsReason as exc:
            return _errors_response([BulkError(None, "reason", str(exc))])
        return Response(asdict(result))


# ---------------------------------------------------------------- statistics


class StatisticsQuery(serializers.Serializer):
    school = serializers.CharField(help_text="URN")
    date_from = serializers.DateField(required=False, help_text="First day (default: 1 August of this academic year)")
    to = serializers.DateField(required=False, help_text="Last day, inclusive (default: today)")

    def get_fields(self) -> dict:
        return _renamed(super().get_fields(), date_from="from")


class CountsSerializer(serializers.Serializer):
    possible = serializers.IntegerField()
    present = serializers.IntegerField()
    approved_activity = serializers.IntegerField()
    authorised = serializers.IntegerField()
    unauthorised = serializers.IntegerField()
    late = serializers.IntegerField()
    attendance_pct = serializers.FloatField(allow_null=True, help_text="One decimal place; null with no sessions")


class SchoolTotalsSerializer(CountsSerializer):
    urn = serializers.CharField()
    name = serializers.CharField()
    date_from = serializers.DateField()
    to = serializers.DateField()
    pupils = serializers.IntegerField(help_text="Pupils on roll at some point in the window")
    persistent_pupils = serializers.IntegerField(help_text="Pupils who missed 10% or more of their possible sessions")
    severe_pupils = serializers.IntegerField(help_text="Pupils who missed 50% or more of their possible sessions")

    def get_fields(self) -> dict:
        return _renamed(super().get_fields(), date_from="from")


class PupilCountsSerializer(CountsSerializer):
    upn = serializers.CharField()
    persistent = serializers.BooleanField(help_text="Missed 10% or more of possible sessions")
    severe = serializers.BooleanField(help_text="Missed 50% or more of possible sessions")


class SchoolStatisticsSerializer(serializers.Serializer):
    school = SchoolTotalsSerializer(help_text="Totals: sums of sessions over the pupils listed")
    pupils = PupilCountsSerializer(many=True, help_text="Every pupil on roll in the window, surname order")


class StatisticsView(TrustAPIView):
    """Per-pupil attendance figures and the school's totals, the DfE way."""

    @extend_schema(
        summary="Attendance statistics of a school over a window",
        description=(
            "Counts only sessions while each pupil was on the school's roll, as the DfE's Monitor service does. "
            "A teacher gets their own groups' pupils, and totals over them."
        ),
        parameters=[StatisticsQuery],
        responses={
            200: SchoolStatisticsSerializer,
            404: OpenApiResponse(ErrorSerializer, description="Not one of your schools."),
        },
    )
    def get(self, request: Request) -> Response:
        query = self.query_params(StatisticsQuery)
        access = self.access
        school = get_for_trust_or_404(
            School.objects.filter(pk__in=access.all_school_ids), access.trust, urn=query["school"]
        )
        default_start, default_end = year_to_date(query.get("to") or timezone.localdate())
        start, end = query.get("from") or default_start, query.get("to") or default_end
        if start > end:
            raise ValidationError({"from": ["Must be on or before the last day."]})
        # Where the user only teaches, the figures cover their own groups' pupils.
        pupils = None if school.pk in access.school_ids else Pupil.objects.visible_to(access)
        return Response(statistics_json(school_statistics(school, start, end, pupils=pupils)))
