"""`{% load usage_tags %}`: the usage section of a product page.

{% product_usage product %}   consumers (30 days), usage and (for who may see it) cost this month, a link to
                              the product's show-back page
"""

from __future__ import annotations

from django import template
from django.conf import settings

from catalog.models import DataProduct
from core.actors import Actor
from usage import mesh, selectors
from usage.graph import network_graph
from usage.permissions import cost_viewer

register = template.Library()


@register.inclusion_tag("usage/_partials/product_usage.html", takes_context=True)
def product_usage(context, product: DataProduct) -> dict:
    request = context.get("request")
    board = selectors.product_showback(product, cost_viewer(Actor(user=getattr(request, "user", None))), months=3)
    return {"product": product, "board": board, "top": board.lines[:5]}


@register.filter
def data_size(value) -> str:
    """Bytes as people read them: 1.2 GB."""
    size = float(value or 0)
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if size < 1000 or unit == "PB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1000
    return f"{size:,.1f} PB"


@register.inclusion_tag("usage/_partials/mesh_metrics.html")
def mesh_metrics() -> dict:
    """The mesh dashboard's value figures: time to market, products over time, the domain network."""
    figures = mesh.current_metrics()
    names = {pk: name for pk, _, name in figures.domains}
    any_usage = any(cell.queries for cell in figures.matrix.values())
    edges = [
        (
            names.get(consumer, "(no domain)") if consumer is not None else "(no domain)",
            names[producer],
            float(cell.queries if any_usage else cell.links),
            f"{cell.queries:,} queries, {cell.grants} grants, {cell.inputs} input ports",
        )
        for (consumer, producer), cell in sorted(figures.matrix.items(), key=lambda kv: (str(kv[0][0]), kv[0][1]))
        if producer in names
    ]
    nodes = [name for _, _, name in figures.domains]
    if any(e[0] == "(no domain)" and e[2] > 0 for e in edges):
        nodes.append("(no domain)")
    month_names = [m.strftime("%Y-%m") for m in figures.months]
    return {
        "m": figures,
        "max_age_minutes": round(getattr(settings, "PORTAL_MESH_METRICS_MAX_AGE", 300) / 60),
        "month_names": month_names,
        "ttm_series": {
            "Draft to published": [r["draft_to_published_days"] for r in figures.time_by_month],
            "Published to first consumer": [r["to_first_consumer_days"] for r in figures.time_by_month],
        },
        "ttm_timed": any(r["published"] for r in figures.time_by_month),
        "products_series": {
            names[pk]: [float(v) for v in counts]
            for pk, counts in figures.published_by_month.items()
            if pk in names and any(counts)
        },
        "graph": network_graph(nodes, edges, title="Who consumes whose data"),
        "weighted_by": "queries over the last 3 months" if any_usage else "grants plus input ports",
        "columns": figures.producer_columns(),
        "rows": figures.matrix_rows(),
        "share_percent": None if figures.outside_share is None else round(100 * figures.outside_share),
    }
