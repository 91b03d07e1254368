"""The template language trust leads write letters in: only the listed names, escaped, sandboxed, in paragraphs."""

import datetime as dt
from decimal import Decimal

import pytest
from markupsafe import Markup

from letters import defaults, national
from letters.templating import EXAMPLE_FIGURES, NAMES, TemplateProblem, check, render, render_paragraphs


def test_a_listed_name_is_filled_in():
    assert render("Dear {{ parent_name }}, {{ pupil_forename }} missed {{ days_absent }} days.", EXAMPLE_FIGURES) == (
        "Dear Mary Able, Ann missed 3 days."
    )


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("{{ pupil_surname }}", "Unknown name: {{ pupil_surname }}."),
        ("{{ pupil_dob }} and {{ secret }}", "Unknown names: {{ pupil_dob }}, {{ secret }}."),
        ("{% if upn %}x{% endif %}", "Unknown name: {{ upn }}."),
    ],
)
def test_a_name_that_is_not_listed_is_refused_by_name(source, named):
    with pytest.raises(TemplateProblem, match=named.replace("{", r"\{").replace("}", r"\}").replace(".", r"\.")):
        check(source)


def test_names_set_inside_the_wording_are_not_unknown():
    check("{% set days = days_absent %}{% for n in [1, 2] %}{{ n }}{{ days }}{% endfor %}")


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("{{ pupil_name", "Line 1: unexpected end of template"),
        ("one\ntwo\n{{ pupil_name }\n", "Line 3: unexpected '}'"),
        ("{% if days_absent %}no end", "Line 1: Unexpected end of template"),
        ("{{ pupil_name|shout }}", "No filter named 'shout'"),
    ],
)
def test_wording_that_does_not_parse_says_where_and_why(source, says):
    with pytest.raises(TemplateProblem, match=says):
        check(source)


@pytest.mark.parametrize(
    "source",
    [
        "{{ pupil_name.__class__.__mro__ }}",
        "{{ pupil_name.__class__ }}",
        "{{ date.format.__globals__ }}",
    ],
)
def test_the_sandbox_refuses_to_reach_python_internals(source):
    with pytest.raises(TemplateProblem, match="may not use"):
        check(source)


@pytest.mark.parametrize("source", ['{% include "base.html" %}', '{% extends "base.html" %}', '{% import "x" as x %}'])
def test_a_letter_cannot_pull_in_other_templates(source):
    with pytest.raises(TemplateProblem, match="cannot include, extend or import"):
        check(source)


def test_a_runaway_loop_is_refused_before_it_is_saved():
    with pytest.raises(TemplateProblem, match="too long to print"):
        check("{% for n in range(50000) %}{{ pupil_name }}{% endfor %}")


def test_a_sum_that_fails_on_the_example_figures_is_refused():
    with pytest.raises(TemplateProblem, match="division by zero"):
        check("{{ days_absent / 0 }}")


def test_values_and_the_wording_itself_are_escaped_so_nothing_becomes_markup():
    figures = {**EXAMPLE_FIGURES, "parent_name": "<script>alert(1)</script>"}
    html = render("<b>Dear</b> {{ parent_name }} & co", figures)
    assert html == "&lt;b&gt;Dear&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"
    assert isinstance(html, Markup)


def test_quotes_inside_tags_still_work_once_the_wording_is_escaped():
    assert render("It's {{ 'yes' if band == \"Amber\" else 'no' }}", EXAMPLE_FIGURES) == "It&#39;s yes"


def test_a_blank_line_starts_a_paragraph_and_a_single_break_stays_a_line_break():
    assert render_paragraphs("One\ntwo\n\n  \nThree\n\n\n\nFour", EXAMPLE_FIGURES) == [
        "One<br>two",
        "Three",
        "Four",
    ]


def test_a_line_holding_only_a_block_tag_leaves_no_gap_but_a_tag_ending_a_line_keeps_the_break():
    source = (
        "Intro.\n{% if meeting_date %}\nWe meet on {{ meeting_date }}.\n{% endif %}\nMore.\n\n"
        "End{% if band %}!{% endif %}\n\nLast"
    )
    assert render_paragraphs(source, EXAMPLE_FIGURES) == [
        "Intro.<br>We meet on 1 December 2026.<br>More.",
        "End!",
        "Last",
    ]


