"""Contact files: parents and carers, one pupil-contact link a row, matched so siblings share one parent record.

Columns: upn,name,relationship,parental_responsibility,phone,email,address,language,priority and optionally
postcode (otherwise a UK postcode at the end of the address is taken as the postcode).

A row's parent is the trust's contact with the same name (ignoring case and spacing) and the same email or phone;
one with neither is matched on name and postcode (or address). Rows for brothers and sisters therefore become one
Contact linked to each pupil, so letters and penalty-notice counts are per parent, as the National Framework requires.
Details a row gives overwrite the saved ones; empty cells leave them as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models.functions import Lower

from schools.models import Contact, Pupil, PupilContact, School

from . import cells, csvfiles
from .csvfiles import Column
from .results import Parsed, Preview, RowError

COLUMNS = (
    Column("upn", cells.upn),
    Column("name"),
    Column("relationship"),
    Column("parental_responsibility", cells.boolean),
    Column("phone", cells.phone, blank=True, default=""),
    Column("email", cells.email, blank=True, default=""),
    Column("address", cells.address_lines, blank=True, default=""),
    Column("language", blank=True, default=""),
    Column("priority", cells.whole_number(1, 99), blank=True, default=1),
    Column("postcode", cells.postcode, required=False, default=""),
)
REQUIRED = {c.name for c in COLUMNS if c.required and not c.blank}


@dataclass(frozen=True)
class ContactDetails:
    """A parent as a file describes them; "" means not given."""

    name: str
    phone: str = ""
    phone_alt: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""
    language: str = ""


@dataclass(frozen=True)
class ContactRow:
    number: int
    upn: str
    contact: ContactDetails
    relationship: str
    parental_responsibility: bool
    priority: int

    def __str__(self) -> str:
        return f"{self.contact.name} ({self.relationship}) for {self.upn}"


def parse(school: School, filename: str, content: bytes) -> Parsed[ContactRow]:
    """Contact rows, or every error: bad cells, UPNs not in the trust, a parent listed twice for one pupil."""
    csv_rows, errors = csvfiles.read(content, filename, COLUMNS)
    known = set(
        Pupil.objects.for_trust(school.trust)
        .filter(upn__in=[r.values["upn"] for r in csv_rows if "upn" in r.values])
        .values_list("upn", flat=True)
    )
    errors += [
        RowError(filename, r.number, "upn", f"no pupil of {school.trust} has UPN {r.values['upn']}")
        for r in csv_rows
        if "upn" in r.values and r.values["upn"] not in known
    ]
    errors += csvfiles.duplicates(
        csv_rows,
        filename,
        lambda r: (r.values["upn"], normal_name(r.values["name"])) if r.has({"upn", "name"}) else None,
        "name",
    )
    rows = []
    for r in csv_rows:
        v = r.values
        if not r.has(REQUIRED):
            continue
        address, postcode = cells.split_postcode(v.get("address", ""))
        if v.get("postcode"):
            postcode = v["postcode"]
        if not (v.get("phone") or v.get("email") or address):
            errors.append(RowError(filename, r.number, "phone", "give a phone number, an email address or an address"))
        details = ContactDetails(
            name=" ".join(v["name"].split()),
            phone=v.get("phone", ""),
            email=v.get("email", ""),
            address=address,
            postcode=postcode,
            language=v.get("language", ""),
        )
        rows.append(
            ContactRow(r.number, v["upn"], details, v["relationship"], v["parental_responsibility"], v["priority"])
        )
    return Parsed(rows, sorted(errors, key=lambda e: e.row))


def normal_name(name: str) -> str:
    return " ".join(name.lower().split())


def normal_phone(phone: str) -> str:
    """Digits only, with +44 written the UK way (07700 900123 and +44 7700 900123 are one number)."""
    digits = re.sub(r"\D", "", phone)
    return "0" + digits[2:] if phone.strip().startswith("+44") else digits


class ContactBook:
    """The trust's parents and carers, found the way siblings' parents are matched, with the changes a file makes.

    Nothing is written until `save()`; new contacts are held unsaved so a later sibling's row finds them.
    """

    FIELDS = ("phone", "phone_alt", "email", "address", "postcode", "language")

    def __init__(self, school: School, names: Iterable[str]):
        self.school = school
        self._keys: dict[tuple, Contact] = {}
        self.new: list[Contact] = []
        self.changed: dict[int, Contact] = {}
        candidates = (
            Contact.objects.for_trust(school.trust)
            .annotate(lower_name=Lower("name"))
            .filter(lower_name__in={normal_name(n) for n in names})
        )
        for contact in candidates:
            self._index(contact)

    @staticmethod
    def _keys_of(c: Contact | ContactDetails) -> list[tuple]:
        name = normal_name(c.name)
        keys = [("email", name, c.email.lower())] if c.email else []
        keys += [("phone", name, normal_phone(p)) for p in (c.phone, c.phone_alt) if p]
        if not keys and (c.postcode or c.address):
            keys.append(("address", name, c.postcode.replace(" ", "") or normal_name(c.address)))
        return keys

    def _index(self, c: Contact) -> None:
        for key in self._keys_of(c):
            self._keys.setdefault(key, c)

    def find(self, details: ContactDetails) -> Contact | None:
        keys = self._keys_of(details)
        return next((self._keys[k] for k in keys if k in self._keys), None)

    def contact_for(self, details: ContactDetails) -> tuple[Contact, str]:
        """The matching contact (updated in memory with what the file adds) or a new unsaved one, and
        "new", "updated" or "unchanged"."""
        contact = self.find(details)
        if contact is None:
            contact = Contact(trust=self.school.trust, name=details.name)
            self._apply(contact, details)
            self.new.append(contact)
            self._index(contact)
            return contact, "new"
        if contact.pk is None:
            self._apply(contact, details)
            self._index(contact)
            return contact, "unchanged"
        if self._apply(contact, details):
            self.changed[contact.pk] = contact
            self._index(contact)
            return contact, "updated"
        return contact, "unchanged"

    def _apply(self, contact: Contact, details: ContactDetails) -> bool:
        """Copy the details the file gives onto `contact`; True when anything changed."""
        before = [getattr(contact, f) for f in self.FIELDS]
        phones = [p for p in (contact.phone, contact.phone_alt) if p]
        for phone in (details.phone, details.phone_alt):
            if phone and normal_phone(phone) not in {normal_phone(p) for p in phones}:
                phones.append(phone)
        # The newest number stays reachable: keep the first saved number and the latest one the file gives.
        contact.phone = phones[0] if phones else ""
        contact.phone_alt = phones[-1] if len(phones) > 1 else ""
        for f in ("email", "address", "postcode", "language"):
            if value := getattr(details, f):
                setattr(contact, f, value)
        return before != [getattr(contact, f) for f in self.FIELDS]

    def save(self) -> None:
        for contact in self.new:
            contact.save()
        for contact in self.changed.values():
            contact.save(update_fields=list(self.FIELDS))


@dataclass
class LinkPlan:
    row: ContactRow
    pupil: Pupil
    contact: Contact
    contact_outcome: str  # "new", "updated" or "unchanged"
    link: PupilContact | None  # the saved link, or None for a new one
    link_changes: dict[str, object]

    @property
    def outcome(self) -> str:
        if self.contact_outcome == "new" or self.link is None:
            return "new"
        return "updated" if self.contact_outcome == "updated" or self.link_changes else "unchanged"


def plan(school: School, rows: list[ContactRow]) -> tuple[ContactBook, list[LinkPlan]]:
    """The contacts and links saving `rows` would create or change (reads only)."""
    book = ContactBook(school, (r.contact.name for r in rows))
    pupils = {p.upn: p for p in Pupil.objects.for_trust(school.trust).filter(upn__in={r.upn for r in rows})}
    links = {
        (link.pupil_id, link.contact_id): link
        for link in PupilContact.objects.for_trust(school.trust).filter(pupil__in=pupils.values())
    }
    plans = []
    for row in rows:
        pupil = pupils[row.upn]
        contact, outcome = book.contact_for(row.contact)
        link = links.get((pupil.pk, contact.pk)) if contact.pk else None
        wanted = {
            "relationship": row.relationship,
            "parental_responsibility": row.parental_responsibility,
            "priority": row.priority,
        }
        changes = wanted if link is None else {f: v for f, v in wanted.items() if getattr(link, f) != v}
        plans.append(LinkPlan(row, pupil, contact, outcome, link, changes))
    return book, plans


def preview(school: School, rows: list[ContactRow]) -> Preview:
    book, plans = plan(school, rows)
    counts = {outcome: sum(p.outcome == outcome for p in plans) for outcome in ("new", "updated", "unchanged")}
    counts["new parents and carers"] = len(book.new)
    counts["parents linked to more than one pupil"] = _shared(plans)
    sample = [f"{p.outcome}: {p.row}" for p in plans if p.outcome != "unchanged"]
    return Preview(counts, sample[: Preview.SAMPLE_SIZE])


def _shared(plans: list[LinkPlan]) -> int:
    pupils_by_contact: dict[int, set[int]] = {}
    for p in plans:
        pupils_by_contact.setdefault(id(p.contact), set()).add(p.pupil.pk)
    return sum(len(pupils) > 1 for pupils in pupils_by_contact.values())


@transaction.atomic
def apply(school: School, rows: list[ContactRow], *, filename: str, recorded_by=None, on_progress=None) -> str:
    """Create and update contacts and their links to pupils; returns a one-line summary."""
    book, plans = plan(school, rows)
    save(school, book, plans, on_progress=on_progress)
    new, updated = (sum(p.outcome == outcome for p in plans) for outcome in ("new", "updated"))
    return (
        f"{new} new, {updated} updated, {len(plans) - new - updated} unchanged; "
        f"{len(book.new)} new parents and carers, {_shared(plans)} linked to more than one pupil"
    )


def save(school: School, book: ContactBook, plans: list[LinkPlan], on_progress=None) -> None:
    """Write the planned contacts and links (the caller holds the transaction)."""
    book.save()
    for done, p in enumerate(plans, start=1):
        if p.link is None:
            PupilContact.objects.get_or_create(
                trust=school.trust, pupil=p.pupil, contact=p.contact, defaults=p.link_changes
            )
        elif p.link_changes:
            for f, v in p.link_changes.items():
                setattr(p.link, f, v)
            p.link.save(update_fields=list(p.link_changes))
        if on_progress:
            on_progress(done)
