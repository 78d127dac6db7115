"""The mesh's value in figures: time to market, products per domain over time, the cross-domain network and the
share of products consumed outside their own domain. Each figure carries the sentence saying how it is computed
(`how`), shown on /mesh/ and answered by `GET /api/v1/mesh/metrics`.

Where the inputs come from:
- lifecycle: `ProductMilestone` (usage.services.milestones_record notes the first time a product is seen
  published, after every product write; the catalog keeps no history of statuses). Milestones marked `estimated`
  (products published before milestones were recorded) are left out of time to market.
- first consumer: the earliest grant on any of the product's ports (access.Grant.starts_at, whatever became of
  the grant) or the first day with usage (usage.UsageDay), whichever is earlier.
- who consumes: active grants (a team, or a person), input ports that read another product's output port, and
  usage over the last 3 calendar months. A consuming team belongs to the domain it owns (the first, by name), or
  else to the domain where it owns most products; a person to the domain of their first team.
"""

from __future__ import annotations

import statistics
import threading
import time as clock
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Min, Sum
from django.utils import timezone

from access.models import Grant
from catalog.models import DataProduct, Domain, InputPort, LifecycleStatus, TeamMembership
from core.dispatch import after_response
from usage.models import ProductMilestone, UsageDay, UsageMonth
from usage.selectors import month_labels

MONTHS = 12
USAGE_MONTHS = 3

HOW = {
    "draft_to_published": "Median days from a product's creation (its draft) to the first time it was seen "
    "published, over products published since milestones are recorded; a product created published counts 0.",
    "published_to_first_consumer": "Median days from publication to its first consumer: the earliest grant on any "
    "of its ports or the first day with reported usage, whichever came first (0 when one came before publication).",
    "products_over_time": "Products per domain that had been published by the end of each month (first "
    "publication; later deprecation or retirement is not subtracted).",
    "network": "Rows consume from columns. A cell counts the active grants held by the row domain's teams and people "
    "on the column domain's ports, the row domain's input ports reading the column domain's products, and the "
    f"queries the row domain ran on them over the last {USAGE_MONTHS} calendar months. The graph weighs each arrow "
    "by those queries, or by grants plus input ports where no usage is reported.",
    "outside_share": "Published products consumed by at least one other domain (a grant, an input port or usage in "
    f"the last {USAGE_MONTHS} months; consumers without a domain count as outside), over all published products.",
}


@dataclass
class DomainTime:
    domain_id: int
    slug: str
    name: str
    published: int = 0  # products with a measured draft-to-published time
    draft_to_published_days: float | None = None
    consumed: int = 0  # products with a measured published-to-first-consumer time
    to_first_consumer_days: float | None = None


@dataclass
class Cell:
    grants: int = 0
    inputs: int = 0
    queries: int = 0

    @property
    def links(self) -> int:
        return self.grants + self.inputs

    @property
    def empty(self) -> bool:
        return not (self.grants or self.inputs or self.queries)


@dataclass
class MeshMetrics:
    domains: list[tuple[int, str, str]]  # (id, slug, name), by name
    time_by_domain: list[DomainTime]
    time_by_month: list[dict]  # month, published, draft_to_published_days, consumed, to_first_consumer_days
    months: list[date]
    published_by_month: dict[int, list[int]]  # domain id -> count at each month end
    matrix: dict[tuple[int | None, int], Cell]  # (consumer domain or None, producer domain) -> cell
    published_products: int = 0
    consumed_outside: int = 0
    consumed_at_all: int = 0
    how: dict[str, str] = field(default_factory=lambda: dict(HOW))
    computed_at: datetime = field(default_factory=timezone.now)

    @property
    def outside_share(self) -> float | None:
        return self.consumed_outside / self.published_products if self.published_products else None

    def matrix_rows(self) -> list[dict]:
        """For the page: one row per consuming domain that consumes anything, its cells in column order."""
        consumers = sorted({k[0] for k in self.matrix}, key=lambda d: (d is None, self._name(d)))
        producers = self.producer_columns()
        return [
            {
                "domain": self._name(c),
                "cells": [self.matrix.get((c, p[0])) for p in producers],
            }
            for c in consumers
        ]

    def producer_columns(self) -> list[tuple[int, str, str]]:
        used = {k[1] for k in self.matrix}
        return [d for d in self.domains if d[0] in used]

    def _name(self, domain_id: int | None) -> str:
        if domain_id is None:
            return "(no domain)"
        return next((name for pk, _, name in self.domains if pk == domain_id), str(domain_id))


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _days(delta: timedelta) -> float:
    return max(0.0, delta.total_seconds() / 86400)


