"""`{% load governance_tags %}`: the governance and health section of a product page, and a health badge.

{% product_governance product %}     the section (findings with how to fix, the health breakdown)
{% health_badge score band %}        a small badge, for lists and scorecards
{% domain_governance domain %}       the governance / health section of a domain scorecard
"""

from __future__ import annotations

from django import template

from catalog.models import DataProduct, Domain
from catalog.permissions import can_write_product
from core.actors import Actor
from governance import pending, selectors
from governance.health import product_health

register = template.Library()


@register.inclusion_tag("governance/_partials/product_governance.html", takes_context=True)
def product_governance(context, product: DataProduct) -> dict:
    request = context.get("request")
    actor = Actor(user=getattr(request, "user", None))
    # A write a moment ago may have left the product pending (embedded profile): evaluate it before showing it.
    pending.catch_up_product(product.pk)
    governance = selectors.product_governance(product)
    health = product_health([product.pk])[product.pk]
    return {
        "product": product,
        "governance": governance,
        "health": health,
        # Findings are public; the owning team sees how to fix each one opened up, others may unfold it.
        "is_owner_team": can_write_product(actor, product),
    }


@register.inclusion_tag("governance/_partials/health_badge.html")
def health_badge(score, band: str = "") -> dict:
    return {"score": score, "band": band}


@register.inclusion_tag("governance/_partials/domain_governance.html")
def domain_governance(domain: Domain) -> dict:
    pending.catch_up_all()
    figures = selectors.domain_figures([domain.pk])[domain.pk]
    return {
        "domain": domain,
        "figures": figures,
        "worst": list(selectors.worst_products(domain, limit=5)),
    }


@register.inclusion_tag("governance/_partials/health_badge.html")
def product_health_badge(product: DataProduct) -> dict:
    """The product's health score as a badge, for the product page's header (read live, as the section is)."""
    health = product_health([product.pk])[product.pk]
    return {"score": health.score, "band": health.band, "label": health.band_label}
