"""Onboarding by files: calendars, pupils, contacts, marks (CSV) and Common Transfer Files (XML).

Each kind is a module with the same three functions:

- parse(school, filename, content) -> Parsed: validated plain rows, or every error by row and column (reads only);
- preview(school, rows) -> Preview: what applying the rows would change (reads only);
- apply(school, rows, *, filename, recorded_by, on_progress) -> str: writes in one transaction, returns a summary.

The management commands and the browser import (schools.tasks.run_import) both find them in kinds.KINDS.
The pure modules (cells, csvfiles, upn, enrolments) import nothing from Django.
"""
