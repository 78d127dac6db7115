"""Writes: objectives (by hand and from contracts) and measurements. Evaluation lives in slo.evaluation."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When

from catalog.models import DataContract, DataProduct, OutputPort
from catalog.signals import announce_products_changed
from core.actors import Actor
from core.dispatch import enqueue_ids_on_commit
from core.errors import Conflict, FieldError, NotFound, ValidationFailed, pointer
from slo.contracts import DerivedObjective, derive
from slo.models import (
    Comparator,
    Measurement,
    MeasurementSource,
    ServiceLevelObjective,
    SloKind,
    SloSource,
)
from slo.permissions import ensure_can_manage_slos, ensure_can_send_measurements

# Objective definitions --------------------------------------------------------------------------------------


@dataclass
class SloSpec:
    """An objective as the owners describe it (form or API); `port` is the output port's name, '' for the product."""

    name: str
    kind: str
    threshold: float | None = None
    min_rows: int | None = None
    max_rows: int | None = None
    comparator: str = ""
    metric: str = ""
    element: str = ""
    risk_margin: float = 0.1
    description: str = ""
    port: str = ""


def slo_spec_errors(spec: SloSpec, *, prefix: tuple[str | int, ...] = ()) -> list[FieldError]:
    """Checks that depend on the kind; pointers use the API's field names."""
    errors: list[FieldError] = []

    def bad(name: str, message: str) -> None:
        errors.append(FieldError(pointer(*prefix, name), message))

    if not spec.name.strip():
        bad("name", "Give the objective a name.")
    if spec.kind not in SloKind.values:
        bad("kind", f"Must be one of {', '.join(SloKind.values)}.")
        return errors
    if not 0 <= spec.risk_margin < 1:
        bad("risk_margin", "Must be at least 0 and below 1 (0.1 = the last 10% before the threshold).")
    if spec.kind == SloKind.VOLUME:
        if spec.min_rows is None and spec.max_rows is None:
            bad("min_rows", "A volume objective needs a minimum or a maximum row count.")
        for name, value in (("min_rows", spec.min_rows), ("max_rows", spec.max_rows)):
            if value is not None and value < 0:
                bad(name, "Row counts cannot be negative.")
        if spec.min_rows is not None and spec.max_rows is not None and spec.min_rows > spec.max_rows:
            bad("max_rows", "The maximum must not be below the minimum.")
        return errors
    if spec.threshold is None:
        bad("threshold", "Required for this kind of objective.")
    elif spec.kind in (SloKind.COMPLETENESS, SloKind.AVAILABILITY) and not 0 <= spec.threshold <= 1:
        bad("threshold", "A ratio between 0 and 1 (0.99 = 99%).")
    elif spec.kind in (SloKind.FRESHNESS, SloKind.LATENCY) and spec.threshold <= 0:
        bad("threshold", "A number of seconds above 0.")
    if spec.kind == SloKind.CUSTOM:
        if spec.comparator not in Comparator.values:
            bad("comparator", "Say whether the value must stay at most (lte) or at least (gte) the threshold.")
        if not spec.metric.strip():
            bad("metric", "Name what is measured.")
    return errors


def _port(product: DataProduct, name: str, path: str) -> OutputPort | None:
    if not name:
        return None
    port = product.output_ports.filter(name=name).order_by("-version").first()
    if port is None:
        raise NotFound(f"Product '{product.identifier}' has no output port '{name}'.", path=path)
    return port


def _apply(slo: ServiceLevelObjective, spec: SloSpec, port: OutputPort | None) -> None:
    slo.name = spec.name.strip()[:120]
    slo.kind = spec.kind
    slo.description = spec.description
    slo.port = port
    slo.risk_margin = spec.risk_margin
    slo.element = spec.element[:200]
    volume = spec.kind == SloKind.VOLUME
    slo.threshold = None if volume else spec.threshold
    slo.min_rows = spec.min_rows if volume else None
    slo.max_rows = spec.max_rows if volume else None
    custom = spec.kind == SloKind.CUSTOM
    slo.comparator = spec.comparator if custom else ""
    slo.metric = spec.metric.strip()[:100] if custom else ""


