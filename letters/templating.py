"""The template language trust leads write letters in: Jinja2, sandboxed, limited to the names listed here.
No Django imports.

A letter's title and body are plain text with `{{ name }}` placeholders and `{% if %}` / `{% for %}` blocks; a blank
line starts a new paragraph. Rendering turns them into HTML that is safe to print: every value is escaped
(autoescape), and so is the wording itself, so a `<` or `&` typed into the body is printed as typed and can never
become markup. The sandbox refuses unsafe attribute access, StrictUndefined turns a misspelt name into an error
rather than a blank, and `check` refuses any name that is not in NAMES before anything is saved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

# A body longer than this once filled in is a mistake (a runaway loop), not a letter.
MAX_RENDERED_CHARS = 20_000


@dataclass(frozen=True)
class Name:
    meaning: str
    example: object


# Every name a letter may use, in the order the edit page lists them. `letters.figures` gives each one a value for
# every letter, so a template that passes `check` can always be filled in.
NAMES: dict[str, Name] = {
    "pupil_forename": Name("The pupil's first name (their preferred name if they have one)", "Ann"),
    "pupil_name": Name("The pupil's full name", "Ann Able"),
    "parent_name": Name("The name of the parent or carer the letter is to", "Mary Able"),
    "school_name": Name("The school's name", "Alpha Primary"),
    "headteacher": Name('The headteacher\'s name, or "Headteacher" when none is recorded', "Mrs J. Lindley"),
    "date": Name("The date of the letter", "23 November 2026"),
    "since": Name("The first day the school-year figures count from", "2 September 2026"),
    "figures_to": Name("The last day the figures count (the day the proposal was made)", "20 November 2026"),
    "attended_sessions": Name("Sessions attended this school year (a session is a morning or an afternoon)", 118),
    "possible_sessions": Name("Sessions the pupil could have attended this school year", 124),
    "absent_sessions": Name("Sessions missed this school year, authorised or not", 6),
    "days_absent": Name("School days missed this school year (two sessions make a day)", 3),
    "attendance_pct": Name("Attendance this school year, as a percentage", 95.2),
    "authorised_sessions": Name("Sessions of authorised absence this school year (illness, appointments)", 4),
    "unauthorised_sessions": Name("Sessions of unauthorised absence this school year", 2),
    "late_sessions": Name("Sessions the pupil arrived late this school year (L or U)", 3),
    "national_pct": Name("National attendance for schools of this phase (DfE, full year 2023/24)", 94.5),
    "national_days_absent": Name("Days a pupil at the national rate would have missed in the same time", 3.5),
    "band": Name("Waterton colour band of attendance this year: Blue, Green, Amber or Red", "Amber"),
    "band_meaning": Name(
        "What the band means: great attendance, good attendance, cause for concern ...", "cause for concern"
    ),
    "band_range": Name("The band's range of attendance", "90% to 95.9%"),
    "week_start": Name("The Monday of the latest school week", "16 November 2026"),
    "week_attended_sessions": Name("Sessions attended in the latest school week", 10),
    "week_possible_sessions": Name("Sessions the pupil could have attended in the latest school week", 10),
    "unauthorised_10_weeks": Name("Unauthorised sessions (G, N, O, U) in the latest 10 school weeks", 2),
    "late_u_half_term": Name("Sessions marked U (late after registers closed) this half-term", 5),
    "meeting_date": Name(
        "The date of the planned attendance meeting, or nothing when none is planned", "1 December 2026"
    ),
    "target_pct": Name("The attendance target set at the meeting, or nothing when none is set", 96),
    "target_weeks": Name("The school weeks the target runs for", 4),
    "review_date": Name("When the target is reviewed, or nothing when no review is planned", "5 January 2027"),
    "improvement_weeks": Name("A Notice to Improve's improvement period in weeks (3 to 6)", 4),
    "improvement_ends": Name("The last day of the Notice to Improve's improvement period", "20 December 2026"),
    "leave_first_day": Name("The first day of leave asked for (leave decision letters)", "7 December 2026"),
    "leave_last_day": Name("The last day of leave asked for", "11 December 2026"),
    "leave_days": Name("School days of leave asked for", 5),
    "leave_decision": Name("The headteacher's decision: granted or refused", "refused"),
    "leave_reason": Name("The reason given for the leave", "Family wedding"),
}

EXAMPLE_FIGURES: dict[str, object] = {name: n.example for name, n in NAMES.items()}


class TemplateProblem(ValueError):
    """Wording that cannot be saved, with a message that tells a trust lead what to change."""


_environment = SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined)

# A line holding nothing but one block tag ({% if %}, {% else %}, {% endif %} ...) leaves no line behind, so a block
# does not split a paragraph; a tag at the end of a line of wording keeps the line's break. (Jinja's trim_blocks
# would also eat the break after an inline {% endif %}, joining two paragraphs.) The break moves into a comment,
# so line numbers in error messages still match the wording.
_TAG_ALONE = re.compile(r"^[ \t]*(\{%(?:(?!%\}).)*%\})[ \t]*\n", re.MULTILINE)


def _prepared(source: str) -> str:
    return _TAG_ALONE.sub(lambda m: m.group(1) + "{#\n#}", source.replace("\r\n", "\n"))


def _escaped_source(source: str) -> nodes.Template:
    """The template's syntax tree with its literal wording escaped, as autoescape escapes the values."""
    tree = _environment.parse(_prepared(source))
    for data in tree.find_all(nodes.TemplateData):
        data.data = str(escape(data.data))
    return tree


