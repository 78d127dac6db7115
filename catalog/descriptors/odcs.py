"""Open Data Contract Standard v3 (3.0.x and 3.1.0) documents into ContractSpec.

Strict where the standard says MUST (apiVersion, kind, id, version, status present, names of schema objects and
properties, property and value of SLA entries), lenient about everything else: unknown keys are kept in the
stored document and ignored here. `status` is a free string in ODCS v3: it is kept as written and placed in the
portal's lifecycle by STATUS_TABLE (docs/api.md); a word the table lacks is a draft, with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.text import slugify

from catalog.descriptors import schema as sch
from catalog.descriptors.loading import Path, Reader, check_tree
from catalog.specs import ContractSpec, FieldSpec, QualityRuleSpec, SlaSpec
from catalog.vocabulary import ContractStatus, PortType, column_size

CONTRACT_ID_MAX = column_size("DataContract", "contract_id")
CONTRACT_NAME_MAX = column_size("DataContract", "name")
VERSION_MAX = column_size("DataContract", "version")
API_VERSION_MAX = column_size("DataContract", "api_version")
DOMAIN_SLUG_MAX = column_size("Domain", "slug")
FIELD_NAME_MAX = column_size("SchemaField", "name")
OBJECT_NAME_MAX = column_size("SchemaField", "object_name")
DATA_TYPE_MAX = column_size("SchemaField", "data_type")
CLASSIFICATION_MAX = column_size("SchemaField", "classification")
LOCATION_MAX = column_size("OutputPort", "location")
FORMAT_MAX = column_size("OutputPort", "format")
SLA_LIMITS = {
    "property": column_size("SlaProperty", "name"),
    "value": column_size("SlaProperty", "value"),
    "valueExt": column_size("SlaProperty", "value_ext"),
    "unit": column_size("SlaProperty", "unit"),
    "element": column_size("SlaProperty", "element"),
    "driver": column_size("SlaProperty", "driver"),
}
RULE_LIMITS = {
    "name": column_size("QualityRule", "name"),
    "type": column_size("QualityRule", "rule_type"),
    "metric": column_size("QualityRule", "metric"),
    "dimension": column_size("QualityRule", "dimension"),
    "severity": column_size("QualityRule", "severity"),
    "schedule": column_size("QualityRule", "schedule"),
}
ELEMENT_MAX = column_size("QualityRule", "element")

API_VERSION = re.compile(r"^v3\.\d+(\.\d+)?$")

# Both spellings: ODCS 3.0 wrote mustBeGreaterOrEqualTo, 3.1 mustBeGreaterThanOrEqualTo.
OPERATORS = (
    "mustBe",
    "mustNotBe",
    "mustBeGreaterThan",
    "mustBeGreaterOrEqualTo",
    "mustBeGreaterThanOrEqualTo",
    "mustBeLessThan",
    "mustBeLessOrEqualTo",
    "mustBeLessThanOrEqualTo",
    "mustBeBetween",
    "mustNotBeBetween",
)

# Words producers use for a lifecycle stage, mapped to the standard's five. Lower-case keys.
_STATUS_SYNONYMS = {
    # ODCS v3.0's own full example says `status: current` (datacontract-cli's tests/fixtures/odcs_v3 copy it).
    "current": ContractStatus.ACTIVE,
    "production": ContractStatus.ACTIVE,
    "prod": ContractStatus.ACTIVE,
    "released": ContractStatus.ACTIVE,
    "release": ContractStatus.ACTIVE,
    "live": ContractStatus.ACTIVE,
    "published": ContractStatus.ACTIVE,
    "development": ContractStatus.DRAFT,
    "dev": ContractStatus.DRAFT,
    "in development": ContractStatus.DRAFT,
    "in-development": ContractStatus.DRAFT,
    "wip": ContractStatus.DRAFT,
    "requested": ContractStatus.PROPOSED,
    "obsolete": ContractStatus.DEPRECATED,
    "sunset": ContractStatus.DEPRECATED,
    "archived": ContractStatus.RETIRED,
    "decommissioned": ContractStatus.RETIRED,
    "removed": ContractStatus.RETIRED,
}

_PORT_TYPES = {
    "table": PortType.TABLE,
    "tables": PortType.TABLE,
    "view": PortType.VIEW,
    "views": PortType.VIEW,
    "materializedview": PortType.VIEW,
    "materialized_view": PortType.VIEW,
    "topic": PortType.TOPIC,
    "topics": PortType.TOPIC,
    "stream": PortType.TOPIC,
    "streams": PortType.TOPIC,
    "kafka": PortType.TOPIC,
    "file": PortType.FILE,
    "files": PortType.FILE,
    "api": PortType.API,
    "apis": PortType.API,
    "rest": PortType.API,
}


# The whole table as docs/api.md shows it: each lifecycle stage and the words that mean it.
STATUS_TABLE: dict[str, list[str]] = {
    status.value: [status.value, *sorted(word for word, to in _STATUS_SYNONYMS.items() if to == status)]
    for status in ContractStatus
}
STATUS_MAX = column_size("DataContract", "status_as_written")


def contract_status_from(value: str) -> str | None:
    """The ContractStatus value for a status word, or None when it is not one we recognise."""
    word = value.strip().lower()
    if word in ContractStatus.values:
        return word
    status = _STATUS_SYNONYMS.get(word)
    return status.value if status is not None else None


def port_type_from(value: str) -> str:
    """A PortType value for a producer's own word for the kind of port; `other` when unrecognised."""
    return _PORT_TYPES.get(value.strip().lower(), PortType.OTHER).value


