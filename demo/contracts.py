"""ODCS v3 data contracts for the demo's output ports: the document, its SLA properties and quality rules."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from demo.entities import FieldDef
from demo.mesh import COMPANY
from demo.text import server

ODCS_API_VERSION = "v3.1.0"

_LOGICAL = {
    "string": "string",
    "integer": "integer",
    "long": "integer",
    "double": "number",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}
_PHYSICAL = {
    "string": "VARCHAR",
    "integer": "INTEGER",
    "long": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP_NTZ",
}


def logical_type(data_type: str) -> str:
    return "number" if data_type.startswith("decimal") else _LOGICAL.get(data_type, "string")


def physical_type(data_type: str) -> str:
    match = re.fullmatch(r"decimal\((\d+),(\d+)\)", data_type)
    if match:
        return f"NUMBER({match[1]},{match[2]})"
    return _PHYSICAL.get(data_type, data_type.upper())


@dataclass
class SlaRow:
    name: str
    value: str
    unit: str = ""
    element: str = ""
    driver: str = ""
    value_ext: str = ""

    def odcs(self) -> dict:
        out: dict = {"property": self.name, "value": _number(self.value)}
        if self.value_ext:
            out["valueExt"] = _number(self.value_ext)
        for key, value in (("unit", self.unit), ("element", self.element), ("driver", self.driver)):
            if value:
                out[key] = value
        return out


@dataclass
class RuleRow:
    element: str
    name: str
    rule_type: str
    metric: str
    dimension: str
    description: str
    severity: str
    operator: str
    threshold: object
    schedule: str
    definition: dict = field(default_factory=dict)


@dataclass
class ContractDraft:
    contract_id: str
    name: str
    version: str
    status: str
    purpose: str
    document: dict
    sla: list[SlaRow]
    quality: list[RuleRow]


def _number(value: str) -> object:
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value


def _sla(kind: str, port_type: str, domain: str, obj: str, time_field: str | None, rng: random.Random) -> list[SlaRow]:
    regulatory = domain in {"finance", "payments", "hr", "risk"}
    rows: list[SlaRow] = []
    if port_type == "topic":
        rows.append(
            SlaRow(
                "latency", str(rng.choice([1, 2, 5])), "m", f"{obj}.{time_field}" if time_field else "", "operational"
            )
        )
        rows.append(SlaRow("frequency", "streaming", "", "", "operational"))
        rows.append(SlaRow("retention", str(rng.choice([7, 14, 30])), "d", "", "operational"))
    else:
        hourly = kind == "source-aligned" and rng.random() < 0.35
        rows.append(
            SlaRow(
                "latency",
                str(rng.choice([1, 2]) if hourly else rng.choice([4, 6, 12, 24])),
                "h",
                f"{obj}.{time_field}" if time_field else "",
                "analytics",
            )
        )
        rows.append(SlaRow("frequency", "1", "h" if hourly else "d", "", "analytics"))
        if not hourly:
            rows.append(
                SlaRow("timeOfAvailability", rng.choice(["06:00", "07:00", "08:30"]), "", "", "analytics", "UTC")
            )
        rows.append(
            SlaRow(
                "retention",
                "10" if regulatory else str(rng.choice([2, 3, 5])),
                "y",
                "",
                "regulatory" if regulatory else "analytics",
            )
        )
    rows.append(
        SlaRow(
            "availability",
            rng.choice(["99.5", "99.9"] if port_type in {"api", "topic"} else ["99.0", "99.5"]),
            "%",
            "",
            "operational",
        )
    )
    return rows


def _quality(obj: str, fields: list[FieldDef], rng: random.Random, volume: int) -> list[RuleRow]:
    rules: list[RuleRow] = []
    daily = rng.choice(["0 6 * * *", "30 5 * * *", "0 7 * * *"])
    rules.append(
        RuleRow(
            obj,
            "Table is not empty",
            "library",
            "rowCount",
            "completeness",
            f"At least {volume:,} rows are expected after a normal load.",
            "error",
            "mustBeGreaterThan",
            volume,
            daily,
            {
                "type": "library",
                "metric": "rowCount",
                "mustBeGreaterThan": volume,
                "dimension": "completeness",
                "severity": "error",
                "schedule": daily,
                "scheduler": "cron",
            },
        )
    )
    keys = [f for f in fields if f.primary_key]
    for key in keys:
        rules.append(
            RuleRow(
                f"{obj}.{key.name}",
                f"{key.name} is always set",
                "library",
                "nullValues",
                "completeness",
                f"Every row has a `{key.name}`.",
                "error",
                "mustBe",
                0,
                daily,
                {
                    "type": "library",
                    "metric": "nullValues",
                    "mustBe": 0,
                    "unit": "rows",
                    "dimension": "completeness",
                    "severity": "error",
                },
            )
        )
    if len(keys) == 1:
        rules.append(
            RuleRow(
                f"{obj}.{keys[0].name}",
                f"{keys[0].name} is unique",
                "library",
                "duplicateValues",
                "uniqueness",
                f"No two rows share a `{keys[0].name}`.",
                "error",
                "mustBe",
                0,
                daily,
                {
                    "type": "library",
                    "metric": "duplicateValues",
                    "mustBe": 0,
                    "dimension": "uniqueness",
                    "severity": "error",
                },
            )
        )
    elif keys:
        names = [k.name for k in keys]
        rules.append(
            RuleRow(
                obj,
                "Key is unique",
                "library",
                "duplicateValues",
                "uniqueness",
                f"No two rows share ({', '.join(names)}).",
                "error",
                "mustBe",
                0,
                daily,
                {
                    "type": "library",
                    "metric": "duplicateValues",
                    "mustBe": 0,
                    "arguments": {"properties": names},
                    "dimension": "uniqueness",
                    "severity": "error",
                },
            )
        )
    optional = [f for f in fields if f.nullable and not f.name.startswith("_")]
    if optional:
        target = rng.choice(optional)
        pct = rng.choice([5, 10, 20])
        rules.append(
            RuleRow(
                f"{obj}.{target.name}",
                f"{target.name} mostly filled",
                "library",
                "nullValues",
                "completeness",
                f"At most {pct}% of rows leave `{target.name}` empty.",
                "warning",
                "mustBeLessThan",
                pct,
                daily,
                {
                    "type": "library",
                    "metric": "nullValues",
                    "mustBeLessThan": pct,
                    "unit": "percent",
                    "dimension": "completeness",
                    "severity": "warning",
                },
            )
        )
    amount = next((f for f in fields if f.data_type.startswith("decimal") and "amount" in f.name), None)
    if amount is not None:
        # Text of the contract for the producer's quality tool; the portal never runs it.
        query = f"SELECT COUNT(*) FROM {obj} WHERE {amount.name} < 0"  # noqa: S608
        rules.append(
            RuleRow(
                f"{obj}.{amount.name}",
                f"No negative {amount.name}",
                "sql",
                "",
                "validity",
                f"`{amount.name}` is never negative; credits are separate documents.",
                "error",
                "mustBe",
                0,
                daily,
                {"type": "sql", "query": query, "mustBe": 0, "dimension": "validity", "severity": "error"},
            )
        )
    return rules


def contract_for_port(
    *,
    rng: random.Random,
    domain: str,
    warehouse: str,
    product_slug: str,
    product_name: str,
    product_status: str,
    kind: str,
    summary: str,
    port_name: str,
    port_type: str,
    loc: str,
    fields: list[FieldDef],
    version: str,
    tags: list[str],
    owner: str,
    stewards: list[str],
    team_email: str,
) -> ContractDraft:
    contract_id = f"{domain}.{product_slug}.{port_name}"
    obj = port_name
    time_field = next((f.name for f in fields if f.data_type == "timestamp" and not f.name.startswith("_")), None)
    volume = rng.choice([100, 1_000, 10_000, 50_000, 250_000])
    sla = _sla(kind, port_type, domain, obj, time_field, rng)
    quality = _quality(obj, fields, rng, volume)
    status = {"published": "active", "deprecated": "deprecated", "retired": "retired"}.get(product_status, "draft")
    key_positions = {f.name: i + 1 for i, f in enumerate(f for f in fields if f.primary_key)}
    rules_by_element: dict[str, list[dict]] = {}
    for rule in quality:
        rules_by_element.setdefault(rule.element, []).append(rule.definition)
    properties = []
    for f in fields:
        prop: dict = {
            "name": f.name,
            "logicalType": logical_type(f.data_type),
            "physicalType": physical_type(f.data_type),
            "description": f.description,
            "required": not f.nullable,
            "classification": f.classification,
        }
        if f.primary_key:
            prop["primaryKey"] = True
            prop["primaryKeyPosition"] = key_positions[f.name]
        if f.classification in {"pii", "restricted"}:
            prop["criticalDataElement"] = True
        if f"{obj}.{f.name}" in rules_by_element:
            prop["quality"] = rules_by_element[f"{obj}.{f.name}"]
        properties.append(prop)
    name = f"{product_name} ({port_name})"
    document = {
        "apiVersion": ODCS_API_VERSION,
        "kind": "DataContract",
        "id": contract_id,
        "name": name,
        "version": version,
        "status": status,
        "tenant": COMPANY,
        "domain": domain,
        "dataProduct": product_slug,
        "description": {
            "purpose": summary,
            "usage": "Internal analytics and operations of ACME. Do not copy personal data out of the platform.",
            "limitations": "See the data product's page for known limitations.",
        },
        "tags": tags,
        "servers": [server(domain, warehouse, port_type, loc)],
        "schema": [
            {
                "name": obj,
                "physicalName": obj.upper() if port_type in {"table", "view"} else obj,
                "logicalType": "object",
                "physicalType": {"table": "table", "view": "view", "topic": "topic", "file": "file"}.get(
                    port_type, "object"
                ),
                "description": summary,
                "properties": properties,
                "quality": rules_by_element.get(obj, []),
            }
        ],
        "slaDefaultElement": f"{obj}.{time_field}" if time_field else obj,
        "slaProperties": [row.odcs() for row in sla],
        "team": [{"username": owner, "role": "owner"}, *({"username": s, "role": "data steward"} for s in stewards)],
        "support": [
            {
                "channel": f"#data-{domain}",
                "tool": "slack",
                "url": f"https://{COMPANY}.slack.com/channels/data-{domain}",
            },
            {"channel": "email", "tool": "email", "url": f"mailto:{team_email}"},
        ],
    }
    return ContractDraft(contract_id, name, version, status, summary, document, sla, quality)
