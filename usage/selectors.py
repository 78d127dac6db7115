"""Reads of usage: value signals for other apps (health, search, governance), and the show-back of a product
and of a consuming team. Every read is a fixed number of grouped queries, whatever the number of products."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Sum
from django.utils import timezone

from access.models import Grant
from catalog.models import DataProduct, Team
from core import per_request
from usage.models import UsageDay, UsageMonth, UsageRecord, consumer_key
from usage.permissions import CostViewer

ACTIVE_DAYS = 30
CHUNK = 500
MONTHS = 12
TOP = 10


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    values = sorted(set(ids))
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def today() -> date:
    return timezone.now().date()


# Signals for other apps ------------------------------------------------------------------------------------


@dataclass
class UsageSignal:
    active_consumers: int = 0  # distinct consumers with a record in the last 30 days
    queries_30d: int = 0
    last_used: date | None = None  # the last day with usage (rollups: beyond the raw records' retention)


def active_consumers(product_ids: Iterable[int], *, days: int = ACTIVE_DAYS) -> dict[int, set[str]]:
    """Consumer keys ('t<team>', 'u<user>') with usage in the last `days` days, per product (absent: none)."""
    since = today() - timedelta(days=days - 1)
    out: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(product_ids):
        for pid, consumer in (
            UsageRecord.objects.filter(product_id__in=chunk, day__gte=since)
            .values_list("product_id", "consumer")
            .distinct()
        ):
            out[pid].add(consumer)
    return dict(out)


@per_request.by_ids("usage.signals")
def usage_signals(product_ids: Iterable[int]) -> dict[int, UsageSignal]:
    """Per product with any usage on record; products never used are absent (their usage is unknown, not 0)."""
    ids = list(product_ids)
    since = today() - timedelta(days=ACTIVE_DAYS - 1)
    out: dict[int, UsageSignal] = {}
    for chunk in _chunks(ids):
        for pid, last in UsageDay.objects.filter(product_id__in=chunk).values_list("product_id").annotate(Max("day")):
            out[pid] = UsageSignal(last_used=last)
        for pid, queries in (
            UsageDay.objects.filter(product_id__in=chunk, day__gte=since)
            .values_list("product_id")
            .annotate(Sum("queries"))
        ):
            if pid in out:
                out[pid].queries_30d = int(queries or 0)
    for pid, consumers in active_consumers(out).items():
        out[pid].active_consumers = len(consumers)
    return out


def consumers_without_grant(product_ids: Iterable[int]) -> dict[int, int]:
    """Active consumers (30 days) of each product that hold no active grant on it."""
    active = active_consumers(product_ids)
    if not active:
        return {}
    granted: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(active):
        for pid, user_id, team_id in (
            Grant.objects.active().filter(product_id__in=chunk).values_list("product_id", "user_id", "team_id")
        ):
            granted[pid].add(consumer_key(team_id, None) if team_id else consumer_key(None, user_id))
    return {pid: len(who - granted[pid]) for pid, who in active.items()}


def last_used(product_ids: Iterable[int]) -> dict[int, date]:
    """The last day each product was used; products never used are absent."""
    out: dict[int, date] = {}
    for chunk in _chunks(product_ids):
        out.update(UsageDay.objects.filter(product_id__in=chunk).values_list("product_id").annotate(Max("day")))
    return out


# Show-back --------------------------------------------------------------------------------------------------


def month_labels(count: int = MONTHS, *, end: date | None = None) -> list[date]:
    """The first days of the last `count` months, oldest first, ending with the current one."""
    at = (end or today()).replace(day=1)
    months = []
    for _ in range(count):
        months.append(at)
        at = (at - timedelta(days=1)).replace(day=1)
    return months[::-1]


@dataclass
class Totals:
    queries: int = 0
    rows_read: int = 0
    bytes_read: int = 0
    compute_seconds: float = 0.0
    cost: dict[str, Decimal] = field(default_factory=dict)  # currency -> amount; empty when hidden
    cost_visible: bool = False

    def add(self, row: dict, with_cost: bool) -> None:
        self.queries += int(row["queries"] or 0)
        self.rows_read += int(row["rows_read"] or 0)
        self.bytes_read += int(row["bytes_read"] or 0)
        self.compute_seconds += float(row["compute_seconds"] or 0)
        if with_cost:
            amount = Decimal(str(row["cost"] or 0))
            self.cost[row["currency"]] = self.cost.get(row["currency"], Decimal(0)) + amount

    @property
    def compute_hours(self) -> float:
        return self.compute_seconds / 3600

    @property
    def cost_text(self) -> str:
        if not self.cost_visible:
            return ""
        if not self.cost:
            return "0"
        return ", ".join(f"{amount:,.2f} {currency}" for currency, amount in sorted(self.cost.items()))


@dataclass
class ConsumerLine:
    label: str
    url: str
    kind: str  # team | user
    key: str
    totals: Totals
    team_id: int | None = None


@dataclass
class ProducerLine:
    product_id: int
    name: str
    identifier: str
    url: str
    domain: str
    team: str
    totals: Totals


@dataclass
class Showback:
    months: list[date]
    by_month: list[Totals]
    total: Totals
    cost_visible: bool  # the viewer sees the totals' cost
    lines: list = field(default_factory=list)  # ConsumerLine (product page) or ProducerLine (team page)
    active_consumers: int = 0
    last_used: date | None = None
    currencies: list[str] = field(default_factory=list)

    @property
    def month_rows(self) -> list[tuple[date, Totals]]:
        return list(zip(self.months, self.by_month, strict=True))[::-1]

    @property
    def month_names(self) -> list[str]:
        return [m.strftime("%Y-%m") for m in self.months]

    @property
    def query_series(self) -> dict[str, list[float | None]]:
        return self.chart_series("queries")

    @property
    def cost_series(self) -> dict[str, list[float | None]]:
        return self.chart_series("cost")

    @property
    def has_usage(self) -> bool:
        return any(t.queries or t.bytes_read or t.compute_seconds for t in self.by_month)

    def chart_series(self, what: str) -> dict[str, list[float | None]]:
        if what == "cost":
            return {c: [float(t.cost.get(c, 0)) for t in self.by_month] for c in self.currencies}
        if what == "bytes":
            return {"GB read": [t.bytes_read / 1e9 for t in self.by_month]}
        return {"Queries": [float(t.queries) for t in self.by_month]}


_VALUES = ("queries", "rows_read", "bytes_read", "compute_seconds", "cost")


def _month_rows(query, group: tuple[str, ...]):
    return query.values(*group, "currency").annotate(**{name: Sum(name) for name in _VALUES}).order_by()


def product_showback(product: DataProduct, viewer: CostViewer, *, months: int = MONTHS) -> Showback:
    """A product's usage per month and its consumers, cost shown as `viewer` may see it (4 queries)."""
    labels = month_labels(months)
    owner = viewer.owns(product.owner_team_id, product.domain_id)
    base = UsageMonth.objects.filter(product=product, month__gte=labels[0])
    by_month = {m: Totals(cost_visible=owner) for m in labels}
    total = Totals(cost_visible=owner)
    currencies: set[str] = set()
    for row in _month_rows(base, ("month",)):
        if row["month"] in by_month:
            by_month[row["month"]].add(row, owner)
        total.add(row, owner)
        currencies.add(row["currency"])
    per_consumer: dict[str, ConsumerLine] = {}
    rows = list(_month_rows(base, ("consumer", "team_id", "user_id")))
    team_ids = {r["team_id"] for r in rows if r["team_id"]}
    user_ids = {r["user_id"] for r in rows if r["user_id"]}
    teams = {t.pk: t for t in Team.objects.filter(pk__in=team_ids).only("pk", "slug", "name")}
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids)}
    for row in rows:
        key = row["consumer"]
        line = per_consumer.get(key)
        if line is None:
            sees = viewer.sees(
                product_team_id=product.owner_team_id,
                product_domain_id=product.domain_id,
                team_id=row["team_id"],
                user_id=row["user_id"],
            )
            if row["team_id"]:
                team = teams.get(row["team_id"])
                label, url, kind = (team.name, team.get_absolute_url(), "team") if team else (key, "", "team")
            else:
                user = users.get(row["user_id"])
                label = (user.get_full_name() or user.get_username()) if user else key
                url, kind = "", "user"
            line = per_consumer[key] = ConsumerLine(
                label=label, url=url, kind=kind, key=key, totals=Totals(cost_visible=sees), team_id=row["team_id"]
            )
        line.totals.add(row, line.totals.cost_visible)
    lines = sorted(per_consumer.values(), key=lambda c: (-c.totals.queries, -c.totals.bytes_read, c.label))
    signal = usage_signals([product.pk]).get(product.pk, UsageSignal())
    return Showback(
        months=labels,
        by_month=[by_month[m] for m in labels],
        total=total,
        cost_visible=owner,
        lines=lines,
        active_consumers=signal.active_consumers,
        last_used=signal.last_used,
        currencies=sorted(currencies),
    )


