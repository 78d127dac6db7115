"""A stored contract written out as an ODCS v3.1.0 or a Data Contract Specification 1.2.1 document.

Built from what the portal parsed (ContractSpec as catalog.selectors.contract_spec_stored gives it), not by
converting the raw document, so a contract reads the same whichever standard it came in. What only the raw
document says (examples, links, custom properties) is not carried over; GET /api/v1/contracts/{id} keeps the
document as published. docs/api.md lists the mapping both ways.
"""

from __future__ import annotations

from typing import Any

from catalog.specs import ContractSpec, QualityRuleSpec

ODCS_API_VERSION = "v3.1.0"
DCS_VERSION = "1.2.1"

# Logical types ODCS v3.1 knows, from the type words contracts use (DCS types, SQL types).
_ODCS_LOGICAL = {
    **dict.fromkeys(("string", "text", "varchar", "char", "uuid", "bytes", "binary"), "string"),
    **dict.fromkeys(("integer", "int", "long", "bigint", "smallint", "tinyint"), "integer"),
    **dict.fromkeys(("number", "decimal", "numeric", "double", "float", "real"), "number"),
    **dict.fromkeys(("timestamp", "timestamp_tz", "timestamp_ntz", "datetime"), "timestamp"),
    "date": "date",
    "time": "time",
    **dict.fromkeys(("boolean", "bool"), "boolean"),
    **dict.fromkeys(("object", "record", "struct", "map"), "object"),
    "array": "array",
}
# DCS field types from ODCS logical types.
_DCS_TYPES = {"string": "string", "integer": "long", "number": "decimal", "boolean": "boolean"}
# DCS servicelevels: the key that holds an SLA property's value, per level.
_DCS_LEVEL_KEYS = {
    "availability": "percentage",
    "retention": "period",
    "latency": "threshold",
    "freshness": "threshold",
    "frequency": "interval",
    "support": "time",
    "backup": "interval",
}
_ODCS_RULE_TYPES = ("library", "text", "sql", "custom")


def _clean(value: dict[str, Any]) -> dict[str, Any]:
    """Without empty values: an export says what the contract says, no more."""
    return {k: v for k, v in value.items() if v not in ("", None, [], {}, False) or k in ("required",)}


def _nest(properties: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list]]:
    """Dotted property names back into a tree: each node is (property, children)."""
    roots: list[tuple[dict[str, Any], list]] = []
    by_name: dict[str, tuple[dict[str, Any], list]] = {}
    for prop in properties:
        node: tuple[dict[str, Any], list] = (prop, [])
        parent_name, _, _ = prop["name"].rpartition(".")
        parent = by_name.get(parent_name) if parent_name else None
        (parent[1] if parent is not None else roots).append(node)
        by_name[prop["name"]] = node
    return roots


def _short(name: str) -> str:
    return name.rpartition(".")[2]


def _rules_at(spec: ContractSpec, element: str) -> list[QualityRuleSpec]:
    return [rule for rule in spec.quality if rule.element == element]


def _odcs_rule(rule: QualityRuleSpec) -> dict[str, Any]:
    written = dict(rule.definition)
    rule_type = (rule.rule_type or "library").lower()
    if rule_type not in _ODCS_RULE_TYPES:
        # An engine's own checks (DCS 0.9: SodaCL, great-expectations, montecarlo) are ODCS custom rules.
        implementation = written.pop("specification", None)
        written.pop("type", None)
        engine = {"type": "custom", "engine": rule.rule_type}
        if implementation is not None:
            engine["implementation"] = implementation
        written = {**engine, **written}
    return written or _clean({"type": rule_type, "description": rule.description})


def to_odcs(spec: ContractSpec) -> dict[str, Any]:
    terms = spec.document.get("terms") if spec.source_format == "dcs" else None
    terms = terms if isinstance(terms, dict) else {}
    description = _clean(
        {"purpose": spec.purpose, "usage": terms.get("usage", ""), "limitations": terms.get("limitations", "")}
    )
    doc: dict[str, Any] = {
        "apiVersion": ODCS_API_VERSION,
        "kind": "DataContract",
        "id": spec.contract_id,
        "name": spec.name,
        "version": spec.version,
        "status": spec.status_as_written or spec.status,
    }
    doc.update(_clean({"domain": spec.domain, "dataProduct": spec.data_product, "description": description}))
    if spec.servers:
        doc["servers"] = [{"server": s.get("server", f"server-{i}"), **s} for i, s in enumerate(spec.servers)]
    schema = []
    for obj in spec.objects:
        written = _clean(
            {
                "name": obj["name"],
                "physicalName": obj.get("physical_name", ""),
                "physicalType": obj.get("type", ""),
                "description": obj.get("description", ""),
            }
        )
        written["properties"] = [_odcs_property(obj["name"], node, spec) for node in _nest(obj["properties"])]
        if obj.get("relationships"):
            written["relationships"] = [dict(r) for r in obj["relationships"]]
        rules = _rules_at(spec, obj["name"])
        if rules:
            written["quality"] = [_odcs_rule(r) for r in rules]
        schema.append(written)
    if schema:
        doc["schema"] = schema
    if spec.sla:
        doc["slaProperties"] = [
            _clean(
                {
                    "property": s.name,
                    "value": s.value,
                    "valueExt": s.value_ext,
                    "unit": s.unit,
                    "element": s.element,
                    "driver": s.driver if s.driver in ("regulatory", "analytics", "operational") else "",
                }
            )
            for s in spec.sla
        ]
    top = _rules_at(spec, "")
    if top:
        doc["quality"] = [_odcs_rule(r) for r in top]
    return doc


