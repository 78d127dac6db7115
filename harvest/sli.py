"""What harvests measure, as SLIs through the slo app: dbt test pass rates, and row counts and last-modified times
read from live tables.

The dbt objective is created once per product whose models have test results (a custom objective, pass rate at
least 100% unless the owners change it); row counts and ages only feed the volume and freshness objectives the
owners defined.
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


SLO_NAME = "dbt tests"


def ensure_test_slos(
    *, actor: Actor, products: list[DataProduct], summary: Summary
) -> dict[int, ServiceLevelObjective]:
    """The pass-rate objective of each product (over the tests of all its dbt models), created when missing."""
    found = {
        s.product_id: s
        for s in ServiceLevelObjective.objects.filter(product_id__in={p.pk for p in products}, name=SLO_NAME)
    }
    for product in products:
        if product.pk in found:
            continue
        spec = SloSpec(
            name=SLO_NAME,
            kind=SloKind.CUSTOM,
            metric=TEST_METRIC,
            comparator=Comparator.GTE,
            threshold=1.0,
            description="Share of the dbt tests on the product's models that passed in the last harvested run.",
        )
        try:
            found[product.pk] = slo_create(actor=actor, product=product, spec=spec)
        except ApplicationError as exc:
            summary.add("slo", product.identifier, "skipped", exc.message)
            continue
        summary.add("slo", f"{product.identifier}:{SLO_NAME}", "created")
    return found


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