def _team_homes(domains: list[tuple[int, str, str, int]], products: list[tuple]) -> dict[int, int]:
    """Team id -> its home domain: the domain it owns (first by name), else where it owns most products."""
    homes: dict[int, int] = {}
    for pk, _, _, owner in sorted(domains, key=lambda d: d[2]):
        homes.setdefault(owner, pk)
    most: dict[int, Counter] = defaultdict(Counter)
    for _, domain_id, _, _, team_id in products:
        most[team_id][domain_id] += 1
    for team_id, counts in most.items():
        if team_id not in homes:
            homes[team_id] = counts.most_common(1)[0][0]
    return homes


def mesh_metrics(*, months: int = MONTHS) -> MeshMetrics:
    """Every figure of the mesh in a fixed number of queries (one per kind of input, grouped)."""
    domain_rows = list(Domain.objects.values_list("pk", "slug", "name", "owner_team_id").order_by("name"))
    # order_by(): the model's ordering sorts by domain and product name, a join and a sort of every product.
    products = list(
        DataProduct.objects.order_by().values_list("pk", "domain_id", "status", "created_at", "owner_team_id")
    )
    domain_of = {pk: d for pk, d, *_ in products}
    milestones = {
        pid: (drafted, published, estimated)
        for pid, drafted, published, estimated in ProductMilestone.objects.values_list(
            "product_id", "drafted_at", "published_at", "estimated"
        )
    }
    first: dict[int, datetime] = dict(Grant.objects.values_list("product_id").annotate(Min("starts_at")))
    for pid, day in UsageDay.objects.values_list("product_id").annotate(Min("day")):
        at = datetime.combine(day, time.min, tzinfo=UTC)
        if pid not in first or at < first[pid]:
            first[pid] = at

    labels = month_labels(months)
    by_domain: dict[int, list[list[float]]] = defaultdict(lambda: [[], []])
    by_month: dict[date, list[list[float]]] = defaultdict(lambda: [[], []])
    published_at: dict[int, datetime] = {}
    for pid, domain_id, status, created_at, _ in products:
        drafted, published, estimated = milestones.get(pid, (created_at, None, True))
        if published is None and status != LifecycleStatus.DRAFT:
            published = created_at  # published before milestones were recorded: counted, but not timed
        if published is None:
            continue
        published_at[pid] = published
        if estimated and pid not in milestones:
            continue
        month = published.date().replace(day=1)
        if not estimated:
            draft_days = _days(published - drafted)
            by_domain[domain_id][0].append(draft_days)
            by_month[month][0].append(draft_days)
        if pid in first and not estimated:
            consumer_days = _days(first[pid] - published)
            by_domain[domain_id][1].append(consumer_days)
            by_month[month][1].append(consumer_days)
    time_by_domain = [
        DomainTime(
            domain_id=pk,
            slug=slug,
            name=name,
            published=len(by_domain[pk][0]),
            draft_to_published_days=_median(by_domain[pk][0]),
            consumed=len(by_domain[pk][1]),
            to_first_consumer_days=_median(by_domain[pk][1]),
        )
        for pk, slug, name, _ in domain_rows
    ]
    time_by_month = [
        {
            "month": m,
            "published": len(by_month[m][0]),
            "draft_to_published_days": _median(by_month[m][0]),
            "consumed": len(by_month[m][1]),
            "to_first_consumer_days": _median(by_month[m][1]),
        }
        for m in labels
    ]
    ends = [(m.replace(day=28) + timedelta(days=4)).replace(day=1) for m in labels]  # the next month's first day
    published_by_month: dict[int, list[int]] = {pk: [0] * len(labels) for pk, *_ in domain_rows}
    for pid, at in published_at.items():
        day = at.date()
        row = published_by_month.setdefault(domain_of[pid], [0] * len(labels))
        for index, end in enumerate(ends):
            if day < end:
                row[index] += 1

    matrix, consumers_of = _network(domain_rows, products, domain_of)
    published_ids = [pid for pid, _, status, *_ in products if status == LifecycleStatus.PUBLISHED]
    outside = sum(1 for pid in published_ids if any(d != domain_of[pid] for d in consumers_of.get(pid, ())))
    return MeshMetrics(
        domains=[(pk, slug, name) for pk, slug, name, _ in domain_rows],
        time_by_domain=time_by_domain,
        time_by_month=time_by_month,
        months=labels,
        published_by_month=published_by_month,
        matrix=matrix,
        published_products=len(published_ids),
        consumed_outside=outside,
        consumed_at_all=sum(1 for pid in published_ids if consumers_of.get(pid)),
    )


