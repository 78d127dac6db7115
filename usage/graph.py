"""The cross-domain network as a server-rendered SVG: domains on a circle, an arrow from each consuming domain to
the domain it consumes from, its width by weight. Same conventions as core.charts (role="img", a title per mark,
the numbers again in a visually hidden table, CSS classes only, so the page keeps its Content-Security-Policy)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

SIZE = 520
RADIUS = 190
NODE = 9
MAX_WIDTH = 6.0
MAX_EDGES = 40  # the heaviest arrows drawn; the table under the graph has every one
_ids = itertools.count(1)


def _n(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def network_graph(
    nodes: Sequence[str], edges: Sequence[tuple[str, str, float, str]], *, title: str, description: str = ""
) -> SafeString:
    """`edges`: (from node, to node, weight, label of the weight); a self-edge (a domain's own use) is drawn as a
    ring around its node. Nodes in the given order, clockwise from the top."""
    chart_id = f"network-{next(_ids)}"
    centre = SIZE / 2
    at = {}
    for index, name in enumerate(nodes):
        angle = -math.pi / 2 + 2 * math.pi * index / max(1, len(nodes))
        at[name] = (centre + RADIUS * math.cos(angle), centre + RADIUS * math.sin(angle))
    drawn = sorted((e for e in edges if e[2] > 0), key=lambda e: -e[2])[:MAX_EDGES]
    heaviest = max((w for *_, w, _ in drawn), default=0.0) or 1.0

    def width(weight: float) -> float:
        return 1.0 + (MAX_WIDTH - 1.0) * math.log1p(weight) / math.log1p(heaviest)

    marks = []
    for source, target, weight, label in drawn:
        if source not in at or target not in at:
            continue
        tip = f"{source} → {target}: {label}"
        (x1, y1), (x2, y2) = at[source], at[target]
        if source == target:
            ring = format_html(
                '<circle class="network-self" cx="{}" cy="{}" r="{}" stroke-width="{}"><title>{}</title></circle>',
                _n(x1),
                _n(y1),
                NODE + 6,
                _n(width(weight)),
                f"{source} within itself: {label}",
            )
            marks.append(ring)
            continue
        # Bend every arrow to its right, so A→B and B→A are two arcs; stop short of the target's node.
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1.0
        cx, cy = mx - dy / length * 28, my + dx / length * 28
        ex, ey = (
            x2 - (x2 - cx) / math.hypot(x2 - cx, y2 - cy) * (NODE + 4),
            y2 - (y2 - cy) / math.hypot(x2 - cx, y2 - cy) * (NODE + 4),
        )
        marks.append(
            format_html(
                '<path class="network-edge" d="M{} {} Q{} {} {} {}" stroke-width="{}" marker-end="url(#{}-arrow)">'
                "<title>{}</title></path>",
                _n(x1),
                _n(y1),
                _n(cx),
                _n(cy),
                _n(ex),
                _n(ey),
                _n(width(weight)),
                chart_id,
                tip,
            )
        )
    for name, (x, y) in at.items():
        anchor = "start" if x > centre + 1 else "end" if x < centre - 1 else "middle"
        lx = x + (NODE + 6) * (1 if anchor == "start" else -1 if anchor == "end" else 0)
        ly = y + (-(NODE + 8) if y < centre else NODE + 18) if anchor == "middle" else y + 4
        marks.append(
            format_html(
                '<g class="network-node"><circle cx="{}" cy="{}" r="{}"><title>{}</title></circle>'
                '<text class="chart-label" x="{}" y="{}" text-anchor="{}">{}</text></g>',
                _n(x),
                _n(y),
                NODE,
                name,
                _n(lx),
                _n(ly),
                anchor,
                name,
            )
        )
    relations = sum(1 for e in edges if e[2] > 0)
    summary = description or (
        f"{len(nodes)} domains and {relations} consuming relations between them"
        + (f"; the {len(drawn)} heaviest are drawn." if len(drawn) < relations else ".")
    )
    svg = format_html(
        '<svg class="chart network" viewBox="-90 -20 {} {}" width="{}" height="{}" role="img" '
        'aria-labelledby="{}-title {}-desc"><title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '<defs><marker id="{}-arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="9" markerHeight="9" '
        'markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path class="network-arrow" d="M0 0 L10 5 L0 10 z"></path></marker></defs>{}</svg>',
        SIZE + 180,
        SIZE + 40,
        SIZE + 180,
        SIZE + 40,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        summary,
        chart_id,
        mark_safe("".join(marks)),  # noqa: S308 -- every mark built with format_html
    )
    rows = format_html_join(
        "", '<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>', ((s, t, label) for s, t, _, label in edges)
    )
    table = format_html(
        '<table class="visually-hidden chart-data"><caption>{}</caption><thead><tr><th scope="col">Consumer</th>'
        '<th scope="col">Producer</th><th scope="col">Weight</th></tr></thead><tbody>{}</tbody></table>',
        title,
        rows,
    )
    return format_html(
        '<figure class="chart-figure network-figure">{}<figcaption class="chart-caption">{}</figcaption>{}</figure>',
        svg,
        title,
        table,
    )