def _odcs_property(object_name: str, node, spec: ContractSpec) -> dict[str, Any]:
    prop, children = node
    logical = _ODCS_LOGICAL.get(prop.get("type", "").strip().lower(), "")
    written = _clean(
        {
            "name": _short(prop["name"]),
            "logicalType": logical or ("object" if children else ""),
            "physicalType": prop.get("physical_type") or (prop.get("type", "") if not logical else ""),
            "required": prop.get("required", False),
            "unique": prop.get("unique", False),
            "primaryKey": prop.get("primary_key", False),
            "classification": prop.get("classification", ""),
            "description": prop.get("description", ""),
        }
    )
    if children:
        written["properties"] = [_odcs_property(object_name, child, spec) for child in children]
    rules = _rules_at(spec, f"{object_name}.{prop['name']}")
    if rules:
        written["quality"] = [_odcs_rule(r) for r in rules]
    return written


def to_dcs(spec: ContractSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "dataContractSpecification": DCS_VERSION,
        "id": spec.contract_id,
        "info": _clean(
            {
                "title": spec.name or spec.contract_id,
                "version": spec.version,
                "status": spec.status_as_written or spec.status,
                "description": spec.purpose,
            }
        ),
    }
    if spec.servers:
        doc["servers"] = {
            str(s.get("server") or f"server-{i}"): {k: v for k, v in s.items() if k != "server"}
            for i, s in enumerate(spec.servers)
        }
    terms = spec.document.get("terms") if spec.source_format == "dcs" else None
    if not isinstance(terms, dict):
        description = spec.document.get("description")
        description = description if isinstance(description, dict) else {}
        terms = _clean({"usage": description.get("usage", ""), "limitations": description.get("limitations", "")})
    if terms:
        doc["terms"] = terms
    models: dict[str, Any] = {}
    top = _rules_at(spec, "")
    for index, obj in enumerate(spec.objects):
        references = {r["from"]: r["to"] for r in obj.get("relationships", []) if isinstance(r.get("from"), str)}
        model = _clean({"type": obj.get("type", "") or "table", "description": obj.get("description", "")})
        model["fields"] = {
            _short(node[0]["name"]): _dcs_field(obj["name"], node, spec, references)
            for node in _nest(obj["properties"])
        }
        # DCS 1.x has no contract-level rule list; those rules go with the first model.
        rules = _rules_at(spec, obj["name"]) + (top if index == 0 else [])
        if rules:
            model["quality"] = [dict(r.definition) or _clean({"type": r.rule_type}) for r in rules]
        models[obj["name"]] = model
    if models:
        doc["models"] = models
    levels: dict[str, Any] = {}
    for s in spec.sla:
        key = _DCS_LEVEL_KEYS.get(s.name)
        value = f"{s.value}{s.unit}" if s.unit else s.value
        if key is not None:
            levels[s.name] = _clean({key: value, "description": ""})
        else:
            levels[s.name] = {"description": f"{s.name}: {value}"}
    if levels:
        doc["servicelevels"] = levels
    return doc


def _dcs_field(object_name: str, node, spec: ContractSpec, references: dict[str, Any]) -> dict[str, Any]:
    prop, children = node
    written_type = prop.get("type", "")
    logical = _ODCS_LOGICAL.get(written_type.strip().lower(), "")
    field = _clean(
        {
            "type": written_type if not logical or spec.source_format == "dcs" else _DCS_TYPES.get(logical, logical),
            "required": prop.get("required", False),
            "unique": prop.get("unique", False),
            "primaryKey": prop.get("primary_key", False),
            "classification": prop.get("classification", ""),
            "description": prop.get("description", ""),
            "references": references.get(f"{object_name}.{prop['name']}", ""),
        }
    )
    if children:
        field.setdefault("type", "object")
        field["fields"] = {_short(c[0]["name"]): _dcs_field(object_name, c, spec, references) for c in children}
    rules = _rules_at(spec, f"{object_name}.{prop['name']}")
    if rules:
        field["quality"] = [dict(r.definition) for r in rules]
    return field
