"""How attendance figures and codes look on a page: percentages, PA/SA badges, code categories and the legend."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.html import format_html

from registers import codes as C
from registers.statistics import SessionCounts

register = template.Library()

# Example letters shown beside each colour in the legend, so no one has to rely on colour alone.
LEGEND_EXAMPLES = {
    C.Category.PRESENT: "/ \\ L",
    C.Category.APPROVED_ACTIVITY: "K V P W B",
    C.Category.AUTHORISED: "I M C R …",
    C.Category.UNAUTHORISED: "N O G U",
    C.Category.NOT_POSSIBLE: "X # Y1–Y7 …",
}


@register.filter
def code_category(code: str) -> str:
    """The code's category value ("present", "unauthorised", …), used as a CSS class; "" for no or unknown code."""
    known = C.BY_CODE.get(code)
    return known.category.value if known else ""


@register.filter
def code_meaning(code: str) -> str:
    known = C.BY_CODE.get(code)
    return known.meaning if known else ""


@register.filter
def pct(value: Decimal | None) -> str:
    """A percentage such as "93.3%", or "–" when there were no possible sessions."""
    return "–" if value is None else f"{value}%"


@register.simple_tag
def absence_badge(counts: SessionCounts) -> str:
    """A severe (SA) or persistent (PA) absence badge for these counts, or nothing."""
    if counts.severe:
        return format_html('<abbr class="badge badge--sa" title="{}">SA</abbr>', "Severe absence: missed 50% or more")
    if counts.persistent:
        return format_html(
            '<abbr class="badge badge--pa" title="{}">PA</abbr>', "Persistent absence: missed 10% or more"
        )
    return ""


@register.simple_tag
def code_legend() -> list[tuple[str, str, str]]:
    """(category value, label, example codes) for each category, in the order of registers.codes.Category."""
    return [(category.value, category.label, LEGEND_EXAMPLES[category]) for category in C.Category]
