"""What changes between two versions of a product or a contract, and which changes break their consumers.

One implementation, used by the dry-run answers of the API (`?dry_run=true`), which the producer CLI's `diff`
shows, and meant for versioned contracts later. It compares the specs the parsers give (`catalog.specs`), so a
change reads the same whatever format either version came in, and imports no model: it runs without settings.

Breaking, for a consumer already reading the product (docs/notices.md has the table):
- an output port removed or renamed, or its type changed;
- a field removed or renamed, its type changed to one that does not hold every old value (int -> bigint widens
  and breaks nobody; bigint -> int or int -> string does), or a nullable field made required;
- an SLA removed or weakened (a longer latency or interval, a lower availability or retention);
- a quality rule removed or weakened (a lower minimum, a higher maximum, an error made a warning);
- access tightened: an open port put on request, or a shorter longest access.
Everything else (additions, descriptions, names, a stronger SLA) is a change that breaks nobody.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from catalog.specs import ContractSpec, FieldSpec, OutputPortSpec, ProductSpec, QualityRuleSpec, SlaSpec


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
    "contract_ref": "contractId",
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
    changes += _quality(before.quality, after.quality)
    return _sorted(changes)


def breaking(changes: list[Change]) -> list[Change]:
    return [c for c in changes if c.breaking]


def _ports(before: list[OutputPortSpec], after: list[OutputPortSpec]) -> list[Change]:
    changes = []
    old = {_port_key(p): p for p in before}
    new = {_port_key(p): p for p in after}
    gone, added = _renames(old, new, lambda a, b: a.port_type == b.port_type and _same_fields(a.fields, b.fields))
    for key, renamed in gone.items():
        if renamed:
            changes.append(Change(f"/outputPorts/{_esc(key)}", key, renamed, True, "output port renamed"))
        else:
            changes.append(Change(f"/outputPorts/{_esc(key)}", key, None, True, "output port removed"))
    for key in added:
        changes.append(Change(f"/outputPorts/{_esc(key)}", None, key, reason="output port added"))
    for key in old.keys() & new.keys():
        a, b = old[key], new[key]
        base = f"/outputPorts/{_esc(key)}"
        if a.port_type != b.port_type:
            changes.append(Change(f"{base}/type", a.port_type, b.port_type, True, "port type changed"))
        changes += _scalars(base, a, b, _PORT_FIELDS)
        changes += _access(base, a, b)
        # A port that follows its contract declares no fields of its own: its schema is compared on the contract.
        if a.fields or b.fields:
            changes += _fields(f"{base}/fields", a.fields, b.fields)
    return changes


def _fields(base: str, before: list[FieldSpec], after: list[FieldSpec]) -> list[Change]:
    changes = []
    old = {_field_key(f): f for f in before}
    new = {_field_key(f): f for f in after}
    positions = {key: i for i, key in enumerate(old)} | {key: i for i, key in enumerate(new)}
    gone, added = _renames(old, new, lambda a, b: _type_key(a.data_type) == _type_key(b.data_type), positions=positions)
    for key, renamed in gone.items():
        if renamed:
            changes.append(Change(f"{base}/{_esc(key)}", key, renamed, True, "field renamed"))
        else:
            changes.append(Change(f"{base}/{_esc(key)}", key, None, True, "field removed"))
    for key in added:
        changes.append(Change(f"{base}/{_esc(key)}", None, key, reason="field added"))
    for key in old.keys() & new.keys():
        a, b = old[key], new[key]
        path = f"{base}/{_esc(key)}"
        if _type_key(a.data_type) != _type_key(b.data_type):
            if widens(a.data_type, b.data_type):
                changes.append(Change(f"{path}/dataType", a.data_type, b.data_type, reason="type widened"))
            else:
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
        Change(f"{base}/{label}", getattr(a, attr), getattr(b, attr), reason=f"{label} changed")
        for attr, label in names.items()
        if getattr(a, attr) != getattr(b, attr)
    ]


def _renames(old: dict, new: dict, alike, *, positions: dict[str, int] | None = None) -> tuple[dict, list]:
    """The keys that went (each with the key it was renamed to, or '') and the keys that are really new.

    A removed and an added item are one rename when they are alike (same type; for ports the same fields too)
    and, for fields, stand at the same place in their list, so that a removal plus an unrelated addition is
    not mistaken for a rename.
    """
    gone_keys = [k for k in old if k not in new]
    added_keys = [k for k in new if k not in old]
    gone: dict[str, str] = {}
    for key in gone_keys:
        match = next(
            (
                other
                for other in added_keys
                if alike(old[key], new[other]) and (positions is None or positions[key] == positions[other])
            ),
            "",
        )
        if match and (positions is not None or len(gone_keys) == len(added_keys) == 1):
            added_keys.remove(match)
            gone[key] = match
        else:
            gone[key] = ""
    return gone, added_keys


def _same_fields(a: list[FieldSpec], b: list[FieldSpec]) -> bool:
    return [(_field_key(f), _type_key(f.data_type)) for f in a] == [(_field_key(f), _type_key(f.data_type)) for f in b]


_ACCESS_OPENNESS = {"open": 0, "on_request": 1}


def _access(base: str, a: OutputPortSpec, b: OutputPortSpec) -> list[Change]:
    changes = []
    if a.access_mode != b.access_mode:
        tighter = _ACCESS_OPENNESS.get(b.access_mode, 1) > _ACCESS_OPENNESS.get(a.access_mode, 1)
        reason = "access mode tightened" if tighter else "access mode loosened"
        changes.append(Change(f"{base}/accessMode", a.access_mode, b.access_mode, tighter, reason))
    if a.max_access_days != b.max_access_days:
        shorter = b.max_access_days < a.max_access_days
        reason = "longest access shortened" if shorter else "longest access lengthened"
        changes.append(Change(f"{base}/maxAccessDays", a.max_access_days, b.max_access_days, shorter, reason))
    return changes


# Types by family, narrowest first: a change to a later type of the same family holds every old value.
_WIDENING = [
    ["tinyint", "smallint", "int", "bigint", "decimal"],
    ["float", "double", "decimal"],
    ["date", "timestamp"],
    ["char", "string"],
]
_ALIASES = {
    "int8": "bigint",
    "long": "bigint",
    "int4": "int",
    "integer": "int",
    "int2": "smallint",
    "short": "smallint",
    "byte": "tinyint",
    "real": "float",
    "float4": "float",
    "float8": "double",
    "double precision": "double",
    "numeric": "decimal",
    "number": "decimal",
    "varchar": "string",
    "text": "string",
    "character varying": "string",
    "str": "string",
    "datetime": "timestamp",
    "timestamptz": "timestamp",
    "bool": "boolean",
}
_SIZED = re.compile(r"^\s*([a-z][a-z0-9 ]*?)\s*(?:\(\s*(\d+)(?:\s*,\s*(\d+))?\s*\))?\s*$")


def _type_key(data_type: str) -> tuple[str, int | None, int | None]:
    match = _SIZED.match(data_type.lower())
    if match is None:
        return (data_type.strip().lower(), None, None)
    name = match.group(1).strip()
    size = int(match.group(2)) if match.group(2) else None
    scale = int(match.group(3)) if match.group(3) else None
    return (_ALIASES.get(name, name), size, scale)


def widens(before: str, after: str) -> bool:
    """True when every value of type `before` is a value of type `after` (int -> bigint, varchar(10) -> (20))."""
    (a, a_size, a_scale), (b, b_size, b_scale) = _type_key(before), _type_key(after)
    if a == b:
        if b_size is None:
            return True  # the same type without a bound (varchar(10) -> varchar)
        if a_size is None:
            return False
        return b_size >= a_size and (b_scale or 0) >= (a_scale or 0)
    for family in _WIDENING:
        if a in family and b in family and family.index(b) > family.index(a):
            return b != "decimal" or b_size is None or a != "decimal"
    return False


# Quality rules: a threshold under these operators promises more as it grows; under the "less" ones as it falls.
_AT_LEAST = {"mustbegreaterthan", "mustbegreaterorequalto", "mustbegreaterthanorequalto", "mustbegreaterthanorequal"}
_AT_MOST = {"mustbelessthan", "mustbelessorequalto", "mustbelessthanorequalto", "mustbelessthanorequal"}
_SEVERITY = {"info": 0, "warning": 1, "warn": 1, "error": 2, "critical": 3}


def _rule_key(rule: QualityRuleSpec) -> str:
    name = rule.name or rule.metric or rule.rule_type or "rule"
    return f"{name}@{rule.element}" if rule.element else name


def _quality(before: list[QualityRuleSpec], after: list[QualityRuleSpec]) -> list[Change]:
    changes = []
    old = {_rule_key(r): r for r in before}
    new = {_rule_key(r): r for r in after}
    for key in old.keys() - new.keys():
        changes.append(Change(f"/quality/{_esc(key)}", key, None, True, "quality rule removed"))
    for key in new.keys() - old.keys():
        changes.append(Change(f"/quality/{_esc(key)}", None, key, reason="quality rule added"))
    for key in old.keys() & new.keys():
        a, b = old[key], new[key]
        path = f"/quality/{_esc(key)}"
        if (a.operator, a.threshold) != (b.operator, b.threshold):
            verdict = _threshold_verdict(a, b)
            before_text, after_text = f"{a.operator} {a.threshold}".strip(), f"{b.operator} {b.threshold}".strip()
            changes.append(
                Change(f"{path}/threshold", before_text, after_text, verdict == "weakened", f"quality rule {verdict}")
            )
        if a.severity != b.severity:
            weaker = _SEVERITY.get(b.severity.lower(), 2) < _SEVERITY.get(a.severity.lower(), 2)
            reason = "quality rule weakened" if weaker else "quality rule severity changed"
            changes.append(Change(f"{path}/severity", a.severity, b.severity, weaker, reason))
        if (a.metric, a.rule_type) != (b.metric, b.rule_type):
            changes.append(Change(f"{path}/metric", a.metric, b.metric, True, "quality rule replaced"))
    return changes


def _threshold_verdict(a: QualityRuleSpec, b: QualityRuleSpec) -> str:
    op_a, op_b = a.operator.lower(), b.operator.lower()
    if op_a != op_b:
        return "weakened" if a.operator else "changed"
    old, new = _number(a.threshold), _number(b.threshold)
    if old is None or new is None or op_a not in _AT_LEAST | _AT_MOST:
        return "weakened"  # an exact promise (mustBe) changed, or one we cannot compare: consumers must look
    if old == new:
        return "changed"
    stronger = new > old if op_a in _AT_LEAST else new < old
    return "strengthened" if stronger else "weakened"


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    match = _NUMBER.match(str(value)) if value is not None else None
    return float(match.group(1)) if match else None


def _port_key(port: Any) -> str:
    return f"{port.name}@{port.version}" if port.version else port.name


def _field_key(spec: FieldSpec) -> str:
    return f"{spec.object_name}.{spec.name}" if spec.object_name else spec.name


def _esc(token: str) -> str:
    # RFC 6901 escaping, so a name with a slash stays one step of the path.
    return token.replace("~", "~0").replace("/", "~1")


def _sorted(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: (not c.breaking, c.path))
