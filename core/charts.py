"""Small charts rendered on the server as inline SVG: no JavaScript, no CDN, readable by screen readers.

Three builders, each answering safe HTML (a `<figure>`) to drop into a template:

    bar_chart(items, *, title, description="", unit="", max_value=None, value_format="{:g}", width=360, label_width=110)
        Horizontal bars, one per (label, value) pair in `items`, in the given order. Good for a histogram
        (5 stars ... 1 star) or a ranking (lowest-rated products).
    line_chart(labels, series, *, title, description="", unit="", y_min=None, y_max=None, value_format="{:.2f}")
        One line per named series over the x `labels` (weeks, days); `series` maps a name to one value per
        label, with None for "no data" (the line breaks there instead of dropping to zero).
    sparkline(values, *, title, unit="", value_format="{:.2f}")
        A word-sized trend line (inline, no axes) with its first and last value as text.

In templates: `{% load charts %}` then `{% bar_chart items title="Stars" %}`, `{% line_chart labels series
title="Weekly average" y_min=1 y_max=5 %}` or `{% sparkline values title="Trend" %}` (catalog.templatetags.charts).

Accessibility: each SVG has role="img" with a `<title>` and a `<desc>` (the description, or a generated summary),
each mark has its own `<title>` (a tooltip with the exact value), and the figure carries the numbers again as a
visually hidden `<table>` for screen readers. Styling is by CSS classes only (static/css/charts.css: `chart`,
`chart-bar`, `chart-line`, `chart-series-1..6`, `chart-axis`, `chart-grid`, `chart-label`, `chart-value`), so the
pages keep a Content-Security-Policy without inline styles and follow the light/dark theme.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

_ids = itertools.count(1)
SERIES_CLASSES = 6  # chart-series-1 .. chart-series-6, then they repeat

BAR_WIDTH = 360
BAR_ROW = 22
BAR_LABEL = 110
BAR_VALUE = 44

LINE_WIDTH = 520
LINE_HEIGHT = 200
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 40, 12, 12, 34
MAX_X_LABELS = 8

SPARK_WIDTH, SPARK_HEIGHT = 90, 20


def _chart_id() -> str:
    return f"chart-{next(_ids)}"


def _fmt(value: float | None, value_format: str, unit: str = "") -> str:
    if value is None:
        return "no data"
    text = value_format.format(value)
    return f"{text} {unit}".strip() if unit else text


def _n(x: float) -> str:
    """Coordinates with two decimals at most: enough for a screen, short in the markup."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _svg_open(chart_id: str, width: int, height: int, css: str) -> str:
    return (
        f'<svg class="{css}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMinYMin meet">'
    )


def _svg_texts(chart_id: str, title: str, description: str) -> str:
    return format_html(
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>', chart_id, title, chart_id, description
    )


def _path(values: Sequence[float | None], x_at, y_at) -> str:
    """SVG path data through the known values; a None lifts the pen, so the line breaks there."""
    path, pen_down = [], False
    for index, value in enumerate(values):
        if value is None:
            pen_down = False
            continue
        path.append(f"{'L' if pen_down else 'M'}{_n(x_at(index))} {_n(y_at(value))}")
        pen_down = True
    return " ".join(path)