def _sentence(message: str | None) -> str:
    return (message or "the template is not valid").rstrip(".") + "."


def unknown_names(source: str) -> list[str]:
    """Names the wording uses that are not in NAMES, sorted; raises TemplateProblem when it does not parse."""
    try:
        tree = _environment.parse(_prepared(source))
        used = meta.find_undeclared_variables(tree)
    except jinja2.TemplateSyntaxError as e:
        hint = "Check the {{ }} and {% %} pairs."
        raise TemplateProblem(f"Line {e.lineno}: {_sentence(e.message)} {hint}") from None
    if any(tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport))):
        raise TemplateProblem("A letter cannot include, extend or import other templates: write the wording here.")
    return sorted(used - NAMES.keys())


def check(source: str) -> None:
    """Raise TemplateProblem unless the wording parses, uses only NAMES, and fills in with the example figures."""
    if unknown := unknown_names(source):
        listed = ", ".join(f"{{{{ {name} }}}}" for name in unknown)
        raise TemplateProblem(
            f"Unknown name{'s' if len(unknown) > 1 else ''}: {listed}. Use only the names listed on this page."
        )
    render(source, EXAMPLE_FIGURES)


def render(source: str, figures: Mapping[str, object]) -> Markup:
    """The wording filled in with `figures`, as escaped HTML text (newlines kept); TemplateProblem if it cannot be."""
    try:
        text = _environment.from_string(_escaped_source(source)).render(figures)
    except jinja2.TemplateSyntaxError as e:
        raise TemplateProblem(f"Line {e.lineno}: {_sentence(e.message)}") from None
    except jinja2.UndefinedError as e:
        raise TemplateProblem(f"The wording uses something no letter is given: {_sentence(e.message)}") from None
    except jinja2.exceptions.SecurityError:
        raise TemplateProblem(
            "The wording asks for something a letter may not use: use only the names listed."
        ) from None
    except (TypeError, ValueError, ArithmeticError, jinja2.TemplateError) as e:
        raise TemplateProblem(f"The wording cannot be filled in: {e}.") from None
    if len(text) > MAX_RENDERED_CHARS:
        raise TemplateProblem(f"Filled in, the wording is over {MAX_RENDERED_CHARS:,} characters: too long to print.")
    return Markup(text)


def paragraphs(rendered: Markup) -> list[Markup]:
    """Rendered wording split into paragraphs at blank lines; a single line break stays a line break."""
    text = str(rendered).replace("\r\n", "\n")
    blocks = [block.strip() for block in re.split(r"\n[ \t]*\n", text)]
    return [Markup("<br>".join(line.strip() for line in block.split("\n"))) for block in blocks if block]


def render_paragraphs(source: str, figures: Mapping[str, object]) -> list[Markup]:
    return paragraphs(render(source, figures))
