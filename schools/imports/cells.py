"""Turning one cell of an import file into a value. No Django imports.

Each parser takes the cell's text (surrounding spaces already stripped) and returns the value, or raises ValueError
with a message written for the person who typed the spreadsheet.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from . import upn as upns

TRUE = frozenset({"y", "yes", "true", "1"})
FALSE = frozenset({"n", "no", "false", "0"})
YEAR_GROUPS = ("N1", "N2", "R", *(str(n) for n in range(1, 15)))

# A UK postcode: outward code (area, district), a space, inward code (sector, unit). Loose enough for every real
# postcode, strict enough to catch a phone number or a town typed into the column.
_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})")
_POSTCODE_AT_END = re.compile(r"[\s,]*\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})[\s,.]*$", re.IGNORECASE)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE_CHARACTERS = re.compile(r"[0-9 +()\-.]+")


def text(value: str) -> str:
    return value


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-09-03") from None


def boolean(value: str) -> bool:
    key = value.lower()
    if key in TRUE:
        return True
    if key in FALSE:
        return False
    raise ValueError(f"{value!r} is not yes or no: use Y/N, yes/no, true/false or 1/0")


def choice(*allowed: str) -> Callable[[str], str]:
    """A parser accepting one of `allowed` (any case), returned as written in `allowed`."""
    by_key = {a.upper(): a for a in allowed}

    def parse(value: str) -> str:
        try:
            return by_key[value.upper()]
        except KeyError:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}") from None

    return parse


def year_group(value: str) -> str:
    """N1, N2, R or 1-14; "Y5" and "Year 5" are read as "5"."""
    key = re.sub(r"^(year|yr|y)\s*(?=\d)", "", value.strip(), flags=re.IGNORECASE).upper()
    if key.isdigit():
        key = str(int(key))
    if key not in YEAR_GROUPS:
        raise ValueError(f"{value!r} is not a year group: use N1, N2, R or 1 to 14")
    return key


def upn(value: str) -> str:
    normalised = value.replace(" ", "").upper()
    if problem := upns.problem_with(normalised):
        raise ValueError(f"{value!r}: {problem}")
    return normalised


def postcode(value: str) -> str:
    """A UK postcode in capitals with one space before the inward code, e.g. "TW1 1AA"."""
    match = _POSTCODE.fullmatch(value.upper().replace("  ", " "))
    if not match:
        raise ValueError(f"{value!r} is not a UK postcode")
    return f"{match[1]} {match[2]}"


def split_postcode(address: str) -> tuple[str, str]:
    """(address without a trailing postcode, the postcode or "") for an address that may end with its postcode."""
    match = _POSTCODE_AT_END.search(address)
    if not match:
        return address, ""
    return address[: match.start()].rstrip(" ,\n"), f"{match[1].upper()} {match[2].upper()}"


def address_lines(value: str) -> str:
    """An address with its parts one to a line, whether they came separated by commas or by new lines."""
    parts = [p.strip() for p in re.split(r"[,\n]", value)]
    return "\n".join(p for p in parts if p)


def email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"{value!r} is not an email address")
    return value.lower()


def phone(value: str) -> str:
    digits = sum(c.isdigit() for c in value)
    if not _PHONE_CHARACTERS.fullmatch(value) or not 10 <= digits <= 15:
        raise ValueError(f"{value!r} is not a phone number (10 to 15 digits, spaces and + allowed)")
    return value


def whole_number(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not value.isdigit() or not low <= int(value) <= high:
            raise ValueError(f"{value!r} is not a whole number from {low} to {high}")
        return int(value)

    return parse


def time_of_day(value: str) -> dt.time:
    try:
        hours, minutes = value.split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{value!r} is not a time: write it as HH:MM, e.g. 08:45") from None