def domain_slug(reader: Reader, name: str, at: Path) -> str:
    slug = slugify(name)
    if not slug:
        reader.fail(at, "must contain letters or digits")
    elif len(slug) > DOMAIN_SLUG_MAX:
        reader.fail(at, f"gives a domain slug longer than {DOMAIN_SLUG_MAX} characters")
        return ""
    return slug


def parse_odcs(doc: dict[str, Any]) -> ContractSpec:
    """Read an ODCS v3 contract, raising ValidationFailed with every problem found."""
    check_tree(doc)
    r = Reader()
    api_version = r.text(doc, "apiVersion", (), required=True, max_length=API_VERSION_MAX)
    if api_version and not API_VERSION.match(api_version):
        r.fail(("apiVersion",), f"must be an ODCS v3 version such as v3.0.2 or v3.1.0, not {api_version!r}")
    kind = r.text(doc, "kind", (), required=True)
    if kind and kind != "DataContract":
        r.fail(("kind",), f"must be DataContract, not {kind!r}")
    contract_id = r.text(doc, "id", (), required=True, max_length=CONTRACT_ID_MAX)
    version = r.text(doc, "version", (), required=True, max_length=VERSION_MAX)
    warnings: list[str] = []
    status_as_written = r.text(doc, "status", (), required=True, max_length=STATUS_MAX)
    status = lifecycle_status(status_as_written, warnings, at="/status") if status_as_written else ""
    name = (
        r.text(doc, "name", (), max_length=CONTRACT_NAME_MAX)
        or r.text(doc, "dataProduct", (), max_length=CONTRACT_NAME_MAX)
        or contract_id
    )
    domain_name = r.text(doc, "domain", ())
    domain = domain_slug(r, domain_name, ("domain",)) if domain_name else ""

    objects = r.objects(doc, "schema", ())
    fields: list[FieldSpec] = []
    object_names: set[str] = set()
    for at, obj in objects:
        object_fields = _object_fields(r, obj, at)
        object_name = object_fields.object_name
        if object_name and object_name in object_names:
            r.fail((*at, "name"), f"{object_name!r} is already the name of another schema object")
        object_names.add(object_name)
        fields.extend(object_fields.fields)
    location, fmt = _server(r, doc)
    spec = ContractSpec(
        contract_id=contract_id,
        version=version,
        status=status,
        name=name,
        api_version=api_version,
        source_format="odcs",
        domain=domain,
        data_product=r.text(doc, "dataProduct", ()),
        purpose=_purpose(r, doc),
        port_type=_object_port_type(objects),
        location=location,
        format=fmt,
        fields=fields,
        sla=_sla(r, doc),
        quality=_quality(r, doc, objects),
        document=doc,
        status_as_written=status_as_written,
        objects=[_schema_object(obj) for _, obj in objects],
        servers=servers_as_written(doc.get("servers")),
        warnings=warnings,
    )
    r.raise_if_failed()
    return spec


