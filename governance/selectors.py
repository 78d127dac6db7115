"""Reads of the governance app: a product's findings, pass rates per policy, domain scores, the mesh dashboard.

Everything here reads the stored outcome of the last evaluation (findings, ProductScore), with a fixed number
of grouped queries whatever the size of the mesh.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from django.db.models import Count, Max, Q, QuerySet, Sum

from access.selectors import decision_hours_median, decision_hours_median_by_domain
from catalog import counts as product_counts
from catalog.models import DataProduct, Domain
from governance import counts as finding_counts
from governance import health as health_module
from governance.models import Finding, ProductScore
from governance.policies import BY_ID, Policy, active_policies

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass
class FindingView:
    finding: Finding
    policy: Policy | None

    @property
    def title(self) -> str:
        return self.policy.title if self.policy else self.finding.policy_id


@dataclass
class ProductGovernance:
    product: DataProduct
    in_scope: bool
    score: ProductScore | None
    findings: list[FindingView] = field(default_factory=list)


def product_governance(product: DataProduct) -> ProductGovernance:
    """The product page's section: its score and open findings, worst first (two queries)."""
    score = ProductScore.objects.filter(product=product).first()
    findings = [
        FindingView(f, BY_ID.get(f.policy_id))
        for f in Finding.objects.open().filter(product=product).order_by("policy_id")
    ]
    findings.sort(key=lambda v: (SEVERITY_ORDER.get(v.finding.severity, 9), v.title))
    in_scope = any(p.applies(product) for p in active_policies())
    return ProductGovernance(product=product, in_scope=in_scope, score=score, findings=findings)


@dataclass
class PolicyRate:
    policy: Policy
    applicable: int
    failing: int

    @property
    def passing(self) -> int:
        return max(0, self.applicable - self.failing)

    @property
    def pass_rate(self) -> float | None:
        return self.passing / self.applicable if self.applicable else None


def _scores(domain: Domain | None) -> QuerySet[ProductScore]:
    qs = ProductScore.objects.all()
    return qs.filter(domain=domain) if domain is not None else qs


def policy_rates(domain: Domain | None = None) -> list[PolicyRate]:
    """Pass rate of each active policy over the products it applies to (optionally of one domain): two queries."""
    # The products a policy applies to, by status, and its open findings: from the counts the database keeps
    # (catalog/counts.py, governance/counts.py) for the whole mesh, where counting 100k scores and 300k findings
    # took 100-200 ms on PostgreSQL; a domain's own are counted (a domain's products, not the mesh's).
    by_status = product_counts.per_status(domain_id=domain.pk if domain is not None else None)
    if domain is None:
        failing = finding_counts.open_per_policy()
    else:
        findings = Finding.objects.open().filter(product__domain=domain)
        failing = dict(findings.values_list("policy_id").annotate(n=Count("pk")).order_by())
    return [
        PolicyRate(
            policy=p,
            applicable=sum(n for status, n in by_status.items() if status in p.applies_to),
            failing=failing.get(p.id, 0),
        )
        for p in active_policies()
    ]


def policy_findings(policy: Policy, domain: Domain | None = None) -> QuerySet[Finding]:
    qs = Finding.objects.open().filter(policy_id=policy.id).select_related("product__domain", "product__owner_team")
    if domain is not None:
        qs = qs.filter(product__domain=domain)
    return qs.order_by("product__domain__name", "product__name")


def findings_list(
    *,
    domain: Domain | None = None,
    product: DataProduct | None = None,
    policy_id: str = "",
    severity: str = "",
    status: str = "open",
) -> QuerySet[Finding]:
    qs = Finding.objects.select_related("product__domain")
    if status:
        qs = qs.filter(status=status)
    if domain is not None:
        qs = qs.filter(product__domain=domain)
    if product is not None:
        qs = qs.filter(product=product)
    if policy_id:
        qs = qs.filter(policy_id=policy_id)
    if severity:
        qs = qs.filter(severity=severity)
    return qs.order_by("-opened_at", "pk")


@dataclass
class DomainFigures:
    """A domain's row on the dashboard and its scorecard; averages are over its published (scored) products."""

    domain_id: int
    slug: str
    name: str
    url: str
    products: int = 0
    governance: float | None = None  # mean product governance score, 0-100
    errors: int = 0  # open error findings
    warnings: int = 0
    slo_compliance: float | None = None  # mean 30-day compliance of the products with SLO data, 0-1
    slo_products: int = 0
    rating: float | None = None  # mean Bayesian average of the rated products, stars
    rated_products: int = 0
    consumers: int | None = None  # active grants on its products (None without the access app)
    access_hours: float | None = None  # median hours from access request to decision, 90 days
    health: float | None = None  # mean product health, 0-100
    evaluated_at: datetime | None = None

    @property
    def slo_percent(self) -> float | None:
        return None if self.slo_compliance is None else 100 * self.slo_compliance

    @property
    def health_band(self) -> str:
        return health_module.band_of(self.health)


class _Identity(TypedDict):
    """The DomainFigures fields that name the row."""

    domain_id: int
    slug: str
    name: str
    url: str


