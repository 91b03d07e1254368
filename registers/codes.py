"""The DfE attendance code set in force from 19 August 2024, and what each code counts as. No Django imports.

Source: The School Attendance (Pupil Registration) (England) Regulations 2024 (SI 2024/208, regulation 10) and the
statutory guidance "Working together to improve school attendance" (August 2024). See
shared/reference/attendance-rules-and-market.md, section 1a, for the evidence behind each row.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


class Category(enum.StrEnum):
    PRESENT = "present"
    APPROVED_ACTIVITY = "approved_activity"  # attending an approved educational activity: counts as attendance
    AUTHORISED = "authorised"
    UNAUTHORISED = "unauthorised"
    NOT_POSSIBLE = "not_possible"  # not a possible session, or administrative

    @property
    def label(self) -> str:
        return _CATEGORY_LABELS[self]


_CATEGORY_LABELS = {
    Category.PRESENT: "Present",
    Category.APPROVED_ACTIVITY: "Approved educational activity",
    Category.AUTHORISED: "Authorised absence",
    Category.UNAUTHORISED: "Unauthorised absence",
    Category.NOT_POSSIBLE: "Not a possible session",
}


@dataclass(frozen=True)
class Code:
    code: str
    meaning: str
    category: Category

    @property
    def is_possible_session(self) -> bool:
        return self.category is not Category.NOT_POSSIBLE

    @property
    def counts_as_attendance(self) -> bool:
        return self.category in (Category.PRESENT, Category.APPROVED_ACTIVITY)

    @property
    def is_absence(self) -> bool:
        return self.category in (Category.AUTHORISED, Category.UNAUTHORISED)


_P, _AEA, _AA, _UA, _NP = (
    Category.PRESENT,
    Category.APPROVED_ACTIVITY,
    Category.AUTHORISED,
    Category.UNAUTHORISED,
    Category.NOT_POSSIBLE,
)

TABLE: tuple[Code, ...] = (
    Code("/", "Present at morning registration", _P),
    Code("\\", "Present at afternoon registration", _P),
    Code("L", "Late: arrived before the register closed", _P),
    Code("K", "Attending education provision arranged by the local authority", _AEA),
    Code("V", "Attending an educational visit or trip supervised by school staff", _AEA),
    Code("P", "Participating in an approved sporting activity", _AEA),
    Code("W", "Attending work experience", _AEA),
    Code("B", "Attending any other approved educational activity", _AEA),
    Code("C1", "Leave: regulated performance or regulated employment abroad", _AA),
    Code("M", "Leave: medical or dental appointment", _AA),
    Code("J1", "Leave: interview for employment or admission to another educational institution", _AA),
    Code("S", "Leave: study for a public examination", _AA),
    Code("C2", "Leave: temporary reduced (part-time) timetable", _AA),
    Code("C", "Leave: exceptional circumstances", _AA),
    Code("T", "Parent travelling for occupational purposes", _AA),
    Code("R", "Religious observance", _AA),
    Code("I", "Illness (not medical or dental appointment)", _AA),
    Code("E", "Suspended or permanently excluded, no alternative provision made", _AA),
    Code("G", "Holiday not granted by the school", _UA),
    Code("N", "Reason for absence not yet established", _UA),
    Code("O", "Absent in other or unknown circumstances", _UA),
    Code("U", "Arrived in school after registration closed", _UA),
    Code("D", "Dual registered: attending another school at which the pupil is registered", _NP),
    Code("X", "Non-compulsory school age pupil not required to attend", _NP),
    Code("Q", "Unable to attend: lack of access arrangements by the local authority", _NP),
    Code("Y1", "Unable to attend: transport normally provided not available", _NP),
    Code("Y2", "Unable to attend: widespread disruption to travel", _NP),
    Code("Y3", "Unable to attend: part of the school premises closed", _NP),
    Code("Y4", "Unable to attend: whole school site unexpectedly closed", _NP),
    Code("Y5", "Unable to attend: in criminal justice detention", _NP),
    Code("Y6", "Unable to attend: public health guidance or law", _NP),
    Code("Y7", "Unable to attend: any other unavoidable cause", _NP),
    Code("Z", "Prospective pupil not on the admission register", _NP),
    Code("#", "Planned whole or partial school closure", _NP),
)

BY_CODE: Mapping[str, Code] = {c.code: c for c in TABLE}

# Codes withdrawn by the 2024 regulations; a register must not use them any more.
REMOVED = {
    "H": "H (agreed family holiday) was removed in 2024: term-time holidays cannot be authorised; use G, or C for "
    "service children",
    "J": "J (interview) was replaced by J1 in 2024",
    "Y": "Y was split into Y1-Y7 and Q in 2024",
    "F": "F (extended family holiday) is no longer a register code",
}


def _codes_in(category: Category) -> frozenset[str]:
    return frozenset(c.code for c in TABLE if c.category is category)


PRESENT = _codes_in(Category.PRESENT)
APPROVED_ACTIVITY = _codes_in(Category.APPROVED_ACTIVITY)
AUTHORISED = _codes_in(Category.AUTHORISED)
UNAUTHORISED = _codes_in(Category.UNAUTHORISED)
NOT_POSSIBLE = _codes_in(Category.NOT_POSSIBLE)
ATTENDING = PRESENT | APPROVED_ACTIVITY
ABSENT = AUTHORISED | UNAUTHORISED
POSSIBLE = ATTENDING | ABSENT
LATE = frozenset({"L", "U"})
KNOWN = frozenset(BY_CODE)
# The National Framework for Penalty Notices counts these, singly or in combination.
PENALTY_NOTICE = frozenset({"G", "N", "O", "U"})


class UnknownCode(ValueError):
    pass


def lookup(code: str) -> Code:
    """Return the statutory code for `code` (case-insensitive, surrounding spaces ignored).

    Raises UnknownCode with a reason for a code withdrawn in 2024 or not in the table.
    """
    key = code.strip().upper()
    if key in BY_CODE:
        return BY_CODE[key]
    if key in REMOVED:
        raise UnknownCode(REMOVED[key])
    raise UnknownCode(f"{code!r} is not a DfE attendance code")


def category_of(code: str) -> Category:
    return lookup(code).category


def resolve(code: str, local_codes: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Turn a code typed or imported at a school into (statutory code, local sub-code or "").

    A school's local sub-codes (e.g. "I01" -> "I") map onto a statutory code, as MIS sub-codes do.
    """
    key = code.strip().upper()
    local = {k.strip().upper(): v for k, v in (local_codes or {}).items()}
    if key in local and key not in BY_CODE:
        return lookup(local[key]).code, key
    return lookup(key).code, ""


LOCAL_CODE_LENGTH = 6


def check_local_codes(local_codes: Mapping[str, str]) -> None:
    """Raise UnknownCode unless every sub-code is new (not a statutory code), short, and maps to a statutory code."""
    for sub_code, statutory in local_codes.items():
        key = sub_code.strip().upper()
        if key in BY_CODE or key in REMOVED:
            raise UnknownCode(f"{sub_code!r} is a DfE code itself, not a school sub-code")
        if not key or len(key) > LOCAL_CODE_LENGTH:
            raise UnknownCode(f"a sub-code has 1 to {LOCAL_CODE_LENGTH} characters, not {sub_code!r}")
        lookup(statutory)


def check_all(codes: Iterable[str]) -> None:
    """Raise UnknownCode naming every code in `codes` that is not statutory."""
    if unknown := sorted(set(codes) - KNOWN):
        raise UnknownCode(f"unknown register codes: {unknown}")
