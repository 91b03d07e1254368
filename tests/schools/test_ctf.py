"""Common Transfer Files: the marks encoding (pure), then a sample CTF imported, round-tripped and re-imported."""

import datetime as dt
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from registers import codes
from registers.attendance import pupil_statistics
from registers.models import Mark
from schools.imports import ctf
from schools.models import Contact, Enrolment, Pupil, PupilContact, SchoolDay
from tests.factories import PupilFactory

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "alpha-primary.ctf.xml"
D = dt.date
# Thu 3 and Fri 4 September, Monday 7 September 2026.
DAYS = [D(2026, 9, 3), D(2026, 9, 4), D(2026, 9, 7)]


# -- the AttendanceMarks string (no database) ---------------------------------------------------------------------


def test_marks_are_read_am_then_pm_over_school_days_only():
    found, problems = ctf.decode_marks("/\\IN", DAYS)
    assert problems == []
    assert found == [
        ctf.SessionMark(D(2026, 9, 3), "AM", "/"),
        ctf.SessionMark(D(2026, 9, 3), "PM", "\\"),
        ctf.SessionMark(D(2026, 9, 4), "AM", "I"),
        ctf.SessionMark(D(2026, 9, 4), "PM", "N"),
    ]


def test_a_dash_is_a_session_with_no_mark():
    found, _ = ctf.decode_marks("-\\--/", DAYS)
    assert [(m.date, m.session) for m in found] == [(D(2026, 9, 3), "PM"), (D(2026, 9, 7), "AM")]


@pytest.mark.parametrize(("character", "code"), [("J", "J1"), ("Y", "Y7"), ("C", "C"), ("l", "L"), ("#", "#")])
def test_one_character_parents_of_2024_codes_are_read_as_a_statutory_code(character, code):
    assert ctf.read_code(character) == code


@pytest.mark.parametrize("character", ["J", "Y", "C"])
def test_reading_a_parent_code_keeps_its_category_so_every_statistic_is_unchanged(character):
    children = [c for c, parent in ctf.SENT_AS.items() if parent == character]
    assert {codes.category_of(c) for c in children} == {codes.category_of(ctf.read_code(character))}


def test_a_code_withdrawn_in_2024_is_refused_with_the_reason():
    _, problems = ctf.decode_marks("/H", DAYS)
    assert problems == [(2, codes.REMOVED["H"])]


def test_marks_after_the_last_school_day_are_one_error_and_trailing_dashes_are_fine():
    _, problems = ctf.decode_marks("/\\/\\/\\/\\I-I", DAYS)
    assert problems == [(7, "this and 3 later marks fall after the last school day in the calendar (Mon 07 Sep 2026)")]
    assert ctf.decode_marks("/\\/\\/\\----", DAYS)[1] == []


def test_two_character_codes_are_written_as_their_parent_and_gaps_as_dashes():
    marked = {(DAYS[0], "AM"): "C1", (DAYS[0], "PM"): "C2", (DAYS[1], "PM"): "J1", (DAYS[2], "AM"): "Y3"}
    assert ctf.marks_string(DAYS, marked) == "CC-JY"


@pytest.mark.parametrize("code", sorted(codes.KNOWN))
def test_every_statutory_code_survives_a_round_trip_in_its_category(code):
    string = ctf.marks_string(DAYS, {(DAYS[0], "PM"): code})
    [mark], problems = ctf.decode_marks(string, DAYS)
    assert problems == []
    assert (mark.date, mark.session) == (DAYS[0], "PM")
    assert codes.category_of(mark.code) is codes.category_of(code)
    assert mark.code == code or len(code) == 2


# -- the sample file ----------------------------------------------------------------------------------------------


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def import_sample(school, content: bytes | None = None, tmp_path: Path | None = None) -> str:
    path = SAMPLE
    if content is not None:
        path = tmp_path / "changed.ctf.xml"
        path.write_bytes(content)
    return run("import_ctf", school.urn, str(path))


