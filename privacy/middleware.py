"""The access log: one row for each successful request of a signed-in user that showed or exported pupil data."""

from __future__ import annotations

import csv
import io

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from letters.models import Letter, LetterBatch
from schools.models import Membership, Pupil

from . import routes
from .models import AccessLogEntry

PATH_LENGTH = 500


class AccessLogMiddleware:
    """Looks the resolved URL name up in privacy.routes and writes one AccessLogEntry after a 2xx response.

    It runs after the view, so the API's token sign-in (which happens inside the view) is known. Writing the row is
    part of answering: if it fails, the request fails, and nothing is shown without a record of it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = request.resolver_match
        if match is None or not 200 <= response.status_code < 300:
            return response
        route = routes.route_for(match.view_name, request.GET)
        user = getattr(request, "user", None)
        if route is None or user is None or not user.is_authenticated:
            return response
        trust_id = _trust_id(request, user)
        if trust_id is None:
            return response
        pupil_id, school_id, extra = _subject(route, match.kwargs, request, trust_id)
        AccessLogEntry.objects.create(
            trust_id=trust_id,
            user=user,
            at=timezone.now(),
            route=match.view_name,
            kind=route.kind,
            school_id=school_id,
            pupil_id=pupil_id,
            detail=routes.describe(request.GET, rows=_rows(response), extra=extra),
            path=request.path[:PATH_LENGTH],
        )
        return response


def _trust_id(request: HttpRequest, user) -> int | None:
    access = getattr(request, "access", None)
    # request.access is lazy; the API signs a token's user in inside the view, so check it is this user's.
    if access and access.user_id == user.pk:
        return access.trust.pk
    return Membership.objects.filter(user=user).values_list("trust_id", flat=True).first()


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _subject(
    route: routes.Route, kwargs: dict, request: HttpRequest, trust_id: int
) -> tuple[int | None, int | None, str]:
    """(pupil id, school id, extra detail) of the request. Most routes carry them in the URL; letters and the API's
    UPNs cost one indexed look-up, so that a pupil's log shows their letters and API reads too."""
    pupil_id = _int(kwargs.get(route.pupil_kwarg)) if route.pupil_kwarg else None
    school_id = _int(kwargs.get(route.school_kwarg)) if route.school_kwarg else None
    if route.lookup == "letter":
        found = Letter.objects.filter(trust_id=trust_id, pk=_int(kwargs.get("letter_id"))).values_list(
            "pupil_id", "school_id", "code"
        )
        if row := found.first():
            return row[0], row[1], f"letter {kwargs.get('letter_id')} ({row[2]})"
    elif route.lookup == "batch":
        batch_id = _int(kwargs.get("batch_id"))
        school_id = (
            LetterBatch.objects.filter(trust_id=trust_id, pk=batch_id).values_list("school_id", flat=True).first()
        )
        letters = Letter.objects.filter(trust_id=trust_id, batch_id=batch_id).count()
        return None, school_id, f"batch {batch_id}, {letters} letters"
    elif route.lookup == "upn":
        upn = kwargs.get("upn") or request.GET.get("upn") or request.GET.get("pupil")
        if upn:
            pupil_id = (
                Pupil.objects.filter(trust_id=trust_id, upn=str(upn).strip().upper())
                .values_list("pk", flat=True)
                .first()
            )
    return pupil_id, school_id, ""


def _rows(response: HttpResponse) -> int | None:
    """Rows taken: a CSV's data rows, an API list's count; None where it cannot be told cheaply (XLSX, pages)."""
    if getattr(response, "streaming", False):
        return None
    content_type = response.get("Content-Type", "")
    if content_type.startswith("text/csv"):
        text = response.content.decode("utf-8-sig", errors="replace")
        # csv.reader, not a line count: an address cell holds line breaks.
        return max(sum(1 for _ in csv.reader(io.StringIO(text))) - 1, 0)
    data = getattr(response, "data", None)
    if isinstance(data, dict) and isinstance(data.get("count"), int):
        return data["count"]
    if isinstance(data, list):
        return len(data)
    return None
