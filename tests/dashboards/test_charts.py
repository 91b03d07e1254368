"""Server-drawn SVG charts: every number is in the table beside the picture, and text is escaped."""

from decimal import Decimal

import pytest

from dashboards.charts import Series, bar_chart, line_chart, nice_ticks


def test_a_line_chart_is_an_svg_image_with_its_numbers_in_a_table():
    html = line_chart(
        [Series("This year", [Decimal("95.1"), Decimal("93.0")]), Series("Last year", [Decimal("94.0"), None])],
        ["7 Sep", "14 Sep"],
        title="Attendance by week",
        y_label="Attendance %",
    )
    assert html.startswith('<figure class="chart">')
    assert '<svg class="chart__svg"' in html and 'role="img" aria-label="Attendance by week"' in html
    assert '<div class="chart__data visually-hidden"><table><caption>Attendance by week</caption>' in html
    assert "<td>95.1%</td><td>94.0%</td>" in html and "<td>93.0%</td><td>–</td>" in html
    assert html.count("<polyline") == 1  # last year's single point is a dot, not a line
    assert html.count("<circle") == 3


def test_a_missing_value_breaks_the_line_in_two():
    html = line_chart([Series("x", [1, 2, None, 3, 4])], list("abcde"), title="t", y_label="y")
    assert html.count("<polyline") == 2


def test_bars_are_drawn_from_the_floor_with_a_title_each():
    html = bar_chart([Series("Share", [50, 30, 20])], ["I", "O", "G"], title="Reasons", y_label="%")
    assert html.count("<rect") == 3
    assert "<title>Share, I: 50%</title>" in html
    assert "chart__legend" not in html  # one series needs no key


def test_names_and_labels_are_escaped():
    html = line_chart([Series("<b>", [1, 2])], ["<i>", "&"], title="<script>", y_label="y")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>" not in html and "<i>" not in html


def test_an_empty_chart_still_draws():
    assert "<svg" in line_chart([], [], title="Nothing yet", y_label="%")


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (88.3, 97.1, [87.5, 90.0, 92.5, 95.0, 97.5]),
        (0, 100, [0.0, 25.0, 50.0, 75.0, 100.0]),
        (90, 100, [90.0, 92.5, 95.0, 97.5, 100.0]),
        (5, 5, [5.0, 5.25, 5.5, 5.75, 6.0]),
    ],
)
def test_ticks_are_round_and_cover_the_range(low, high, ticks):
    assert nice_ticks(low, high) == ticks
