"""`{% load usage_tags %}`: the usage section of a product page.

{% product_usage product %}   consumers (30 days), usage and (for who may see it) cost this month, a link to
                              the product's show-back page
"""

from __future__ import annotations

from django import template

from catalog.models import DataProduct
from core.actors import Actor
from usage import selectors
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