def lifecycle_status(written: str, warnings: list[str], *, at: str) -> str:
    """The lifecycle stage for a status word; a word STATUS_TABLE lacks is a draft, and a warning says so."""
    status = contract_status_from(written)
    if status is None:
        warnings.append(
            f"{at}: {written!r} is not a status the portal knows; kept as written and listed as draft "
            f"(known: {', '.join(ContractStatus.values)} and their synonyms, see docs/api.md)"
        )
        return ContractStatus.DRAFT.value
    return status


def servers_as_written(value: Any) -> list[dict[str, Any]]:
    """ODCS lists servers; DCS maps a name to each. Both become a list, each server named by `server`."""
    if isinstance(value, dict):
        value = [{"server": name, **server} for name, server in value.items() if isinstance(server, dict)]
    if not isinstance(value, list):
        return []
    return [dict(server) for server in value if isinstance(server, dict)]


def _schema_object(obj: dict[str, Any]) -> dict[str, Any]:
    name = sch.text(obj.get("name"))
    properties: list[dict[str, Any]] = []
    relationships: list[dict[str, Any]] = []
    _schema_properties(obj, name, "", properties, relationships)
    for item in obj.get("relationships") or []:
        if isinstance(item, dict):
            found = sch.relationship(item.get("from"), item.get("to"), item.get("type") or "foreignKey")
            if found is not None:
                relationships.append(found)
    return sch.schema_object(
        name,
        physical_name=sch.text(obj.get("physicalName")),
        type=sch.text(obj.get("physicalType")) or sch.text(obj.get("logicalType")),
        description=sch.text(obj.get("description")),
        properties=properties,
        relationships=relationships,
    )


def _schema_properties(
    parent: dict[str, Any], object_name: str, prefix: str, into: list[dict[str, Any]], rels: list[dict[str, Any]]
) -> None:
    for _, prop in _good_objects(parent, "properties", ()):
        name = sch.text(prop.get("name"))
        if not name:
            continue
        full_name = f"{prefix}{name}"
        into.append(
            sch.schema_property(
                full_name,
                type=sch.text(prop.get("logicalType")),
                physical_type=sch.text(prop.get("physicalType")),
                required=sch.truth(prop.get("required")),
                unique=sch.truth(prop.get("unique")),
                primary_key=sch.truth(prop.get("primaryKey")),
                classification=sch.text(prop.get("classification")).lower(),
                description=sch.text(prop.get("description")),
            )
        )
        for item in prop.get("relationships") or []:
            if isinstance(item, dict):
                source = item.get("from") or f"{object_name}.{full_name}"
                found = sch.relationship(source, item.get("to"), item.get("type") or "foreignKey")
                if found is not None:
                    rels.append(found)
        _schema_properties(prop, object_name, f"{full_name}.", into, rels)
        items = prop.get("items")
        if isinstance(items, dict):
            _schema_properties(items, object_name, f"{full_name}.", into, rels)


def _purpose(r: Reader, doc: dict[str, Any]) -> str:
    # Contracts written before 3.0 sometimes give description as plain text.
    if isinstance(doc.get("description"), str):
        return r.text(doc, "description", ())
    return r.text(r.mapping(doc, "description", ()), "purpose", ("description",))


@dataclass
class _ObjectFields:
    object_name: str
    fields: list[FieldSpec]


