"""The onboarding commands: create a trust and a school, then import calendar, pupils, contacts and marks."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from registers.models import Mark
from schools.models import (
    Closure,
    Contact,
    Enrolment,
    HalfTerm,
    Pupil,
    PupilContact,
    RegistrationGroup,
    School,
    SchoolDay,
    Trust,
)
from tests.factories import PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
D = dt.date


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def run_import(kind: str, urn: str, name: str) -> str:
    return run(f"import_{kind}", urn, str(FIXTURES / name))


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def counts() -> dict[str, int]:
    models = (Trust, School, HalfTerm, Closure, SchoolDay, Pupil, Enrolment, RegistrationGroup, Contact, PupilContact)
    return {m.__name__: m.objects.count() for m in models} | {"Mark": Mark.objects.count()}


@pytest.fixture
def onboarded(school_a):
    """Alpha Primary with its 2026/27 calendar, pupils and contacts imported."""
    run_import("calendar", school_a.urn, "calendar-2026-27.csv")
    run_import("pupils", school_a.urn, "pupils.csv")
    run_import("contacts", school_a.urn, "contacts.csv")
    return school_a


# -- create_trust, create_school ----------------------------------------------------------------------------------


def test_create_trust_makes_a_trust_with_its_policy_preset(db):
    out = run("create_trust", "waterton", "--name", "Waterton Academy Trust", "--policy", "waterton")
    trust = Trust.objects.get(slug="waterton")
    assert (trust.name, trust.policy) == ("Waterton Academy Trust", "waterton")
    assert "Waterton Academy Trust policy" in out


def test_create_trust_refuses_a_slug_that_is_taken_and_changes_nothing(trust_a):
    with pytest.raises(CommandError, match="already exists"):
        run("create_trust", trust_a.slug, "--name", "Another", "--policy", "odst")
    trust_a.refresh_from_db()
    assert (trust_a.name, Trust.objects.count()) == ("Trust A", 1)


def test_create_trust_refuses_an_unknown_policy(db):
    with pytest.raises(CommandError, match="invalid choice"):
        run("create_trust", "new-trust", "--name", "New", "--policy", "lenient")
    assert not Trust.objects.exists()


def test_create_school_sets_registers_to_close_thirty_minutes_after_the_day_starts(trust_a):
    run(
        "create_school",
        "trust-a",
        "123456",
        "--name",
        "Hillside Academy",
        "--phase",
        "secondary",
        "--day-starts",
        "08:30",
    )
    school = School.objects.get(urn="123456")
    assert (school.trust, school.phase) == (trust_a, "secondary")
    assert (school.day_starts, school.registers_close, school.late_until) == (
        dt.time(8, 30),
        dt.time(9, 0),
        dt.time(9, 0),
    )


def test_create_school_takes_waterton_style_late_times(trust_a):
    args = ["--day-starts", "08:40", "--registers-close", "08:45", "--late-until", "08:55"]
    run("create_school", "trust-a", "123457", "--name", "Waterton Primary", "--phase", "primary", *args)
    school = School.objects.get(urn="123457")
    assert (school.registers_close, school.late_until) == (dt.time(8, 45), dt.time(8, 55))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-trust", "123456"], "no trust has slug"),
        (["trust-a", "12345"], "is not a URN"),
        (["trust-a", "100001"], "already Alpha Primary"),
        (["trust-a", "123456", "--day-starts", "9am"], "is not a time"),
        (["trust-a", "123456", "--registers-close", "08:30"], "must run in order"),
    ],
)
def test_create_school_refuses_bad_input_and_saves_nothing(school_a, args, message):
    with pytest.raises(CommandError, match=message):
        run("create_school", *args, "--name", "Hillside", "--phase", "primary")
    assert School.objects.count() == 1


# -- import_calendar ----------------------------------------------------------------------------------------------


def test_import_calendar_saves_half_terms_and_closures_and_builds_the_school_days(school_a):
    out = run_import("calendar", school_a.urn, "calendar-2026-27.csv")
    assert HalfTerm.objects.filter(school=school_a).count() == 6
    assert set(Closure.objects.values_list("kind", "starts")) == {
        ("inset", D(2026, 9, 2)),
        ("inset", D(2027, 1, 4)),
        ("closure", D(2027, 5, 6)),
    }
    days = set(SchoolDay.objects.filter(school=school_a).values_list("date", flat=True))
    assert D(2026, 9, 3) in days
    assert not {D(2026, 9, 2), D(2026, 10, 26), D(2026, 11, 21), D(2027, 5, 6)} & days
    assert f"9 new, 0 updated, 0 unchanged; Alpha Primary has {len(days)} school days" in out


def test_importing_the_same_calendar_twice_changes_nothing(school_a):
    run_import("calendar", school_a.urn, "calendar-2026-27.csv")
    before = (counts(), sorted(SchoolDay.objects.values_list("date", "week", "academic_year")))
    out = run_import("calendar", school_a.urn, "calendar-2026-27.csv")
    assert (counts(), sorted(SchoolDay.objects.values_list("date", "week", "academic_year"))) == before
    assert "0 new, 0 updated, 9 unchanged" in out


def test_a_re_dated_half_term_end_is_updated_in_place(school_a, tmp_path):
    run_import("calendar", school_a.urn, "calendar-2026-27.csv")
    changed = write(tmp_path, "cal.csv", "kind,name,start,end\nhalf_term,Autumn 2,2026-11-02,2026-12-17\n")
    run("import_calendar", school_a.urn, changed)
    assert HalfTerm.objects.get(school=school_a, starts=D(2026, 11, 2)).ends == D(2026, 12, 17)
    assert not SchoolDay.objects.filter(school=school_a, date=D(2026, 12, 18)).exists()


def test_a_bad_calendar_names_each_row_and_column_and_saves_nothing(school_a, tmp_path):
    bad = write(
        tmp_path,
        "calendar.csv",
        "kind,name,start,end\n"
        "half_term,Autumn 1,2026-09-02,2026-10-23\n"
        "holiday,Christmas,2026-12-21,2027-01-01\n"
        "half_term,Autumn 2,2026-11-02,2026-10-30\n"
        "half_term,Autumn 1 again,2026-10-19,2026-10-30\n"
        "inset,INSET,2026-9-2,2026-09-02\n",
    )
    before = counts()
    with pytest.raises(CommandError) as raised:
        run("import_calendar", school_a.urn, bad)
    message = str(raised.value)
    assert "calendar.csv has 4 errors; nothing was saved." in message
    assert "calendar.csv, row 3, column kind: 'holiday' is not one of half_term, inset, closure" in message
    assert "calendar.csv, row 4, column end: ends before it starts" in message
    assert "calendar.csv, row 5, column start: overlaps the half-term on row 2" in message
    assert "calendar.csv, row 6, column start: '2026-9-2' is not a date" in message
    assert counts() == before


def test_an_import_for_an_unknown_urn_or_a_missing_file_is_refused(school_a):
    with pytest.raises(CommandError, match="no school has URN 999999"):
        run_import("calendar", "999999", "calendar-2026-27.csv")
    with pytest.raises(CommandError, match="cannot read"):
        run("import_calendar", school_a.urn, str(FIXTURES / "no-such-file.csv"))


def test_dry_run_shows_what_would_change_and_saves_nothing(school_a):
    out = run("import_calendar", school_a.urn, str(FIXTURES / "calendar-2026-27.csv"), "--dry-run")
    assert "new: 9" in out
    assert "new: Autumn 1 (half term): Wed 02 Sep 2026 to Fri 23 Oct 2026" in out
    assert HalfTerm.objects.count() == 0


# -- import_pupils ------------------------------------------------------------------------------------------------


def test_import_pupils_creates_pupils_groups_and_enrolments(school_a):
    out = run_import("pupils", school_a.urn, "pupils.csv")
    assert "4 new, 0 updated, 0 unchanged" in out
    amira = Pupil.objects.get(upn="R123456720001")
    assert (amira.trust, amira.legal_forename, amira.year_group, amira.group.name) == (
        school_a.trust,
        "Amira",
        "5",
        "5K",
    )
    assert (amira.fsm, amira.pupil_premium, amira.eal, amira.sen) == (True, True, True, "N")
    assert list(amira.enrolments.values_list("school", "starts", "ends")) == [(school_a.pk, D(2022, 9, 5), None)]
    chidi = Pupil.objects.get(upn="V123456720003")
    assert (chidi.display_name, chidi.social_worker, chidi.watch_list) == ("CJ Okafor", True, True)
    assert chidi.watch_list_reason.startswith("Open to children's social care")
    zofia = Pupil.objects.get(upn="J123456720004")
    assert (zofia.preferred_forename, zofia.year_group, zofia.sen, zofia.looked_after) == ("Zoë", "5", "E", True)
    assert RegistrationGroup.objects.get(school=school_a, name="5K").year_group == "5"
    assert RegistrationGroup.objects.filter(school=school_a).count() == 3


def test_importing_the_same_pupils_twice_changes_nothing(school_a):
    run_import("pupils", school_a.urn, "pupils.csv")
    before = (counts(), list(Pupil.objects.order_by("upn").values()))
    out = run_import("pupils", school_a.urn, "pupils.csv")
    assert (counts(), list(Pupil.objects.order_by("upn").values())) == before
    assert "0 new, 0 updated, 4 unchanged" in out


def test_an_existing_upn_updates_that_pupil_and_a_file_without_a_column_leaves_that_detail(school_a, tmp_path):
    run_import("pupils", school_a.urn, "pupils.csv")
    update = write(
        tmp_path,
        "pupils.csv",
        "upn,surname,forename,dob,gender,year,group,fsm,sen,eal\n"
        "V123456720003,Okafor,Chidiebube,2017-06-21,M,5,5K,Y,K,N\n",
    )
    out = run("import_pupils", school_a.urn, update)
    chidi = Pupil.objects.get(upn="V123456720003")
    assert (chidi.year_group, chidi.group.name, chidi.fsm, chidi.sen) == ("5", "5K", True, "K")
    # No safeguarding columns in this file: the flags and the watch list stay as they were.
    assert (chidi.social_worker, chidi.watch_list, chidi.preferred_forename) == (True, True, "CJ")
    assert "0 new, 1 updated" in out
    assert Pupil.objects.count() == 4


def test_a_pupil_moving_to_another_school_of_the_trust_stays_one_record_with_a_new_enrolment(school_a, tmp_path):
    other = SchoolFactory(trust=school_a.trust, name="Beacon Academy", urn="100002")
    run_import("pupils", school_a.urn, "pupils.csv")
    moved = write(
        tmp_path,
        "beacon.csv",
        "upn,surname,forename,dob,gender,year,group,fsm,sen,eal,admission_date\n"
        "R123456720001,Khan,Amira,2016-10-14,F,5,,Y,N,Y,2026-11-23\n",
    )
    out = run("import_pupils", other.urn, moved)
    amira = Pupil.objects.get(upn="R123456720001")
    assert Pupil.objects.filter(upn="R123456720001").count() == 1
    assert list(amira.enrolments.order_by("starts").values_list("school__urn", "starts", "ends")) == [
        ("100001", D(2022, 9, 5), D(2026, 11, 22)),
        ("100002", D(2026, 11, 23), None),
    ]
    assert amira.group is None  # Alpha Primary's 5K is not a group at Beacon Academy
    assert "1 joined from another school of the trust" in out


def test_the_same_upn_in_another_trust_is_another_pupil(school_a, school_b):
    PupilFactory(school=school_b, upn="R123456720001")
    run_import("pupils", school_a.urn, "pupils.csv")
    assert Pupil.objects.filter(upn="R123456720001").count() == 2
    assert Pupil.objects.get(upn="R123456720001", trust=school_b.trust).enrolments.get().school == school_b


def test_a_bad_pupil_file_names_every_row_and_column_and_saves_nothing(school_a, tmp_path):
    bad = write(
        tmp_path,
        "pupils.csv",
        "upn,surname,forename,dob,gender,year,group,fsm,sen,eal,leaving_date\n"
        "R123456720001,Khan,Amira,2016-10-14,F,5,5K,Y,N,Y,\n"
        "A801200005001,Bell,Tom,2016-02-30,Male,5,5K,Y,S,maybe,\n"
        "R123456720001,Khan,Amira,2016-10-14,F,5,5K,Y,N,Y,\n"
        "F123456720002,Khan,Yusuf,2030-01-01,M,Reception,2B,N,N,N,2020-01-01\n",
    )
    before = counts()
    with pytest.raises(CommandError) as raised:
        run("import_pupils", school_a.urn, bad)
    lines = str(raised.value).splitlines()
    assert lines[0] == "pupils.csv has 9 errors; nothing was saved."
    assert [line.split(":")[0] for line in lines[1:]] == [
        "pupils.csv, row 3, column upn",
        "pupils.csv, row 3, column dob",
        "pupils.csv, row 3, column gender",
        "pupils.csv, row 3, column sen",
        "pupils.csv, row 3, column eal",
        "pupils.csv, row 4, column upn",
        "pupils.csv, row 5, column year",
        "pupils.csv, row 5, column dob",
        "pupils.csv, row 5, column leaving_date",
    ]
    assert "pupils.csv, row 4, column upn: the same as row 2" in lines
    assert counts() == before


def test_a_pupil_file_missing_a_column_names_it(school_a, tmp_path):
    bad = write(
        tmp_path,
        "pupils.csv",
        "upn,surname,forename,dob,gender,year,fsm,sen\nR123456720001,Khan,A,2016-10-14,F,5,Y,N\n",
    )
    with pytest.raises(CommandError) as raised:
        run("import_pupils", school_a.urn, bad)
    assert "pupils.csv, row 1, column group: this column is missing from the header row" in str(raised.value)
    assert "pupils.csv, row 1, column eal: this column is missing from the header row" in str(raised.value)
    assert Pupil.objects.count() == 0


# -- import_contacts ----------------------------------------------------------------------------------------------


def test_siblings_parents_become_one_contact_linked_to_each_child(onboarded):
    sadia = Contact.objects.get(name="Sadia Khan")
    assert sorted(sadia.pupil_links.values_list("pupil__legal_forename", "relationship", "priority")) == [
        ("Amira", "Mother", 1),
        ("Yusuf", "Mother", 1),
    ]
    imran = Contact.objects.get(name="Imran Khan")  # matched on phone, written two ways
    assert imran.pupil_links.count() == 2
    assert (sadia.address, sadia.postcode, sadia.language) == ("14 Mill Lane\nTownley", "TW1 2AB", "Urdu")
    assert Contact.objects.count() == 5
    assert PupilContact.objects.count() == 7


def test_a_postcode_is_parsed_from_the_end_of_the_address_or_taken_from_its_column(onboarded):
    grace = Contact.objects.get(name="Grace Okafor")
    assert (grace.address, grace.postcode, grace.language) == ("Flat 2\n9 Station Road\nTownley", "TW1 3CD", "English")
    anna = Contact.objects.get(name="Anna Nowak")
    assert (anna.address, anna.postcode) == ("22 Church Street\nTownley", "TW1 4EF")
    duty = PupilContact.objects.get(contact__name="Social Care Duty Desk")
    assert (duty.parental_responsibility, duty.priority, duty.relationship) == (False, 3, "Social worker")


def test_importing_the_same_contacts_twice_changes_nothing(onboarded):
    before = (counts(), list(Contact.objects.order_by("pk").values()), list(PupilContact.objects.values()))
    out = run_import("contacts", onboarded.urn, "contacts.csv")
    assert (counts(), list(Contact.objects.order_by("pk").values()), list(PupilContact.objects.values())) == before
    assert "0 new, 0 updated, 7 unchanged; 0 new parents and carers" in out


def test_a_parent_already_known_at_another_school_of_the_trust_is_linked_not_copied(onboarded, tmp_path):
    other = SchoolFactory(trust=onboarded.trust, urn="100002")
    PupilFactory(school=other, upn="J999200121005", legal_forename="Zara", legal_surname="Khan")
    more = write(
        tmp_path,
        "contacts.csv",
        "upn,name,relationship,parental_responsibility,phone,email,address,language,priority\n"
        "J999200121005,SADIA KHAN,Mother,Y,07700 900999,sadia.khan@example.org,,,1\n",
    )
    run("import_contacts", other.urn, more)
    sadia = Contact.objects.get(name="Sadia Khan")
    assert sadia.pupil_links.count() == 3
    assert (sadia.phone, sadia.phone_alt, sadia.language) == ("07700 900101", "07700 900999", "Urdu")


def test_a_bad_contact_file_names_every_row_and_column_and_saves_nothing(onboarded, school_b, tmp_path):
    PupilFactory(school=school_b, upn="J999200121005")
    bad = write(
        tmp_path,
        "contacts.csv",
        "upn,name,relationship,parental_responsibility,phone,email,address,language,priority\n"
        "J999200121005,Ann Other,Mother,Y,07700 900101,,,,1\n"
        "R123456720001,Sadia Khan,Mother,perhaps,0770,not-an-email,,,first\n"
        "R123456720001,Nobody,Aunt,N,,,,,1\n"
        "F123456720002,Sadia Khan,Mother,Y,07700 900101,,,,1\n"
        "F123456720002,sadia  khan,Mother,Y,07700 900101,,,,1\n",
    )
    before = counts()
    with pytest.raises(CommandError) as raised:
        run("import_contacts", onboarded.urn, bad)
    message = str(raised.value)
    assert "row 2, column upn: no pupil of Trust A has UPN J999200121005" in message
    for column in ("parental_responsibility", "phone", "email", "priority"):
        assert f"row 3, column {column}:" in message
    assert "row 4, column phone: give a phone number, an email address or an address" in message
    assert "row 6, column name: the same as row 5" in message
    assert counts() == before


# -- import_marks -------------------------------------------------------------------------------------------------


def test_import_marks_records_each_session_with_its_statutory_code(onboarded):
    out = run_import("marks", onboarded.urn, "marks.csv")
    assert "16 new, 0 corrected, 0 unchanged marks" in out
    marks = {
        (m.pupil.upn, m.date, m.session): (m.code, m.minutes_late)
        for m in Mark.objects.select_related("pupil").filter(school=onboarded)
    }
    assert marks[("R123456720001", D(2026, 11, 17), "AM")] == ("L", 12)
    assert marks[("V123456720003", D(2026, 11, 17), "PM")] == ("C1", None)
    assert marks[("J123456720004", D(2026, 11, 17), "AM")] == ("Y2", None)
    assert set(Mark.objects.values_list("source", "reason")) == {("import", "Imported from marks.csv")}


def test_importing_the_same_marks_twice_changes_nothing(onboarded):
    run_import("marks", onboarded.urn, "marks.csv")
    history = Mark.pgh_event_model.objects.count()
    out = run_import("marks", onboarded.urn, "marks.csv")
    assert "0 new, 0 corrected, 16 unchanged marks" in out
    assert (Mark.objects.count(), Mark.pgh_event_model.objects.count()) == (16, history)


def test_a_changed_code_is_a_correction_kept_in_the_marks_history(onboarded, tmp_path):
    run_import("marks", onboarded.urn, "marks.csv")
    corrected = write(tmp_path, "corrections.csv", "upn,date,session,code\nV123456720003,2026-11-16,AM,I\n")
    out = run("import_marks", onboarded.urn, corrected)
    assert "0 new, 1 corrected, 0 unchanged marks" in out
    mark = Mark.objects.get(pupil__upn="V123456720003", date=D(2026, 11, 16), session="AM")
    events = Mark.pgh_event_model.objects.filter(pgh_obj=mark).order_by("pgh_id")
    assert [(e.pgh_label, e.code, e.reason) for e in events] == [
        ("insert", "N", "Imported from marks.csv"),
        ("update", "I", "Imported from corrections.csv"),
    ]


def test_a_bad_marks_file_names_every_row_and_column_and_saves_nothing(onboarded):
    before = counts()
    with pytest.raises(CommandError) as raised:
        run_import("marks", onboarded.urn, "marks-with-errors.csv")
    lines = str(raised.value).splitlines()
    assert lines[1:] == [
        "marks-with-errors.csv, row 2, column code: H (agreed family holiday) was removed in 2024: term-time "
        "holidays cannot be authorised; use G, or C for service children",
        "marks-with-errors.csv, row 3, column date: Sat 21 Nov 2026 is not a school day here",
        "marks-with-errors.csv, row 5, column session: the same as row 4",
        "marks-with-errors.csv, row 6, column upn: 'A801200005001': the check letter does not match: a UPN ending "
        "801200005001 starts with B (mistyped digit?)",
        "marks-with-errors.csv, row 7, column upn: no pupil of Trust A has UPN X123456720099",
        "marks-with-errors.csv, row 8, column date: Wed 02 Sep 2026 is not a school day here",
        "marks-with-errors.csv, row 8, column upn: Zoë Nowak was not on Alpha Primary's roll on Wed 02 Sep 2026",
        "marks-with-errors.csv, row 10, column date: '16/11/2026' is not a date: write it as YYYY-MM-DD, "
        "e.g. 2026-09-03",
        "marks-with-errors.csv, row 10, column session: 'noon' is not one of AM, PM",
    ]
    assert lines[0] == "marks-with-errors.csv has 9 errors; nothing was saved."
    assert counts() == before


def test_minutes_late_only_go_with_a_late_code(onboarded, tmp_path):
    bad = write(tmp_path, "m.csv", "upn,date,session,code,minutes_late\nR123456720001,2026-11-16,AM,/,5\n")
    with pytest.raises(CommandError, match="row 2, column minutes_late: minutes late only go with L or U, not /"):
        run("import_marks", onboarded.urn, bad)
    assert not Mark.objects.exists()


def test_a_school_sub_code_in_a_marks_file_is_kept_with_its_statutory_code(tmp_path):
    from io import StringIO

    from django.core.management import call_command

    from registers.models import Mark
    from schools.models import School
    from schools.services import rebuild_school_days
    from tests.factories import HalfTermFactory, PupilFactory, SchoolFactory

    school = SchoolFactory(local_codes={"I01": "I"})
    HalfTermFactory(school=school)
    rebuild_school_days(school)
    pupil = PupilFactory(school=school, upn="R100000000001")
    marks = tmp_path / "marks.csv"
    marks.write_text(f"upn,date,session,code\n{pupil.upn},2026-09-07,AM,i01\n")
    call_command("import_marks", school.urn, str(marks), stdout=StringIO())
    mark = Mark.objects.get(pupil=pupil)
    assert (mark.code, mark.local_code) == ("I", "I01")
    assert School.objects.get(pk=school.pk).resolve_code("I01") == ("I", "I01")
