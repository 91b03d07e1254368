"""Text in a download that a spreadsheet would run as a formula is kept as text (CSV injection).

Excel and LibreOffice treat a cell starting with =, +, -, @, a tab or a carriage return as a formula, so a pupil's
name or a note typed as `=HYPERLINK(...)` could run when a member of staff opens an export. Such text is prefixed
with a single quote, which spreadsheets show as text and do not evaluate (OWASP, "CSV Injection"). Only text is
changed: numbers, dates and blanks keep their types, so a negative number stays a number.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value unchanged, unless it is text starting a formula: then the text with a quote in front."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
