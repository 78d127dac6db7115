"""`{% load lineage_tags %}{% product_lineage product %}`: the lineage section of a product page."""

from __future__ import annotations

from django import template

from catalog.models import DataProduct
from lineage.selectors import product_lineage_summary

register = template.Library()


@register.inclusion_tag("lineage/_partials/product_lineage.html")
def product_lineage(product: DataProduct) -> dict:
    return {"product": product, "summary": product_lineage_summary(product)}
