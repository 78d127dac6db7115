"""`{% load slo_tags %}`: the SLO section of a product page, the overall badge, and value formatting.

{% product_slos product %}   the "Service levels" section (id="slos")
{% product_freshness product %}  "data updated 2 h ago" (freshness measurements), else when its metadata changed
{% slo_badge product %}      the product's overall SLO state as a badge (none without objectives);
                             wrap=True puts it in a paragraph of its own; summary=... reuses one already read
{% list_slo_summaries products as s %}  every listed product's summary in two queries, for
                             `{% slo_badge product summary=s|item:product.pk %}` rows (`item`: core's quality tags)
{{ slo|slo_objective }}      the objective in words ("age at most 4 d")
{{ slo|slo_value:value }}    a value in the objective's unit ("99.70%", "3.5 h", "1,200 rows")
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from catalog.models import DataProduct
from core.actors import Actor
from core.charts import sparkline
from slo.evaluation import describe_value, humanize_seconds
from slo.models import ServiceLevelObjective, SloKind
from slo.permissions import can_manage_slos
from slo.selectors import SloSummary, data_updated_at, open_incidents_of_teams, slo_summaries
from slo.selectors import product_slos as product_slos_data

register = template.Library()

STATE_LABELS = {
    "healthy": "SLOs met",
    "at_risk": "SLOs at risk",
    "breached": "SLO breached",
    "no_data": "SLOs: no data",
}


@register.inclusion_tag("slo/_partials/product_slos.html", takes_context=True)
def product_slos(context, product: DataProduct) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "product": product,
        "data": product_slos_data(product),
        "can_manage": can_manage_slos(Actor(user=user), product) if user is not None else False,
    }


@register.inclusion_tag("slo/_partials/freshness.html")
def product_freshness(product: DataProduct) -> dict:
    measured = data_updated_at(product)
    return {"product": product, "moment": measured or product.updated_at, "measured": measured is not None}


@register.simple_tag
def list_slo_summaries(products: Iterable[DataProduct]) -> dict[int, SloSummary]:
    return slo_summaries([p.pk for p in products])


@register.inclusion_tag("slo/_partials/slo_badge.html")
def slo_badge(product: DataProduct, wrap: bool = False, summary: SloSummary | None = None) -> dict:
    if summary is None:
        summary = slo_summaries([product.pk])[product.pk]
    return {"summary": summary, "label": STATE_LABELS.get(summary.state, ""), "product": product, "wrap": wrap}


@register.filter
def slo_value(slo: ServiceLevelObjective, value) -> str:
    return describe_value(slo, value)


@register.filter
def slo_objective(slo: ServiceLevelObjective) -> str:
    if slo.kind == SloKind.FRESHNESS:
        return f"data at most {humanize_seconds(slo.threshold or 0)} old"
    if slo.kind == SloKind.LATENCY:
        return f"at most {humanize_seconds(slo.threshold or 0)}"
    if slo.kind in (SloKind.COMPLETENESS, SloKind.AVAILABILITY):
        return f"at least {(slo.threshold or 0) * 100:g}%"
    if slo.kind == SloKind.VOLUME:
        parts = []
        if slo.min_rows is not None:
            parts.append(f"at least {slo.min_rows:,}")
        if slo.max_rows is not None:
            parts.append(f"at most {slo.max_rows:,}")
        return " and ".join(parts) + " rows"
    word = "at most" if slo.comparator == "lte" else "at least"
    return f"{slo.metric} {word} {slo.threshold:g}"


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@register.simple_tag
def slo_trend(slo: ServiceLevelObjective, values: list[float]):
    formats: dict[str, tuple[str, str]] = {
        SloKind.FRESHNESS: ("s", "{:,.0f}"),
        SloKind.LATENCY: ("s", "{:.3g}"),
        SloKind.VOLUME: ("rows", "{:,.0f}"),
        SloKind.COMPLETENESS: ("", "{:.2%}"),
        SloKind.AVAILABILITY: ("", "{:.3%}"),
    }
    unit, value_format = formats.get(slo.kind, ("", "{:g}"))
    return sparkline(values, title=f"Recent measurements of {slo.name}", unit=unit, value_format=value_format)


@register.inclusion_tag("slo/_partials/home_incidents.html", takes_context=True)
def home_incidents(context, limit: int = 5) -> dict:
    """The home page's SLO task: open incidents on the products of the person's teams."""
    request = context.get("request")
    user = getattr(request, "user", None)
    teams = Actor(user=user).team_ids if user is not None and user.is_authenticated else set()
    return {"incidents": open_incidents_of_teams(teams, limit=limit), "producer": bool(teams)}
