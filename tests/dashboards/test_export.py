"""Dashboard tables download as CSV and XLSX with their types kept and nothing a spreadsheet would run."""

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.test import RequestFactory

from dashboards.export import export_links, requested_format, table_response, xlsx_bytes

HEADERS = ["UPN", "Name", "Attendance %", "Possible", "From", "PA"]
ROWS = [
    ["A100000000001", "Ann Able", Decimal("93.3"), 30, dt.date(2026, 9, 7), True],
    ["A100000000002", '=HYPERLINK("http://x")', None, 0, dt.date(2026, 9, 14), False],
]


def _sheet(content: bytes) -> tuple[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return book.read("xl/worksheets/sheet1.xml").decode(), book.read("xl/sharedStrings.xml").decode()


def test_a_csv_download_has_a_byte_order_mark_iso_dates_and_quoted_formulas():
    request = RequestFactory().get("/x/")
    response = table_response(request, filename="pupils-100001", headers=HEADERS, rows=ROWS, fmt="csv")
    text = response.content.decode("utf-8")

    assert response["Content-Disposition"] == 'attachment; filename="pupils-100001.csv"'
    assert text.startswith("\ufeffUPN,Name")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[1] == "A100000000001,Ann Able,93.3,30,2026-09-07,Y"
    assert lines[2].startswith('A100000000002,"\'=HYPERLINK(""http://x"")",,0,2026-09-14,N')


def test_an_xlsx_download_keeps_numbers_as_numbers_and_dates_as_dates():
    request = RequestFactory().get("/x/")
    response = table_response(request, filename="pupils.xlsx", headers=HEADERS, rows=ROWS, fmt="xlsx")
    sheet, strings = _sheet(response.content)

    assert response["Content-Disposition"] == 'attachment; filename="pupils.xlsx"'
    assert re.search(r'<c r="C2"[^>]*><v>93.3</v></c>', sheet)  # a number cell (no t="s")
    assert re.search(r'<c r="D2"[^>]*><v>30</v></c>', sheet)
    assert re.search(r'<c r="E2" s="\d+"><v>46272</v></c>', sheet)  # 7 September 2026 as a date serial
    assert re.search(r'<c r="F2" t="b"><v>1</v></c>', sheet)
    assert "<f>" not in sheet  # the text that looks like a formula stays text
    assert "HYPERLINK" in strings


def test_the_header_row_stays_in_view():
    sheet, _ = _sheet(xlsx_bytes(HEADERS, ROWS))
    assert '<pane ySplit="1"' in sheet


def test_a_filename_cannot_break_the_header():
    request = RequestFactory().get("/x/")
    response = table_response(request, filename='a"b\r\nc', headers=["x"], rows=[], fmt="csv")
    assert response["Content-Disposition"] == 'attachment; filename="a-b-c.csv"'


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError):
        table_response(RequestFactory().get("/"), filename="x", headers=[], rows=[], fmt="pdf")


def test_links_keep_the_pages_filters_and_drop_its_page_number():
    request = RequestFactory().get("/dashboards/schools/1/", {"start": "2026-09-01", "page": "3", "format": "csv"})
    links = export_links(request, table="weeks")
    assert links["csv"] == "/dashboards/schools/1/?start=2026-09-01&format=csv&table=weeks"
    assert links["xlsx"] == "/dashboards/schools/1/?start=2026-09-01&format=xlsx&table=weeks"


@pytest.mark.parametrize(("given", "wanted"), [("csv", "csv"), ("xlsx", "xlsx"), ("pdf", None), ("", None)])
def test_only_csv_and_xlsx_are_downloads(given, wanted):
    assert requested_format(RequestFactory().get("/", {"format": given})) == wanted
