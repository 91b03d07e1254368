"""Which routes show or export pupil data, and what kind of access each is. No Django imports.

The access log middleware looks the resolved URL name up here; a route missing from this table is not logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

VIEW, EXPORT, PDF, API, SUBJECT_ACCESS = "view", "export", "pdf", "api", "subject_access"

# Dashboard pages show figures; the same URL with ?format=csv or ?format=xlsx downloads the table (dashboards.export).
DOWNLOAD_FORMATS = frozenset({"csv", "xlsx"})


@dataclass(frozen=True)
class Route:
    kind: str
    # The URL keyword that holds a pupil's id, or a school's.
    pupil_kwarg: str = ""
    school_kwarg: str = ""
    # Logged only when the query string asks for a download (a dashboard page itself is figures, not a file).
    only_downloads: bool = False
    # How the middleware finds the pupil or school when the URL does not carry it ("letter", "batch", "upn").
    lookup: str = ""


_DASHBOARD_SCHOOL_PAGES = (
    "today",
    "early_warning",
    "headroom",
    "coding",
    "reconciliation",
    "school_dashboard",
    "school_group_trend",
    "school_trends",
    "year_dashboard",
    "school_pupils",
)

ROUTES: Mapping[str, Route] = {
    "schools:pupil": Route(VIEW, pupil_kwarg="pk"),
    "interventions:case": Route(VIEW, pupil_kwarg="pupil_id"),
    "interventions:family": Route(VIEW, pupil_kwarg="pupil_id"),
    "dashboards:pupil_headroom": Route(VIEW, pupil_kwarg="pupil_id"),
    "letters:letter_pdf": Route(PDF, lookup="letter"),
    "letters:batch_pdf": Route(PDF, lookup="batch"),
    "registers:attendance_csv": Route(EXPORT, school_kwarg="school_id"),
    **{
        f"dashboards:{name}": Route(EXPORT, school_kwarg="school_id", only_downloads=True)
        for name in _DASHBOARD_SCHOOL_PAGES
    },
    "dashboards:group_dashboard": Route(EXPORT, only_downloads=True),
    "dashboards:trust": Route(EXPORT, only_downloads=True),
    "dashboards:trust_groups": Route(EXPORT, only_downloads=True),
    "api:pupil-list": Route(API, lookup="upn"),
    "api:pupil-detail": Route(API, lookup="upn"),
    "api:contact-list": Route(API, lookup="upn"),
    "api:contact-detail": Route(API),
    "api:mark-list": Route(API, lookup="upn"),
    "privacy:subject_access": Route(SUBJECT_ACCESS, pupil_kwarg="pupil_id"),
    "privacy:access_log": Route(EXPORT, only_downloads=True),
}

# Query-string keys that say nothing about what was taken: paging and htmx's cache-busting.
_NOT_FILTERS = frozenset({"page", "_", "download"})
DETAIL_LENGTH = 300


def route_for(view_name: str | None, query: Mapping[str, str]) -> Route | None:
    """The table's entry for this request, or None when the request is not logged."""
    route = ROUTES.get(view_name or "")
    if route is None:
        return None
    if route.only_downloads and query.get("format") not in DOWNLOAD_FORMATS:
        return None
    return route


def describe(query: Mapping[str, str], *, rows: int | None = None, extra: str = "") -> str:
    """The short detail of a log row: the request's filters, then what was taken ("12 rows"), at most 300 chars."""
    parts = [f"{key}={value}" for key, value in sorted(query.items()) if key not in _NOT_FILTERS and value != ""]
    # PostgreSQL text cannot hold NUL, and a query string can: it would make the log's INSERT, so the request, fail.
    text = " ".join(parts).replace("\x00", "\ufffd")
    for more in (extra, f"{rows} rows" if rows is not None else ""):
        if more:
            text = f"{text}; {more}" if text else more
    return text if len(text) <= DETAIL_LENGTH else text[: DETAIL_LENGTH - 1] + "…"
