"""Reading a CSV upload against a declared list of columns. No Django imports.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first pupil row 2. A UTF-8 byte order mark
(Excel's "CSV UTF-8") is dropped; rows with nothing in them are skipped wherever they are; header names are matched
ignoring case, surrounding spaces and spaces-for-underscores ("Admission Date" is admission_date). Columns the
import does not know are ignored, so a full MIS export can be uploaded as it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import cells
from .results import RowError


@dataclass(frozen=True)
class Column:
    """One column of an import file.

    A required column must be in the header; unless `blank`, every row must fill it too. An optional column may be
    left out of the header altogether (its name is then missing from every row's values, which imports read as
    "leave as it is"). An empty cell where that is allowed gives `default`.
    """

    name: str
    parse: Callable[[str], object] = cells.text
    required: bool = True
    blank: bool = False
    default: object = None


@dataclass(frozen=True)
class CsvRow:
    number: int
    values: dict[str, object]  # column name -> parsed value, for the cells that parsed

    def has(self, names: set[str]) -> bool:
        """True when every one of `names` parsed (a row missing one has an error already)."""
        return names <= self.values.keys()


def _header_key(name: str) -> str:
    return "_".join(name.strip().lower().split())


def decode(content: bytes, filename: str) -> tuple[str | None, list[RowError]]:
    """The file's text, or an error naming the row where it stops being UTF-8."""
    try:
        return content.decode("utf-8-sig"), []
    except UnicodeDecodeError as e:
        row = content[: e.start].count(b"\n") + 1
        message = "the file is not UTF-8 text: in Excel choose Save As, then 'CSV UTF-8 (Comma delimited)'"
        return None, [RowError(filename, row, "", message)]


def read(content: bytes, filename: str, columns: Sequence[Column]) -> tuple[list[CsvRow], list[RowError]]:
    """Every non-blank row with its values parsed, and an error for each bad cell, missing column or misshapen row.

    When the header lacks a required column, only the header's errors come back (the rows cannot be read).
    """
    text, errors = decode(content, filename)
    if text is None:
        return [], errors
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or not any(h.strip() for h in header):
        return [], [RowError(filename, 1, "", "the file is empty: the first row must name the columns")]
    keys = [_header_key(h) for h in header]
    errors += [
        RowError(filename, 1, key, "this column appears more than once")
        for n, key in enumerate(keys)
        if key and key in keys[:n]
    ]
    errors += [
        RowError(filename, 1, c.name, "this column is missing from the header row")
        for c in columns
        if c.required and c.name not in keys
    ]
    if errors:
        return [], errors
    wanted = {c.name: c for c in columns}
    rows = []
    for number, cells_ in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells_):
            continue
        if len(cells_) > len(keys) and any(cell.strip() for cell in cells_[len(keys) :]):
            message = f"this row has {len(cells_)} values but the header names {len(keys)} columns"
            errors.append(RowError(filename, number, "", message))
            continue
        raw = dict(zip(keys, (cell.strip() for cell in cells_), strict=False))
        values: dict[str, object] = {}
        for key in keys:
            column = wanted.get(key)
            if column is None:
                continue
            cell = raw.get(key, "")
            if not cell:
                if column.required and not column.blank:
                    errors.append(RowError(filename, number, key, "this cell is empty"))
                else:
                    values[key] = column.default
                continue
            try:
                values[key] = column.parse(cell)
            except ValueError as e:
                errors.append(RowError(filename, number, key, str(e)))
        rows.append(CsvRow(number, values))
    return rows, errors


def duplicates(rows: Sequence[CsvRow], filename: str, key: Callable[[CsvRow], object], column: str) -> list[RowError]:
    """An error for each row whose `key` an earlier row already has (rows with a None key are not compared)."""
    first_seen: dict[object, int] = {}
    errors = []
    for row in rows:
        k = key(row)
        if k is None:
            continue
        if k in first_seen:
            errors.append(RowError(filename, row.number, column, f"the same as row {first_seen[k]}"))
        else:
            first_seen[k] = row.number
    return errors
