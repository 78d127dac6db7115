"""Governance pages: the policies with their pass rates, one policy's failing products, and the mesh dashboard
with its CSV export. Thin views: selectors read, templates show."""

from __future__ import annotations

import csv
import io

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from catalog.models import Domain
from governance import health as health_module
from governance import pending, policies, selectors

FINDINGS_PER_PAGE = 50


def _domain(request) -> Domain | None:
    """The `domain` filter (a slug); an unknown slug is a 404 rather than a silently unfiltered page."""
    slug = request.GET.get("domain", "").strip()
    if not slug:
        return None
    domain = Domain.objects.filter(slug=slug).only("pk", "slug", "name").first()
    if domain is None:
        raise Http404(f"No domain '{slug[:80]}'.")
    return domain


@require_GET
def policy_list(request):
    domain = _domain(request)
    pending.catch_up_all()
    rates = selectors.policy_rates(domain)
    return render(
        request,
        "governance/policies.html",
        {
            "rates": rates,
            "domain": domain,
            "domains": Domain.objects.only("slug", "name").order_by("name"),
            "pass_chart": [(r.policy.title, round(100 * r.pass_rate)) for r in rates if r.pass_rate is not None],
            "unavailable": [p for p in policies.REGISTRY if not p.available],
        },
    )


@require_GET
def policy_detail(request, policy_id: str):
    policy = policies.get(policy_id)
    if policy is None or not policy.available:
        raise Http404("No such policy.")
    domain = _domain(request)
    pending.catch_up_all()
    page = Paginator(selectors.policy_findings(policy, domain), FINDINGS_PER_PAGE).get_page(request.GET.get("page"))
    rate = next(r for r in selectors.policy_rates(domain) if r.policy.id == policy.id)
    return render(
        request,
        "governance/policy.html",
        {
            "policy": policy,
            "rate": rate,
            "page": page,
            "domain": domain,
            "domains": Domain.objects.only("slug", "name").order_by("name"),
        },
    )


@require_GET
def dashboard(request):
    if request.GET.get("format") == "csv":
        return dashboard_csv(request)
    pending.catch_up_all()  # the figures include products written a moment ago
    board = selectors.mesh_dashboard()
    scored = [r for r in board.rows if r.products]
    return render(
        request,
        "governance/dashboard.html",
        {
            "board": board,
            # Charts are drawn with the value as the table shows it (whole numbers), so a bar's label and its
            # row's badge agree.
            "health_chart": [(r.name, health_module.shown(r.health)) for r in scored if r.health is not None],
            "governance_chart": [(r.name, r.governance) for r in scored if r.governance is not None],
            "slo_chart": [(r.name, round(100 * r.slo_compliance, 1)) for r in scored if r.slo_compliance is not None],
            # Why a chart has fewer bars than the table has rows: named, not left to guess.
            "unpublished": [r.name for r in board.rows if not r.products],
            "without_slo_data": [r.name for r in scored if r.slo_compliance is None],
            "unrated": [r.name for r in scored if r.rating is None],
            "scored_count": len(scored),
            "weights": health_module.config()["weights"],
            "bands": health_module.config()["bands"],
        },
    )


CSV_COLUMNS = [
    "domain",
    "domain_name",
    "published_products",
    "health",
    "governance_score",
    "open_errors",
    "open_warnings",
    "slo_compliance_30d_percent",
    "products_with_slo_data",
    "average_rating",
    "rated_products",
    "consumers",
    "access_decision_median_hours",
]


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ (or a tab/CR) gets a leading quote.
    The export is a report for people, not a file to import again, so the quote costs nothing."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}" if not value.is_integer() else f"{value:.0f}"
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_row(f: selectors.DomainFigures) -> list[str]:
    return [
        _cell(v)
        for v in (
            f.slug,
            f.name,
            f.products,
            f.health,
            f.governance,
            f.errors,
            f.warnings,
            None if f.slo_compliance is None else round(100 * f.slo_compliance, 1),
            f.slo_products,
            None if f.rating is None else round(f.rating, 2),
            f.rated_products,
            f.consumers,
            None if f.access_hours is None else round(f.access_hours, 1),
        )
    ]


@require_GET
def dashboard_csv(request):
    pending.catch_up_all()
    board = selectors.mesh_dashboard()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in board.rows:
        writer.writerow(_csv_row(row))
    total = _csv_row(board.total)
    total[0] = "*"
    writer.writerow(total)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"mesh-dashboard-{timezone.now():%Y-%m-%d}.csv"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