def _table(caption: str, head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head_html = "".join(format_html('<th scope="col">{}</th>', h) for h in head)
    body = "".join(
        "<tr>"
        + format_html('<th scope="row">{}</th>', row[0])
        + "".join(format_html("<td>{}</td>", cell) for cell in row[1:])
        + "</tr>"
        for row in rows
    )
    return format_html(
        '<table class="visually-hidden chart-data"><caption>{}</caption><thead><tr>{}</tr></thead>'
        "<tbody>{}</tbody></table>",
        caption,
        mark_safe(head_html),  # noqa: S308 -- built with format_html above
        mark_safe(body),  # noqa: S308 -- built with format_html above
    )


def bar_chart(
    items: Sequence[tuple[str, float | int]],
    *,
    title: str,
    description: str = "",
    unit: str = "",
    max_value: float | None = None,
    value_format: str = "{:g}",
    width: int = BAR_WIDTH,
    label_width: int = BAR_LABEL,
) -> SafeString:
    """Horizontal bars; the longest bar is `max_value` (default: the largest value), zero draws no bar.
    `width` and `label_width` are in the SVG's own units: a chart meant to fill a wide column gets a wider
    drawing (and longer bars) rather than the same one scaled up, which would enlarge its text too."""
    chart_id = _chart_id()
    items = [(str(label), float(value or 0)) for label, value in items]
    top = max_value if max_value is not None else max((v for _, v in items), default=0.0)
    scale = (width - label_width - BAR_VALUE) / top if top > 0 else 0.0
    height = max(BAR_ROW * len(items), BAR_ROW)
    if not description:
        description = "; ".join(f"{label}: {_fmt(v, value_format, unit)}" for label, v in items) or "No data."
    parts = [_svg_open(chart_id, width, height, "chart chart-bars"), _svg_texts(chart_id, title, description)]
    for index, (label, value) in enumerate(items):
        y = index * BAR_ROW
        bar = max(0.0, value * scale)
        text = _fmt(value, value_format, unit)
        parts.append(
            format_html(
                '<g class="chart-row"><title>{}: {}</title>'
                '<text class="chart-label" x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>'
                '<rect class="chart-bar chart-series-1" x="{}" y="{}" width="{}" height="{}" rx="2"></rect>'
                '<text class="chart-value" x="{}" y="{}" dominant-baseline="middle">{}</text></g>',
                label,
                text,
                label_width - 6,
                _n(y + BAR_ROW / 2),
                label,
                label_width,
                _n(y + 3),
                _n(bar),
                BAR_ROW - 6,
                _n(label_width + bar + 4),
                _n(y + BAR_ROW / 2),
                text,
            )
        )
    parts.append("</svg>")
    table = _table(title, ["", unit or "Value"], [(label, _fmt(v, value_format)) for label, v in items])
    return _figure(title, "".join(parts), table, "chart-figure-bars")


def _figure(title: str, svg: str, table: str, css: str) -> SafeString:
    return format_html(
        '<figure class="chart-figure {}">{}<figcaption class="chart-caption">{}</figcaption>{}</figure>',
        css,
        mark_safe(svg),  # noqa: S308 -- every value inside went through format_html/escape
        title,
        mark_safe(table),  # noqa: S308 -- built with format_html
    )


def _nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    if high <= low:
        return [low]
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    ticks, value = [], first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def line_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    description: str = "",
    unit: str = "",
    y_min: float | None = None,
    y_max: float | None = None,
    value_format: str = "{:.2f}",
) -> SafeString:
    """Lines over evenly spaced x labels; a None value breaks its line. The y range defaults to the data's."""
    chart_id = _chart_id()
    labels = [str(label) for label in labels]
    values = [v for vs in series.values() for v in vs if v is not None]
    low = y_min if y_min is not None else min(values, default=0.0)
    high = y_max if y_max is not None else max(values, default=1.0)
    if high <= low:
        high = low + 1.0
    plot_w = LINE_WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = LINE_HEIGHT - PAD_TOP - PAD_BOTTOM
    step_x = plot_w / (len(labels) - 1) if len(labels) > 1 else 0.0

    def x_at(index: int) -> float:
        return PAD_LEFT + (index * step_x if len(labels) > 1 else plot_w / 2)

    def y_at(value: float) -> float:
        clamped = min(max(value, low), high)
        return PAD_TOP + plot_h - (clamped - low) / (high - low) * plot_h

    if not description:
        description = _line_summary(labels, series, value_format, unit)
    parts = [
        _svg_open(chart_id, LINE_WIDTH, LINE_HEIGHT, "chart chart-lines"),
        _svg_texts(chart_id, title, description),
    ]
    for tick in _nice_ticks(low, high):
        y = y_at(tick)
        parts.append(
            format_html(
                '<line class="chart-grid" x1="{}" y1="{}" x2="{}" y2="{}"></line>'
                '<text class="chart-axis" x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>',
                PAD_LEFT,
                _n(y),
                LINE_WIDTH - PAD_RIGHT,
                _n(y),
                PAD_LEFT - 4,
                _n(y),
                f"{tick:g}",
            )
        )
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    for index, label in enumerate(labels):
        if (len(labels) - 1 - index) % every:  # counted from the end, so the latest label always shows
            continue
        parts.append(
            format_html(
                '<text class="chart-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                _n(x_at(index)),
                LINE_HEIGHT - PAD_BOTTOM + 16,
                label,
            )
        )
    for number, (name, points) in enumerate(series.items()):
        css = f"chart-series-{number % SERIES_CLASSES + 1}"
        path = _path(points[: len(labels)], x_at, y_at)
        parts.append(format_html('<g class="chart-series {}"><title>{}</title>', css, name))
        if path:
            parts.append(format_html('<path class="chart-line" d="{}"></path>', path))
        for index, value in enumerate(points[: len(labels)]):
            if value is None:
                continue
            parts.append(
                format_html(
                    '<circle class="chart-point" cx="{}" cy="{}" r="3"><title>{} {}: {}</title></circle>',
                    _n(x_at(index)),
                    _n(y_at(value)),
                    name,
                    labels[index],
                    _fmt(value, value_format, unit),
                )
            )
        parts.append("</g>")
    parts.append("</svg>")
    names = list(series)
    rows = [[label, *(_fmt(_at(series[name], i), value_format) for name in names)] for i, label in enumerate(labels)]
    table = _table(title, ["", *names], rows)
    legend = ""
    if len(names) > 1:
        legend = '<ul class="chart-legend">' + "".join(
            format_html('<li><span class="chart-swatch chart-series-{}"></span>{}</li>', n % SERIES_CLASSES + 1, name)
            for n, name in enumerate(names)
        )
        legend += "</ul>"
    return _figure(title, "".join(parts) + legend, table, "chart-figure-lines")