def _object_fields(r: Reader, obj: dict[str, Any], at: Path) -> _ObjectFields:
    object_name = r.text(obj, "name", at, required=True, max_length=OBJECT_NAME_MAX)
    found: list[tuple[Path, FieldSpec]] = []
    _collect_properties(r, obj, at, prefix="", object_name=object_name, into=found)
    # The database keeps one field per name within an object; say which declaration repeats one.
    seen: set[str] = set()
    for prop_at, spec in found:
        if spec.name and spec.name in seen:
            r.fail((*prop_at, "name"), f"{spec.name!r} is already a property of {object_name!r}")
        seen.add(spec.name)
    return _ObjectFields(object_name, [spec for _, spec in found])


def _collect_properties(
    r: Reader,
    parent: dict[str, Any],
    at: Path,
    *,
    prefix: str,
    object_name: str,
    into: list[tuple[Path, FieldSpec]],
) -> None:
    """Flatten nested properties into dotted names; the loader's depth limit bounds the recursion."""
    for prop_at, prop in r.objects(parent, "properties", at):
        name = r.text(prop, "name", prop_at, required=True)
        full_name = f"{prefix}{name}"
        if name and len(full_name) > FIELD_NAME_MAX:
            r.fail((*prop_at, "name"), f"makes the field name longer than {FIELD_NAME_MAX} characters")
        data_type = r.text(prop, "logicalType", prop_at, max_length=DATA_TYPE_MAX) or r.text(
            prop, "physicalType", prop_at, max_length=DATA_TYPE_MAX
        )
        into.append(
            (
                prop_at,
                FieldSpec(
                    name=full_name,
                    data_type=data_type,
                    description=r.text(prop, "description", prop_at),
                    nullable=not r.flag(prop, "required", prop_at, default=False),
                    primary_key=r.flag(prop, "primaryKey", prop_at, default=False),
                    classification=r.text(prop, "classification", prop_at, max_length=CLASSIFICATION_MAX).lower(),
                    object_name=object_name,
                ),
            )
        )
        if not name:
            continue
        _collect_properties(r, prop, prop_at, prefix=f"{full_name}.", object_name=object_name, into=into)
        items = prop.get("items")
        if isinstance(items, dict):
            _collect_properties(
                r, items, (*prop_at, "items"), prefix=f"{full_name}.", object_name=object_name, into=into
            )


def _object_port_type(objects: list[tuple[Path, dict[str, Any]]]) -> str:
    if not objects:
        return PortType.TABLE.value
    physical = objects[0][1].get("physicalType")
    port_type = port_type_from(physical) if isinstance(physical, str) else PortType.OTHER
    # A contract describes data at rest or in motion; APIs and unknown words fall back to a table.
    at_rest_or_in_motion = (PortType.TABLE, PortType.VIEW, PortType.TOPIC, PortType.FILE)
    return port_type if port_type in at_rest_or_in_motion else PortType.TABLE.value


def _server(r: Reader, doc: dict[str, Any]) -> tuple[str, str]:
    servers = r.objects(doc, "servers", ())
    if not servers:
        return "", ""
    at, server = servers[0]
    fmt = r.text(server, "format", at, max_length=FORMAT_MAX)
    location = server_location(r, server, at)
    if len(location) > LOCATION_MAX:
        r.fail(at, f"gives a location longer than {LOCATION_MAX} characters")
        location = ""
    return location, fmt


def server_location(r: Reader, server: dict[str, Any], at: Path) -> str:
    """A readable address: the server's own location or path when it has one, else type://host:port/db/schema."""
    for key in ("location", "path", "url"):
        given = r.text(server, key, at)
        if given:
            return given
    scheme = r.text(server, "type", at) or "server"
    host = r.text(server, "host", at) or r.text(server, "account", at)
    port = r.text(server, "port", at)
    authority = f"{host}:{port}" if host and port else host
    segments = [r.text(server, key, at) for key in ("project", "catalog", "database", "dataset", "schema", "topic")]
    path = "/".join(s for s in segments if s)
    if not authority and not path:
        return ""
    return f"{scheme}://{authority}/{path}" if authority else f"{scheme}://{path}"


