"""Reading cells, CSV files and UPNs, and planning enrolments: plain Python, no database."""

import datetime as dt
from dataclasses import dataclass

import pytest

from schools.imports import cells, csvfiles, enrolments, upn
from schools.imports.csvfiles import Column
from schools.imports.results import RowError

D = dt.date


@pytest.mark.parametrize("value", ["B801200005001", "R123456720001", "J999200121005"])
def test_a_upn_with_the_right_check_letter_is_valid(value):
    assert upn.problem_with(value) is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("A801200005001", "check letter does not match: a UPN ending 801200005001 starts with B"),
        ("B80120000500", "13 characters, not 12"),
        ("B8012000050011", "13 characters, not 14"),
        ("I801200005001", "I, O and S are not used"),
        ("B80120000A001", "a letter, 11 digits"),
    ],
)
def test_a_mistyped_upn_is_refused_with_the_reason(value, problem):
    assert problem in upn.problem_with(value)


def test_a_temporary_upn_ending_in_a_letter_counts_that_letter_in_its_check():
    body = "12345672001"
    for last in "ABZ":
        assert upn.problem_with(upn.check_letter(body + last) + body + last) is None


@pytest.mark.parametrize(("value", "expected"), [("Y", True), ("yes", True), ("TRUE", True), ("1", True), ("n", False)])
def test_yes_and_no_are_read_in_every_common_spelling(value, expected):
    assert cells.boolean(value) is expected


@pytest.mark.parametrize("value", ["maybe", "2", "t"])
def test_anything_else_is_not_a_yes_or_no(value):
    with pytest.raises(ValueError, match="not yes or no"):
        cells.boolean(value)


@pytest.mark.parametrize(("value", "expected"), [("5", "5"), ("Y5", "5"), ("Year 11", "11"), ("r", "R"), ("05", "5")])
def test_year_groups_are_read_as_the_register_writes_them(value, expected):
    assert cells.year_group(value) == expected


def test_dates_must_be_iso_so_day_and_month_cannot_be_swapped():
    assert cells.iso_date("2026-11-03") == D(2026, 11, 3)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        cells.iso_date("03/11/2026")


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("14 Mill Lane, Townley, TW1 2AB", ("14 Mill Lane, Townley", "TW1 2AB")),
        ("Flat 2, 9 Station Road, Townley tw13cd", ("Flat 2, 9 Station Road, Townley", "TW1 3CD")),
        ("22 Church Street\nTownley\nSW1A 1AA", ("22 Church Street\nTownley", "SW1A 1AA")),
        ("3 The Green, Townley", ("3 The Green, Townley", "")),
    ],
)
def test_a_postcode_at_the_end_of_an_address_is_taken_out_of_it(address, expected):
    assert cells.split_postcode(address) == expected


def test_a_phone_needs_ten_to_fifteen_digits():
    assert cells.phone("+44 (0)7700 900123") == "+44 (0)7700 900123"
    with pytest.raises(ValueError):
        cells.phone("900123")
    with pytest.raises(ValueError):
        cells.phone("call after 5pm")


COLUMNS = (Column("upn", cells.upn), Column("dob", cells.iso_date), Column("group", blank=True, default=""))
COLUMNS += (Column("fsm", cells.boolean, required=False, default=False),)


def test_rows_are_numbered_as_a_spreadsheet_shows_them_and_blank_rows_are_skipped():
    content = (
        "\ufeffUPN,DOB,Group\r\nR123456720001,2016-10-14,5K\r\n,,\r\nF123456720002,2019-03-02,\r\n\r\n\r\n".encode()
    )
    rows, errors = csvfiles.read(content, "pupils.csv", COLUMNS)
    assert errors == []
    assert [(r.number, r.values["upn"], r.values["group"]) for r in rows] == [
        (2, "R123456720001", "5K"),
        (4, "F123456720002", ""),
    ]


def test_an_optional_column_left_out_is_absent_from_the_row_and_an_empty_cell_gives_its_default():
    rows, _ = csvfiles.read(b"upn,dob,group\nR123456720001,2016-10-14,\n", "p.csv", COLUMNS)
    assert "fsm" not in rows[0].values
    rows, _ = csvfiles.read(b"upn,dob,group,fsm\nR123456720001,2016-10-14,,\n", "p.csv", COLUMNS)
    assert rows[0].values["fsm"] is False


