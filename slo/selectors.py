"""Reads about objectives: per-product summaries (for the health score, search and badges), the product page's
section, and schema changes of the datasets behind a product's ports."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from catalog.models import DataProduct
from core import per_request
from lineage.graph import get_graph
from lineage.models import DatasetSchemaVersion
from slo.evaluation import stale_after
from slo.models import Incident, Measurement, ServiceLevelObjective, SloEvaluation, SloKind, SloState

TREND_POINTS = 30  # measurements drawn in each objective's sparkline


@dataclass
class SloSummary:
    """One product's objectives at a glance.

    `state`: "breached" if any objective is breached, else "at_risk" if any is at risk, else "healthy" if any is
    met, else "no_data" (objectives without measurements), or "none" when the product has no objectives.
    Compliance is the mean over the objectives that have one (None when none has).
    """

    state: str = "none"
    slo_count: int = 0
    met: int = 0
    at_risk: int = 0
    breached: int = 0
    no_data: int = 0
    compliance_7d: float | None = None
    compliance_30d: float | None = None
    open_incidents: int = 0

    @property
    def search_health(self) -> str:
        """What the search index carries: healthy | at_risk | breached, '' (unknown) otherwise."""
        return self.state if self.state in ("healthy", "at_risk", "breached") else ""


def overall_state(met: int, at_risk: int, breached: int, no_data: int) -> str:
    if breached:
        return "breached"
    if at_risk:
        return "at_risk"
    if met:
        return "healthy"
    return "no_data" if no_data else "none"


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _summary(objectives: Iterable[tuple[str, float | None, float | None]], open_incidents: int) -> SloSummary:
    """One product's summary from its objectives' (state, compliance_7d, compliance_30d)."""
    summary = SloSummary(open_incidents=open_incidents)
    week: list[float] = []
    month: list[float] = []
    for state, c7, c30 in objectives:
        summary.slo_count += 1
        setattr(summary, state, getattr(summary, state) + 1)
        if c7 is not None:
            week.append(c7)
        if c30 is not None:
            month.append(c30)
    summary.state = overall_state(summary.met, summary.at_risk, summary.breached, summary.no_data)
    summary.compliance_7d = _mean(week)
    summary.compliance_30d = _mean(month)
    return summary


@per_request.by_ids("slo.summaries")
def slo_summaries(product_ids: Iterable[int]) -> dict[int, SloSummary]:
    """A summary for every id asked for (products without objectives get state "none"); two queries."""
    ids = list(dict.fromkeys(product_ids))
    if not ids:
        return {}
    objectives: dict[int, list[tuple[str, float | None, float | None]]] = defaultdict(list)
    rows = ServiceLevelObjective.objects.filter(product_id__in=ids).values_list(
        "product_id", "state", "compliance_7d", "compliance_30d"
    )
    for pid, state, c7, c30 in rows:
        objectives[pid].append((state, c7, c30))
    incidents = dict(
        Incident.objects.open()
        .filter(slo__product_id__in=ids)
        .values("slo__product_id")
        .annotate(n=Count("id"))
        .values_list("slo__product_id", "n")
    )
    return {pid: _summary(objectives[pid], incidents.get(pid, 0)) for pid in ids}


def product_has_slos(product: DataProduct | int) -> bool:
    return ServiceLevelObjective.objects.for_product(product).exists()


# The product page ------------------------------------------------------------------------------------------


@dataclass
class SloRow:
    slo: ServiceLevelObjective
    trend: list[float] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)


@dataclass
class SchemaChange:
    dataset: str
    port: str
    at: datetime
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    retyped: list[tuple[str, str, str]] = field(default_factory=list)  # (field, old type, new type)


@dataclass
class ProductSlos:
    product: DataProduct
    rows: list[SloRow]
    summary: SloSummary
    schema_changes: list[SchemaChange]
    recent_changes: list[SloEvaluation]


def product_slos(product: DataProduct, *, incidents_per_slo: int = 5) -> ProductSlos:
    """What the product page's SLO section shows (a fixed handful of queries, whatever the history's size)."""
    slos = list(ServiceLevelObjective.objects.for_product(product).select_related("port").order_by("name"))
    ids = [s.pk for s in slos]
    trends: dict[int, list[float]] = defaultdict(list)
    incidents: dict[int, list[Incident]] = defaultdict(list)
    open_incidents = 0
    if ids:
        since = timezone.now() - timedelta(days=30)
        # The newest TREND_POINTS per objective, numbered in the database: a chatty pipeline's month of
        # measurements is not shipped to Python to draw 30 points.
        recent = (
            Measurement.objects.filter(slo_id__in=ids, measured_at__gte=since)
            .annotate(
                rank=Window(RowNumber(), partition_by=[F("slo_id")], order_by=[F("measured_at").desc(), F("pk").desc()])
            )
            .filter(rank__lte=TREND_POINTS)
            .order_by("slo_id", "-measured_at", "-pk")
            .values_list("slo_id", "value")
        )
        for slo_id, value in recent:
            trends[slo_id].append(value)
        for incident in Incident.objects.filter(slo_id__in=ids).filter(
            Q(closed_at__isnull=True) | Q(opened_at__gte=since)
        ):
            if incident.is_open:
                open_incidents += 1
            if len(incidents[incident.slo_id]) < incidents_per_slo:
                incidents[incident.slo_id].append(incident)
    rows = [SloRow(s, list(reversed(trends[s.pk])), incidents[s.pk]) for s in slos]
    # The objectives and every open incident are loaded already: the summary needs no query of its own.
    summary = _summary(((s.state, s.compliance_7d, s.compliance_30d) for s in slos), open_incidents)
    changes = list(
        SloEvaluation.objects.filter(slo_id__in=ids).select_related("slo").order_by("-since")[:10] if ids else []
    )
    return ProductSlos(product, rows, summary, product_schema_changes(product), changes)


def product_schema_changes(product: DataProduct, *, limit: int = 10) -> list[SchemaChange]:
    """Fields added, removed or retyped between consecutive schema versions of the datasets mapped to the product's
    output ports (lineage keeps each distinct schema a dataset was reported with); newest first."""
    ports = {p.pk: p.label for p in product.output_ports.all()}
    if not ports:
        return []
    graph = get_graph()
    with graph.lock:
        port_of_dataset = {d: pk for pk in ports for d in graph.datasets_of_port.get(pk, ())}
    if not port_of_dataset:
        return []
    versions: dict[int, list[DatasetSchemaVersion]] = defaultdict(list)
    for version in (
        DatasetSchemaVersion.objects.filter(dataset_id__in=list(port_of_dataset))
        .select_related("dataset")
        .order_by("dataset_id", "event_time")
    ):
        versions[version.dataset_id].append(version)
    changes = []
    for dataset_id, history in versions.items():
        for before, after in itertools.pairwise(history):
            change = diff_schema(before.fields, after.fields)
            if change is None:
                continue
            added, removed, retyped = change
            changes.append(
                SchemaChange(
                    dataset=f"{after.dataset.namespace}:{after.dataset.name}",
                    port=ports[port_of_dataset[dataset_id]],
                    at=after.event_time,
                    added=added,
                    removed=removed,
                    retyped=retyped,
                )
            )
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes[:limit]


def diff_schema(old: list, new: list) -> tuple[list[str], list[str], list[tuple[str, str, str]]] | None:
    def types(fields: list) -> dict[str, str]:
        return {str(f.get("name")): str(f.get("type") or "") for f in fields if isinstance(f, dict) and f.get("name")}

    before, after = types(old or []), types(new or [])
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    retyped = sorted(
        (name, before[name], after[name]) for name in set(before) & set(after) if before[name] != after[name]
    )
    if not (added or removed or retyped):
        return None
    return added, removed, retyped


RECOMPUTE_EVERY = timedelta(hours=1)


def slos_due_for_evaluation(now: datetime | None = None) -> list[int]:
    """What the periodic evaluation looks at: whatever time alone can change.

    Freshness objectives (their data ages), objectives whose last value is about to go stale, and every objective
    not evaluated for an hour (its 7- and 30-day compliance windows have moved). Measurements and definition
    changes evaluate their objectives at once, so nothing else can have changed.
    """
    now = now or timezone.now()
    due = (
        Q(kind=SloKind.FRESHNESS)
        | Q(evaluated_at__isnull=True)
        | Q(evaluated_at__lt=now - RECOMPUTE_EVERY)
        | (~Q(state=SloState.NO_DATA) & Q(last_measured_at__lte=now - stale_after()))
    )
    return list(ServiceLevelObjective.objects.filter(due).order_by("pk").values_list("pk", flat=True))


def data_updated_at(product: DataProduct) -> datetime | None:
    """When the product's data was last updated, by its freshest freshness measurement (a measurement is the
    data's age at its time); None without one. One query."""
    row = (
        Measurement.objects.filter(slo__product=product, slo__kind=SloKind.FRESHNESS)
        .order_by("-measured_at")
        .values_list("measured_at", "value")
        .first()
    )
    if row is None:
        return None
    measured_at, age = row
    return measured_at - timedelta(seconds=max(age, 0.0))


def open_incidents_of_teams(team_ids: Iterable[int], *, limit: int = 5) -> list[Incident]:
    """Open incidents on the products these teams own, newest first: one query."""
    ids = list(team_ids)
    if not ids:
        return []
    return list(
        Incident.objects.open()
        .filter(slo__product__owner_team_id__in=ids)
        .select_related("slo__product__domain")
        .order_by("-opened_at", "-pk")[:limit]
    )