def state() -> tuple:
    return (
        list(Pupil.objects.order_by("upn").values()),
        list(Enrolment.objects.order_by("pk").values()),
        list(Contact.objects.order_by("pk").values()),
        list(PupilContact.objects.order_by("pk").values()),
        list(Mark.objects.order_by("pk").values("pupil", "date", "session", "code", "recorded_at")),
        Mark.pgh_event_model.objects.count(),
    )


def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def file_marks(text: str) -> dict[tuple[str, str], str]:
    """(UPN, AttendStartDate) -> AttendanceMarks, for the sample's YearData at Alpha Primary."""
    found = {}
    for pupil in re.findall(r"<Pupil>.*?</Pupil>", text, re.S):
        upn = re.search(r"<UPN>(\w+)</UPN>", pupil)[1]
        for year in re.findall(r"<YearData>.*?</YearData>", pupil, re.S):
            if "<Estab>4567</Estab>" in year:
                start = re.search(r"<AttendStartDate>([\d-]+)<", year)[1]
                found[(upn, start)] = re.search(r"<AttendanceMarks>(.*?)</AttendanceMarks>", year)[1]
    return found


@pytest.fixture
def school(school_a):
    run("import_calendar", school_a.urn, str(FIXTURES / "calendar-2026-27.csv"))
    return school_a


@pytest.mark.django_db
def test_a_ctf_brings_in_pupils_with_their_details(school):
    out = import_sample(school)
    assert "3 new pupils, 0 updated, 0 unchanged; 4 contacts (3 new parents and carers)" in out
    ella = Pupil.objects.get(upn="E123456720011")
    assert (ella.trust, ella.display_name, ella.date_of_birth, ella.gender) == (
        school.trust,
        "Ellie Thompson",
        D(2016, 5, 9),
        "F",
    )
    assert (ella.year_group, ella.fsm, ella.sen, ella.group) == ("5", True, "K", None)
    maja = Pupil.objects.get(upn="H123456720013")
    assert (maja.fsm, maja.looked_after, maja.year_group) == (False, True, "3")  # her FSM ended in July 2025


@pytest.mark.django_db
def test_a_ctf_pupil_is_enrolled_from_the_first_day_their_marks_cover(school):
    import_sample(school)
    assert dict(Enrolment.objects.values_list("pupil__upn", "starts")) == {
        "E123456720011": D(2026, 9, 3),
        "U123456720012": D(2026, 9, 3),
        "H123456720013": D(2026, 11, 2),
    }


@pytest.mark.django_db
def test_a_ctf_parent_of_siblings_becomes_one_contact(school):
    import_sample(school)
    laura = Contact.objects.get(name="Laura Thompson")
    assert sorted(laura.pupil_links.values_list("pupil__legal_forename", "relationship", "priority")) == [
        ("Ella", "Parent", 1),
        ("Noah", "Parent", 1),
    ]
    assert (laura.phone, laura.phone_alt, laura.email) == ("07700 900201", "01632 960201", "laura.thompson@example.org")
    assert (laura.address, laura.postcode) == ("12 Orchard Way\nTownley", "TW1 5GH")
    mark = Contact.objects.get(name="Mark Thompson")  # his address is the pupil's
    assert (mark.address, mark.postcode, mark.phone) == ("12 Orchard Way\nTownley", "TW1 5GH", "07700 900202")
    piotr = PupilContact.objects.select_related("contact").get(contact__name="Piotr Nowicki")
    assert (piotr.relationship, piotr.parental_responsibility) == ("Foster carer", False)
    assert (piotr.contact.address, piotr.contact.postcode) == ("Flat 4, Linden Court\n31 Park Road\nTownley", "TW1 7JK")
    assert piotr.contact.phone == "01632 960203"  # the fax number is left out