def test_errors_name_the_line_of_the_wording_even_after_block_lines_are_folded():
    with pytest.raises(TemplateProblem, match="Line 4"):
        check("a\n{% if band %}\nb\n{{ pupil_name }\n{% endif %}")


def test_every_name_has_a_meaning_and_an_example():
    assert all(name.meaning and name.example is not None for name in NAMES.values())


# --- The default wording -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(defaults.DEFAULTS))
def test_every_default_wording_passes_the_check_a_trust_lead_would_face(key):
    wording = defaults.DEFAULTS[key]
    check(wording.title)
    check(wording.body)


@pytest.mark.parametrize("code", sorted(defaults.CATALOGUE))
def test_every_letter_has_english_wording(code):
    assert (code, defaults.ENGLISH) in defaults.DEFAULTS


def test_the_issue_letters_are_all_in_the_catalogue():
    wanted = {f"LON{n}" for n in range(1, 7)} | {"WAT_LATE_WARNING", "WAT_STAGE1", "WAT_STAGE2", "WAT_STAGE3"}
    wanted |= {"PENALTY_WARNING", "NOTICE_TO_IMPROVE", "MEDICAL_EVIDENCE", "LEAVE_DECISION", "WEEKLY", "WAT_TERMLY"}
    assert set(defaults.CATALOGUE) == wanted


def test_translations_are_marked_for_checking_and_english_is_not():
    translated = {key for key in defaults.DEFAULTS if key[1] != defaults.ENGLISH}
    assert {("LON2", "Polish"), ("WEEKLY", "Polish")} <= translated
    assert all(defaults.DEFAULTS[key].needs_checking for key in translated)
    assert not any(w.needs_checking for (_, lang), w in defaults.DEFAULTS.items() if lang == defaults.ENGLISH)


def test_the_weekly_letter_says_attended_x_out_of_a_possible_y_sessions():
    body = render(defaults.DEFAULTS[("WEEKLY", "English")].body, {**EXAMPLE_FIGURES, "week_attended_sessions": 9})
    assert "This week Ann attended 9 out of a possible 10 sessions." in body
    assert "100% attendance" not in body


def test_the_leave_letter_words_a_refusal_and_a_grant_differently():
    wording = defaults.DEFAULTS[("LEAVE_DECISION", "English")].body
    refused = render(wording, EXAMPLE_FIGURES)
    granted = render(wording, {**EXAMPLE_FIGURES, "leave_decision": "granted"})
    assert "has not granted the leave" in refused and "code G" in refused
    assert "has granted the leave" in granted and "code G" not in granted


@pytest.mark.parametrize(
    ("language", "day", "expected"),
    [
        ("English", dt.date(2026, 11, 23), "23 November 2026"),
        ("Polish", dt.date(2026, 11, 23), "23 listopada 2026"),
        ("Urdu", dt.date(2027, 5, 3), "3 May 2027"),  # no layout words in Urdu yet: English
    ],
)
def test_dates_are_written_in_the_letters_language_or_english(language, day, expected):
    assert defaults.format_date(day, language) == expected


# --- The national figure -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phase", "attendance"), [("primary", "94.5"), ("infant", "94.5"), ("secondary", "91.1"), ("special", "87.0")]
)
def test_the_national_figure_is_the_dfe_full_year_figure_for_the_schools_phase(phase, attendance):
    assert str(national.attendance_pct(phase)) == attendance


@pytest.mark.parametrize(("possible", "days"), [(0, "0"), (100, "3"), (124, "3.5"), (380, "10.5")])
def test_days_missed_at_the_national_rate_are_rounded_to_the_nearest_session(possible, days):
    # Primary: 5.5% of 124 sessions is 6.82 sessions, so 7 sessions, 3.5 days.
    assert national.days_missed_at_national_rate("primary", possible) == Decimal(days)
