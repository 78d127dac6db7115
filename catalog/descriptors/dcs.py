"""Data Contract Specification documents (`dataContractSpecification: 0.9.x` or `1.x`, the datacontract CLI's
datacontract.yaml) into the same ContractSpec as ODCS: models become schema objects, their fields properties,
`servicelevels` SLA properties, `quality` quality rules; docs/api.md has the mapping table.

Strict only where the specification requires (`id`, `info.version`, a known specification version, field and
model names the database can hold); the rest is read leniently and kept in the stored document as written. A
field's `$ref` to `#/definitions/...` is followed; one to a file or URL the portal does not have is a warning.
"""

from __future__ import annotations

import re
from typing import Any

from catalog.descriptors import schema as sch
from catalog.descriptors.loading import Path, Reader, check_tree
from catalog.descriptors.odcs import (
    CLASSIFICATION_MAX,
    CONTRACT_ID_MAX,
    CONTRACT_NAME_MAX,
    DATA_TYPE_MAX,
    FIELD_NAME_MAX,
    FORMAT_MAX,
    LOCATION_MAX,
    OBJECT_NAME_MAX,
    SLA_LIMITS,
    STATUS_MAX,
    VERSION_MAX,
    lifecycle_status,
    port_type_from,
    quality_rule,
    server_location,
    servers_as_written,
)
from catalog.descriptors.refs import Resolver
from catalog.specs import ContractSpec, FieldSpec, QualityRuleSpec, SlaSpec
from catalog.vocabulary import ContractStatus, PortType

SPEC_VERSION = re.compile(r"^(0\.9(\.\d+)?|1\.\d+(\.\d+)?)$")

# servicelevels: which key holds the level's value, and which its second value (value_ext), per level.
SERVICE_LEVELS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    # level: (value keys, first found wins; value_ext keys; key naming the element it applies to)
    "availability": (("percentage",), (), ""),
    "retention": (("period", "unlimited"), ("unlimited",), "timestampField"),
    "latency": (("threshold",), (), "sourceTimestampField"),
    "freshness": (("threshold",), (), "timestampField"),
    "frequency": (("interval", "cron", "type"), ("type",), ""),
    "support": (("time", "responseTime"), ("responseTime",), ""),
    "backup": (("interval", "cron", "recoveryTime"), ("recoveryTime",), ""),
}


def parse_dcs(doc: dict[str, Any]) -> ContractSpec:
    """Read a Data Contract Specification document, raising ValidationFailed with every problem found."""
    check_tree(doc)
    r = Reader()
    warnings: list[str] = []
    spec_version = r.text(doc, "dataContractSpecification", (), required=True, max_length=20)
    if spec_version and not SPEC_VERSION.match(spec_version):
        r.fail(("dataContractSpecification",), f"must be 0.9.x or 1.x, not {spec_version!r}")
    contract_id = r.text(doc, "id", (), required=True, max_length=CONTRACT_ID_MAX)
    info = r.mapping(doc, "info", (), required=True)
    version = r.text(info, "version", ("info",), required=bool(info), max_length=VERSION_MAX)
    name = r.text(info, "title", ("info",), max_length=CONTRACT_NAME_MAX) or contract_id
    written = r.text(info, "status", ("info",), max_length=STATUS_MAX)
    # The specification has no required status: a contract published without one is in use.
    status = lifecycle_status(written, warnings, at="/info/status") if written else ContractStatus.ACTIVE.value

    resolver = Resolver(doc)
    objects: list[dict[str, Any]] = []
    fields: list[FieldSpec] = []
    quality = _quality_list(r, doc.get("quality"), ("quality",), element="")
    models = _named(r, doc, "models", ())
    for model_at, model_name, model in models:
        if len(model_name) > OBJECT_NAME_MAX:
            r.fail(model_at, f"is a model name longer than {OBJECT_NAME_MAX} characters")
        obj, model_fields, model_rules = _model(r, resolver, model_name, model, model_at, warnings)
        objects.append(obj)
        fields.extend(model_fields)
        quality.extend(model_rules)
    location, fmt = _first_server(r, doc)
    first_type = models[0][2].get("type") if models else None
    port_type = port_type_from(first_type) if isinstance(first_type, str) else PortType.TABLE.value
    spec = ContractSpec(
        contract_id=contract_id,
        version=version,
        status=status,
        name=name,
        api_version=spec_version,
        source_format="dcs",
        purpose=r.text(info, "description", ("info",)),
        port_type=port_type if port_type != PortType.OTHER.value else PortType.TABLE.value,
        location=location,
        format=fmt,
        fields=fields,
        sla=_service_levels(r, doc),
        quality=quality,
        document=doc,
        status_as_written=written,
        objects=objects,
        servers=servers_as_written(doc.get("servers")),
        warnings=warnings,
    )
    r.raise_if_failed()
    return spec


