"""No download lets a pupil's name run as a spreadsheet formula: text starting =, +, -, @, a tab or a carriage return
is quoted in every CSV and XLSX export, while numbers, dates and blanks keep their types."""

import csv
import datetime as dt
import io
import re
import zipfile
import zoneinfo
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from omega_attendance.spreadsheet_safety import safe_cell
from schools.models import Pupil
from tests.dashboards.test_school_figures import build_school_year, freeze_today
from tests.interventions.test_day1 import history, mark, school_calendar

PAYLOAD = "=cmd|' /C calc'!A0"
QUOTED = "'" + PAYLOAD
NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x","open")', '\'=HYPERLINK("http://x","open")'),
        (PAYLOAD, QUOTED),
        ("+1+1", "'+1+1"),
        ("-5", "'-5"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Smith", "Smith"),
        ("O'Brien-Smith", "O'Brien-Smith"),
        ("Ann =1+1", "Ann =1+1"),
        ("", ""),
        (-5, -5),
        (-2.5, -2.5),
        (Decimal("-93.3"), Decimal("-93.3")),
        (0, 0),
        (True, True),
        (dt.date(2026, 9, 7), dt.date(2026, 9, 7)),
        (None, None),
    ],
)
def test_only_text_that_starts_a_formula_is_quoted(value, expected):
    result = safe_cell(value)
    assert result == expected
    assert type(result) is type(expected)


# --- Reading the downloads back -------------------------------------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx_rows(response) -> list[list[str]]:
    """The first worksheet's cells as text, read from the workbook's XML; a formula cell would read as "<f>...",
    so the test sees one if it is ever written."""
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        strings_root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
        sheet_root = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    strings = ["".join(t.text or "" for t in item.iter(f"{{{NS['x']}}}t")) for item in strings_root]
    rows = []
    for row in sheet_root.iterfind(".//x:sheetData/x:row", NS):
        cells = []
        for cell in row.iterfind("x:c", NS):
            formula, value = cell.find("x:f", NS), cell.find("x:v", NS)
            if formula is not None:
                cells.append(f"<f>{formula.text}")
            elif value is None:
                cells.append("")
            elif cell.get("t") == "s":
                cells.append(strings[int(value.text)])
            else:
                cells.append(value.text)
        rows.append(cells)
    return rows


def _column(rows: list[list[str]], header: str) -> list[str]:
    index = rows[0].index(header)
    return [row[index] for row in rows[1:] if len(row) > index]


def _get(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response


# --- Every export ------------------------------------------------------------------------------------------------


def test_the_school_attendance_csv_quotes_a_surname_that_starts_a_formula(client, head, school_a, pupil_a):
    Pupil.objects.filter(pk=pupil_a.pk).update(legal_surname=PAYLOAD)
    url = reverse("registers:attendance_csv", kwargs={"school_id": school_a.pk})

    rows = _csv_rows(_get(client, head, url, **{"from": "2026-09-07", "to": "2026-09-11"}))

    assert _column(rows, "surname") == [QUOTED]
    assert _column(rows, "forename") == ["Ann"]


@pytest.fixture
def absent_today(time_machine, school_a, pupil_a):
    """Ann, surname PAYLOAD, absent this morning (N), with a September of marks behind her."""
    time_machine.move_to(dt.datetime(2026, 11, 23, 14, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London")), tick=False)
    school_calendar(school_a)
    history(school_a, pupil_a)
    mark(school_a, pupil_a, "N", session="AM")
    Pupil.objects.filter(pk=pupil_a.pk).update(legal_surname=PAYLOAD)


@pytest.mark.parametrize(("fmt", "read"), [("csv", _csv_rows), ("xlsx", _xlsx_rows)])
def test_the_daily_absence_download_quotes_a_surname_that_starts_a_formula(
    client, head, school_a, absent_today, fmt, read
):
    url = reverse("dashboards:today", args=[school_a.pk])

    rows = read(_get(client, head, url, format=fmt))

    assert _column(rows, "Surname") == [QUOTED]
    assert not any(cell.startswith("<f>") for row in rows for cell in row)


@pytest.fixture
def school_year(time_machine, school_a, group_a, pupil_a):
    freeze_today(time_machine)
    build_school_year(school_a, group_a, pupil_a)
    # The pupil list shows "forename surname", so the forename is what a spreadsheet would see first.
    Pupil.objects.filter(pk=pupil_a.pk).update(legal_forename="@SUM(1+1)", legal_surname=PAYLOAD)


@pytest.mark.parametrize(("fmt", "read"), [("csv", _csv_rows), ("xlsx", _xlsx_rows)])
def test_the_pupil_list_download_quotes_a_name_and_keeps_numbers_as_numbers(
    client, head, school_a, school_year, fmt, read
):
    url = reverse("dashboards:school_pupils", args=[school_a.pk])

    rows = read(_get(client, head, url, measure="all", format=fmt))

    names = dict(zip(_column(rows, "UPN"), _column(rows, "Name"), strict=True))
    assert names["A100000000001"] == f"'@SUM(1+1) {PAYLOAD}"
    assert "Bea Bright" in names.values()
    possible = _column(rows, "Possible sessions")
    assert all(re.fullmatch(r"\d+", value) for value in possible)
    assert not any(cell.startswith("<f>") for row in rows for cell in row)
