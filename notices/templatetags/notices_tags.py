"""`{% load notices_tags %}{% product_notices product %}`: on a product page, its deprecation (sunset, reason,
replacement), a Follow button, and for its owners a link to deprecate it."""

from __future__ import annotations

from django import template

from catalog.models import DataProduct, Deprecation
from catalog.permissions import can_write_product
from core.actors import Actor
from notices.follows import is_following

register = template.Library()


@register.inclusion_tag("notices/_partials/product_notices.html", takes_context=True)
def product_notices(context, product: DataProduct) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    deprecations = list(
        Deprecation.objects.filter(product=product).select_related("port", "replacement__domain").order_by("sunset_on")
    )
    return {
        "product": product,
        "deprecations": deprecations,
        "following": user is not None and is_following(user, product),
        "signed_in": user is not None and user.is_authenticated,
        "can_deprecate": user is not None and can_write_product(Actor(user=user), product),
        "next": request.get_full_path() if request is not None else "",
    }
