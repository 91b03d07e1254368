"""Common Transfer Files (CTF): pupils, their parents and carers, and attendance, from the DfE's XML format.

The file is parsed with defusedxml (no entities, no DTDs). What is read, by element name as the DfE specification
gives it (details may sit directly in <Pupil> or inside its <BasicDetails>; both are read):

    CTfile/Header: CTFversion, DateTime, DocumentName, SourceSchool(LEA, Estab, URN, SchoolName, AcademicYear),
                   DestSchool(LEA, Estab, URN, SchoolName)
    CTfile/CTFpupilData/Pupil: UPN, Surname, Forename, DOB, Sex, NCyearActual, PreferredSurname,
        PreferredForename, FSMhistory/FSMinstance(FSMstartDate, FSMendDate), SENhistory/SEN/SENprovision,
        LookedAfter/InCare, Address,
        Contacts/Contact(Order, Title, Surname, Forename, Relationship, Responsibility, AddressAsPupil,
                         Address(BS7666Address(SAON, PAON, Street, Locality, Town, PostTown) or
                                 AddressLines(AddressLine1-5), PostCode),
                         Phones/Phone(TelephoneType, PhoneNo), Email),
        Attendance/YearData(Year, LEA, Estab, SchoolName, SessionsPossible, SessionsAuthorised, SessionsAttended,
                            SessionsUnauthorised, AttendStartDate, AttendanceMarks)

Errors name the line of the file and the element. A pupil's details and contacts are saved as the pupils and
contacts imports save them (same UPN matching, one Contact per parent across siblings).

How attendance marks are read (the specification leaves this open, so this importer chooses):

- AttendanceMarks is positional: one character per session, AM then PM, for each school day of the importing
  school's calendar (its SchoolDay rows) in the academic year `Year`, starting on the first school day on or after
  AttendStartDate. Weekends, holidays, INSET days and closures take no position.
- One character per session means the two-character 2024 codes cannot travel as they are. They travel as their
  one-character parent, as the B2B and CTF rule puts it, "main codes only, aggregated up from the subcodes":
  C1 and C2 are sent as C, J1 as J, Y1-Y7 as Y. Reading them back: C stays C (leave in exceptional
  circumstances: an authorised absence like C1 and C2, so every statistic comes out the same; the kind of leave
  is lost), J becomes J1 (the only J code since 2024), Y becomes Y7 ("any other unavoidable cause"; every Y code
  is not a possible session, so statistics are unchanged). `marks_string` writes the same encoding.
- "-" is a session with no mark (before the pupil joined, or a register not taken) and is skipped.
- Every other character must be a statutory one-character code; H and F, withdrawn in 2024, are refused with
  the reason, as in every other import.
- Positions after the school's last school day of that year are errors unless they are "-".
- Only attendance recorded at this school becomes marks: the file must come from this school (SourceSchool URN)
  and the YearData must be that school's (same LEA and Estab). A pupil's years at earlier schools are those
  schools' registers; they are counted in the preview and left out.
- SessionsPossible, SessionsAttended (present or approved educational activity), SessionsAuthorised and
  SessionsUnauthorised, where given, must agree with the marks: a file that contradicts itself is refused.
- A new pupil is enrolled from the first school day the marks cover (otherwise from today), so the imported
  marks fall inside their time on roll; a pupil already on roll keeps an earlier admission date.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from django.db import transaction
from django.utils import timezone

from registers import codes
from registers.models import Mark
from registers.services import MarkInput, upsert_marks
from registers.statistics import count_codes
from schools.calendar import academic_year, academic_year_label
from schools.models import Pupil, School, SchoolDay

from . import cells, contacts, marks, pupils
from .results import Parsed, Preview, RowError

NO_MARK = "-"
# One character per session: a 2024 code with two characters travels as its parent (see the module docstring).
SENT_AS = {"C1": "C", "C2": "C", "J1": "J", **{f"Y{n}": "Y" for n in range(1, 8)}}
READ_AS = {"J": "J1", "Y": "Y7"}

# CBDS contact relationship codes, as a letter or a register names them.
RELATIONSHIPS = {
    "PAR": "Parent",
    "CAR": "Carer",
    "STP": "Step-parent",
    "FOS": "Foster carer",
    "FAM": "Other family member",
    "REL": "Relative",
    "CHM": "Childminder",
    "SWR": "Social worker",
    "DOC": "Doctor",
    "OTH": "Other contact",
}
# Mobile first: it reaches a parent during the school day. Fax numbers are left out.
PHONE_ORDER = ("M", "H", "D", "E", "W", "O")
SEXES = {"F": "F", "M": "M", "U": "X", "W": "X", "X": "X"}


@dataclass(frozen=True)
class SessionMark:
    date: dt.date
    session: str
    code: str


@dataclass
class CtfPupil:
    """One <Pupil>: the pupil as the pupils import takes them, their contacts, and their marks at this school."""

    line: int
    pupil: pupils.PupilRow
    contacts: list[contacts.ContactRow] = field(default_factory=list)
    marks: list[SessionMark] = field(default_factory=list)
    years_elsewhere: int = 0  # YearData from other schools, left out
    header: Header | None = None

    def __str__(self) -> str:
        return str(self.pupil)


@dataclass(frozen=True)
class Header:
    version: str
    created: str
    source_name: str
    source_urn: str
    source_lea: str
    source_estab: str
    dest_name: str

    def __str__(self) -> str:
        dest = f" to {self.dest_name}" if self.dest_name else ""
        return f"CTF {self.version} from {self.source_name} (URN {self.source_urn}){dest}, made {self.created}"


class _LineNumbers(ET.TreeBuilder):
    """Builds the tree and remembers the line each element starts on, for error messages."""

    def __init__(self):
        super().__init__()
        self.parser: DefusedXMLParser | None = None
        self.lines: dict[ET.Element, int] = {}

    def start(self, tag, attrs):
        element = super().start(tag, attrs)
        self.lines[element] = self.parser.parser.CurrentLineNumber
        return element


class _Reader:
    """Reads one CTF, collecting every error with the line and element it concerns."""

    def __init__(self, school: School, filename: str):
        self.school = school
        self.filename = filename
        self.errors: list[RowError] = []
        self.lines: dict[ET.Element, int] = {}
        self.today = timezone.localdate()
        self._days: dict[tuple[int, dt.date], list[dt.date]] = {}

    def error(self, element: ET.Element | None, column: str, message: str) -> None:
        self.errors.append(RowError(self.filename, self.lines.get(element, 1), column, message))

    def load(self, content: bytes) -> ET.Element | None:
        builder = _LineNumbers()
        parser = DefusedXMLParser(target=builder, forbid_dtd=True)
        builder.parser = parser
        try:
            parser.feed(content)
            root = parser.close()
        except ET.ParseError as e:
            line, column = e.position
            reason = str(e).split(":")[0]
            message = f"not well-formed XML: {reason} at column {column + 1}"
            self.errors.append(RowError(self.filename, line, "", message))
            return None
        except DefusedXmlException:
            self.errors.append(RowError(self.filename, 1, "", "DTDs and entities are not allowed in a CTF"))
            return None
        for element in root.iter():
            if isinstance(element.tag, str) and "}" in element.tag:
                element.tag = element.tag.split("}", 1)[1]
        self.lines = builder.lines
        return root

    # -- values --------------------------------------------------------------------------------------------------

    def text(self, parent: ET.Element, path: str) -> str:
        element = _find(parent, path)
        return " ".join((element.text or "").split()) if element is not None else ""

    def value(self, parent: ET.Element, path: str, parse, *, required: bool = False):
        """The parsed text of `path` under `parent`; None (with an error if required) when absent or bad."""
        element = _find(parent, path)
        text = " ".join((element.text or "").split()) if element is not None else ""
        if not text:
            if required:
                self.error(element if element is not None else parent, path, "is missing")
            return None
        try:
            return parse(text)
        except ValueError as e:
            self.error(element, path, str(e))
            return None

    # -- the file ------------------------------------------------------------------------------------------------

    def read(self, content: bytes) -> list[CtfPupil]:
        root = self.load(content)
        if root is None:
            return []
        if root.tag != "CTfile":
            self.error(root, root.tag, "this is not a common transfer file (the root element is not CTfile)")
            return []
        header = self.header(root)
        data = root.find("CTFpupilData")
        if data is None or data.find("Pupil") is None:
            self.error(root, "CTFpupilData", "the file has no pupils")
            return []
        found = [self.pupil(element, header) for element in data.findall("Pupil")]
        read = [p for p in found if p is not None]
        seen: dict[str, int] = {}
        for p in read:
            if p.pupil.upn in seen:
                message = f"UPN {p.pupil.upn} is also the pupil on line {seen[p.pupil.upn]}"
                self.errors.append(RowError(self.filename, p.line, "UPN", message))
            seen.setdefault(p.pupil.upn, p.line)
        return read

    def header(self, root: ET.Element) -> Header | None:
        element = root.find("Header")
        if element is None:
            self.error(root, "Header", "is missing")
            return None
        return Header(
            version=self.text(element, "CTFversion") or self.text(element, "CTFVersion"),
            created=self.text(element, "DateTime"),
            source_name=self.text(element, "SourceSchool/SchoolName"),
            source_urn=self.text(element, "SourceSchool/URN"),
            source_lea=self.text(element, "SourceSchool/LEA"),
            source_estab=self.text(element, "SourceSchool/Estab"),
            dest_name=self.text(element, "DestSchool/SchoolName"),
        )

    def pupil(self, element: ET.Element, header: Header | None) -> CtfPupil | None:
        errors_before = len(self.errors)
        upn = self.value(element, "UPN", cells.upn, required=True)
        surname = self.value(element, "Surname", cells.text, required=True)
        forename = self.value(element, "Forename", cells.text, required=True)
        dob = self.value(element, "DOB", cells.iso_date, required=True)
        sex = self.value(element, "Sex", _sex, required=True)
        year = self.value(element, "NCyearActual", cells.year_group, required=True)
        sen = self.value(element, "SENhistory/SEN/SENprovision", cells.choice(*Pupil.SEN.values))
        looked_after = self.value(element, "LookedAfter/InCare", cells.boolean)
        preferred_surname = self.text(element, "PreferredSurname")
        preferred_forename = self.text(element, "PreferredForename")
        if dob and dob >= self.today:
            self.error(_find(element, "DOB"), "DOB", "the date of birth is not in the past")
        years = element.findall("Attendance/YearData")
        ours = [y for y in years if self._recorded_here(y, header)]
        session_marks = [m for y in ours for m in self.year_marks(y)]
        fsm = self.fsm(element)
        found_contacts = [self.contact(c, element, upn) for c in element.findall("Contacts/Contact")]
        if len(self.errors) > errors_before:
            return None
        row = pupils.PupilRow(
            number=self.lines[element],
            upn=upn,
            surname=surname,
            forename=forename,
            dob=dob,
            gender=sex,
            year=year,
            fsm=fsm,
            sen=sen,
            looked_after=looked_after,
            preferred_surname=preferred_surname or None,
            preferred_forename=preferred_forename or None,
            admission_date=min((m.date for m in session_marks), default=None),
            admission_is_exact=False,
        )
        return CtfPupil(
            self.lines[element],
            row,
            contacts=found_contacts,
            marks=session_marks,
            years_elsewhere=len(years) - len(ours),
            header=header,
        )

    def fsm(self, pupil: ET.Element) -> bool | None:
        """Eligible today by the FSM history, or None when the file has no FSM history."""
        history = _find(pupil, "FSMhistory")
        if history is None:
            return None
        for instance in history.findall("FSMinstance"):
            starts = self.value(instance, "FSMstartDate", cells.iso_date)
            ends = self.value(instance, "FSMendDate", cells.iso_date)
            if starts and starts <= self.today and (ends is None or ends >= self.today):
                return True
        return False

    def contact(self, element: ET.Element, pupil: ET.Element, upn: str | None) -> contacts.ContactRow | None:
        errors_before = len(self.errors)
        forename, surname = self.text(element, "Forename"), self.text(element, "Surname")
        name = " ".join(p for p in (forename or self.text(element, "Title"), surname) if p)
        if not surname:
            self.error(element, "Contact/Surname", "is missing")
        code = self.text(element, "Relationship")
        relationship = RELATIONSHIPS.get(code.upper(), code) or "Contact"
        responsibility = self.value(element, "Responsibility", cells.boolean)
        priority = self.value(element, "Order", cells.whole_number(1, 99)) or 1
        email = self.value(element, "Email", cells.email) or ""
        phones = []
        for phone in sorted(element.findall("Phones/Phone"), key=_phone_rank):
            if self.text(phone, "TelephoneType").upper() == "F":
                continue
            if number := self.value(phone, "PhoneNo", cells.phone):
                phones.append(number)
        as_pupil = self.value(element, "AddressAsPupil", cells.boolean)
        address, postcode = self.address(_find(pupil, "Address") if as_pupil else element.find("Address"))
        if not (phones or email or address or postcode):
            self.error(element, "Contact", f"{name or 'a contact'} has no phone number, email address or address")
        if len(self.errors) > errors_before or upn is None:
            return None
        details = contacts.ContactDetails(
            name=name,
            phone=phones[0] if phones else "",
            phone_alt=phones[1] if len(phones) > 1 else "",
            email=email,
            address=address,
            postcode=postcode,
        )
        return contacts.ContactRow(self.lines[element], upn, details, relationship, bool(responsibility), priority)

    def address(self, element: ET.Element | None) -> tuple[str, str]:
        """(address lines, postcode) of an <Address>, from its BS7666 parts or its plain lines."""
        if element is None:
            return "", ""
        bs7666 = element.find("BS7666Address")
        if bs7666 is not None:
            number_street = " ".join(self.text(bs7666, p) for p in ("PAON", "Street") if self.text(bs7666, p))
            parts = [self.text(bs7666, "SAON"), number_street]
            parts += [self.text(bs7666, p) for p in ("Locality", "Town", "PostTown")]
        else:
            parts = [self.text(element, f"AddressLines/AddressLine{n}") for n in range(1, 6)]
        lines = []
        for part in parts:
            if part and part not in lines:
                lines.append(part)
        postcode = self.value(element, "PostCode", cells.postcode) or (
            self.value(bs7666, "PostCode", cells.postcode) if bs7666 is not None else None
        )
        return "\n".join(lines), postcode or ""

    # -- attendance ----------------------------------------------------------------------------------------------

    def _recorded_here(self, year: ET.Element, header: Header | None) -> bool:
        return (
            header is not None
            and header.source_urn == self.school.urn
            and (self.text(year, "LEA"), self.text(year, "Estab")) == (header.source_lea, header.source_estab)
        )

    def school_days(self, year: int, start: dt.date) -> list[dt.date]:
        key = (year, start)
        if key not in self._days:
            self._days[key] = list(
                SchoolDay.objects.for_trust(self.school.trust)
                .filter(school=self.school, academic_year=year, date__gte=start)
                .order_by("date")
                .values_list("date", flat=True)
            )
        return self._days[key]

    def year_marks(self, element: ET.Element) -> list[SessionMark]:
        start = self.value(element, "AttendStartDate", cells.iso_date, required=True)
        if start is None:
            return []
        year = self.value(element, "Year", cells.whole_number(1990, 2100)) or academic_year(start)
        if academic_year(start) != year:
            message = f"{start} is not in the academic year {academic_year_label(year)}"
            self.error(_find(element, "AttendStartDate"), "AttendStartDate", message)
            return []
        marks_element = element.find("AttendanceMarks")
        string = "".join((marks_element.text or "").split()) if marks_element is not None else ""
        if not string.strip(NO_MARK):
            return []  # totals only, or no sessions marked: nothing to record
        days = self.school_days(year, start)
        if not days:
            message = (
                f"{self.school.name} has no school days in {academic_year_label(year)} from {start}: "
                "import the school's calendar first"
            )
            self.error(marks_element, "AttendanceMarks", message)
            return []
        found, problems = decode_marks(string, days)
        for position, message in problems:
            self.error(marks_element, "AttendanceMarks", f"session {position}: {message}")
        if not problems:  # totals over a string with unreadable marks would only repeat those errors
            self.check_totals(element, [m.code for m in found])
        return found

    def check_totals(self, element: ET.Element, marked: list[str]) -> None:
        counts = count_codes(marked)
        expected = {
            "SessionsPossible": counts.possible,
            "SessionsAttended": counts.attended,
            "SessionsAuthorised": counts.authorised,
            "SessionsUnauthorised": counts.unauthorised,
        }
        for name, count in expected.items():
            given = self.value(element, name, cells.whole_number(0, 1000))
            if given is not None and given != count:
                message = f"says {given} but AttendanceMarks has {count}; the file contradicts itself"
                self.error(_find(element, name), name, message)


def _find(parent: ET.Element, path: str) -> ET.Element | None:
    """`path` under `parent`, or under its <BasicDetails>, where the CTF keeps a pupil's non-key details."""
    found = parent.find(path)
    if found is None and parent.tag == "Pupil":
        found = parent.find(f"BasicDetails/{path}")
    return found


