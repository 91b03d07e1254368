"""What parsing an import file gives back: validated rows, or every error found, each pinned to a row and column."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Generic, TypeVar

R = TypeVar("R")


@dataclass(frozen=True)
class RowError:
    """One problem in an uploaded file.

    `row` is numbered as a spreadsheet shows it (the header is row 1); for an XML file it is the line number.
    `column` is the CSV column or XML element the problem is in, or "" when it concerns the whole row or file.
    """

    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{self.file}, {where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RowError:
        return cls(file=data["file"], row=data["row"], column=data["column"], message=data["message"])


@dataclass
class Parsed(Generic[R]):
    """Rows ready to apply, or the errors that stop the file (rows are only trustworthy when `errors` is empty)."""

    rows: list[R] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Preview:
    """What applying a valid file would do: counts by outcome (in display order) and a few example lines."""

    counts: dict[str, int]
    sample: list[str]

    SAMPLE_SIZE = 10
