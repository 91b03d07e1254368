"""The national attendance figures letters compare a pupil with. No Django imports.

Source: DfE, Explore Education Statistics, "Pupil absence in schools in England", full year 2023/24 (state-funded
schools; shared/reference/attendance-rules-and-market.md, section 1d): overall absence 7.1%; primary 5.5%, secondary
8.9%, special 13.0%. The full year is the default comparator, and the phase figure is used because a blend of
phases misleads (the same reference's notes for implementation). Replace the figures here when a new full-year
release is published.
"""

from __future__ import annotations

from decimal import Decimal

RELEASE = "2023/24"
SOURCE = "DfE, Pupil absence in schools in England, 2023/24"

# Overall absence rate (% of possible sessions missed) by school phase (schools.models.School.Phase values).
ABSENCE_PCT = {
    "infant": Decimal("5.5"),  # infant schools are primary phase in the DfE's tables
    "primary": Decimal("5.5"),
    "secondary": Decimal("8.9"),
    "special": Decimal("13.0"),
}
ALL_SCHOOLS_ABSENCE_PCT = Decimal("7.1")


def absence_pct(phase: str) -> Decimal:
    """The national absence rate for the phase, or for all schools when the phase is not one of the DfE's."""
    return ABSENCE_PCT.get(phase, ALL_SCHOOLS_ABSENCE_PCT)


def attendance_pct(phase: str) -> Decimal:
    """The national attendance rate for the phase, e.g. Decimal("94.5") for primary schools."""
    return Decimal(100) - absence_pct(phase)


def days_missed_at_national_rate(phase: str, possible_sessions: int) -> Decimal:
    """Days a pupil at the national rate would have missed of the same possible sessions, to the nearest half day."""
    sessions = Decimal(possible_sessions) * absence_pct(phase) / 100
    return sessions.quantize(Decimal(1)) / 2