def team_showback(team: Team, viewer: CostViewer, *, months: int = MONTHS) -> Showback:
    """What a team consumed per month, and on whose products (a fixed number of queries)."""
    labels = month_labels(months)
    whole = viewer.sees_team(team.pk)
    base = UsageMonth.objects.filter(team=team, month__gte=labels[0])
    by_month = {m: Totals(cost_visible=whole) for m in labels}
    total = Totals(cost_visible=whole)
    currencies: set[str] = set()
    for row in _month_rows(base, ("month",)):
        if row["month"] in by_month:
            by_month[row["month"]].add(row, whole)
        total.add(row, whole)
        currencies.add(row["currency"])
    rows = list(_month_rows(base, ("product_id",)))
    products = {
        p.pk: p
        for p in DataProduct.objects.filter(pk__in={r["product_id"] for r in rows}).select_related(
            "domain", "owner_team"
        )
    }
    per_product: dict[int, ProducerLine] = {}
    for row in rows:
        product = products.get(row["product_id"])
        if product is None:
            continue
        line = per_product.get(product.pk)
        if line is None:
            sees = whole or viewer.owns(product.owner_team_id, product.domain_id)
            line = per_product[product.pk] = ProducerLine(
                product_id=product.pk,
                name=product.name,
                identifier=product.identifier,
                url=product.get_absolute_url(),
                domain=product.domain.name,
                team=product.owner_team.name,
                totals=Totals(cost_visible=sees),
            )
        line.totals.add(row, line.totals.cost_visible)
    lines = sorted(per_product.values(), key=lambda p: (-p.totals.queries, p.identifier))
    return Showback(
        months=labels,
        by_month=[by_month[m] for m in labels],
        total=total,
        cost_visible=whole,
        lines=lines,
        currencies=sorted(currencies),
    )


def daily_queries(product: DataProduct, *, days: int = 90) -> tuple[list[str], list[float]]:
    """Queries per day over the last `days` days (zero-filled), for the product's trend line."""
    start = today() - timedelta(days=days - 1)
    found = dict(UsageDay.objects.filter(product=product, day__gte=start).values_list("day").annotate(Sum("queries")))
    labels, values = [], []
    for n in range(days):
        day = start + timedelta(days=n)
        labels.append(day.strftime("%m-%d"))
        values.append(float(found.get(day) or 0))
    return labels, values


def consumer_count_by_product(product_ids: Iterable[int]) -> dict[int, int]:
    """Distinct consumers on record (any time kept) per product: the product page's "used by N"."""
    out: dict[int, int] = {}
    for chunk in _chunks(product_ids):
        out.update(
            UsageMonth.objects.filter(product_id__in=chunk)
            .values_list("product_id")
            .annotate(n=Count("consumer", distinct=True))
        )
    return out
