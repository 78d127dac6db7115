"""Show-back pages: a product's usage and consumers, a team's consumption, and their CSV exports. Thin: the
selectors read, `usage.permissions.cost_viewer` decides what cost the viewer sees."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from catalog.models import DataProduct, Team
from core.actors import Actor
from usage import selectors
from usage.csv_export import showback_csv
from usage.permissions import cost_viewer


def _product(domain: str, slug: str) -> DataProduct:
    return get_object_or_404(
        DataProduct.objects.select_related("domain__parent", "owner_team"), domain__slug=domain, slug=slug
    )


def _csv(body: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{name}-{timezone.now():%Y-%m-%d}.csv")
    return response


@require_GET
def product_usage(request, domain: str, slug: str):
    product = _product(domain, slug)
    board = selectors.product_showback(product, cost_viewer(Actor(user=request.user)))
    labels, daily = selectors.daily_queries(product)
    return render(
        request,
        "usage/product_usage.html",
        {"product": product, "board": board, "daily_labels": labels, "daily": {"Queries": daily}},
    )


@require_GET
def product_usage_csv(request, domain: str, slug: str):
    product = _product(domain, slug)
    board = selectors.product_showback(product, cost_viewer(Actor(user=request.user)))
    body = showback_csv(board, line_head=["consumer", "consumer_kind"], line_cells=lambda c: [c.label, c.kind])
    return _csv(body, f"usage-{product.domain.slug}-{product.slug}")


def _team(slug: str) -> Team:
    return get_object_or_404(Team, slug=slug)


@require_GET
def team_usage(request, slug: str):
    team = _team(slug)
    board = selectors.team_showback(team, cost_viewer(Actor(user=request.user)))
    return render(request, "usage/team_usage.html", {"team": team, "board": board})


@require_GET
def team_usage_csv(request, slug: str):
    team = _team(slug)
    board = selectors.team_showback(team, cost_viewer(Actor(user=request.user)))
    body = showback_csv(
        board,
        line_head=["product", "producer_domain", "producer_team"],
        line_cells=lambda p: [p.identifier, p.domain, p.team],
    )
    return _csv(body, f"showback-{team.slug}")
