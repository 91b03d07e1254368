"""Planning a day's home visits by postcode district. No Django imports.

No map tiles (DESIGN.md: they would leak pupils' home areas): visits group by postcode district (the outward code,
e.g. "WF1" of "WF1 2AB") and, inside a district, by sector and street, which is an order an officer can drive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Generic, TypeVar

T = TypeVar("T")

# A UK postcode: outward code (area, district), then inward code (sector digit, unit letters).
POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][0-9A-Z]?)\s*([0-9])([A-Z]{2})\b")
UNKNOWN = "No postcode"


def split_postcode(text: str) -> tuple[str, str] | None:
    """(outward code, inward code) of the last postcode in `text`, normalised; None if there is none."""
    found = POSTCODE.findall(text.upper())
    if not found:
        return None
    outward, sector, unit = found[-1]
    return outward, f"{sector}{unit}"


def district(postcode_or_address: str) -> str:
    parts = split_postcode(postcode_or_address)
    return parts[0] if parts else UNKNOWN


def _district_key(outward: str) -> tuple[str, int, str]:
    """Sort "WF2" after "WF1" and before "WF10": area letters, then district number."""
    if outward == UNKNOWN:
        return ("~", 0, "")
    m = re.match(r"([A-Z]+)([0-9]+)(.*)", outward)
    return (m.group(1), int(m.group(2)), m.group(3)) if m else (outward, 0, "")


@dataclass(frozen=True)
class Stop(Generic[T]):
    item: T
    postcode: str
    address: str


@dataclass(frozen=True)
class District(Generic[T]):
    name: str
    stops: list[Stop[T]]


def plan_round(stops: Iterable[Stop[T]]) -> list[District[T]]:
    """Stops grouped by district in district order; inside a district by inward code then address."""

    def key(stop: Stop[T]) -> tuple:
        parts = split_postcode(stop.postcode or stop.address)
        outward, inward = parts if parts else (UNKNOWN, "")
        return (_district_key(outward), outward, inward, stop.address)

    ordered = sorted(stops, key=key)
    return [
        District(name=name, stops=list(group))
        for name, group in groupby(ordered, key=lambda s: district(s.postcode or s.address))
    ]


def districts(stops: Sequence[Stop[T]]) -> list[str]:
    return [d.name for d in plan_round(stops)]
