"""What a descriptor says, in one shape whatever format it came in.

Parsers (the portal's JSON, ODPS, DPDS, ODCS) turn documents into these; the services write them. Strings are
already trimmed and validated; enums hold the portal's own values.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class FieldSpec:
    name: str
    data_type: str = ""
    description: str = ""
    nullable: bool = True
    primary_key: bool = False
    classification: str = ""
    object_name: str = ""


@dataclass
class OutputPortSpec:
    name: str
    version: str = ""
    description: str = ""
    port_type: str = "table"
    location: str = ""
    format: str = ""
    access_mode: str = "on_request"
    contract_ref: str = ""
    fields: list[FieldSpec] = field(default_factory=list)
    max_access_days: int = 365  # the longest access a consumer may request (access/ enforces it)


@dataclass
class InputPortSpec:
    name: str
    version: str = ""
    description: str = ""
    source_product: str = ""  # "domain/slug"
    source_port: str = ""  # output port name in that product
    external_source: str = ""
    contract_ref: str = ""


@dataclass
class ProductSpec:
    name: str
    summary: str = ""
    description: str = ""
    kind: str = "source-aligned"
    status: str = "draft"
    version: str = ""
    tags: list[str] = field(default_factory=list)
    owner_team: str = ""  # team slug; '' means the domain's owner team
    external_id: str = ""
    output_ports: list[OutputPortSpec] = field(default_factory=list)
    input_ports: list[InputPortSpec] = field(default_factory=list)

    def fingerprint(self, *extra: str) -> str:
        # `plain`, not dataclasses.asdict: the same JSON (so stored fingerprints stay valid) without deep-copying
        # every value, which for a product with a few hundred fields took longer than validating it.
        return fingerprint({"spec": plain(self), "extra": list(extra)})


@dataclass
class SlaSpec:
    name: str
    value: str
    value_ext: str = ""
    unit: str = ""
    element: str = ""
    driver: str = ""


@dataclass
class QualityRuleSpec:
    element: str = ""
    name: str = ""
    rule_type: str = ""
    metric: str = ""
    dimension: str = ""
    description: str = ""
    severity: str = ""
    operator: str = ""
    threshold: Any = None
    schedule: str = ""
    definition: dict = field(default_factory=dict)


@dataclass
class ContractSpec:
    contract_id: str
    version: str
    status: str  # a ContractStatus value
    name: str = ""
    api_version: str = ""
    source_format: str = "odcs"
    domain: str = ""  # domain slug, when the document names one
    data_product: str = ""  # product name or slug, when the document names one
    purpose: str = ""
    port_type: str = "table"  # for a port the contract creates
    location: str = ""
    format: str = ""
    fields: list[FieldSpec] = field(default_factory=list)
    sla: list[SlaSpec] = field(default_factory=list)
    quality: list[QualityRuleSpec] = field(default_factory=list)
    document: dict = field(default_factory=dict)
    status_as_written: str = ""  # the document's own status word; `status` is its place in the lifecycle
    # The schema as the contract API serves it: objects with their properties and relationships
    # (catalog.descriptors.schema builds them), and the servers as written, minus nothing.
    objects: list[dict] = field(default_factory=list)
    servers: list[dict] = field(default_factory=list)
    # What was read leniently (an unknown status taken as draft, a $ref that could not be followed): said in
    # the answer, not a refusal.
    warnings: list[str] = field(default_factory=list)

    def fingerprint(self) -> str:
        return fingerprint(asdict(self))


def plain(value: Any) -> Any:
    """Dataclasses (and lists of them) as dicts, sharing every other value rather than copying it."""
    if hasattr(type(value), "__dataclass_fields__"):
        return {key: plain(v) for key, v in vars(value).items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def fingerprint(value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def product_spec_from_plain(data: dict[str, Any]) -> ProductSpec:
    """A ProductSpec back from the dict `plain` made of it (a stored version's snapshot)."""
    ports = [
        OutputPortSpec(**{**p, "fields": [FieldSpec(**f) for f in p.get("fields", [])]})
        for p in data.get("output_ports", [])
    ]
    inputs = [InputPortSpec(**p) for p in data.get("input_ports", [])]
    return ProductSpec(**{**data, "output_ports": ports, "input_ports": inputs, "tags": list(data.get("tags", []))})