def _at(values: Sequence[float | None], index: int) -> float | None:
    return values[index] if index < len(values) else None


def _line_summary(
    labels: Sequence[str], series: Mapping[str, Sequence[float | None]], value_format: str, unit: str
) -> str:
    if not labels:
        return "No data."
    sentences = []
    for name, points in series.items():
        known = [(labels[i], v) for i, v in enumerate(points[: len(labels)]) if v is not None]
        if not known:
            sentences.append(f"{name}: no data from {labels[0]} to {labels[-1]}.")
            continue
        (first_label, first), (last_label, last) = known[0], known[-1]
        sentences.append(
            f"{name}: {_fmt(first, value_format, unit)} at {first_label}, {_fmt(last, value_format, unit)} at "
            f"{last_label}; lowest {_fmt(min(v for _, v in known), value_format, unit)}, highest "
            f"{_fmt(max(v for _, v in known), value_format, unit)}."
        )
    return " ".join(sentences)


def sparkline(
    values: Sequence[float | None], *, title: str, unit: str = "", value_format: str = "{:.2f}"
) -> SafeString:
    """A trend the size of a word; the text alternative names the first and last known value."""
    chart_id = _chart_id()
    known = [v for v in values if v is not None]
    if not known:
        return format_html('<span class="chart-sparkline chart-empty">{}: no data</span>', title)
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = (SPARK_WIDTH - 4) / (len(values) - 1) if len(values) > 1 else 0.0
    path = _path(
        values,
        lambda index: 2 + index * step,
        lambda value: SPARK_HEIGHT - 2 - (value - low) / span * (SPARK_HEIGHT - 4),
    )
    summary = f"from {_fmt(known[0], value_format, unit)} to {_fmt(known[-1], value_format, unit)}"
    return format_html(
        '<span class="chart-sparkline">{}{}<path class="chart-line chart-series-1" d="{}"></path></svg></span>',
        mark_safe(_svg_open(chart_id, SPARK_WIDTH, SPARK_HEIGHT, "chart chart-spark")),  # noqa: S308 -- no input
        _svg_texts(chart_id, title, summary),
        path,
    )


__all__ = ["bar_chart", "line_chart", "sparkline"]
