"""Open Data Mesh DPDS 1.x descriptors into a product plus one contract per port that promises service levels.

Read leniently: published DPDS examples carry typos (`expectatctions`, `serviceType` for `servicesType`,
`#components/...` for `#/components/...`) and unknown keys, and none of that should stop a product from being
listed. Ports given by `$ref` are followed (catalog.descriptors.refs): into the document's own `components`, or
into files sent with it (a multipart upload or a zip); a port whose reference leads nowhere is reported, not
skipped. Inside a port, its promises, obligations and expectations and the promised API may be references too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from catalog.descriptors.loading import Path, Reader, check_tree
from catalog.descriptors.odcs import (
    API_VERSION_MAX,
    CONTRACT_ID_MAX,
    CONTRACT_NAME_MAX,
    LOCATION_MAX,
    SLA_LIMITS,
    domain_slug,
)
from catalog.descriptors.odps import (
    EXTERNAL_ID_MAX,
    INPUT_PORT_NAME_MAX,
    PORT_NAME_MAX,
    PORT_VERSION_MAX,
    PRODUCT_NAME_MAX,
    PRODUCT_VERSION_MAX,
    TAG_MAX,
    ProductDocument,
    check_port_unique,
    product_slug,
    summary_of,
)
from catalog.descriptors.refs import Files, Resolver
from catalog.specs import ContractSpec, InputPortSpec, OutputPortSpec, ProductSpec, SlaSpec
from catalog.vocabulary import ContractStatus, LifecycleStatus, PortType

DPDS_VERSION = re.compile(r"^1(\.\d+){0,2}(-[0-9A-Za-z.-]+)?$")

# The API standard a port's promises name says more than its services type, so it is read first.
_API_SPECIFICATIONS = {
    "asyncapi": PortType.TOPIC.value,
    "openapi": PortType.API.value,
    "datastoreapi": PortType.TABLE.value,
}
# Fragments of servicesType values (`streaming-services`, `rest-services`, ...) and the port type they mean.
_SERVICE_WORDS = (
    ("stream", PortType.TOPIC.value),
    ("event", PortType.TOPIC.value),
    ("datastore", PortType.TABLE.value),
    ("database", PortType.TABLE.value),
    ("file", PortType.FILE.value),
    ("rest", PortType.API.value),
    ("soap", PortType.API.value),
    ("odata", PortType.API.value),
    ("api", PortType.API.value),
)


@dataclass
class DpdsResult:
    product: ProductDocument
    contracts: list[ContractSpec]
    domain_name: str = ""  # info.domain as written, for the answer when no such domain exists


@dataclass
class _Product:
    """What every port of the product needs to know about it."""

    ref: str
    version: str
    domain: str
    slug: str
    spec_version: str


def parse_dpds(doc: dict[str, Any], files: Files | None = None) -> DpdsResult:
    """Read a DPDS descriptor, following its references, raising ValidationFailed with every problem found."""
    check_tree(doc)
    r = Reader()
    resolver = Resolver(doc, files)
    spec_version = r.text(doc, "dataProductDescriptor", (), required=True)
    if spec_version and not DPDS_VERSION.match(spec_version):
        r.fail(("dataProductDescriptor",), f"must be a DPDS 1.x version such as 1.0.0, not {spec_version!r}")
    info = r.mapping(doc, "info", (), required=True)
    at: Path = ("info",)
    fqn = r.text(info, "fullyQualifiedName", at, max_length=EXTERNAL_ID_MAX)
    name = r.text(info, "name", at, max_length=PRODUCT_NAME_MAX) or _name_in_fqn(fqn)
    if info and not name:
        r.fail((*at, "name"), "is required (or a fullyQualifiedName that ends in the product's name)")
    version = r.text(info, "version", at, required=bool(info), max_length=PRODUCT_VERSION_MAX)
    domain_name = r.text(info, "domain", at, required=bool(info))
    domain = domain_slug(r, domain_name, (*at, "domain")) if domain_name else ""
    slug = product_slug(r, name, (*at, "name"))
    product = _Product(ref=fqn or name, version=version, domain=domain, slug=slug, spec_version=spec_version)

    components = r.mapping(doc, "interfaceComponents", (), required=True)
    outputs: list[OutputPortSpec] = []
    contracts: list[ContractSpec] = []
    seen: set[tuple[str, str]] = set()
    for port_at, port in r.objects(components, "outputPorts", ("interfaceComponents",)):
        port = _resolved_port(r, resolver, port, port_at)
        read = _output_port(r, port, port_at, product, seen)
        if read is not None:
            outputs.append(read[0])
            contracts.extend(read[1])
    description = r.text(info, "description", at)
    spec = ProductSpec(
        name=r.text(info, "displayName", at, max_length=PRODUCT_NAME_MAX) or name,
        summary=summary_of(description),
        description=description,
        # DPDS has no lifecycle status; the domain publishes the product once it has looked at it.
        status=LifecycleStatus.DRAFT.value,
        version=version,
        tags=r.strings(doc, "tags", (), max_length=TAG_MAX),
        external_id=product.ref,
        output_ports=outputs,
        input_ports=_input_ports(r, resolver, components),
    )
    r.raise_if_failed()
    document = ProductDocument(domain=domain, slug=slug, spec=spec, source_format="dpds", document=doc)
    return DpdsResult(product=document, contracts=contracts, domain_name=domain_name)


def _name_in_fqn(fqn: str) -> str:
    # urn:dpds:{mesh-namespace}:dataproducts:{product-name}:{major-version}
    parts = fqn.split(":")
    if "dataproducts" in parts:
        index = parts.index("dataproducts")
        if index + 1 < len(parts):
            return parts[index + 1]
    return ""


_PORT_PARTS = ("promises", "obligations", "expectations", "expectatctions")


def _resolved_port(r: Reader, resolver: Resolver, port: dict[str, Any], at: Path) -> dict[str, Any]:
    """The port with its references followed; a reference that leads nowhere is reported at the port."""
    problems: list[str] = []
    port = resolver.inline(port, problems.append)
    if problems:
        r.fail(at, problems[0])
        return port
    port = _port_in_descriptor(port, kind=str(at[1]))
    parts = {}
    for key in _PORT_PARTS:
        if isinstance(port.get(key), dict):
            part_problems: list[str] = []
            parts[key] = resolver.inline(port[key], part_problems.append)
            if part_problems:
                r.fail((*at, key), part_problems[0])
    promises = parts.get("promises")
    if promises is not None and isinstance(promises.get("api"), dict):
        # The API definition only tells the port's type; a reference to it that leads nowhere is no refusal.
        parts["promises"] = {**promises, "api": resolver.inline(promises["api"], lambda why: None)}
    return {**port, **parts}


def _port_in_descriptor(port: dict[str, Any], *, kind: str) -> dict[str, Any]:
    """The DPDS example's `ports/trip-events-oport.json` is a whole descriptor around its one port, not the port:
    read the port inside (the reference's own keys still win)."""
    if "dataProductDescriptor" not in port:
        return port
    components = port.get("interfaceComponents")
    inner = components.get(kind) if isinstance(components, dict) else None
    if not (isinstance(inner, list) and len(inner) == 1 and isinstance(inner[0], dict)):
        return port
    wrapper = {"dataProductDescriptor", "info", "interfaceComponents", "internalComponents", "components", "tags"}
    return {**inner[0], **{k: v for k, v in port.items() if k not in wrapper}}


def _unresolved(value: dict[str, Any]) -> bool:
    """True when `value` is still only a reference (reported where it was followed)."""
    return isinstance(value.get("$ref"), str) and "name" not in value


def _section(r: Reader, port: dict[str, Any], key: str, at: Path) -> dict[str, Any]:
    section = r.mapping(port, key, at)
    return {} if "$ref" in section and len(section) == 1 else section


def _output_port(
    r: Reader, port: dict[str, Any], at: Path, product: _Product, seen: set[tuple[str, str]]
) -> tuple[OutputPortSpec, list[ContractSpec]] | None:
    if _unresolved(port):
        return None
    name = r.text(port, "name", at, required=True, max_length=PORT_NAME_MAX)
    version = r.text(port, "version", at, max_length=PORT_VERSION_MAX)
    check_port_unique(r, seen, name, version, at)
    promises = _section(r, port, "promises", at)
    obligations = _section(r, port, "obligations", at)
    location = r.text(promises, "platform", (*at, "promises"), max_length=LOCATION_MAX)
    spec = OutputPortSpec(
        name=name,
        version=version,
        description=r.text(port, "description", at),
        port_type=_port_type(promises),
        location=location,
    )
    sla = [
        *_levels(r, promises, "slo", (*at, "promises"), driver="slo"),
        *_levels(r, obligations, "sla", (*at, "obligations"), driver="sla"),
    ]
    if not (isinstance(promises.get("slo"), dict) or isinstance(obligations.get("sla"), dict)):
        return spec, []
    contract_id = r.as_text(port.get("fullyQualifiedName") or f"{product.ref}:{name}", (*at, "fullyQualifiedName"))
    if len(contract_id) > CONTRACT_ID_MAX:
        r.fail(
            at,
            f"gives a contract id longer than {CONTRACT_ID_MAX} characters; set a shorter fullyQualifiedName",
        )
    spec.contract_ref = contract_id
    contract = ContractSpec(
        contract_id=contract_id,
        # A contract needs a version; a port without one follows the product's.
        version=version or product.version,
        status=ContractStatus.ACTIVE.value,
        api_version=product.spec_version[:API_VERSION_MAX],
        name=r.text(port, "displayName", at, max_length=CONTRACT_NAME_MAX) or name,
        source_format="dpds",
        domain=product.domain,
        data_product=product.slug,
        purpose=spec.description,
        port_type=spec.port_type,
        location=location,
        sla=sla,
        document=port,
    )
    return spec, [contract]


def _port_type(promises: dict[str, Any]) -> str:
    api = promises.get("api")
    specification = api.get("specification") if isinstance(api, dict) else None
    if isinstance(specification, str) and specification.strip().lower() in _API_SPECIFICATIONS:
        return _API_SPECIFICATIONS[specification.strip().lower()]
    services = promises.get("servicesType", promises.get("serviceType"))
    if isinstance(services, str):
        word = services.lower()
        for fragment, port_type in _SERVICE_WORDS:
            if fragment in word:
                return port_type
    return PortType.OTHER.value


def _levels(r: Reader, section: dict[str, Any], key: str, at: Path, *, driver: str) -> list[SlaSpec]:
    """Flatten a standard definition's `definition` into one SlaSpec per leaf value.

    DPDS recommends grouping levels (`x-operationalSlo: {availability: ...}`); the group is dropped from the
    name, so `availability` reads the same whether it was promised as an SLO or agreed as an SLA.
    """
    level = section.get(key)
    if not isinstance(level, dict):
        if level is not None:
            r.fail((*at, key), "must be an object")
        return []
    definition = level.get("definition")
    if not isinstance(definition, dict):
        return []
    found: list[SlaSpec] = []
    _flatten(r, definition, (*at, key, "definition"), keys=(), driver=driver, into=found)
    return found


def _flatten(r: Reader, value: Any, at: Path, *, keys: tuple[str, ...], driver: str, into: list[SlaSpec]) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            if not key.startswith("$"):
                _flatten(r, child, (*at, key), keys=(*keys, key), driver=driver, into=into)
        return
    if value is None or not keys:
        return
    name = ".".join(keys[1:]) if len(keys) > 1 else keys[0]
    name = name.removeprefix("x-")
    if isinstance(value, list):
        text = ", ".join(str(item) for item in value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    if len(name) > SLA_LIMITS["property"]:
        r.fail(at, f"makes a service level name longer than {SLA_LIMITS['property']} characters")
    elif r.as_text(text, at, max_length=SLA_LIMITS["value"]):
        into.append(SlaSpec(name=name, value=text.strip(), driver=driver))


def _input_ports(r: Reader, resolver: Resolver, components: dict[str, Any]) -> list[InputPortSpec]:
    ports = []
    seen: set[tuple[str, str]] = set()
    for at, port in r.objects(components, "inputPorts", ("interfaceComponents",)):
        port = _resolved_port(r, resolver, port, at)
        if _unresolved(port):
            continue
        name = r.text(port, "name", at, required=True, max_length=INPUT_PORT_NAME_MAX)
        version = r.text(port, "version", at, max_length=PORT_VERSION_MAX)
        check_port_unique(r, seen, name, version, at)
        ports.append(InputPortSpec(name=name, version=version, description=r.text(port, "description", at)))
    return ports
