"""Service levels for the demo mesh (`manage.py seed_demo` calls `seed_demo_slos()`).

The demo catalog is written in bulk, past the signal that derives objectives from contracts, so the objectives are
derived here from the demo contracts' SLA properties; a row-count objective is added by hand to a few products.
Then ten days of measurements are written for a handful of products so that the demo shows every state: kept,
at risk, breached with an open incident, and recovered after an incident. Deterministic: the same demo each time.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from catalog.models import DataProduct, LifecycleStatus
from slo.evaluation import slo_evaluate, slos_evaluate
from slo.models import MeasurementSource, ServiceLevelObjective, SloKind, SloSource
from slo.services import measurements_record_system, slos_sync_from_contracts

DAYS = 10
SHOWCASE = 8  # products given a measurement history
PATTERNS = ["healthy", "at_risk", "breached", "recovered"]
RECOVERED_DAY = DAYS - 4  # the day a "recovered" product's checks failed


def seed_demo_slos() -> str:
    ids = list(
        DataProduct.objects.filter(status=LifecycleStatus.PUBLISHED, output_ports__contract_ref__gt="")
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
    synced = slos_sync_from_contracts(product_ids=ids)
    rng = random.Random(8)
    now = timezone.now()
    showcase = ids[:SHOWCASE]
    manual = 0
    rows: list = []
    probes: list[tuple[int, datetime]] = []
    for index, product_id in enumerate(showcase):
        pattern = PATTERNS[index % len(PATTERNS)]
        product = DataProduct.objects.get(pk=product_id)
        _, made = ServiceLevelObjective.objects.get_or_create(
            product=product,
            name="daily row count",
            defaults={
                "kind": SloKind.VOLUME,
                "min_rows": 10_000,
                "max_rows": 2_000_000,
                "source": SloSource.MANUAL,
                "description": "Each daily load brings between 10 thousand and 2 million rows.",
            },
        )
        manual += int(made)
        for slo in ServiceLevelObjective.objects.for_product(product):
            history, probe = _history(slo, pattern, now, rng)
            rows.extend(history)
            if probe is not None:
                probes.append((slo.pk, probe))
    # Stored in one go, so their objectives are evaluated by one task and re-indexed by one signal.
    measured = measurements_record_system(rows=rows, source=MeasurementSource.DEMO)
    # Incidents open and close as evaluation sees states change; look back at the past breaches once, as the
    # periodic evaluation would have, then at now again, so the recovered products show a closed incident.
    for slo_id, probe in probes:
        slo_evaluate(slo_id=slo_id, now=probe)
    slos_evaluate(slo_ids=[slo_id for slo_id, _ in probes])
    return (
        f"{synced.created} objectives from contracts, {manual} set by hand, {measured} measurements "
        f"for {len(showcase)} products"
    )


def _history(
    slo: ServiceLevelObjective, pattern: str, now: datetime, rng: random.Random
) -> tuple[list, datetime | None]:
    """Measurements of one objective following the product's pattern, and a moment it was breached in the past."""
    out = []
    start = now - timedelta(days=DAYS)
    threshold = timedelta(seconds=slo.threshold or 3600)
    if slo.kind == SloKind.FRESHNESS:
        # At most ~200 runs: a topic promising one-minute freshness gets a few hours of history, not ten days.
        start = max(start, now - timedelta(seconds=(slo.threshold or 3600) * 100))
        step = timedelta(seconds=(slo.threshold or 3600) * 0.5)
        at = start
        stop = now
        if pattern == "breached":
            stop = now - threshold * 2.5  # the pipeline stopped
        elif pattern == "at_risk" and threshold >= timedelta(hours=1):
            # Within the last tenth of the allowed age; short ones would cross it while the demo loads.
            stop = now - threshold * 0.95
        runs = []
        while at < stop:
            runs.append(at)
            at += step
        runs.append(stop)  # the last run decides the state now
        out = [(slo, 0.0, run, f"demo:{slo.pk}:{run:%Y%m%d%H%M%S}", "demo pipeline run") for run in runs]
        if pattern == "recovered":
            # A gap of twice the allowed age some time ago: one closed incident.
            gap_from = now - (now - start) * 0.4
            gap_to = gap_from + step * 4
            out = [row for row in out if not gap_from < row[2] < gap_to]
            return out, gap_to - step * 0.5
        return out, None
    probe = None
    for day in range(DAYS + 1):
        at = start + timedelta(days=day, hours=6)
        if at > now:
            break
        value = _value(slo, pattern, day, rng)
        if value is not None:
            out.append((slo, value, at, f"demo:{slo.pk}:{day}", "demo daily check"))
        if pattern == "recovered" and day == RECOVERED_DAY:
            probe = at + timedelta(hours=1)
    return out, probe


def _value(slo: ServiceLevelObjective, pattern: str, day: int, rng: random.Random) -> float | None:
    bad_day = (pattern == "breached" and day >= DAYS - 1) or (pattern == "recovered" and day == RECOVERED_DAY)
    risky = pattern == "at_risk" and day >= DAYS - 1
    if slo.kind in (SloKind.AVAILABILITY, SloKind.COMPLETENESS):
        floor = slo.threshold or 0.99
        if bad_day:
            return max(floor - 0.02, 0.0)
        if risky:
            return floor + (1 - floor) * 0.05
        return min(1.0, floor + (1 - floor) * rng.uniform(0.5, 1.0))
    if slo.kind == SloKind.VOLUME:
        if bad_day:
            return float(rng.randint(100, 5_000))
        if risky:
            return float((slo.min_rows or 0) + rng.randint(0, 500))
        return float(rng.randint(200_000, 900_000))
    return None