def _sex(value: str) -> str:
    try:
        return SEXES[value.upper()]
    except KeyError:
        raise ValueError(f"{value!r} is not a sex code (M, F or U)") from None


def _phone_rank(phone: ET.Element) -> int:
    kind = (phone.findtext("TelephoneType") or "").strip().upper()
    return PHONE_ORDER.index(kind) if kind in PHONE_ORDER else len(PHONE_ORDER)


def read_code(character: str) -> str:
    """The statutory code one AttendanceMarks character stands for; ValueError with the reason if none."""
    if character.upper() in READ_AS:
        return READ_AS[character.upper()]
    if len(character) != 1 or len(codes.lookup(character).code) != 1:
        raise ValueError(f"{character!r} is not a one-character attendance code")
    return codes.lookup(character).code


def decode_marks(string: str, days: Sequence[dt.date]) -> tuple[list[SessionMark], list[tuple[int, str]]]:
    """The marks an AttendanceMarks string gives over `days` (AM then PM each day), and (session number, message)
    for every character that cannot be read or has no school day to go on. Pure: no database."""
    found, problems, past_the_end = [], [], []
    for index, character in enumerate(string):
        if character == NO_MARK:
            continue
        position = index + 1
        try:
            code = read_code(character)
        except ValueError as e:
            problems.append((position, str(e)))
            continue
        if index // 2 >= len(days):
            past_the_end.append(position)
            continue
        found.append(SessionMark(days[index // 2], ("AM", "PM")[index % 2], code))
    if past_the_end:
        last = f" ({days[-1]:%a %d %b %Y})" if days else ""
        message = f"this and {len(past_the_end) - 1} later marks fall after the last school day in the calendar{last}"
        problems.append((past_the_end[0], message))
    return found, sorted(problems)


def marks_string(days: Sequence[dt.date], marked: Mapping[tuple[dt.date, str], str]) -> str:
    """The AttendanceMarks string for `marked` ((date, session) -> statutory code) over `days`; the inverse of
    decode_marks, with two-character codes sent as their parent and "-" for a session with no mark."""
    return "".join(
        SENT_AS.get(code, code) if (code := marked.get((day, session))) else NO_MARK
        for day in days
        for session in ("AM", "PM")
    ).rstrip(NO_MARK)


def parse(school: School, filename: str, content: bytes) -> Parsed[CtfPupil]:
    """The file's pupils with their contacts and marks, or every error with its line and element."""
    reader = _Reader(school, filename)
    found = reader.read(content)
    return Parsed(found, sorted(reader.errors, key=lambda e: e.row))


def _pupil_rows(rows: list[CtfPupil]) -> list[pupils.PupilRow]:
    return [p.pupil for p in rows]


def preview(school: School, rows: list[CtfPupil]) -> Preview:
    pupil_plans = pupils.plan(school, _pupil_rows(rows))
    existing = {p.row.upn: p.pupil.pk for p in pupil_plans if p.pupil is not None}
    counts = {f"{o} pupils": sum(p.outcome == o for p in pupil_plans) for o in ("new", "updated", "unchanged")}
    counts["contacts"] = sum(len(p.contacts) for p in rows)
    known_marks = [
        MarkInput(existing[p.pupil.upn], m.date, m.session, m.code)
        for p in rows
        if p.pupil.upn in existing
        for m in p.marks
    ]
    mark_counts = marks.preview_marks(school, known_marks).counts
    mark_counts["new"] += sum(len(p.marks) for p in rows if p.pupil.upn not in existing)
    counts |= {f"{outcome} marks": n for outcome, n in mark_counts.items()}
    counts["years of attendance at other schools (not imported)"] = sum(p.years_elsewhere for p in rows)
    header = rows[0].header if rows else None
    sample = ([str(header)] if header else []) + [
        f"{p.outcome}: {p.row}" for p in pupil_plans if p.outcome != "unchanged"
    ]
    return Preview(counts, sample[: Preview.SAMPLE_SIZE])


@transaction.atomic
def apply(school: School, rows: list[CtfPupil], *, filename: str, recorded_by=None, on_progress=None) -> str:
    """Save the pupils, then their contacts, then their marks, in one transaction; returns a one-line summary."""
    pupil_plans = pupils.plan(school, _pupil_rows(rows))
    saved = pupils.save(school, pupil_plans, on_progress=on_progress)
    book, link_plans = contacts.plan(school, [c for p in rows for c in p.contacts])
    contacts.save(school, book, link_plans)
    result = upsert_marks(
        school=school,
        marks=[MarkInput(saved[p.pupil.upn].pk, m.date, m.session, m.code) for p in rows for m in p.marks],
        source=Mark.Source.IMPORT,
        recorded_by=recorded_by,
        reason=f"Imported from {filename}",
    )
    new, updated = (sum(p.outcome == outcome for p in pupil_plans) for outcome in ("new", "updated"))
    return (
        f"{new} new pupils, {updated} updated, {len(pupil_plans) - new - updated} unchanged; "
        f"{len(link_plans)} contacts ({len(book.new)} new parents and carers); marks: {result}"
    )
