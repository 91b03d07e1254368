"""National and local comparison figures: published absence statistics, kept as data the dashboards read.

The figures live in a versioned JSON file (dashboards/data/comparison_figures.json, or the file named by the
COMPARISON_FIGURES_FILE setting), replaced by `manage.py load_comparison_figures FILE` when the DfE publishes a new
release or a local authority shares its own. Every figure carries its area, phase, academic year, period and
source, and pages show them beside the number, because a comparator without its window misleads.

Which figure compares: for a measure, phase and pupil group, the latest full-year release at or before the year
asked for (the DfE's full-year figure is the default comparator: shared/reference, section 1d); where no full-year
figure exists for that measure (persistent and severe absence are published for part years first), the latest
part-year one. A phase with no figure of its own falls back to all state-funded schools, and says so.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "comparison_figures.json"
FORMAT_VERSION = 1

NATIONAL, LOCAL = "national", "local"
AREAS = (NATIONAL, LOCAL)
ALL_PHASES = "all"
PHASES = (ALL_PHASES, "primary", "secondary", "special")
# School.Phase values the DfE's tables do not have: infant schools are counted as primary.
PHASE_OF = {"infant": "primary"}

OVERALL_ABSENCE = "overall_absence"
AUTHORISED_ABSENCE = "authorised_absence"
UNAUTHORISED_ABSENCE = "unauthorised_absence"
PERSISTENT_ABSENCE = "persistent_absence"
SEVERE_ABSENCE = "severe_absence"
MEASURES = {
    OVERALL_ABSENCE: "Overall absence (% of possible sessions)",
    AUTHORISED_ABSENCE: "Authorised absence (% of possible sessions)",
    UNAUTHORISED_ABSENCE: "Unauthorised absence (% of possible sessions)",
    PERSISTENT_ABSENCE: "Persistent absence (% of pupils missing 10%+)",
    SEVERE_ABSENCE: "Severe absence (% of pupils missing 50%+)",
}
FULL_YEAR = "full_year"
PERIODS = {
    FULL_YEAR: "full year",
    "autumn_spring": "autumn and spring terms",
    "autumn": "autumn term",
    "year_to_date": "year to date",
}
# Pupil groups published beside the whole-school figures (keys of dashboards.filters.CHARACTERISTICS).
CHARACTERISTICS = ("", "fsm", "not_fsm", "sen_k", "sen_e", "no_sen", "pp", "not_pp", "eal", "not_eal")
FIELDS = (
    "area",
    "area_name",
    "schools",
    "phase",
    "characteristic",
    "academic_year",
    "period",
    "measure",
    "value",
    "source",
    "url",
)


class ComparisonFiguresError(ValueError):
    """A figures file that cannot be used; `problems` lists every one found, each naming its row."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Figure:
    area: str
    area_name: str
    phase: str
    academic_year: int  # the year the academic year starts in: 2023 for 2023/24
    period: str
    measure: str
    value: Decimal  # a percentage
    source: str
    url: str = ""
    characteristic: str = ""
    schools: tuple[str, ...] = ()  # URNs a local figure applies to

    @property
    def key(self) -> tuple:
        return (
            self.area,
            self.area_name,
            self.phase,
            self.characteristic,
            self.academic_year,
            self.period,
            self.measure,
        )

    @property
    def year_label(self) -> str:
        return f"{self.academic_year}/{str(self.academic_year + 1)[-2:]}"

    @property
    def label(self) -> str:
        """Where, which schools and when, e.g. "England, primary schools, 2023/24 full year"."""
        schools = "all state-funded schools" if self.phase == ALL_PHASES else f"{self.phase} schools"
        return f"{self.area_name}, {schools}, {self.year_label} {PERIODS[self.period]}"

    @property
    def attendance_pct(self) -> Decimal | None:
        """100% less the overall absence rate, for an overall absence figure; None for any other measure."""
        return Decimal(100) - self.value if self.measure == OVERALL_ABSENCE else None

    def as_data(self) -> dict:
        data = asdict(self)
        data["value"] = str(self.value)
        data["schools"] = list(self.schools)
        return data


# --- Reading and checking -------------------------------------------------------------------------------------