def _save_unique(slo: ServiceLevelObjective) -> None:
    try:
        with transaction.atomic():
            slo.save()
    except IntegrityError:
        raise Conflict(
            f"Product '{slo.product.identifier}' already has an objective named '{slo.name}'.", path="/name"
        ) from None


def slo_create(*, actor: Actor, product: DataProduct, spec: SloSpec) -> ServiceLevelObjective:
    ensure_can_manage_slos(actor, product)
    errors = slo_spec_errors(spec)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        slo = ServiceLevelObjective(product=product, source=SloSource.MANUAL)
        _apply(slo, spec, _port(product, spec.port, "/port"))
        _save_unique(slo)
        _after_definition_change(slo)
    return slo


def _ensure_manual(slo: ServiceLevelObjective) -> None:
    if slo.source == SloSource.CONTRACT:
        raise Conflict(
            f"Objective '{slo.name}' comes from data contract '{slo.contract_id}'; change the contract's "
            f"slaProperties instead.",
        )


def slo_update(*, actor: Actor, slo: ServiceLevelObjective, spec: SloSpec) -> ServiceLevelObjective:
    ensure_can_manage_slos(actor, slo.product)
    _ensure_manual(slo)
    errors = slo_spec_errors(spec)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = ServiceLevelObjective.objects.select_for_update().select_related("product__domain").get(pk=slo.pk)
        _apply(locked, spec, _port(locked.product, spec.port, "/port"))
        _save_unique(locked)
        _after_definition_change(locked)
    return locked


def slo_delete(*, actor: Actor, slo: ServiceLevelObjective) -> None:
    ensure_can_manage_slos(actor, slo.product)
    _ensure_manual(slo)
    product_id = slo.product_id
    with transaction.atomic():
        slo.delete()
        announce_products_changed([product_id])


def _after_definition_change(slo: ServiceLevelObjective) -> None:
    """A new threshold changes the state of the measurements already taken: forget the daily rollups and evaluate
    the whole window again after commit."""
    ServiceLevelObjective.objects.filter(pk=slo.pk).update(rollup_until=None)
    _evaluate_on_commit({slo.pk})


# Objectives from contracts ----------------------------------------------------------------------------------


@dataclass
class ContractSyncResult:
    created: int = 0
    updated: int = 0
    removed: int = 0
    unreadable: list[str] = field(default_factory=list)
    evaluate: list[int] = field(default_factory=list)


def _contract_name(
    derived: DerivedObjective, driver: str, port: OutputPort, several_ports: bool, taken: set[str]
) -> str:
    base = derived.label
    if derived.element:
        base = f"{base} {derived.element}"
    if driver:
        base = f"{base} ({driver})"
    if several_ports:
        base = f"{base} ({port.name})"
    name, n = base[:120], 2
    while name in taken:
        name = f"{base[:110]} #{n}"
        n += 1
    return name


Wanted = dict[str, tuple[OutputPort, DataContract, DerivedObjective, str, str]]


def _wanted(ports: list[OutputPort], contracts: dict[str, DataContract], unreadable: list[str] | None) -> Wanted:
    """The objectives a product's ports' contracts state, by source key."""
    wanted: Wanted = {}
    for port in ports:
        contract = contracts.get(port.contract_ref)
        if contract is None:
            continue
        for prop in contract.sla_properties.all():
            derived = derive(prop.name, prop.value, prop.value_ext, prop.unit, prop.element)
            if isinstance(derived, str):
                if unreadable is not None:
                    unreadable.append(f"{contract.contract_id}: {derived}")
                continue
            key = f"{port.pk}|{contract.contract_id}|{prop.name}|{prop.element}|{prop.driver}"[:400]
            written = f"{prop.name}={prop.value}{prop.unit}" + (f" ({prop.element})" if prop.element else "")
            wanted[key] = (port, contract, derived, written[:300], prop.driver)
    return wanted


DEFINITION_FIELDS = (
    "kind",
    "port",
    "threshold",
    "min_rows",
    "max_rows",
    "element",
    "contract_id",
    "source_property",
    "description",
)


def _signature(slo: ServiceLevelObjective) -> tuple:
    return (slo.port_id, slo.kind, slo.threshold, slo.min_rows, slo.max_rows, slo.element, slo.contract_id)


def _wanted_signature(port: OutputPort, contract: DataContract, derived: DerivedObjective) -> tuple:
    return (
        port.pk,
        derived.kind,
        derived.threshold,
        derived.min_rows,
        derived.max_rows,
        derived.element[:200],
        contract.contract_id,
    )


