"""Measurements taken from OpenLineage run events.

- freshness: a COMPLETE run that wrote a dataset mapped to a port → the data's age is 0 at the event's time;
- volume: `outputStatistics.rowCount` of an output (else `dataQualityMetrics.rowCount`);
- completeness: `dataQualityMetrics` with `rowCount` and `columnMetrics.<column>.nullCount` -> 1 - nulls / cells, over
  the objective's column (`element`) when it names one that was reported, else over every reported column;
- custom objectives with metric `assertions`: the share of `dataQualityAssertions.assertions` that succeeded.

Datasets are matched to output ports by lineage's own rules (catalog.locations keys, looked up by lineage.ports): a
dataset feeds the objectives of the ports it maps to, and the product-wide objectives of those ports' products.

The signal receiver only reads the events in memory and queues `observations` (plain JSON) for a task; the task
does the matching and the writes. Each (event, objective) gives at most one measurement, keyed by the event, so a
replayed or re-processed event measures nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from lineage import ports as port_lookup
from lineage.openlineage import ParsedEvent
from slo.models import ASSERTIONS_METRIC, MeasurementSource, ServiceLevelObjective, SloKind
from slo.services import measurements_record_system

RELEVANT_TYPES = {"COMPLETE", "FAIL"}
QUALITY_FACETS = ("dataQualityMetrics", "dataQualityAssertions", "outputStatistics")


def _facet(ref, name: str) -> dict | None:
    value = ref.io_facets.get(name) if isinstance(ref.io_facets, dict) else None
    if not isinstance(value, dict):
        value = ref.facets.get(name) if isinstance(ref.facets, dict) else None
    return value if isinstance(value, dict) else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value >= 0 else None


def _symlinks(ref) -> list[list[str]]:
    facet = ref.facets.get("symlinks") if isinstance(ref.facets, dict) else None
    identifiers = facet.get("identifiers") if isinstance(facet, dict) else None
    if not isinstance(identifiers, list):
        return []
    return [
        [item["namespace"], item["name"]]
        for item in identifiers
        if isinstance(item, dict) and isinstance(item.get("namespace"), str) and isinstance(item.get("name"), str)
    ]


def observe(ref, *, written: bool, complete: bool) -> dict | None:
    """What one dataset of one event tells about service levels; None when nothing."""
    observation: dict[str, Any] = {}
    if written and complete:
        observation["fresh"] = True
    stats = _facet(ref, "outputStatistics") if written else None
    metrics = _facet(ref, "dataQualityMetrics")
    rows = _number(stats.get("rowCount")) if stats else None
    if rows is None and metrics:
        rows = _number(metrics.get("rowCount"))
    if rows is not None:
        observation["rows"] = rows
    if metrics and rows:
        columns = metrics.get("columnMetrics")
        nulls = {}
        if isinstance(columns, dict):
            for column, values in columns.items():
                count = _number(values.get("nullCount")) if isinstance(values, dict) else None
                if count is not None:
                    nulls[str(column)] = min(count / rows, 1.0)
        if nulls:
            observation["null_ratios"] = nulls
    assertions = _facet(ref, "dataQualityAssertions")
    items = assertions.get("assertions") if assertions else None
    if isinstance(items, list):
        results = [a["success"] for a in items if isinstance(a, dict) and isinstance(a.get("success"), bool)]
        if results:
            observation["assertions"] = sum(1 for passed in results if passed) / len(results)
    if not observation:
        return None
    observation.update(namespace=ref.namespace, name=ref.name, symlinks=_symlinks(ref))
    return observation


def observations_of(events: list[ParsedEvent]) -> list[dict]:
    """In memory, O(events): the service-level facts of COMPLETE/FAIL run events that wrote something."""
    out: list[dict] = []
    for event in events:
        if event.kind != "run" or event.event_type not in RELEVANT_TYPES or not event.outputs:
            continue
        complete = event.event_type == "COMPLETE"
        base = {"event": event.dedupe_key, "time": event.event_time.isoformat(), "run": str(event.run_uuid or "")}
        for written, refs in ((True, event.outputs), (False, event.inputs)):
            for ref in refs:
                observation = observe(ref, written=written, complete=complete)
                if observation is not None:
                    out.append({**base, **observation})
    return out


def _ports_of(observations: list[dict]) -> tuple[dict[int, set[int]], dict[int, int]]:
    """Observation index -> ids of the output ports its dataset maps to, and port -> product."""
    keyed = [port_lookup.dataset_keys(obs["namespace"], obs["name"], obs.get("symlinks", [])) for obs in observations]
    found = port_lookup.lookup(keyed)
    matched: dict[int, set[int]] = {}
    for index, keys in enumerate(keyed):
        port_ids = {m.port_id for m in port_lookup.match(keys, found)}
        if port_ids:
            matched[index] = port_ids
    product_of = {port.id: port.product_id for some in found.values() for port in some}
    return matched, product_of


def _value_for(slo: ServiceLevelObjective, obs: dict) -> float | None:
    if slo.kind == SloKind.FRESHNESS:
        return 0.0 if obs.get("fresh") else None
    if slo.kind == SloKind.VOLUME:
        return obs.get("rows")
    if slo.kind == SloKind.COMPLETENESS:
        ratios = obs.get("null_ratios") or {}
        if slo.element:
            column = slo.element.rsplit(".", 1)[-1]
            if column in ratios:
                return 1.0 - ratios[column]
            if slo.element in ratios:
                return 1.0 - ratios[slo.element]
        return 1.0 - sum(ratios.values()) / len(ratios) if ratios else None
    if slo.kind == SloKind.CUSTOM and slo.metric == ASSERTIONS_METRIC:
        return obs.get("assertions")
    return None


def measurements_from_observations(*, observations: list[dict]) -> int:
    """Match observed datasets to ports, and store one measurement per (event, objective); answers how many."""
    if not observations:
        return 0
    matched, product_of = _ports_of(observations)
    if not matched:
        return 0
    port_ids = set(product_of)
    slos = list(ServiceLevelObjective.objects.fed_by_lineage().filter(product_id__in=set(product_of.values())))
    by_port: dict[int, list[ServiceLevelObjective]] = defaultdict(list)
    by_product: dict[int, list[ServiceLevelObjective]] = defaultdict(list)
    for slo in slos:
        if slo.port_id is None:
            by_product[slo.product_id].append(slo)
        elif slo.port_id in port_ids:
            by_port[slo.port_id].append(slo)
    rows: list[tuple[ServiceLevelObjective, float, datetime, str, str]] = []
    seen: set[tuple[int, str]] = set()
    for index, ports in matched.items():
        obs = observations[index]
        key = f"ol:{obs['event'][:48]}"
        at = datetime.fromisoformat(obs["time"])
        note = f"{obs['namespace']}:{obs['name']}" + (f" run {obs['run']}" if obs.get("run") else "")
        candidates = [s for p in ports for s in by_port.get(p, [])]
        candidates += [s for pid in {product_of[p] for p in ports} for s in by_product.get(pid, [])]
        for slo in candidates:
            if (slo.pk, key) in seen:
                continue
            value = _value_for(slo, obs)
            if value is None:
                continue
            seen.add((slo.pk, key))
            rows.append((slo, value, at, key, note))
    return measurements_record_system(rows=rows, source=MeasurementSource.OPENLINEAGE)
