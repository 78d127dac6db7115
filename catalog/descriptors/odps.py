"""Open Data Product Standard documents (v1.0.0, and v0.9 drafts still in circulation) into ProductSpec."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.text import slugify

from catalog.descriptors.loading import Path, Reader, check_tree
from catalog.descriptors.odcs import (
    CONTRACT_ID_MAX,
    contract_status_from,
    domain_slug,
    port_type_from,
)
from catalog.specs import InputPortSpec, OutputPortSpec, ProductSpec
from catalog.vocabulary import ContractStatus, LifecycleStatus, PortType, column_size

PRODUCT_NAME_MAX = column_size("DataProduct", "name")
PRODUCT_SLUG_MAX = column_size("DataProduct", "slug")
SUMMARY_MAX = column_size("DataProduct", "summary")
PRODUCT_VERSION_MAX = column_size("DataProduct", "version")
EXTERNAL_ID_MAX = column_size("DataProduct", "external_id")
TAG_MAX = column_size("Tag", "name")
TEAM_SLUG_MAX = column_size("Team", "slug")
PORT_NAME_MAX = column_size("OutputPort", "name")
PORT_VERSION_MAX = column_size("OutputPort", "version")
INPUT_PORT_NAME_MAX = column_size("InputPort", "name")

API_VERSION = re.compile(r"^v(1\.\d+\.\d+|0\.9(\.\d+)?)$")

# ODPS shares ODCS's lifecycle words; the portal's product lifecycle folds proposed into draft.
_LIFECYCLE = {
    ContractStatus.PROPOSED.value: LifecycleStatus.DRAFT.value,
    ContractStatus.DRAFT.value: LifecycleStatus.DRAFT.value,
    ContractStatus.ACTIVE.value: LifecycleStatus.PUBLISHED.value,
    ContractStatus.DEPRECATED.value: LifecycleStatus.DEPRECATED.value,
    ContractStatus.RETIRED.value: LifecycleStatus.RETIRED.value,
}


@dataclass
class ProductDocument:
    """A product read from a standard descriptor: the spec plus where it lives (domain and product slug)."""

    domain: str
    slug: str
    spec: ProductSpec
    source_format: str
    document: dict


def parse_odps(doc: dict[str, Any]) -> ProductDocument:
    """Read an ODPS data product, raising ValidationFailed with every problem found."""
    check_tree(doc)
    r = Reader()
    api_version = r.text(doc, "apiVersion", (), required=True)
    if api_version and not API_VERSION.match(api_version):
        r.fail(("apiVersion",), f"must be an ODPS version such as v1.0.0 (or v0.9.x), not {api_version!r}")
    kind = r.text(doc, "kind", (), required=True)
    if kind and kind != "DataProduct":
        r.fail(("kind",), f"must be DataProduct, not {kind!r}")
    external_id = r.text(doc, "id", (), required=True, max_length=EXTERNAL_ID_MAX)
    status = _status(r, doc)
    domain_name = r.text(doc, "domain", (), required=True)
    domain = domain_slug(r, domain_name, ("domain",)) if domain_name else ""
    name = r.text(doc, "name", (), max_length=PRODUCT_NAME_MAX) or external_id
    summary, description = _description(r, doc)
    spec = ProductSpec(
        name=name,
        summary=summary,
        description=description,
        status=status,
        version=r.text(doc, "version", (), max_length=PRODUCT_VERSION_MAX),
        tags=r.strings(doc, "tags", (), max_length=TAG_MAX),
        owner_team=_team_slug(r, doc),
        external_id=external_id,
        output_ports=_output_ports(r, doc),
        input_ports=_input_ports(r, doc),
    )
    slug = product_slug(r, name, ("name",) if "name" in doc else ("id",))
    r.raise_if_failed()
    return ProductDocument(domain=domain, slug=slug, spec=spec, source_format="odps", document=doc)


def product_slug(r: Reader, name: str, at: Path) -> str:
    # Cut to the column, then drop a hyphen the cut may have left dangling.
    slug = slugify(name)[:PRODUCT_SLUG_MAX].strip("-")
    if name and not slug:
        r.fail(at, "must contain letters or digits, to make the product's address from")
    return slug


def summary_of(text: str) -> str:
    """The first paragraph, cut on a word boundary to fit the summary column (description keeps it all)."""
    first = text.strip().split("\n\n", 1)[0].strip()
    if len(first) <= SUMMARY_MAX:
        return first
    cut = first[: SUMMARY_MAX - 1].rsplit(" ", 1)[0].rstrip(" ,.;:")
    return f"{cut}…"


def _status(r: Reader, doc: dict[str, Any]) -> str:
    raw = r.text(doc, "status", (), required=True)
    if not raw:
        return LifecycleStatus.DRAFT.value
    status = contract_status_from(raw)
    if status is None:
        allowed = ", ".join(ContractStatus.values)
        r.fail(("status",), f"{raw!r} is not a product status; use one of {allowed}")
        return LifecycleStatus.DRAFT.value
    return _LIFECYCLE[status]


def _description(r: Reader, doc: dict[str, Any]) -> tuple[str, str]:
    if isinstance(doc.get("description"), str):
        text = r.text(doc, "description", ())
        return summary_of(text), text
    described = r.mapping(doc, "description", ())
    at: Path = ("description",)
    purpose = r.text(described, "purpose", at)
    sections = [purpose] if purpose else []
    for key, title in (("limitations", "Limitations"), ("usage", "Usage")):
        text = r.text(described, key, at)
        if text:
            sections.append(f"## {title}\n\n{text}")
    return summary_of(purpose), "\n\n".join(sections)


def _team_slug(r: Reader, doc: dict[str, Any]) -> str:
    team = doc.get("team")
    # v1.0.0 makes team an object with a name; some v0.9 documents give a bare list of members.
    if not isinstance(team, dict):
        return ""
    return slugify(r.text(team, "name", ("team",)))[:TEAM_SLUG_MAX].strip("-")


def _output_ports(r: Reader, doc: dict[str, Any]) -> list[OutputPortSpec]:
    ports = []
    seen: set[tuple[str, str]] = set()
    for at, port in r.objects(doc, "outputPorts", ()):
        name = r.text(port, "name", at, required=True, max_length=PORT_NAME_MAX)
        version = r.text(port, "version", at, max_length=PORT_VERSION_MAX)
        check_port_unique(r, seen, name, version, at)
        port_type = r.text(port, "type", at)
        ports.append(
            OutputPortSpec(
                name=name,
                version=version,
                description=r.text(port, "description", at),
                port_type=port_type_from(port_type) if port_type else PortType.TABLE.value,
                contract_ref=r.text(port, "contractId", at, max_length=CONTRACT_ID_MAX),
            )
        )
    return ports


def _input_ports(r: Reader, doc: dict[str, Any]) -> list[InputPortSpec]:
    ports = []
    seen: set[tuple[str, str]] = set()
    for at, port in r.objects(doc, "inputPorts", ()):
        name = r.text(port, "name", at, required=True, max_length=INPUT_PORT_NAME_MAX)
        version = r.text(port, "version", at, max_length=PORT_VERSION_MAX)
        check_port_unique(r, seen, name, version, at)
        ports.append(
            InputPortSpec(
                name=name,
                version=version,
                description=r.text(port, "description", at),
                contract_ref=r.text(port, "contractId", at, max_length=CONTRACT_ID_MAX),
            )
        )
    return ports


def check_port_unique(r: Reader, seen: set[tuple[str, str]], name: str, version: str, at: Path) -> None:
    if not name:
        return
    if (name, version) in seen:
        label = f"{name} {version}" if version else name
        r.fail(at, f"repeats the port {label!r}: a port's name and version must be unique")
    seen.add((name, version))