@pytest.mark.django_db
def test_ctf_marks_land_on_the_schools_school_days_and_agree_with_the_files_totals(school):
    import_sample(school)
    marks = {(m.pupil.upn, m.date, m.session): m.code for m in Mark.objects.select_related("pupil")}
    assert len(marks) == 104 + 104 + 27
    assert marks[("E123456720011", D(2026, 9, 3), "AM")] == "/"
    assert marks[("E123456720011", D(2026, 9, 9), "AM")] == "L"  # session 9: the fifth school day
    assert marks[("E123456720011", D(2026, 11, 2), "AM")] == "/"  # session 75: the first day after half-term
    noah = {k[1:]: v for k, v in marks.items() if k[0] == "U123456720012"}
    assert {noah[(D(2026, 9, 21), "AM")], noah[(D(2026, 10, 5), "AM")], noah[(D(2026, 10, 8), "PM")]} == {
        "C",
        "J1",
        "Y7",
    }
    assert not any(date < D(2026, 9, 3) for _, date, _ in marks)  # the 2025 year at another school is left out
    ella = Pupil.objects.get(upn="E123456720011")
    counts = pupil_statistics(ella, D(2026, 9, 1), D(2026, 11, 23))
    assert (counts.possible, counts.attended, counts.authorised, counts.unauthorised) == (104, 94, 3, 7)
    assert set(Mark.objects.values_list("source", "reason")) == {("import", "Imported from alpha-primary.ctf.xml")}


@pytest.mark.django_db
def test_the_marks_written_back_as_a_ctf_string_are_the_files_own(school):
    import_sample(school)
    for (upn, start), string in file_marks(sample_text()).items():
        days = list(
            SchoolDay.objects.filter(school=school, date__gte=start, academic_year=2026).values_list("date", flat=True)
        )
        saved = {(m.date, m.session): m.code for m in Mark.objects.filter(pupil__upn=upn)}
        assert ctf.marks_string(days, saved) == string.rstrip("-"), upn


@pytest.mark.django_db
def test_importing_the_same_ctf_twice_changes_nothing(school):
    import_sample(school)
    before = state()
    out = import_sample(school)
    assert state() == before
    assert "0 new pupils, 0 updated, 3 unchanged" in out
    assert "0 new, 0 corrected, 235 unchanged" in out


@pytest.mark.django_db
def test_a_changed_mark_in_a_later_ctf_is_a_correction_kept_in_history(school, tmp_path):
    import_sample(school)
    text = sample_text()
    # Noah's first AM (position 1 of his Alpha Primary string) becomes an I, and his totals say so.
    changed = text.replace("<AttendanceMarks>/\\/\\IIII", "<AttendanceMarks>I\\/\\IIII", 1)
    changed = changed.replace("<SessionsAuthorised>10<", "<SessionsAuthorised>11<").replace(
        "<SessionsAttended>92<", "<SessionsAttended>91<"
    )
    out = import_sample(school, changed.encode(), tmp_path)
    assert "0 new, 1 corrected, 234 unchanged" in out
    mark = Mark.objects.get(pupil__upn="U123456720012", date=D(2026, 9, 3), session="AM")
    events = Mark.pgh_event_model.objects.filter(pgh_obj=mark).order_by("pgh_id")
    assert [(e.pgh_label, e.code, e.reason) for e in events] == [
        ("insert", "/", "Imported from alpha-primary.ctf.xml"),
        ("update", "I", "Imported from changed.ctf.xml"),
    ]


@pytest.mark.django_db
def test_a_ctf_updates_a_pupil_the_trust_already_has_and_keeps_their_admission_date(school):
    existing = PupilFactory(school=school, upn="E123456720011", legal_forename="Ella", year_group="4")
    import_sample(school)
    existing.refresh_from_db()
    assert (existing.year_group, existing.preferred_forename) == ("5", "Ellie")
    assert Pupil.objects.filter(upn="E123456720011").count() == 1
    assert list(existing.enrolments.values_list("starts", "ends")) == [(D(2026, 9, 1), None)]


