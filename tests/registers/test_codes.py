"""The DfE 2024 code table: every code, its category, and whether it is a possible session and attendance."""

import pytest

from registers import codes as C

# (code, category, possible session, counts as attendance) — the 2024 table, written out again by hand as the spec.
EXPECTED = [
    ("/", "present", True, True),
    ("\\", "present", True, True),
    ("L", "present", True, True),
    ("K", "approved_activity", True, True),
    ("V", "approved_activity", True, True),
    ("P", "approved_activity", True, True),
    ("W", "approved_activity", True, True),
    ("B", "approved_activity", True, True),
    ("C1", "authorised", True, False),
    ("M", "authorised", True, False),
    ("J1", "authorised", True, False),
    ("S", "authorised", True, False),
    ("C2", "authorised", True, False),
    ("C", "authorised", True, False),
    ("T", "authorised", True, False),
    ("R", "authorised", True, False),
    ("I", "authorised", True, False),
    ("E", "authorised", True, False),
    ("G", "unauthorised", True, False),
    ("N", "unauthorised", True, False),
    ("O", "unauthorised", True, False),
    ("U", "unauthorised", True, False),
    ("D", "not_possible", False, False),
    ("X", "not_possible", False, False),
    ("Q", "not_possible", False, False),
    ("Y1", "not_possible", False, False),
    ("Y2", "not_possible", False, False),
    ("Y3", "not_possible", False, False),
    ("Y4", "not_possible", False, False),
    ("Y5", "not_possible", False, False),
    ("Y6", "not_possible", False, False),
    ("Y7", "not_possible", False, False),
    ("Z", "not_possible", False, False),
    ("#", "not_possible", False, False),
]


def test_the_table_holds_exactly_the_2024_codes():
    assert sorted(C.KNOWN) == sorted(code for code, *_ in EXPECTED)


@pytest.mark.parametrize(("code", "category", "possible", "attendance"), EXPECTED)
def test_each_code_has_its_category_possible_session_and_attendance(code, category, possible, attendance):
    entry = C.lookup(code)
    assert entry.category == category
    assert entry.is_possible_session is possible
    assert entry.counts_as_attendance is attendance
    assert entry.meaning


@pytest.mark.parametrize("code", ["H", "J", "Y", "F"])
def test_codes_removed_in_2024_are_refused_with_a_reason(code):
    with pytest.raises(C.UnknownCode, match="2024|no longer"):
        C.lookup(code)


@pytest.mark.parametrize("code", ["", "A", "ZZ", "Y8", "C3", "//"])
def test_codes_never_in_the_table_are_refused(code):
    with pytest.raises(C.UnknownCode):
        C.lookup(code)


def test_codes_are_read_without_regard_to_case_or_spaces():
    assert C.lookup(" j1 ").code == "J1"


def test_a_local_sub_code_maps_to_its_statutory_code():
    assert C.resolve("I01", {"I01": "I"}) == ("I", "I01")
    assert C.resolve("M", {"I01": "I"}) == ("M", "")


def test_a_local_sub_code_cannot_map_to_a_removed_code():
    with pytest.raises(C.UnknownCode):
        C.resolve("H01", {"H01": "H"})


def test_penalty_notice_codes_are_g_n_o_and_u():
    assert frozenset({"G", "N", "O", "U"}) == C.PENALTY_NOTICE


def test_lates_are_l_and_u():
    assert frozenset({"L", "U"}) == C.LATE


def test_every_code_fits_in_two_characters():
    assert all(1 <= len(code) <= 2 for code in C.KNOWN)


def test_a_schools_sub_codes_must_be_new_short_and_map_to_a_statutory_code():
    C.check_local_codes({"I01": "I", "m-den": "M"})
    for bad in ({"I": "I"}, {"H01": "H"}, {"TOOLONG1": "I"}, {"H": "I"}):
        with pytest.raises(C.UnknownCode):
            C.check_local_codes(bad)