def _sla(r: Reader, doc: dict[str, Any]) -> list[SlaSpec]:
    found = []
    for at, item in r.objects(doc, "slaProperties", ()):
        name = r.text(item, "property", at, required=True, max_length=SLA_LIMITS["property"])
        value = _value_text(r, item, "value", at, required=True)
        found.append(
            SlaSpec(
                name=name,
                value=value,
                value_ext=_value_text(r, item, "valueExt", at),
                unit=r.text(item, "unit", at, max_length=SLA_LIMITS["unit"]),
                element=r.text(item, "element", at, max_length=SLA_LIMITS["element"]),
                driver=r.text(item, "driver", at, max_length=SLA_LIMITS["driver"]),
            )
        )
    return found


def _value_text(r: Reader, item: dict[str, Any], key: str, at: Path, *, required: bool = False) -> str:
    # SLA values are numbers, dates or words; booleans are written the JSON way rather than as Python's True.
    value = item.get(key)
    if isinstance(value, bool):
        value = "true" if value else "false"
    return r.as_text(value, (*at, key), required=required, max_length=SLA_LIMITS[key])


def _quality(r: Reader, doc: dict[str, Any], objects: list[tuple[Path, dict[str, Any]]]) -> list[QualityRuleSpec]:
    rules = [quality_rule(r, rule, at, element="") for at, rule in r.objects(doc, "quality", ())]
    for obj_at, obj in objects:
        object_name = obj["name"].strip() if isinstance(obj.get("name"), str) else ""
        rules.extend(quality_rule(r, rule, at, element=object_name) for at, rule in r.objects(obj, "quality", obj_at))
        rules.extend(_property_rules(r, obj, obj_at, prefix=f"{object_name}."))
    return rules


def _property_rules(r: Reader, parent: dict[str, Any], at: Path, *, prefix: str) -> list[QualityRuleSpec]:
    # Walks the same tree as _collect_properties; bad shapes were reported there, so only good ones are read.
    rules: list[QualityRuleSpec] = []
    for prop_at, prop in _good_objects(parent, "properties", at):
        name = prop.get("name")
        if not isinstance(name, str | int | float) or isinstance(name, bool):
            continue
        element = f"{prefix}{str(name).strip()}"
        rules.extend(
            quality_rule(r, rule, rule_at, element=element) for rule_at, rule in r.objects(prop, "quality", prop_at)
        )
        rules.extend(_property_rules(r, prop, prop_at, prefix=f"{element}."))
        items = prop.get("items")
        if isinstance(items, dict):
            rules.extend(_property_rules(r, items, (*prop_at, "items"), prefix=f"{element}."))
    return rules


def _good_objects(parent: dict[str, Any], key: str, at: Path) -> list[tuple[Path, dict[str, Any]]]:
    value = parent.get(key)
    if not isinstance(value, list):
        return []
    return [((*at, key, i), item) for i, item in enumerate(value) if isinstance(item, dict)]


def quality_rule(r: Reader, rule: dict[str, Any], at: Path, *, element: str) -> QualityRuleSpec:
    if len(element) > ELEMENT_MAX:
        r.fail(at, f"applies to an element name longer than {ELEMENT_MAX} characters")
    operator = next((op for op in OPERATORS if op in rule), "")
    return QualityRuleSpec(
        element=element,
        name=r.text(rule, "name", at, max_length=RULE_LIMITS["name"]),
        # The standard's default rule type is `library`.
        rule_type=r.text(rule, "type", at, max_length=RULE_LIMITS["type"]) or "library",
        metric=r.text(rule, "metric", at, max_length=RULE_LIMITS["metric"])
        or r.text(rule, "rule", at, max_length=RULE_LIMITS["metric"]),
        dimension=r.text(rule, "dimension", at, max_length=RULE_LIMITS["dimension"]),
        description=r.text(rule, "description", at),
        severity=r.text(rule, "severity", at, max_length=RULE_LIMITS["severity"]),
        operator=operator,
        threshold=rule.get(operator) if operator else None,
        schedule=r.text(rule, "schedule", at, max_length=RULE_LIMITS["schedule"]),
        definition=dict(rule),
    )
