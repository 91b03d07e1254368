"""Every dashboard table as a CSV or XLSX download, and the links that ask for one.

A page offers its tables for download through the same URL with `format=csv` or `format=xlsx` added (and `table=`
naming the table where a page has several), so a download always carries the filters the page was showing.
XLSX cells keep their types: numbers are numbers and dates are dates, so a spreadsheet can sum and sort them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

import xlsxwriter
from django.http import HttpRequest, HttpResponse

from omega_attendance.spreadsheet_safety import safe_cell
from omega_attendance.spreadsheets import csv_response

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's limit on a worksheet's name.
SHEET_NAME_LENGTH = 31


def requested_format(request: HttpRequest) -> str | None:
    """ "csv" or "xlsx" when the request asks for a download, else None (an unknown format shows the page)."""
    wanted = request.GET.get("format", "")
    return wanted if wanted in FORMATS else None


def requested_table(request: HttpRequest, default: str = "") -> str:
    """The table a download asks for (`table=`), or `default` on a page with one table."""
    return request.GET.get("table", default)


def export_links(request: HttpRequest, **params: object) -> dict[str, str]:
    """{"csv": url, "xlsx": url}: the current URL and its filters with `format` (and any `params`, e.g. table=) set."""
    query = request.GET.copy()
    query.pop("page", None)
    for name, value in params.items():
        query[name] = str(value)
    links = {}
    for fmt in FORMATS:
        query["format"] = fmt
        links[fmt] = f"{request.path}?{query.urlencode()}"
    return links


def table_response(
    request: HttpRequest, *, filename: str, headers: Sequence[str], rows: Iterable[Sequence], fmt: str
) -> HttpResponse:
    """The table as a download named `filename` (the extension is added): CSV with a byte-order mark, or XLSX.

    Raises ValueError for a format other than "csv" or "xlsx".
    """
    stem = _safe_filename(filename)
    if fmt == CSV:
        return csv_response(f"{stem}.csv", list(headers), (_csv_row(row) for row in rows))
    if fmt == XLSX:
        response = HttpResponse(xlsx_bytes(headers, rows, sheet=stem), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
        return response
    raise ValueError(f"no download format {fmt!r}; use one of {FORMATS}")


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence], *, sheet: str = "Sheet1") -> bytes:
    """One worksheet: a bold header row frozen at the top, then the rows with their types kept."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    worksheet = workbook.add_worksheet(_sheet_name(sheet))
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for col, header in enumerate(headers):
        worksheet.write_string(0, col, str(header), bold)
    for row_number, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            _write_cell(worksheet, row_number, col, value, date_format, datetime_format)
    worksheet.freeze_panes(1, 0)
    worksheet.autofit()
    workbook.close()
    return output.getvalue()


def _write_cell(worksheet, row: int, col: int, value: object, date_format, datetime_format) -> None:
    if value is None or value == "":
        worksheet.write_blank(row, col, None)
    elif isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
    elif isinstance(value, int | float | Decimal):
        worksheet.write_number(row, col, float(value))
    elif isinstance(value, dt.datetime):
        worksheet.write_datetime(row, col, value.replace(tzinfo=None), datetime_format)
    elif isinstance(value, dt.date):
        worksheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), date_format)
    else:
        # Text is written as text (write_string never makes a formula) and quoted like the CSV, so a sheet saved
        # again as CSV does not turn "=..." into a formula either.
        worksheet.write_string(row, col, safe_cell(str(value)))


def _csv_row(row: Sequence) -> list:
    """Dates as ISO text, booleans as Y/N, None as blank; text that a spreadsheet would run is quoted."""
    cells = []
    for value in row:
        if value is None:
            value = ""
        elif isinstance(value, bool):
            value = "Y" if value else "N"
        elif isinstance(value, dt.date):
            value = value.isoformat()
        cells.append(safe_cell(value))
    return cells


def _safe_filename(filename: str) -> str:
    """Letters, digits, dots, dashes and underscores only, without the extension, so the header cannot be broken."""
    stem = re.sub(r"\.(csv|xlsx)$", "", filename, flags=re.IGNORECASE)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "export"


def _sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "-", name)[:SHEET_NAME_LENGTH] or "Sheet1"
