"""`{% load access_tags %}{% product_access product %}`: the access section of a product page. (The approvals
count in the navigation comes from `access.context_processors`.)"""

from __future__ import annotations

from django import template

from access import selectors
from access.forms import RequestForm
from access.models import OPEN_STATUSES
from catalog.models import DataContract, DataProduct, Team

register = template.Library()


@register.inclusion_tag("access/_partials/product_access.html", takes_context=True)
def product_access(context, product: DataProduct) -> dict:
    """Per port: its terms and a request form (or the signed-in person's open request / active grant); the
    product's consumers; the person's own requests on this product."""
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    ports = list(product.output_ports.all())
    refs = {p.contract_ref for p in ports if p.contract_ref}
    contracts = {
        c.contract_id: c for c in DataContract.objects.filter(contract_id__in=refs).prefetch_related("sla_properties")
    }
    consumers = list(selectors.product_consumers(product))
    mine = list(selectors.my_requests(user).filter(product=product)) if signed_in else []
    open_by_port = {r.port_id: r for r in mine if r.status in OPEN_STATUSES}
    held = set()
    if signed_in:
        held = set(selectors.my_grants(user).active().filter(product=product).values_list("port_id", flat=True))
    teams = list(Team.objects.of_user(user).order_by("name")) if signed_in else []
    # The product's deciders have nothing to ask for (the service refuses it): no forms for them.
    can_decide = signed_in and selectors.is_decider(user, product)
    rows = []
    for port in ports:
        rows.append(
            {
                "port": port,
                "open_request": open_by_port.get(port.pk),
                "held": port.pk in held,
                "contract": contracts.get(port.contract_ref),
                "form": RequestForm(port=port, user=user, teams=teams)
                if signed_in and not can_decide and port.pk not in open_by_port
                else None,
            }
        )
    return {
        "request": request,
        "product": product,
        "rows": rows,
        "consumers": consumers,
        "mine": mine,
        "signed_in": signed_in,
        "csrf_token": context.get("csrf_token"),
        "can_decide": can_decide,
        "can_operate": signed_in and selectors.can_operate_webhooks(user, product.domain),
    }


@register.inclusion_tag("access/_partials/access_action.html", takes_context=True)
def product_access_action(context, product: DataProduct) -> dict:
    """The product header's main action and consumer count: "You have access", the open request, or a button
    to the Access tab to request it (a few counting queries; the forms stay on the Access tab)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    held = open_request = None
    deciding = False
    if signed_in:
        held = selectors.my_grants(user).active().filter(product=product).order_by("expires_at").first()
        if held is None:
            open_request = (
                selectors.my_requests(user).filter(product=product, status__in=OPEN_STATUSES).order_by("-pk").first()
            )
            deciding = open_request is None and selectors.is_decider(user, product)
    return {
        "product": product,
        "consumer_count": selectors.product_consumers(product).count(),
        "held": held,
        "open_request": open_request,
        "deciding": deciding,
        "signed_in": signed_in,
        "request": request,
    }


def _user(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


@register.inclusion_tag("access/_partials/home_approvals.html", takes_context=True)
def home_approvals(context, limit: int = 5) -> dict:
    """The home page's access task: requests waiting for the person's decision (nothing for non-deciders)."""
    user = _user(context)
    if user is None or not selectors.decides_any(user):
        return {"decider": False}
    waiting = list(selectors.approvals_inbox(user)[: limit + 1])
    return {"decider": True, "waiting": waiting[:limit], "more": len(waiting) > limit}


@register.inclusion_tag("access/_partials/home_in_use.html", takes_context=True)
def home_in_use(context) -> dict:
    """What the person uses: their active grants."""
    user = _user(context)
    return {"grants": selectors.products_in_use(user), "signed_in": user is not None}


@register.inclusion_tag("access/_partials/home_popular.html")
def home_popular(limit: int = 5) -> dict:
    return {"rows": selectors.popular_products(limit=limit)}
