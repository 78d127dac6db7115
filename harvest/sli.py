"""What harvests measure, as SLIs through the slo app: dbt test pass rates, and row counts and last-modified times
read from live tables.

The dbt objective is created once per port that has test results (a custom objective, pass rate at least 100%
unless the owners change it); row counts and ages only feed the volume and freshness objectives the owners defined.
"""

from __future__ import annotations

from datetime import datetime

from catalog.models import DataProduct, OutputPort
from core.actors import Actor
from core.errors import ApplicationError
from harvest.summary import Summary
from slo.models import Comparator, MeasurementSource, ServiceLevelObjective, SloKind
from slo.services import SloSpec, measurements_record_system, slo_create

TEST_METRIC = "dbt_test_pass_rate"


def _slo_name(port: str) -> str:
    return f"dbt tests: {port}"[:120]


def ensure_test_slos(
    *, actor: Actor, ports: list[tuple[DataProduct, str]], summary: Summary
) -> dict[tuple[int, str], ServiceLevelObjective]:
    """The pass-rate objective of each (product, port name), created when missing."""
    names = {_slo_name(port) for _, port in ports}
    found = {
        (s.product_id, s.name): s
        for s in ServiceLevelObjective.objects.filter(product_id__in={p.pk for p, _ in ports}, name__in=names)
    }
    out: dict[tuple[int, str], ServiceLevelObjective] = {}
    for product, port in ports:
        slo = found.get((product.pk, _slo_name(port)))
        if slo is None:
            spec = SloSpec(
                name=_slo_name(port),
                kind=SloKind.CUSTOM,
                metric=TEST_METRIC,
                comparator=Comparator.GTE,
                threshold=1.0,
                port=port,
                description="Share of the port's dbt tests that passed in the last harvested run.",
            )
            try:
                slo = slo_create(actor=actor, product=product, spec=spec)
            except ApplicationError as exc:
                summary.add("slo", f"{product.identifier}:{port}", "skipped", exc.message)
                continue
            found[(product.pk, slo.name)] = slo
            summary.add("slo", f"{product.identifier}:{slo.name}", "created")
        out[(product.pk, port)] = slo
    return out


def record_pass_rates(*, rows: list[tuple[ServiceLevelObjective, float, datetime, str, str]]) -> int:
    return measurements_record_system(rows=rows, source=MeasurementSource.HARVEST)


def record_table_stats(*, port: OutputPort, rows: int | None, modified: datetime | None, at: datetime, key: str) -> int:
    """A live table's row count and age, for the port's (and its product's) volume and freshness objectives."""
    slos = ServiceLevelObjective.objects.filter(
        product_id=port.product_id, kind__in=[SloKind.VOLUME, SloKind.FRESHNESS]
    )
    measured = []
    for slo in slos:
        if slo.port_id not in (None, port.pk):
            continue
        if slo.kind == SloKind.VOLUME and rows is not None:
            measured.append((slo, float(rows), at, f"{key}:rows", f"row count of {port.location}"))
        elif slo.kind == SloKind.FRESHNESS and modified is not None:
            age = max(0.0, (at - modified).total_seconds())
            measured.append((slo, age, at, f"{key}:age", f"last modified {modified.isoformat()}"))
    return measurements_record_system(rows=measured, source=MeasurementSource.HARVEST)
