"""`{% load harvest_tags %}`: schema drift on a product page.

{% product_drift product %}   the "Live schema" section: open drift (breaking differences say the contract is
                              violated) and the latest observed-schema changes; nothing when never harvested
"""

from __future__ import annotations

from django import template

from catalog.models import DataProduct
from harvest.selectors import product_drift as product_drift_data

register = template.Library()


@register.inclusion_tag("harvest/_partials/product_drift.html")
def product_drift(product: DataProduct) -> dict:
    return {"product": product, "drift": product_drift_data(product)}
