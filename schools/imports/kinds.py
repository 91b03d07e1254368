"""The kinds of file that can be imported, by the name ImportJob.Kind and the commands use."""

from __future__ import annotations

from types import ModuleType

from . import calendar, contacts, ctf, marks, pupils

KINDS: dict[str, ModuleType] = {
    "calendar": calendar,
    "pupils": pupils,
    "contacts": contacts,
    "marks": marks,
    "ctf": ctf,
}
