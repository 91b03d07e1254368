"""National and local comparison figures: data in a file, checked and installed by a command, chosen by phase,
year and group, each with its source."""

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from dashboards import comparison

HEADER = "area,area_name,schools,phase,characteristic,academic_year,period,measure,value,source,url\n"


@pytest.fixture
def figures_file(tmp_path, settings):
    path = tmp_path / "figures.json"
    settings.COMPARISON_FIGURES_FILE = str(path)
    return path


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


ROWS = (
    "national,England,,primary,,2023,full_year,overall_absence,5.5,DfE 2023/24,\n"
    "national,England,,primary,,2024,autumn_spring,overall_absence,5.16,DfE autumn and spring 2024/25,\n"
    "national,England,,all,,2023,full_year,overall_absence,7.1,DfE 2023/24,\n"
    "national,England,,all,,2024,autumn_spring,persistent_absence,17.63,DfE autumn and spring 2024/25,\n"
    "national,England,,all,fsm,2024,autumn,persistent_absence,31.7,DfE daily data,\n"
    "local,Wakefield,100001 100002,primary,,2023,full_year,overall_absence,5.9,Wakefield LA,\n"
)


def test_the_command_installs_a_csv_and_the_dashboards_read_it(tmp_path, figures_file):
    call_command("load_comparison_figures", _write(tmp_path, "new.csv", HEADER + ROWS), stdout=None)
    installed = json.loads(figures_file.read_text())

    assert installed["version"] == 1 and len(installed["figures"]) == 6
    assert comparison.national_pct("primary", 2026) == Decimal("5.5")  # the full year wins over a later part year
    assert comparison.national_attendance_pct("infant", 2026) == Decimal("94.5")  # infant schools compare as primary
    assert comparison.national_pct("secondary", 2026) == Decimal("7.1")  # no secondary figure: all schools
    assert comparison.national_pct("primary", 2022) is None  # nothing published by then


def test_a_measure_with_only_part_year_figures_uses_the_latest(tmp_path, figures_file):
    call_command("load_comparison_figures", _write(tmp_path, "new.csv", HEADER + ROWS), stdout=None)
    figure = comparison.national(comparison.PERSISTENT_ABSENCE, "primary", 2026)
    assert (figure.value, figure.label) == (
        Decimal("17.63"),
        "England, all state-funded schools, 2024/25 autumn and spring terms",
    )
    assert comparison.national(comparison.PERSISTENT_ABSENCE, "primary", 2026, "fsm").value == Decimal("31.7")


def test_a_local_figure_applies_only_to_the_schools_it_names(tmp_path, figures_file):
    call_command("load_comparison_figures", _write(tmp_path, "new.csv", HEADER + ROWS), stdout=None)
    assert comparison.local("100002", phase="primary", year=2026).area_name == "Wakefield"
    assert comparison.local("100003", phase="primary", year=2026) is None
    found = comparison.comparators("100001", "primary", 2026)
    assert set(found.local) == {comparison.OVERALL_ABSENCE}
    assert "Wakefield LA" in found.sources


def test_a_file_with_any_bad_row_installs_nothing_and_names_every_problem(tmp_path, figures_file):
    call_command("load_comparison_figures", _write(tmp_path, "good.csv", HEADER + ROWS), stdout=None)
    before = figures_file.read_text()
    bad = (
        HEADER
        + ROWS
        + (
            "national,England,,primary,,2023,full_year,overall_absence,105,DfE,\n"
            "regional,North,,primary,,twenty,whenever,absence,5,,\n"
            "local,Leeds,,primary,,2023,full_year,overall_absence,5,Leeds,\n"
        )
    )
    with pytest.raises(CommandError) as error:
        call_command("load_comparison_figures", _write(tmp_path, "bad.csv", bad))
    message = str(error.value)

    assert "row 7: value must be a percentage" in message
    assert "row 8: area must be one of" in message and "row 8: academic_year" in message
    assert "row 8: period must be" in message and "row 8: measure must be" in message and "row 8: source" in message
    assert "row 9: a local figure lists the URNs" in message
    assert figures_file.read_text() == before


def test_the_same_figure_twice_is_refused(tmp_path, figures_file):
    twice = HEADER + ROWS.splitlines()[0] + "\n" + ROWS.splitlines()[0] + "\n"
    with pytest.raises(CommandError, match="the same figure is given twice"):
        call_command("load_comparison_figures", _write(tmp_path, "twice.csv", twice))


def test_merge_keeps_the_figures_the_new_file_does_not_replace(tmp_path, figures_file):
    call_command("load_comparison_figures", _write(tmp_path, "all.csv", HEADER + ROWS), stdout=None)
    update = {"figures": [{**_row(), "value": "5.4"}]}
    call_command("load_comparison_figures", _write(tmp_path, "update.json", json.dumps(update)), "--merge", stdout=None)
    assert len(comparison.all_figures()) == 6
    assert comparison.national_pct("primary", 2023) == Decimal("5.4")


def _row():
    return {
        "area": "national",
        "area_name": "England",
        "phase": "primary",
        "academic_year": 2023,
        "period": "full_year",
        "measure": "overall_absence",
        "value": "5.5",
        "source": "DfE 2023/24",
    }


def test_check_only_validates(tmp_path, figures_file):
    call_command("load_comparison_figures", _write(tmp_path, "new.csv", HEADER + ROWS), "--check", stdout=None)
    assert not figures_file.exists()
    assert comparison.national_pct("primary", 2026) is None


def test_the_shipped_figures_are_valid_and_match_the_dfe_release_the_letters_use():
    from letters import national

    rows = comparison.rows_from_text(comparison.DEFAULT_FILE.read_text(), comparison.DEFAULT_FILE.name)
    shipped = comparison.parse(rows)
    full_year = {
        f.phase: f.value
        for f in shipped
        if (f.measure, f.academic_year, f.period, f.characteristic) == ("overall_absence", 2023, "full_year", "")
    }
    assert full_year["primary"] == national.absence_pct("primary")
    assert full_year["secondary"] == national.absence_pct("secondary")
    assert full_year["all"] == national.ALL_SCHOOLS_ABSENCE_PCT
    assert all(f.source for f in shipped)


def test_an_unreadable_json_file_is_refused(tmp_path, figures_file):
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("load_comparison_figures", _write(tmp_path, "broken.json", "{"))