def test_every_bad_cell_is_reported_with_its_row_and_column():
    content = b"upn,dob,group\nA801200005001,2016-10-14,5K\nR123456720001,14/10/2016,5K\n,2016-10-14,5K\n"
    _, errors = csvfiles.read(content, "pupils.csv", COLUMNS)
    assert [(e.file, e.row, e.column) for e in errors] == [
        ("pupils.csv", 2, "upn"),
        ("pupils.csv", 3, "dob"),
        ("pupils.csv", 4, "upn"),
    ]
    assert errors[2].message == "this cell is empty"


def test_a_missing_required_column_is_named_and_stops_the_rows_being_read():
    rows, errors = csvfiles.read(b"upn,group\nR123456720001,5K\n", "pupils.csv", COLUMNS)
    assert rows == []
    assert errors == [RowError("pupils.csv", 1, "dob", "this column is missing from the header row")]


def test_unknown_columns_are_ignored_but_a_row_longer_than_the_header_is_an_error():
    content = b"upn,dob,group,ethnicity\nR123456720001,2016-10-14,5K,WBRI\nF123456720002,2019-03-02,2B,WBRI,extra\n"
    rows, errors = csvfiles.read(content, "pupils.csv", COLUMNS)
    assert [r.number for r in rows] == [2]
    assert [(e.row, e.column) for e in errors] == [(3, "")]


def test_a_file_that_is_not_utf8_is_refused_naming_the_row():
    content = "upn,dob,group\nR123456720001,2016-10-14,Zoë\n".encode("cp1252")
    _, errors = csvfiles.read(content, "pupils.csv", COLUMNS)
    assert [(e.row, "CSV UTF-8" in e.message) for e in errors] == [(2, True)]


def test_an_empty_file_says_so():
    assert csvfiles.read(b"", "x.csv", COLUMNS)[1][0].message.startswith("the file is empty")


@dataclass
class Enrolment:
    school_id: int
    starts: dt.date
    ends: dt.date | None = None


TODAY = D(2026, 11, 23)


def test_a_new_pupil_is_enrolled_from_the_admission_date_or_today():
    assert enrolments.plan([], 1, D(2026, 9, 3), None, TODAY).create == (D(2026, 9, 3), None)
    assert enrolments.plan([], 1, None, None, TODAY).create == (TODAY, None)


def test_a_pupil_already_on_roll_is_left_alone_when_the_file_says_the_same():
    on_roll = [Enrolment(1, D(2026, 9, 3))]
    assert not enrolments.plan(on_roll, 1, None, None, TODAY).changes_anything
    assert not enrolments.plan(on_roll, 1, D(2026, 9, 3), None, TODAY).changes_anything


def test_a_leaving_date_closes_the_enrolment_at_this_school():
    on_roll = [Enrolment(1, D(2026, 9, 3))]
    change = enrolments.plan(on_roll, 1, None, D(2026, 12, 18), TODAY)
    assert change.update == (on_roll[0], D(2026, 9, 3), D(2026, 12, 18))


def test_a_pupil_moving_between_the_trusts_schools_gets_a_new_enrolment_and_leaves_the_old_school():
    at_other_school = Enrolment(2, D(2024, 9, 4))
    change = enrolments.plan([at_other_school], 1, D(2026, 11, 23), None, TODAY)
    assert change.create == (D(2026, 11, 23), None)
    assert change.close == [(at_other_school, D(2026, 11, 22))]


def test_a_pupil_who_left_this_school_and_comes_back_gets_a_second_enrolment():
    left = Enrolment(1, D(2025, 9, 3), D(2026, 3, 27))
    change = enrolments.plan([left], 1, D(2026, 11, 2), None, TODAY)
    assert (change.create, change.update) == ((D(2026, 11, 2), None), None)


def test_a_ctf_admission_date_only_moves_an_enrolment_earlier():
    on_roll = [Enrolment(1, D(2026, 9, 1))]
    assert not enrolments.plan(on_roll, 1, D(2026, 9, 3), None, TODAY, admission_is_exact=False).changes_anything
    change = enrolments.plan(on_roll, 1, D(2026, 8, 31), None, TODAY, admission_is_exact=False)
    assert change.update == (on_roll[0], D(2026, 8, 31), None)