def _contracts_of(ports: Iterable[OutputPort]) -> dict[str, DataContract]:
    refs = {p.contract_ref for p in ports}
    if not refs:
        return {}
    query = DataContract.objects.filter(contract_id__in=refs).prefetch_related("sla_properties")
    return {c.contract_id: c for c in query}


def slos_sync_from_contracts(*, product_ids: Iterable[int]) -> ContractSyncResult:
    """Make each product's contract-derived objectives match its ports' contracts' SLA properties.

    Objectives are keyed by port + contract id + property + element + driver: a changed value updates the
    objective (its measurements and history stay), a property that disappeared removes it, and objectives set by
    hand are never touched. Runs as the system (the contract import was authorised), idempotently.

    It runs after every product write, so the common case (nothing changed) is checked for all products at once
    in four queries; only products whose objectives differ are locked and rewritten.
    """
    result = ContractSyncResult()
    ids = list(dict.fromkeys(product_ids))
    ports: dict[int, list[OutputPort]] = defaultdict(list)
    for port in OutputPort.objects.filter(product_id__in=ids).exclude(contract_ref="").order_by("position", "pk"):
        ports[port.product_id].append(port)
    contracts = _contracts_of(p for group in ports.values() for p in group)
    existing: dict[int, dict[str, tuple]] = defaultdict(dict)
    for slo in ServiceLevelObjective.objects.filter(product_id__in=ids, source=SloSource.CONTRACT):
        existing[slo.product_id][slo.source_key] = _signature(slo)
    stale = []
    for pid in ids:
        wanted = _wanted(ports[pid], contracts, result.unreadable)
        if {key: _wanted_signature(p, c, d) for key, (p, c, d, _, _) in wanted.items()} != existing[pid]:
            stale.append(pid)
    changed: list[int] = []
    for product in DataProduct.objects.filter(pk__in=stale).select_related("domain"):
        with transaction.atomic():
            if _sync_product(product, result):
                changed.append(product.pk)
    if changed:
        # One re-index (and one products_changed) for the batch, not one per product.
        with transaction.atomic():
            announce_products_changed(changed)
    return result


def _sync_product(product: DataProduct, result: ContractSyncResult) -> bool:
    # Locking the product serialises two syncs of the same product (two contract imports in quick succession).
    DataProduct.objects.select_for_update().filter(pk=product.pk).first()
    ports = [p for p in product.output_ports.order_by("position", "pk") if p.contract_ref]
    wanted = _wanted(ports, _contracts_of(ports), None)
    existing = {s.source_key: s for s in ServiceLevelObjective.objects.for_product(product).from_contracts()}
    taken = set(ServiceLevelObjective.objects.for_product(product).manual().values_list("name", flat=True))
    several = len(ports) > 1
    stale = [s for key, s in existing.items() if key not in wanted]
    if stale:
        ServiceLevelObjective.objects.filter(pk__in=[s.pk for s in stale]).delete()
        result.removed += len(stale)
    taken |= {s.name for key, s in existing.items() if key in wanted}
    changed = bool(stale)
    for key, (port, contract, derived, written, driver) in wanted.items():
        slo = existing.get(key)
        fresh = slo is None
        if slo is None:
            slo = ServiceLevelObjective(product=product, source=SloSource.CONTRACT, source_key=key)
            slo.name = _contract_name(derived, driver, port, several, taken)
            taken.add(slo.name)
        before = _signature(slo) if not fresh else None
        slo.kind = derived.kind
        slo.port = port
        slo.threshold = derived.threshold
        slo.min_rows = derived.min_rows
        slo.max_rows = derived.max_rows
        slo.element = derived.element[:200]
        slo.contract_id = contract.contract_id
        slo.source_property = written
        slo.description = derived.description
        if fresh or before != _signature(slo):
            slo.rollup_until = None  # the days rolled up under the old threshold are judged again
            # Only the definition: the evaluation's fields (state, rollup marks) are not this sync's to write.
            slo.save(update_fields=None if fresh else [*DEFINITION_FIELDS, "rollup_until", "updated_at"])
            result.evaluate.append(slo.pk)
            changed = True
            if fresh:
                result.created += 1
            else:
                result.updated += 1
    return changed