def _network(domain_rows, products, domain_of) -> tuple[dict, dict[int, set[int | None]]]:
    team_home = _team_homes(domain_rows, products)
    user_home: dict[int, int | None] = {}
    for user_id, team_id in TeamMembership.objects.values_list("user_id", "team_id").order_by("team_id"):
        user_home.setdefault(user_id, team_home.get(team_id))

    def home(team_id: int | None, user_id: int | None) -> int | None:
        return team_home.get(team_id) if team_id is not None else user_home.get(user_id) if user_id else None

    matrix: dict[tuple[int | None, int], Cell] = defaultdict(Cell)
    consumers_of: dict[int, set[int | None]] = defaultdict(set)
    for pid, team_id, user_id in Grant.objects.active().values_list("product_id", "team_id", "user_id"):
        if pid not in domain_of:
            continue
        consumer = home(team_id, user_id)
        matrix[(consumer, domain_of[pid])].grants += 1
        consumers_of[pid].add(consumer)
    for consumer_domain, source_pid in (
        InputPort.objects.filter(source_port__isnull=False)
        .order_by()
        .values_list("product__domain_id", "source_port__product_id")
    ):
        if source_pid not in domain_of:
            continue
        matrix[(consumer_domain, domain_of[source_pid])].inputs += 1
        consumers_of[source_pid].add(consumer_domain)
    since = month_labels(USAGE_MONTHS)[0]
    for pid, team_id, user_id, queries in (
        UsageMonth.objects.filter(month__gte=since)
        .values_list("product_id", "team_id", "user_id")
        .annotate(Sum("queries"))
        .order_by()
    ):
        if pid not in domain_of:
            continue
        consumer = home(team_id, user_id)
        matrix[(consumer, domain_of[pid])].queries += int(queries or 0)
        consumers_of[pid].add(consumer)
    return dict(matrix), consumers_of


class _Kept:
    """This process's last figures: when they were computed (monotonic clock), and whether a refresh is queued."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # held while computing, so that cold requests compute once
        self.metrics: MeshMetrics | None = None
        self.at = 0.0
        self.refreshing = False


_kept = _Kept()


def _refresh() -> MeshMetrics:
    with _kept.lock:
        try:
            metrics = mesh_metrics()
            _kept.metrics, _kept.at = metrics, clock.monotonic()
            return metrics
        finally:
            _kept.refreshing = False


def current_metrics() -> MeshMetrics:
    """The figures for the page and the API: this process's last result while it is younger than
    PORTAL_MESH_METRICS_MAX_AGE seconds. Older, it is still answered and the next one is computed after the
    response (at once outside a request); the first request of a process computes them while it waits."""
    max_age = getattr(settings, "PORTAL_MESH_METRICS_MAX_AGE", 300)
    if max_age <= 0:
        return mesh_metrics()
    kept = _kept.metrics
    if kept is None:
        with _kept.lock:
            kept = _kept.metrics  # another request may have computed them while this one waited
        return kept if kept is not None else _refresh()
    if clock.monotonic() - _kept.at >= max_age and not _kept.refreshing:
        _kept.refreshing = True
        if not after_response("usage.mesh.refresh", _refresh):
            return _refresh()
    return kept


def forget() -> None:
    """Drop the kept figures (tests)."""
    _kept.metrics, _kept.at, _kept.refreshing = None, 0.0, False


def as_dict(m: MeshMetrics) -> dict:
    """The API's shape of the figures."""
    slugs = {pk: slug for pk, slug, _ in m.domains}
    return {
        "computed_at": m.computed_at.isoformat(),
        "time_to_market": {
            "how": {
                "draft_to_published": m.how["draft_to_published"],
                "published_to_first_consumer": m.how["published_to_first_consumer"],
            },
            "by_domain": [
                {
                    "domain": t.slug,
                    "published": t.published,
                    "draft_to_published_days": t.draft_to_published_days,
                    "consumed": t.consumed,
                    "published_to_first_consumer_days": t.to_first_consumer_days,
                }
                for t in m.time_by_domain
            ],
            "by_month": [
                {
                    **row,
                    "month": row["month"].strftime("%Y-%m"),
                    "published_to_first_consumer_days": row["to_first_consumer_days"],
                }
                for row in m.time_by_month
            ],
        },
        "products_over_time": {
            "how": m.how["products_over_time"],
            "months": [d.strftime("%Y-%m") for d in m.months],
            "published_by_domain": {slugs.get(pk, str(pk)): counts for pk, counts in m.published_by_month.items()},
        },
        "network": {
            "how": m.how["network"],
            "edges": [
                {
                    "consumer_domain": slugs.get(c) if c is not None else None,
                    "producer_domain": slugs.get(p),
                    "grants": cell.grants,
                    "input_ports": cell.inputs,
                    "queries": cell.queries,
                }
                for (c, p), cell in sorted(m.matrix.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or 0, kv[0][1]))
            ],
        },
        "consumed_outside_own_domain": {
            "how": m.how["outside_share"],
            "published_products": m.published_products,
            "consumed_at_all": m.consumed_at_all,
            "consumed_outside": m.consumed_outside,
            "share": None if m.outside_share is None else round(m.outside_share, 4),
        },
    }