def parse(rows: list[dict]) -> list[Figure]:
    """Figures from plain rows (JSON objects or CSV records); raises ComparisonFiguresError listing every problem."""
    figures, problems, seen = [], [], set()
    for number, row in enumerate(rows, start=1):
        figure, row_problems = _figure(row)
        problems += [f"row {number}: {p}" for p in row_problems]
        if figure is None:
            continue
        if figure.key in seen:
            problems.append(f"row {number}: the same figure is given twice ({figure.label}, {figure.measure})")
        seen.add(figure.key)
        figures.append(figure)
    if not figures and not problems:
        problems.append("the file holds no figures")
    if problems:
        raise ComparisonFiguresError(problems)
    return figures


def _figure(row: dict) -> tuple[Figure | None, list[str]]:
    problems = []
    text = {name: str(row.get(name) if row.get(name) is not None else "").strip() for name in FIELDS}
    if unknown := sorted(set(row) - set(FIELDS)):
        problems.append(f"unknown columns {unknown}")
    if text["area"] not in AREAS:
        problems.append(f"area must be one of {list(AREAS)}, not {text['area']!r}")
    if not text["area_name"]:
        problems.append("area_name is missing (e.g. England, or the local authority's name)")
    schools = row.get("schools") or ()
    if isinstance(schools, str):
        schools = schools.replace(";", " ").replace(",", " ").split()
    schools = tuple(str(urn).strip() for urn in schools if str(urn).strip())
    if text["area"] == LOCAL and not schools:
        problems.append("a local figure lists the URNs of the schools it compares (schools)")
    if text["area"] == NATIONAL and schools:
        problems.append("a national figure applies to every school, so it lists no schools")
    phase = text["phase"] or ALL_PHASES
    if phase not in PHASES:
        problems.append(f"phase must be one of {list(PHASES)}, not {phase!r}")
    if text["characteristic"] not in CHARACTERISTICS:
        problems.append(f"characteristic must be blank or one of {list(CHARACTERISTICS[1:])}")
    year = _year(text["academic_year"])
    if year is None:
        problems.append(
            f"academic_year is the year the academic year starts in (e.g. 2023), not {text['academic_year']!r}"
        )
    if text["period"] not in PERIODS:
        problems.append(f"period must be one of {list(PERIODS)}, not {text['period']!r}")
    if text["measure"] not in MEASURES:
        problems.append(f"measure must be one of {list(MEASURES)}, not {text['measure']!r}")
    value = _percentage(text["value"])
    if value is None:
        problems.append(f"value must be a percentage from 0 to 100, not {text['value']!r}")
    if not text["source"]:
        problems.append("source is missing: say which publication the figure comes from")
    if problems:
        return None, problems
    return (
        Figure(
            area=text["area"],
            area_name=text["area_name"],
            phase=phase,
            academic_year=year,
            period=text["period"],
            measure=text["measure"],
            value=value,
            source=text["source"],
            url=text["url"],
            characteristic=text["characteristic"],
            schools=schools,
        ),
        [],
    )


def _year(text: str) -> int | None:
    year = text.split("/")[0]
    return int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None


def _percentage(text: str) -> Decimal | None:
    try:
        value = Decimal(text.rstrip("%"))
    except InvalidOperation:
        return None
    return value if value.is_finite() and 0 <= value <= 100 else None


def rows_from_text(text: str, filename: str = "") -> list[dict]:
    """The rows of a figures file: a JSON document ({"figures": [...]} or a bare list) or a CSV with a header row."""
    stripped = text.lstrip("\ufeff").lstrip()
    if filename.lower().endswith(".json") or stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as e:
            raise ComparisonFiguresError([f"not valid JSON: {e}"]) from e
        rows = data.get("figures") if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ComparisonFiguresError(['JSON must be {"figures": [{...}, ...]} or a list of figures'])
        return rows
    reader = csv.DictReader(io.StringIO(stripped))
    if not reader.fieldnames:
        raise ComparisonFiguresError(["the CSV file has no header row"])
    return [dict(row) for row in reader]


def document(figures: list[Figure]) -> str:
    """The JSON the dashboards read, figures in a stable order so that changes read well in version control."""
    ordered = sorted(
        figures, key=lambda f: (f.area, f.area_name, f.measure, f.academic_year, f.period, f.phase, f.characteristic)
    )
    return json.dumps({"version": FORMAT_VERSION, "figures": [f.as_data() for f in ordered]}, indent=2) + "\n"