# Measurements -----------------------------------------------------------------------------------------------


@dataclass
class MeasurementIn:
    """One measurement as sent; `index` is its place in a bulk request (None for a single one)."""

    value: float
    measured_at: datetime
    slo_id: int | None = None
    product: str = ""  # URN or domain/slug
    slo_name: str = ""
    key: str = ""
    note: str = ""
    index: int | None = None

    def path(self, name: str) -> str:
        return pointer("measurements", self.index, name) if self.index is not None else pointer(name)


@dataclass
class RecordResult:
    measurement: Measurement
    created: bool


def parse_product_ref(ref: str) -> tuple[str, str] | None:
    """'urn:dataproduct:sales:orders' or 'sales/orders' -> ('sales', 'orders')."""
    value = ref.strip()
    if value.startswith("urn:dataproduct:"):
        parts = value.removeprefix("urn:dataproduct:").split(":")
    else:
        parts = value.split("/")
    if len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]


def _resolve(items: list[MeasurementIn]) -> dict[int, ServiceLevelObjective]:
    """The objective of each item, by position; 404 naming the first unknown product or objective."""
    by_id = [i.slo_id for i in items if i.slo_id is not None]
    named = {(parse_product_ref(i.product), i.slo_name) for i in items if i.slo_id is None}
    query = Q(pk__in=by_id)
    for ref, name in named:
        if ref is not None:
            query |= Q(product__domain__slug=ref[0], product__slug=ref[1], name=name)
    found = list(ServiceLevelObjective.objects.filter(query).select_related("product__domain", "product__owner_team"))
    pks = {s.pk: s for s in found}
    names = {(s.product.domain.slug, s.product.slug, s.name): s for s in found}
    out: dict[int, ServiceLevelObjective] = {}
    for position, item in enumerate(items):
        if item.slo_id is not None:
            slo = pks.get(item.slo_id)
            if slo is None:
                raise NotFound(f"No service level objective with id {item.slo_id}.", path=item.path("slo"))
            out[position] = slo
            continue
        ref = parse_product_ref(item.product)
        if ref is None:
            raise ValidationFailed(
                [FieldError(item.path("product"), "A product URN (urn:dataproduct:domain:slug) or 'domain/slug'.")]
            )
        slo = names.get((*ref, item.slo_name))
        if slo is None:
            # The first unknown one ends the request: say whether the product or only its objective is missing.
            if not DataProduct.objects.filter(domain__slug=ref[0], slug=ref[1]).exists():
                raise NotFound(f"No product '{ref[0]}/{ref[1]}'.", path=item.path("product"))
            raise NotFound(
                f"Product '{ref[0]}/{ref[1]}' has no objective named '{item.slo_name}'.", path=item.path("slo")
            )
        out[position] = slo
    return out


def _value_errors(slo: ServiceLevelObjective, item: MeasurementIn) -> list[FieldError]:
    """What a value must be depends on what the objective measures."""
    value = item.value
    if slo.kind in (SloKind.COMPLETENESS, SloKind.AVAILABILITY) and not 0 <= value <= 1:
        return [FieldError(item.path("value"), f"'{slo.name}' measures a ratio: a number from 0 to 1.")]
    if slo.kind in (SloKind.FRESHNESS, SloKind.LATENCY) and value < 0:
        return [FieldError(item.path("value"), f"'{slo.name}' measures seconds: a number of 0 or more.")]
    if slo.kind == SloKind.VOLUME and (value < 0 or value != int(value)):
        return [FieldError(item.path("value"), f"'{slo.name}' measures rows: a whole number of 0 or more.")]
    return []


