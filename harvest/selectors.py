"""Reads: a run as the API answers it, a domain's connections with their latest runs, a product's drift."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Subquery

from catalog.models import DataProduct, Domain
from harvest.models import Connection, Drift, HarvestRun, SchemaChange
from harvest.secrets import masked


def run_answer(run: HarvestRun) -> dict[str, Any]:
    return {
        "run": run.pk,
        "kind": run.kind,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "counts": run.counts,
        "error": run.error,
        "items": run.summary.get("items", []),
    }


@dataclass(frozen=True)
class ConnectionRow:
    connection: Connection
    masked_url: str
    secret_from: str
    last_run: HarvestRun | None


def domain_connections(domain: Domain) -> list[ConnectionRow]:
    """The domain's connections, each with its latest run: two queries however many there are."""
    latest = HarvestRun.objects.filter(connection=OuterRef("pk")).order_by("-started_at", "-pk").values("pk")[:1]
    connections = list(Connection.objects.filter(domain=domain).annotate(last_run_id=Subquery(latest)).order_by("name"))
    runs = HarvestRun.objects.in_bulk([c.last_run_id for c in connections if c.last_run_id])  # type: ignore[attr-defined]
    return [
        ConnectionRow(
            connection=c,
            masked_url=masked(c.url),
            secret_from=(f"environment variable {c.secret_env}" if c.secret_env else "")
            or (f"file {c.secret_file}" if c.secret_file else "none"),
            last_run=runs.get(c.last_run_id),  # type: ignore[attr-defined]
        )
        for c in connections
    ]


def domain_runs(domain: Domain, limit: int = 20) -> list[HarvestRun]:
    return list(HarvestRun.objects.filter(domain=domain).select_related("connection")[:limit])


@dataclass(frozen=True)
class ProductDrift:
    open: list[Drift]
    history: list[SchemaChange]

    @property
    def breaking(self) -> bool:
        return any(d.breaking for d in self.open)


def product_drift(product: DataProduct, history: int = 10) -> ProductDrift:
    return ProductDrift(
        open=list(Drift.objects.open().filter(product=product).select_related("port").order_by("port_id", "kind")),
        history=list(SchemaChange.objects.filter(product=product).select_related("port")[:history]),
    )


def open_drift_by_product(product_ids: list[int]) -> dict[int, list[tuple[str, str, str, bool]]]:
    """product id -> [(port label, kind, column, breaking)] of its open drift, in one query (governance reads it)."""
    out: dict[int, list[tuple[str, str, str, bool]]] = {}
    rows = (
        Drift.objects.open()
        .filter(product_id__in=product_ids)
        .values_list("product_id", "port__name", "port__version", "kind", "column", "breaking")
    )
    for product_id, name, version, kind, column, breaking in rows.order_by("product_id", "port_id", "kind", "column"):
        label = f"{name} v{version}" if version else name
        out.setdefault(product_id, []).append((label, kind, column, breaking))
    return out
