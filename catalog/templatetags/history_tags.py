"""`{% load history_tags %}{% product_history product %}`: the product page's History part, its versions with
their diffs (breaking changes marked), newest first."""

from __future__ import annotations

from django import template

from catalog.models import DataProduct
from catalog.selectors import product_versions

register = template.Library()

SHOWN = 20


@register.inclusion_tag("catalog/_partials/product_history.html")
def product_history(product: DataProduct) -> dict:
    versions = list(product_versions(product)[: SHOWN + 1])
    return {"product": product, "versions": versions[:SHOWN], "more": len(versions) > SHOWN}