def derived_key(slo_id: int, measured_at: datetime, value: float) -> str:
    """Same objective, time and value: the same measurement, however often it is sent."""
    raw = f"{slo_id}|{measured_at.isoformat()}|{value!r}"
    return "auto:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def measurements_record(
    *, actor: Actor, items: list[MeasurementIn], source: str = MeasurementSource.API
) -> list[RecordResult]:
    """Store measurements, all or none, and evaluate their objectives after commit.

    A measurement whose key is already stored for its objective is a resend: the stored one is answered and
    nothing is written. The same key with another value or time is a conflict (409), not silently dropped.
    """
    objectives = _resolve(items)
    errors = [e for i, slo in objectives.items() for e in _value_errors(slo, items[i])]
    if errors:
        raise ValidationFailed(errors)
    checked: set[int] = set()
    for slo in objectives.values():
        if slo.product_id not in checked:
            ensure_can_send_measurements(actor, slo.product)
            checked.add(slo.product_id)
    keyed = [
        (items[i], slo, (items[i].key or derived_key(slo.pk, items[i].measured_at, items[i].value)))
        for i, slo in objectives.items()
    ]
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _store(keyed, source)
        except _Raced:
            # Another request stored one of these keys between our read and our write. Read again: a resend
            # that raced is then answered as the duplicate it is.
            if attempt:
                raise Conflict("The same measurements are being stored by another request; send them again.") from None
    raise AssertionError("unreachable")


class _Raced(Exception):
    pass


def _store(keyed: list[tuple[MeasurementIn, ServiceLevelObjective, str]], source: str) -> list[RecordResult]:
    stored = {
        (m.slo_id, m.key): m
        for m in Measurement.objects.filter(
            slo_id__in={slo.pk for _, slo, _ in keyed}, key__in={key for _, _, key in keyed}
        )
    }
    results: list[RecordResult] = []
    new: list[Measurement] = []
    for item, slo, key in keyed:
        previous = stored.get((slo.pk, key))
        if previous is not None:
            if previous.value != item.value or previous.measured_at != item.measured_at:
                raise Conflict(
                    f"Key '{key}' was already used for objective '{slo.name}' with value {previous.value:g} at "
                    f"{previous.measured_at.isoformat()}; use a new key for a new measurement.",
                    path=item.path("key"),
                )
            results.append(RecordResult(previous, created=False))
            continue
        row = Measurement(
            slo=slo, value=item.value, measured_at=item.measured_at, source=source, key=key, note=item.note[:300]
        )
        stored[(slo.pk, key)] = row
        new.append(row)
        results.append(RecordResult(row, created=True))
    if new:
        try:
            with transaction.atomic():
                Measurement.objects.bulk_create(new)
        except IntegrityError:
            raise _Raced from None
        _mark_dirty(new)
        _evaluate_on_commit({m.slo_id for m in new})
    return results


def _mark_dirty(new: list[Measurement]) -> None:
    """Remember, on each objective, the earliest time among the new measurements: evaluation recomputes its daily
    rollups from that day on. The UPDATE always writes (and so locks the objective's row), which serialises it with
    a running evaluation: either that evaluation sees these measurements, or it clears the mark before this one is
    set and the evaluation queued by this commit recomputes the day."""
    earliest: dict[int, datetime] = {}
    for m in new:
        if m.slo_id not in earliest or m.measured_at < earliest[m.slo_id]:
            earliest[m.slo_id] = m.measured_at
    for slo_id, at in sorted(earliest.items()):
        ServiceLevelObjective.objects.filter(pk=slo_id).update(
            dirty_since=Case(
                When(Q(dirty_since__isnull=True) | Q(dirty_since__gt=at), then=Value(at)),
                default=F("dirty_since"),
            )
        )


def _evaluate_on_commit(slo_ids: set[int]) -> None:
    enqueue_ids_on_commit("slo.tasks.evaluate_slos", slo_ids)


def measurements_record_system(
    *, rows: list[tuple[ServiceLevelObjective, float, datetime, str, str]], source: str
) -> int:
    """Measurements the portal derives itself (OpenLineage facets, demo data): (slo, value, time, key, note).

    Resends are skipped by key; answers how many were new.
    """
    if not rows:
        return 0
    with transaction.atomic():
        existing = set(
            Measurement.objects.filter(slo_id__in={r[0].pk for r in rows}, key__in={r[3] for r in rows}).values_list(
                "slo_id", "key"
            )
        )
        new = []
        for slo, value, at, key, note in rows:
            if (slo.pk, key) in existing:
                continue
            existing.add((slo.pk, key))
            new.append(Measurement(slo=slo, value=value, measured_at=at, source=source, key=key, note=note[:300]))
        Measurement.objects.bulk_create(new, ignore_conflicts=True)
        if new:
            _mark_dirty(new)
            _evaluate_on_commit({m.slo_id for m in new})
    return len(new)