@pytest.mark.django_db
def test_a_ctf_from_another_school_brings_pupils_but_not_that_schools_register(school, tmp_path):
    from_elsewhere = sample_text().replace("<URN>100001</URN>", "<URN>100999</URN>", 1)
    out = import_sample(school, from_elsewhere.encode(), tmp_path)
    assert Pupil.objects.count() == 3
    assert not Mark.objects.exists()
    assert "marks: 0 new" in out
    assert Enrolment.objects.filter(starts=D(2026, 11, 23)).count() == 3  # admitted today


def _errors_of(school, text: str, tmp_path: Path) -> list[str]:
    with pytest.raises(CommandError) as raised:
        import_sample(school, text.encode(), tmp_path)
    return str(raised.value).splitlines()[1:]


@pytest.mark.django_db
def test_a_ctf_with_bad_details_names_the_line_and_element_and_saves_nothing(school, tmp_path):
    text = sample_text()
    text = text.replace("<UPN>U123456720012</UPN>", "<UPN>A123456720012</UPN>")
    text = text.replace("<DOB>2018-02-17</DOB>", "<DOB>17/02/2018</DOB>")
    text = text.replace("NO/\\/\\/\\/\\U", "NH/\\/\\/\\/\\U")
    text = text.replace("<SessionsPossible>27<", "<SessionsPossible>30<")
    text = text.replace("<Email>Laura.Thompson@example.org</Email>", "<Email>Laura.Thompson at example.org</Email>")
    lines = text.splitlines()
    line_of = {
        needle: next(n for n, line in enumerate(lines, 1) if needle in line)
        for needle in (
            "A123456720012",
            "17/02/2018",
            "NH/",
            "<SessionsPossible>30<",
            "Laura.Thompson at",
        )
    }
    errors = _errors_of(school, text, tmp_path)
    assert errors == [
        f"changed.ctf.xml, row {line_of['NH/']}, column AttendanceMarks: session 82: {codes.REMOVED['H']}",
        f"changed.ctf.xml, row {line_of['A123456720012']}, column UPN: 'A123456720012': the check letter does not "
        "match: a UPN ending 123456720012 starts with U (mistyped digit?)",
        f"changed.ctf.xml, row {line_of['Laura.Thompson at']}, column Email: 'Laura.Thompson at example.org' is not "
        "an email address",
        f"changed.ctf.xml, row {line_of['17/02/2018']}, column DOB: '17/02/2018' is not a date: write it as "
        "YYYY-MM-DD, e.g. 2026-09-03",
        f"changed.ctf.xml, row {line_of['<SessionsPossible>30<']}, column SessionsPossible: says 30 but "
        "AttendanceMarks has 27; the file contradicts itself",
    ]
    assert not Pupil.objects.exists() and not Mark.objects.exists() and not Contact.objects.exists()


@pytest.mark.django_db
def test_marks_past_the_schools_calendar_are_an_error(school_a, tmp_path):
    run("import_calendar", school_a.urn, str(FIXTURES / "calendar-2026-27.csv"))
    # A calendar that stops at October half-term leaves no school day for the marks after it.
    SchoolDay.objects.filter(date__gte=D(2026, 11, 1)).delete()
    errors = _errors_of(school_a, sample_text(), tmp_path)
    assert any("session 75: this and 29 later marks fall after the last school day" in e for e in errors)
    assert any("AttendanceMarks: Alpha Primary has no school days in 2026/27 from 2026-11-02" in e for e in errors)
    assert not Mark.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<CTfile><Header></CTfile>", "row 1: not well-formed XML: mismatched tag at column 19"),
        ('<!DOCTYPE x [<!ENTITY big "boom">]><CTfile>&big;</CTfile>', "DTDs and entities are not allowed"),
        ("<Pupils/>", "row 1, column Pupils: this is not a common transfer file"),
        ("<CTfile><Header/></CTfile>", "row 1, column CTFpupilData: the file has no pupils"),
    ],
)
def test_a_file_that_is_not_a_safe_ctf_is_refused(school, tmp_path, content, message):
    errors = _errors_of(school, content, tmp_path)
    assert any(message in e for e in errors), errors
    assert not Pupil.objects.exists()