@dataclass
class Dashboard:
    rows: list[DomainFigures]
    total: DomainFigures


def _figures(row: Mapping[str, Any], *, domain_id: int, slug: str, name: str, url: str) -> DomainFigures:
    """One row of _AGGREGATES (a domain's, or the whole mesh's) as figures."""
    n = row["n"]
    return DomainFigures(
        domain_id=domain_id,
        slug=slug,
        name=name,
        url=url,
        products=n,
        governance=round(row["gov_sum"] / n, 1) if n else None,
        errors=row["err_sum"] or 0,
        warnings=row["warn_sum"] or 0,
        slo_compliance=(row["slo_sum"] / row["slo_n"]) if row["slo_n"] else None,
        slo_products=row["slo_n"],
        rating=(row["rating_sum"] / row["rating_n"]) if row["rating_n"] else None,
        rated_products=row["rating_n"],
        consumers=row["cons_sum"] if row["cons_n"] else None,
        health=round(row["health_sum"] / row["health_n"], 1) if row["health_n"] else None,
        evaluated_at=row["evaluated_at"],
    )


_AGGREGATES = {
    "n": Count("pk"),
    "gov_sum": Sum("score"),
    "err_sum": Sum("errors"),
    "warn_sum": Sum("warnings"),
    "slo_sum": Sum("slo_compliance"),
    "slo_n": Count("slo_compliance"),
    "rating_sum": Sum("rating_average"),
    "rating_n": Count("rating_average"),
    "cons_sum": Sum("consumers"),
    "cons_n": Count("consumers"),
    "health_sum": Sum("health"),
    "health_n": Count("health"),
    "evaluated_at": Max("health_at"),
}


def _domain_rows(domain_ids: list[int] | None) -> dict[int, Mapping[str, Any]]:
    """_AGGREGATES per domain: the sums and counts the scores table's triggers keep (governance/counts.py)."""
    return finding_counts.score_totals(domain_ids)


def _pooled_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The whole mesh's _AGGREGATES from the domains' rows: sums and counts add up, the latest is the latest.
    The same as aggregating every score again, without a second pass over 100k rows (about 100 ms on SQLite)."""
    whole: dict[str, Any] = {key: 0 for key in _AGGREGATES if key != "evaluated_at"}
    whole["evaluated_at"] = None
    for row in rows:
        for key in whole:
            value = row[key]
            if key == "evaluated_at":
                if value is not None and (whole[key] is None or value > whole[key]):
                    whole[key] = value
            elif value is not None:
                whole[key] += value
    # Sum() of no values is NULL in SQL: keep that where nothing was summed, as the aggregate gave.
    for total, count in (("slo_sum", "slo_n"), ("rating_sum", "rating_n"), ("cons_sum", "cons_n")):
        if not whole[count]:
            whole[total] = None
    return whole


def domain_figures(
    domain_ids: Iterable[int] | None = None, *, rows: Mapping[int, Mapping[str, Any]] | None = None
) -> dict[int, DomainFigures]:
    """Per domain: governance, SLO compliance, rating, consumers, access turnaround and health (3-4 queries)."""
    domains_qs = Domain.objects.only("pk", "slug", "name")
    wanted = None if domain_ids is None else list(domain_ids)
    if wanted is not None:
        domains_qs = domains_qs.filter(pk__in=wanted)
    domains = {d.pk: d for d in domains_qs}
    if rows is None:
        rows = _domain_rows(wanted)
    figures = {}
    for d in domains.values():
        identity: _Identity = {"domain_id": d.pk, "slug": d.slug, "name": d.name, "url": d.get_absolute_url()}
        row = rows.get(d.pk)
        figures[d.pk] = _figures(row, **identity) if row is not None else DomainFigures(**identity)
    for domain_id, hours in decision_hours_median_by_domain(list(domains)).items():
        if domain_id in figures:
            figures[domain_id].access_hours = hours
    return figures


def mesh_dashboard() -> Dashboard:
    """Every domain's figures (by name) and the mesh's, the latter over all scored products at once."""
    per_domain = _domain_rows(None)
    figures = domain_figures(rows=per_domain)
    rows = sorted(figures.values(), key=lambda f: f.name.lower())
    whole = _pooled_rows(per_domain.values())
    identity: _Identity = {"domain_id": 0, "slug": "", "name": "Whole mesh", "url": ""}
    total = _figures(whole, **identity) if whole["n"] else DomainFigures(**identity)
    # Pooled over every decision of the mesh, not the median of the domains' medians.
    total.access_hours = decision_hours_median()
    return Dashboard(rows=rows, total=total)


def worst_products(domain: Domain, limit: int = 10) -> QuerySet[ProductScore]:
    """A domain's products with the lowest governance score, for its scorecard."""
    return (
        ProductScore.objects.filter(domain=domain)
        .filter(Q(errors__gt=0) | Q(warnings__gt=0) | Q(infos__gt=0))
        .select_related("product__domain")
        .order_by("score", "product__name")[:limit]
    )