def _named(r: Reader, parent: dict[str, Any], key: str, at: Path) -> list[tuple[Path, str, dict[str, Any]]]:
    """A DCS map of name -> object (models, fields, servers, servicelevels), each with its path."""
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, dict):
        r.fail((*at, key), "must be an object mapping names to definitions")
        return []
    found = []
    for name, item in value.items():
        item_at = (*at, key, name)
        if item is None:
            item = {}
        if not isinstance(item, dict):
            r.fail(item_at, "must be an object")
            continue
        if not name.strip():
            r.fail(item_at, "needs a name")
            continue
        found.append((item_at, name.strip(), item))
    return found


def _model(
    r: Reader, resolver: Resolver, name: str, model: dict[str, Any], at: Path, warnings: list[str]
) -> tuple[dict[str, Any], list[FieldSpec], list[QualityRuleSpec]]:
    primary = model.get("primaryKey")
    composite = {str(k) for k in primary} if isinstance(primary, list) else set()
    properties: list[dict[str, Any]] = []
    relationships: list[dict[str, Any]] = []
    fields: list[FieldSpec] = []
    rules = _quality_list(r, model.get("quality"), (*at, "quality"), element=name)
    walk = _Walk(r, resolver, name, warnings, properties, relationships, fields, rules, composite)
    walk.fields(model, at, prefix="")
    obj = sch.schema_object(
        name,
        physical_name=sch.text(model.get("title")),
        type=sch.text(model.get("type")),
        description=sch.text(model.get("description")),
        properties=properties,
        relationships=relationships,
    )
    return obj, fields, rules


class _Walk:
    """Reads a model's fields, nested ones with dotted names, into properties, port fields and quality rules."""

    def __init__(self, r, resolver, model, warnings, properties, relationships, fields, rules, composite):
        self.r, self.resolver, self.model, self.warnings = r, resolver, model, warnings
        self.properties, self.relationships, self.port_fields = properties, relationships, fields
        self.rules, self.composite = rules, composite
        self.seen: set[str] = set()

    def fields(self, parent: dict[str, Any], at: Path, *, prefix: str) -> None:
        for field_at, name, raw in _named(self.r, parent, "fields", at):
            field = self.resolver.inline(raw, lambda why, p=field_at: self._warn(p, why))
            full = f"{prefix}{name}"
            if len(full) > FIELD_NAME_MAX:
                self.r.fail(field_at, f"makes the field name longer than {FIELD_NAME_MAX} characters")
                continue
            if full in self.seen:
                self.r.fail(field_at, f"{full!r} is already a field of model {self.model!r}")
            self.seen.add(full)
            self._field(full, field, field_at)
            self.fields(field, field_at, prefix=f"{full}.")
            items = field.get("items")
            if isinstance(items, dict):
                items = self.resolver.inline(items, lambda why, p=(*field_at, "items"): self._warn(p, why))
                self.fields(items, (*field_at, "items"), prefix=f"{full}.")

    def _warn(self, at: Path, why: str) -> None:
        self.warnings.append("/" + "/".join(str(p) for p in at) + f": {why}; the field is kept as written")

    def _field(self, name: str, field: dict[str, Any], at: Path) -> None:
        r = self.r
        data_type = r.text(field, "type", at, max_length=DATA_TYPE_MAX)
        classification = r.text(field, "classification", at, max_length=CLASSIFICATION_MAX).lower()
        if not classification and _flag(field.get("pii")):
            classification = "pii"
        required = _flag(field.get("required"))
        primary_key = _flag(field.get("primaryKey")) or _flag(field.get("primary")) or name in self.composite
        description = r.text(field, "description", at)
        self.properties.append(
            sch.schema_property(
                name,
                type=data_type,
                required=required,
                unique=_flag(field.get("unique")),
                primary_key=primary_key,
                classification=classification,
                description=description,
            )
        )
        self.port_fields.append(
            FieldSpec(
                name=name,
                data_type=data_type,
                description=description,
                nullable=not required,
                primary_key=primary_key,
                classification=classification,
                object_name=self.model,
            )
        )
        found = sch.relationship(f"{self.model}.{name}", field.get("references"))
        if found is not None:
            self.relationships.append(found)
        element = f"{self.model}.{name}"
        self.rules.extend(_quality_list(r, field.get("quality"), (*at, "quality"), element=element))


