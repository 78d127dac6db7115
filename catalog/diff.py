"""What changes between two versions of a product or a contract, and which changes break their consumers.

One implementation, used by the dry-run answers of the API (`?dry_run=true`), which the producer CLI's `diff`
shows, and meant for versioned contracts later. It compares the specs the parsers give (`catalog.specs`), so a
change reads the same whatever format either version came in, and imports no model: it runs without settings.

Breaking, for a consumer already reading the product: an output port removed or its type changed; a field
removed, its type changed, or a nullable field made required; an SLA removed or weakened (a longer latency or
interval, a lower availability or retention). Everything else (additions, descriptions, names) is a change
that breaks nobody.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from catalog.specs import ContractSpec, FieldSpec, OutputPortSpec, ProductSpec, SlaSpec


@dataclass(frozen=True)
class Change:
    path: str  # where, as a pointer built from names: /outputPorts/orders/fields/id/dataType
    before: Any
    after: Any
    breaking: bool = False
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "before": self.before,
            "after": self.after,
            "breaking": self.breaking,
            "reason": self.reason,
        }


_PRODUCT_FIELDS = {
    "name": "name",
    "summary": "summary",
    "description": "description",
    "kind": "kind",
    "status": "status",
    "version": "version",
    "owner_team": "ownerTeam",
    "external_id": "id",
}
_PORT_FIELDS = {
    "description": "description",
    "location": "location",
    "format": "format",
    "access_mode": "accessMode",
    "contract_ref": "contractId",
    "max_access_days": "maxAccessDays",
}
_INPUT_FIELDS = {
    "description": "description",
    "source_product": "sourceProduct",
    "source_port": "sourcePort",
    "external_source": "externalSource",
    "contract_ref": "contractId",
}
_CONTRACT_FIELDS = {
    "name": "name",
    "version": "version",
    "status": "status",
    "purpose": "purpose",
    "domain": "domain",
    "data_product": "dataProduct",
}
_FIELD_FIELDS = {"description": "description", "primary_key": "primaryKey", "classification": "classification"}


def diff_products(before: ProductSpec | None, after: ProductSpec) -> list[Change]:
    """The changes from `before` (None: not stored yet, so nothing to compare) to `after`."""
    if before is None:
        return []
    changes = _scalars("", before, after, _PRODUCT_FIELDS)
    if sorted(before.tags) != sorted(after.tags):
        changes.append(Change("/tags", sorted(before.tags), sorted(after.tags)))
    changes += _ports(before.output_ports, after.output_ports)
    old_inputs = {_port_key(p): p for p in before.input_ports}
    new_inputs = {_port_key(p): p for p in after.input_ports}
    for key in old_inputs.keys() - new_inputs.keys():
        changes.append(Change(f"/inputPorts/{_esc(key)}", key, None, reason="input port removed"))
    for key in new_inputs.keys() - old_inputs.keys():
        changes.append(Change(f"/inputPorts/{_esc(key)}", None, key, reason="input port added"))
    for key in sorted(old_inputs.keys() & new_inputs.keys()):
        changes += _scalars(f"/inputPorts/{_esc(key)}", old_inputs[key], new_inputs[key], _INPUT_FIELDS)
    return _sorted(changes)


def diff_contracts(before: ContractSpec | None, after: ContractSpec) -> list[Change]:
    """The changes from the stored contract `before` to `after`: its terms, its schema and its SLAs."""
    if before is None:
        return []
    # A document that names no domain or product keeps the one the contract was attached to.
    names = {k: v for k, v in _CONTRACT_FIELDS.items() if k not in ("domain", "data_product") or getattr(after, k)}
    changes = _scalars("", before, after, names)
    changes += _fields("/schema", before.fields, after.fields)
    changes += _slas(before.sla, after.sla)
    return _sorted(changes)


def breaking(changes: list[Change]) -> list[Change]:
    return [c for c in changes if c.breaking]


def _ports(before: list[OutputPortSpec], after: list[OutputPortSpec]) -> list[Change]:
    changes = []
    old = {_port_key(p): p for p in before}
    new = {_port_key(p): p for p in after}
    for key in old.keys() - new.keys():
        changes.append(Change(f"/outputPorts/{_esc(key)}", key, None, True, "output port removed"))
    for key in new.keys() - old.keys():
        changes.append(Change(f"/outputPorts/{_esc(key)}", None, key, reason="output port added"))
    for key in old.keys() & new.keys():
        a, b = old[key], new[key]
        base = f"/outputPorts/{_esc(key)}"
        if a.port_type != b.port_type:
            changes.append(Change(f"{base}/type", a.port_type, b.port_type, True, "port type changed"))
        changes += _scalars(base, a, b, _PORT_FIELDS)
        # A port that follows its contract declares no fields of its own: its schema is compared on the contract.
        if a.fields or b.fields:
            changes += _fields(f"{base}/fields", a.fields, b.fields)
    return changes


def _fields(base: str, before: list[FieldSpec], after: list[FieldSpec]) -> list[Change]:
    changes = []
    old = {_field_key(f): f for f in before}
    new = {_field_key(f): f for f in after}
    for key in old.keys() - new.keys():
        changes.append(Change(f"{base}/{_esc(key)}", key, None, True, "field removed"))
    for key in new.keys() - old.keys():
        changes.append(Change(f"{base}/{_esc(key)}", None, key, reason="field added"))
    for key in old.keys() & new.keys():
        a, b = old[key], new[key]
        path = f"{base}/{_esc(key)}"
        if a.data_type.lower() != b.data_type.lower():
            changes.append(Change(f"{path}/dataType", a.data_type, b.data_type, True, "type changed"))
        if a.nullable and not b.nullable:
            changes.append(Change(f"{path}/required", False, True, True, "nullable field made required"))
        elif b.nullable and not a.nullable:
            changes.append(Change(f"{path}/required", True, False, reason="required field made nullable"))
        changes += _scalars(path, a, b, _FIELD_FIELDS)
    return changes


# SLA properties whose larger value is a better promise; for the others listed, smaller is better.
_HIGHER_IS_BETTER = {"availability", "uptime", "retention", "durability", "completeness", "coverage"}
_LOWER_IS_BETTER = {
    "latency",
    "freshness",
    "frequency",
    "timeofavailability",
    "responsetime",
    "mttr",
    "rto",
    "rpo",
    "errorrate",
}
_UNIT_SECONDS = {
    "ms": 0.001,
    "s": 1,
    "sec": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
    "y": 31536000,
    "year": 31536000,
    "years": 31536000,
}
_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Z%]*)\s*$")


def _slas(before: list[SlaSpec], after: list[SlaSpec]) -> list[Change]:
    changes = []
    old = {(s.name, s.element): s for s in before}
    new = {(s.name, s.element): s for s in after}
    for key in old.keys() - new.keys():
        changes.append(Change(f"/slaProperties/{_esc(_sla_key(key))}", old[key].value, None, True, "SLA removed"))
    for key in new.keys() - old.keys():
        changes.append(Change(f"/slaProperties/{_esc(_sla_key(key))}", None, new[key].value, reason="SLA added"))
    for key in old.keys() & new.keys():
        a, b = old[key], new[key]
        if (a.value, a.unit, a.value_ext) == (b.value, b.unit, b.value_ext):
            continue
        was, now = _sla_text(a), _sla_text(b)
        verdict = _sla_verdict(a, b)
        path = f"/slaProperties/{_esc(_sla_key(key))}"
        changes.append(Change(path, was, now, verdict == "weakened", f"SLA {verdict}"))
    return changes


def _sla_verdict(a: SlaSpec, b: SlaSpec) -> str:
    direction = re.sub(r"[^a-z]", "", a.name.lower())
    old, new = _magnitude(a), _magnitude(b)
    if old is None or new is None or direction not in _HIGHER_IS_BETTER | _LOWER_IS_BETTER:
        return "changed"
    if old == new:
        return "changed"
    better = new > old if direction in _HIGHER_IS_BETTER else new < old
    return "strengthened" if better else "weakened"


def _magnitude(sla: SlaSpec) -> float | None:
    match = _NUMBER.match(str(sla.value))
    if match is None:
        return None
    number, suffix = float(match.group(1)), (match.group(2) or sla.unit).lower()
    if suffix in ("", "%"):
        return number
    factor = _UNIT_SECONDS.get(suffix)
    return None if factor is None else number * factor


def _sla_text(sla: SlaSpec) -> str:
    return f"{sla.value} {sla.unit}".strip()


def _sla_key(key: tuple[str, str]) -> str:
    name, element = key
    return f"{name}@{element}" if element else name


def _scalars(base: str, a: Any, b: Any, names: dict[str, str]) -> list[Change]:
    return [
        Change(f"{base}/{label}", getattr(a, attr), getattr(b, attr))
        for attr, label in names.items()
        if getattr(a, attr) != getattr(b, attr)
    ]


def _port_key(port: Any) -> str:
    return f"{port.name}@{port.version}" if port.version else port.name


def _field_key(spec: FieldSpec) -> str:
    return f"{spec.object_name}.{spec.name}" if spec.object_name else spec.name


def _esc(token: str) -> str:
    # RFC 6901 escaping, so a name with a slash stays one step of the path.
    return token.replace("~", "~0").replace("/", "~1")


def _sorted(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: (not c.breaking, c.path))
