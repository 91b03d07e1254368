"""Unique pupil numbers (UPN) and their check letter. No Django imports.

A UPN is 13 characters: a check letter, then 12 digits (LA number, establishment number, year of issue, serial).
A temporary UPN ends in a letter instead of the last digit. The check letter is the sum of characters 2-13 times
their position, modulo 23, as a letter with I, O and S left out; a temporary UPN's last letter counts as its place
in the same alphabet (DfE "Unique pupil numbers" guidance; the Government Data Standards Catalogue entry).
"""

from __future__ import annotations

import re

LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters: no I, O or S, so none is mistaken for 1, 0 or 5
_SHAPE = re.compile(rf"[{LETTERS}][0-9]{{11}}[0-9{LETTERS}]")


def check_letter(upn: str) -> str:
    """The check letter the UPN's characters 2-13 call for (`upn` is the full 13 characters, or the last 12)."""
    body = upn[-12:]
    total = sum(position * (int(c) if c.isdigit() else LETTERS.index(c)) for position, c in enumerate(body, start=2))
    return LETTERS[total % 23]


def problem_with(upn: str) -> str | None:
    """Why `upn` is not a valid UPN, or None when it is."""
    if len(upn) != 13:
        return f"a UPN has 13 characters, not {len(upn)}"
    if not _SHAPE.fullmatch(upn):
        return "a UPN is a letter, 11 digits, then a digit (or a letter for a temporary UPN); I, O and S are not used"
    if upn[0] != (expected := check_letter(upn)):
        return f"the check letter does not match: a UPN ending {upn[1:]} starts with {expected} (mistyped digit?)"
    return None
