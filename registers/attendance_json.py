"""School attendance statistics as plain JSON values: one shape for the API and the `attendance` command."""

from __future__ import annotations

from .attendance import SchoolStatistics


def statistics_json(stats: SchoolStatistics) -> dict:
    """{"school": {urn, name, from, to, and the totals}, "pupils": [{upn and the pupil's counts}, ...]}.

    Dates are ISO strings; `attendance_pct` is a float rounded to one place, or None with no possible sessions.
    Pupils keep the order of `stats.pupils` (surname, forename).
    """
    return {
        "school": {
            "urn": stats.school.urn,
            "name": stats.school.name,
            "from": stats.start.isoformat(),
            "to": stats.end.isoformat(),
            **_totals(stats),
        },
        "pupils": [{"upn": row.pupil.upn, **row.counts.as_dict()} for row in stats.pupils],
    }


def _totals(stats: SchoolStatistics) -> dict:
    """The school's summed sessions, and how many pupils are persistently and severely absent."""
    totals = stats.totals.as_dict()
    del totals["persistent"], totals["severe"]
    return {
        **totals,
        "pupils": len(stats.pupils),
        "persistent_pupils": sum(row.counts.persistent for row in stats.pupils),
        "severe_pupils": sum(row.counts.severe for row in stats.pupils),
    }
