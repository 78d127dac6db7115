"""`{% load audit_tags %}{% product_audit product %}`: the writes about a product, for its page's History tab.

The audit log is for staff (as its page and API are): others see that the history exists, not who did what."""

from __future__ import annotations

from django import template

from audit import selectors
from catalog.models import DataProduct

register = template.Library()
ENTRIES_ON_PRODUCT_PAGE = 20


@register.inclusion_tag("audit/_partials/product_audit.html", takes_context=True)
def product_audit(context, product: DataProduct) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    is_staff = bool(user is not None and user.is_authenticated and user.is_staff)
    entries = (
        selectors.product_entries(product.domain.slug, product.slug, limit=ENTRIES_ON_PRODUCT_PAGE) if is_staff else []
    )
    return {"product": product, "entries": entries, "is_staff": is_staff}
