"""`{% load lineage_tags %}{% product_lineage product %}`: the lineage section of a product page."""

from __future__ import annotations

from django import template

from catalog.models import DataProduct
from lineage.page_config import graph_config
from lineage.selectors import product_lineage_summary

register = template.Library()


@register.inclusion_tag("lineage/_partials/product_lineage.html")
def product_lineage(product: DataProduct) -> dict:
    return {"product": product, "summary": product_lineage_summary(product)}


@register.inclusion_tag("lineage/_partials/product_graph_embed.html", takes_context=True)
def product_lineage_graph(context, product: DataProduct) -> dict:
    """The lineage page's interactive graph of this product (upstream and downstream), for the product page."""
    return {"product": product, "config": graph_config(context.get("request"), product=product, view="product")}
