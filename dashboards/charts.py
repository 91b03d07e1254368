"""Charts drawn on the server as SVG: no script and nothing from a CDN, so they print and go into PDFs.

Each chart is a <figure> holding the SVG (an image labelled by its title) and the same numbers as a table that
screen readers read and print shows; the picture never carries a number the table does not. Series colours come
from presentation attributes (a palette that holds up in greyscale with the dashed second series), which the
dashboards' stylesheet may override through each series' css_class. No Django beyond marking the result safe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

Number = int | float | Decimal

WIDTH, HEIGHT = 720, 300
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 16, 16, 56
# Dark enough for 3:1 contrast against white as graphics (WCAG 1.4.11).
PALETTE = ("#1d3a5f", "#b3541e", "#2e7d46", "#7b3fa0", "#8a1616", "#5a6470")
# The most x labels shown before they are thinned out to every nth.
MAX_X_LABELS = 14


@dataclass(frozen=True)
class Series:
    """One line or one set of bars: a value per x label (None where there is none, which breaks a line)."""

    name: str
    values: Sequence[Number | None]
    css_class: str = ""


def line_chart(
    series: list[Series],
    x_labels: Sequence[str],
    *,
    title: str,
    y_label: str,
    y_min: Number | None = None,
    y_max: Number | None = None,
    unit: str = "%",
) -> SafeString:
    """Lines over the x labels, one per series, each point titled with its value; a None value breaks the line."""
    scale = _Scale(_values(series), y_min, y_max)
    plot = _Plot(len(x_labels))
    parts = [_axes(scale, plot, x_labels, y_label)]
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        dash = _dash(index)
        for run in _runs(one.values):
            points = " ".join(f"{plot.x_centre(i):.1f},{scale.y(v):.1f}" for i, v in run)
            parts.append(
                f'<polyline class="chart__line {escape(one.css_class)}" points="{points}" fill="none" '
                f'stroke="{colour}" stroke-width="2.5"{dash}/>'
            )
        for i, value in enumerate(one.values):
            if value is None:
                continue
            parts.append(
                f'<circle class="chart__point {escape(one.css_class)}" cx="{plot.x_centre(i):.1f}" '
                f'cy="{scale.y(value):.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(one.name)}, {escape(x_labels[i])}: {_fmt(value, unit)}</title></circle>"
            )
    return _figure(title, series, x_labels, parts, unit, legend=True)


def bar_chart(
    series: list[Series],
    x_labels: Sequence[str],
    *,
    title: str,
    y_label: str,
    y_min: Number | None = None,
    y_max: Number | None = None,
    unit: str = "%",
) -> SafeString:
    """Vertical bars grouped by x label, one bar per series in each group; None leaves a gap."""
    scale = _Scale(_values(series), 0 if y_min is None else y_min, y_max)
    plot = _Plot(len(x_labels))
    parts = [_axes(scale, plot, x_labels, y_label)]
    count = max(len(series), 1)
    bar_width = plot.slot * 0.8 / count
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        for i, value in enumerate(one.values):
            if value is None:
                continue
            top, base = scale.y(max(value, scale.low)), scale.y(scale.low)
            x = plot.x_start(i) + plot.slot * 0.1 + index * bar_width
            parts.append(
                f'<rect class="chart__bar {escape(one.css_class)}" x="{x:.1f}" y="{top:.1f}" '
                f'width="{bar_width:.1f}" height="{max(base - top, 0):.1f}" fill="{colour}">'
                f"<title>{escape(one.name)}, {escape(x_labels[i])}: {_fmt(value, unit)}</title></rect>"
            )
    return _figure(title, series, x_labels, parts, unit, legend=len(series) > 1)


# --- Scales and axes ---------------------------------------------------------------------------------------------


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering `low` to `high` (the first at or below `low`, the last at or above `high`)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    return [round(first + n * step, 10) for n in range(round((last - first) / step) + 1)]


class _Scale:
    """Maps values to the plot's height: given limits win, else the data's range with a little room, rounded."""

    def __init__(self, values: list[float], y_min: Number | None, y_max: Number | None):
        data_low = min(values) if values else 0.0
        data_high = max(values) if values else 1.0
        low = float(y_min) if y_min is not None else data_low - (data_high - data_low) * 0.1
        high = float(y_max) if y_max is not None else data_high + (data_high - data_low) * 0.1
        if high <= low:
            low, high = low - 1, high + 1
        self.ticks = nice_ticks(low, high)
        self.low = float(y_min) if y_min is not None else self.ticks[0]
        self.high = float(y_max) if y_max is not None else self.ticks[-1]
        self.ticks = [t for t in self.ticks if self.low <= t <= self.high]

    def y(self, value: Number) -> float:
        span = self.high - self.low or 1
        fraction = (float(value) - self.low) / span
        fraction = min(max(fraction, 0.0), 1.0)
        return MARGIN_TOP + (1 - fraction) * (HEIGHT - MARGIN_TOP - MARGIN_BOTTOM)


class _Plot:
    def __init__(self, slots: int):
        self.slots = max(slots, 1)
        self.slot = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / self.slots

    def x_start(self, i: int) -> float:
        return MARGIN_LEFT + i * self.slot

    def x_centre(self, i: int) -> float:
        return self.x_start(i) + self.slot / 2


def _axes(scale: _Scale, plot: _Plot, x_labels: Sequence[str], y_label: str) -> str:
    bottom = HEIGHT - MARGIN_BOTTOM
    parts = []
    for tick in scale.ticks:
        y = scale.y(tick)
        parts.append(
            f'<line class="chart__grid" x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#d6dbe1" stroke-width="1"/>'
            f'<text class="chart__tick" x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#3b4148">{_tick(tick)}</text>'
        )
    parts.append(
        f'<line class="chart__axis" x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{bottom}" y2="{bottom}" '
        f'stroke="#5a6470" stroke-width="1"/>'
    )
    every = max(1, math.ceil(len(x_labels) / MAX_X_LABELS))
    for i, label in enumerate(x_labels):
        if i % every:
            continue
        parts.append(
            f'<text class="chart__label" x="{plot.x_centre(i):.1f}" y="{bottom + 18}" text-anchor="middle" '
            f'font-size="12" fill="#3b4148">{escape(label)}</text>'
        )
    parts.append(
        f'<text class="chart__y-label" x="14" y="{(MARGIN_TOP + bottom) / 2:.1f}" text-anchor="middle" '
        f'font-size="12" fill="#3b4148" transform="rotate(-90 14 {(MARGIN_TOP + bottom) / 2:.1f})">'
        f"{escape(y_label)}</text>"
    )
    return "".join(parts)


def _figure(
    title: str, series: list[Series], x_labels: Sequence[str], parts: list[str], unit: str, *, legend: bool
) -> SafeString:
    svg = (
        f'<svg class="chart__svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )
    keys = ""
    if legend:
        items = "".join(
            f'<li><svg width="28" height="10" aria-hidden="true" focusable="false"><line x1="0" x2="28" y1="5" '
            f'y2="5" stroke="{PALETTE[i % len(PALETTE)]}" stroke-width="4"{_dash(i)}/></svg>{escape(s.name)}</li>'
            for i, s in enumerate(series)
        )
        keys = f'<ul class="chart__legend" aria-hidden="true">{items}</ul>'
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<figure class="chart"><figcaption class="chart__title">{escape(title)}</figcaption>{svg}{keys}'
        f"{_data_table(title, series, x_labels, unit)}</figure>"
    )


def _data_table(title: str, series: list[Series], x_labels: Sequence[str], unit: str) -> str:
    head = "".join(f'<th scope="col">{escape(s.name)}</th>' for s in series)
    body = "".join(
        f'<tr><th scope="row">{escape(label)}</th>'
        + "".join(f"<td>{_fmt(_at(s.values, i), unit)}</td>" for s in series)
        + "</tr>"
        for i, label in enumerate(x_labels)
    )
    # Hidden in a block, not on the table itself: a table grows to its content whatever width it is given.
    return (
        f'<div class="chart__data visually-hidden"><table><caption>{escape(title)}</caption>'
        f"<thead><tr><td></td>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _dash(index: int) -> str:
    """Every second series is dashed, so lines stay apart in greyscale and for colour-blind readers."""
    return ' stroke-dasharray="6 4"' if index % 2 else ""


def _runs(values: Sequence[Number | None]) -> list[list[tuple[int, Number]]]:
    """Consecutive non-None values as runs of (index, value); a run of one point is drawn as its dot alone."""
    runs: list[list[tuple[int, Number]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((i, value))
    return [run for run in runs if len(run) > 1]


def _values(series: list[Series]) -> list[float]:
    return [float(v) for s in series for v in s.values if v is not None]


def _at(values: Sequence[Number | None], i: int) -> Number | None:
    return values[i] if i < len(values) else None


def _fmt(value: Number | None, unit: str) -> str:
    if value is None:
        return "–"
    text = f"{value}" if isinstance(value, int | Decimal) else f"{value:.1f}"
    return f"{text}{unit}"


def _tick(value: float) -> str:
    return f"{value:g}"