# --- The installed file ---------------------------------------------------------------------------------------

_cache: dict[str, tuple[float, list[Figure]]] = {}


def figures_path() -> Path:
    return Path(getattr(settings, "COMPARISON_FIGURES_FILE", None) or DEFAULT_FILE)


def all_figures() -> list[Figure]:
    """The installed figures, re-read when the file changes (so a new release shows without a restart)."""
    path = figures_path()
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return []
    cached = _cache.get(str(path))
    if cached and cached[0] == mtime:
        return cached[1]
    figures = parse(rows_from_text(path.read_text(encoding="utf-8"), path.name))
    _cache[str(path)] = (mtime, figures)
    return figures


def install(figures: list[Figure], *, merge: bool = False) -> list[Figure]:
    """Write `figures` as the installed file (atomically: readers see the old file or the new, never half of one).

    With `merge`, figures already installed stay unless a new one has the same key; returns what is now installed.
    """
    if merge:
        new_keys = {f.key for f in figures}
        figures = [f for f in all_figures() if f.key not in new_keys] + list(figures)
    path = figures_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as out:
        out.write(document(figures))
        temporary = out.name
    os.replace(temporary, path)
    _cache.pop(str(path), None)
    return figures


# --- Choosing the comparator ----------------------------------------------------------------------------------


def dfe_phase(phase: str) -> str:
    return PHASE_OF.get(phase, phase)


def _best(candidates: list[Figure], year: int | None) -> Figure | None:
    usable = [f for f in candidates if year is None or f.academic_year <= year]
    # Full-year figures first (the default comparator), then the latest release.
    return max(usable, key=lambda f: (f.period == FULL_YEAR, f.academic_year), default=None)


def _choose(figures: list[Figure], measure: str, phase: str, year: int | None, characteristic: str) -> Figure | None:
    matching = [f for f in figures if f.measure == measure and f.characteristic == characteristic]
    wanted = dfe_phase(phase)
    return _best([f for f in matching if f.phase == wanted], year) or _best(
        [f for f in matching if f.phase == ALL_PHASES], year
    )


def national(
    measure: str = OVERALL_ABSENCE, phase: str = ALL_PHASES, year: int | None = None, characteristic: str = ""
) -> Figure | None:
    """The national figure to compare a school of `phase` with in academic `year` (None: the latest), or None."""
    return _choose([f for f in all_figures() if f.area == NATIONAL], measure, phase, year, characteristic)


def local(
    urn: str, measure: str = OVERALL_ABSENCE, phase: str = ALL_PHASES, year: int | None = None, characteristic: str = ""
) -> Figure | None:
    """The local figure that names the school (by URN) for `measure`, or None when the data has none."""
    mine = [f for f in all_figures() if f.area == LOCAL and urn in f.schools]
    return _choose(mine, measure, phase, year, characteristic)


def national_pct(phase: str = ALL_PHASES, year: int | None = None, measure: str = OVERALL_ABSENCE) -> Decimal | None:
    """The national percentage for the measure (overall absence unless told), or None when there is no figure."""
    figure = national(measure, phase, year)
    return figure.value if figure else None


def national_attendance_pct(phase: str = ALL_PHASES, year: int | None = None) -> Decimal | None:
    """100% less the national overall absence rate, e.g. Decimal("94.5") for primary schools in 2023/24."""
    figure = national(OVERALL_ABSENCE, phase, year)
    return figure.attendance_pct if figure else None


@dataclass(frozen=True)
class Comparators:
    """For one school and year: each measure's national figure, and local figure where the data has one."""

    national: dict[str, Figure]
    local: dict[str, Figure]

    @property
    def sources(self) -> list[str]:
        return sorted({f.source for f in (*self.national.values(), *self.local.values())})


def comparators(urn: str, phase: str, year: int | None, characteristic: str = "") -> Comparators:
    return Comparators(
        national={m: f for m in MEASURES if (f := national(m, phase, year, characteristic))},
        local={m: f for m in MEASURES if (f := local(urn, m, phase, year, characteristic))},
    )
