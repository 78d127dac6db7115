"""Facet values with counts and labels, the same for every backend."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import connection

from catalog.models import Domain, LifecycleStatus, ProductKind, Team
from search.base import FACETS, FacetValue

MAX_VALUES = 25  # per facet; selected values are always listed

# Headings of the facets on a results page.
FACET_TITLES = {
    "type": "Type",
    "domain": "Domain",
    "kind": "Kind",
    "status": "Status",
    "owner_team": "Owning team",
    "access_mode": "Access",
    "has_contract": "Data contract",
    "tag": "Tags",
    "slo_health": "SLO health",
    "rating_band": "Rating",
    "health_band": "Health",
}
TYPE_LABELS = {"product": "Data products", "domain": "Domains", "team": "Teams", "glossary_term": "Glossary terms"}
FIXED_LABELS: dict[str, dict[str, str]] = {
    "type": TYPE_LABELS,
    "kind": dict(ProductKind.choices),
    "status": dict(LifecycleStatus.choices),
    "access_mode": {"open": "Open", "on_request": "On request"},
    "has_contract": {"yes": "With a data contract", "no": "Without a data contract"},
    "slo_health": {"healthy": "Meets its SLOs", "at_risk": "At risk", "breached": "Breached", "unknown": "No SLOs yet"},
    "rating_band": {
        "4_plus": "4 stars and more",
        "3_to_4": "3 to 4 stars",
        "below_3": "Under 3 stars",
        "unrated": "Not rated yet",
    },
    "health_band": {"good": "Good health", "fair": "Fair health", "poor": "Poor health", "unknown": "Not enough data"},
}


def split(value: str) -> list[str]:
    """'|a|b|' -> ['a', 'b']; a plain value -> [value]; '' -> []."""
    if not value:
        return []
    if value.startswith("|"):
        return [v for v in value.split("|") if v]
    return [value]


def join(values: Iterable[str]) -> str:
    values = [v for v in values if v]
    return "|" + "|".join(values) + "|" if values else ""


def count_grouped(rows: Iterable[tuple], facets: Iterable[str]) -> dict[str, Counter]:
    """Rows hold one column per facet (in the order of `facets`, plain or '|a|b|') and then a count."""
    names = list(facets)
    counters: dict[str, Counter] = {name: Counter() for name in names}
    for row in rows:
        n = row[-1]
        for name, raw in zip(names, row, strict=False):
            for value in split(raw):
                counters[name][value] += n
    return counters


def labels(facet: str, values: Iterable[str]) -> dict[str, str]:
    values = list(values)
    if facet == "domain":
        return dict(Domain.objects.filter(slug__in=values).values_list("slug", "name"))
    if facet == "owner_team":
        return dict(Team.objects.filter(slug__in=values).values_list("slug", "name"))
    return FIXED_LABELS.get(facet, {})


def _names(domains: list[str], teams: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Domain and team names in one query (a results page shows both facets)."""
    if not domains and not teams:
        return {}, {}
    d_marks, t_marks = ", ".join(["%s"] * len(domains)) or "NULL", ", ".join(["%s"] * len(teams)) or "NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 'd', slug, name FROM catalog_domain WHERE slug IN ({d_marks}) "  # noqa: S608 - placeholders
            f"UNION ALL SELECT 't', slug, name FROM catalog_team WHERE slug IN ({t_marks})",
            [*domains, *teams],
        )
        rows = cursor.fetchall()
    return (
        {slug: name for kind, slug, name in rows if kind == "d"},
        {slug: name for kind, slug, name in rows if kind == "t"},
    )


def build(
    counters: dict[str, Counter], selected: dict[str, tuple[str, ...]], scales: dict[str, float] | None = None
) -> dict[str, list[FacetValue]]:
    """Facet values by count (then by label), scaled from a sample when `scale` > 1, selected ones kept."""
    out: dict[str, list[FacetValue]] = {}
    shown: dict[str, list[str]] = {}
    for facet in FACETS:
        counter = counters.get(facet, Counter())
        chosen = selected.get(facet, ())
        top = [value for value, _ in counter.most_common(MAX_VALUES)]
        shown[facet] = top + [v for v in chosen if v not in top]
    dynamic = dict(zip(("domain", "owner_team"), _names(shown["domain"], shown["owner_team"]), strict=True))
    for facet in FACETS:
        values, counter, chosen = shown[facet], counters.get(facet, Counter()), selected.get(facet, ())
        if not values:
            continue
        names = dynamic.get(facet) or FIXED_LABELS.get(facet, {})
        scale = (scales or {}).get(facet, 1.0)
        items = [
            FacetValue(value=v, label=names.get(v, v), count=_scaled(counter.get(v, 0), scale), selected=v in chosen)
            for v in values
        ]
        items.sort(key=lambda item: (-item.count, item.label.lower()))
        out[facet] = items
    return out


def _scaled(count: int, scale: float) -> int:
    if scale <= 1.0 or count == 0:
        return count
    return max(1, round(count * scale))