def _quality_list(r: Reader, value: Any, at: Path, *, element: str) -> list[QualityRuleSpec]:
    """1.x: a list of rules (type sql, text, library, custom; mustBe...). 0.9: one object naming an engine
    (`type: SodaCL`) and its `specification`, kept whole as one rule of that type."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [quality_rule(r, value, at, element=element)]
    if not isinstance(value, list):
        r.fail(at, "must be a list of quality rules or a quality object")
        return []
    rules = []
    for index, rule in enumerate(value):
        if isinstance(rule, dict):
            rules.append(quality_rule(r, rule, (*at, index), element=element))
        else:
            r.fail((*at, index), "must be an object")
    return rules


def _first_server(r: Reader, doc: dict[str, Any]) -> tuple[str, str]:
    servers = _named(r, doc, "servers", ())
    if not servers:
        return "", ""
    at, _, server = servers[0]
    location = server_location(r, server, at)
    if len(location) > LOCATION_MAX:
        r.fail(at, f"gives a location longer than {LOCATION_MAX} characters")
        location = ""
    return location, r.text(server, "format", at, max_length=FORMAT_MAX)


def _service_levels(r: Reader, doc: dict[str, Any]) -> list[SlaSpec]:
    found = []
    for at, name, level in _named(r, doc, "servicelevels", ()):
        value_keys, ext_keys, element_key = SERVICE_LEVELS.get(name, ((), (), ""))
        # An unknown level: its first plain value that is not the description.
        keys = value_keys or tuple(k for k in level if k != "description")
        value_key = next((k for k in keys if _plain(level.get(k))), "")
        if not value_key:
            continue
        value = _plain(level.get(value_key))
        if value_key == "unlimited":
            value = "unlimited" if value == "true" else ""
            if not value:
                continue
        ext_key = next((k for k in ext_keys if k != value_key and _plain(level.get(k))), "")
        if len(name) > SLA_LIMITS["property"]:
            r.fail(at, f"is a service level name longer than {SLA_LIMITS['property']} characters")
            continue
        found.append(
            SlaSpec(
                name=name,
                value=value[: SLA_LIMITS["value"]],
                value_ext=_plain(level.get(ext_key))[: SLA_LIMITS["valueExt"]] if ext_key else "",
                element=_plain(level.get(element_key))[: SLA_LIMITS["element"]] if element_key else "",
                driver="servicelevels",
            )
        )
    return found


def _flag(value: Any) -> bool:
    """Booleans as the specification writes them, and as producers do: yes/no, 1/0."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value != 0
    return sch.truth(value)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return sch.text(value)
