"""Importing a descriptor document (ODPS product, ODCS contract, DPDS product) as one all-or-nothing write."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from catalog.descriptors.bundle import Bundle, is_zip, read_zip
from catalog.descriptors.detect import parse_descriptor
from catalog.descriptors.dpds import DpdsResult
from catalog.descriptors.loading import load_document
from catalog.descriptors.odps import ProductDocument
from catalog.diff import Change
from catalog.models import DataContract, DataProduct, Domain, OutputPort
from catalog.permissions import ensure_can_write_domain, ensure_can_write_product
from catalog.selectors import contract_spec_stored
from catalog.services.contracts import contract_upsert
from catalog.services.domains import domain_create_for_descriptor
from catalog.services.products import product_upsert
from catalog.services.versions import judge_contract, judge_product, stored_product_specs
from catalog.specs import ContractSpec, ProductSpec
from catalog.versioning import Verdict
from core.actors import Actor
from core.errors import ApplicationError, Conflict, FieldError, NotFound, ValidationFailed

MAX_BULK_DOCUMENTS = 500


@dataclass(frozen=True)
class ImportOutcome:
    kind: str  # "DataProduct" | "DataContract"
    identifier: str
    action: str  # "created" | "updated" | "unchanged"; in a dry run what would be done
    url: str
    attached: bool = True  # False: a standalone contract, kept in `registry`'s contract registry
    registry: str = ""  # the team slug, for a standalone contract
    changes: list[Change] = field(default_factory=list)  # dry runs only
    warnings: list[str] = field(default_factory=list)  # what was read leniently (an unknown status, say)
    verdict: Verdict | None = None  # dry runs only: what the write would answer (catalog.versioning)

    def as_dict(self, *, dry_run: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {"kind": self.kind, "id": self.identifier, "action": self.action, "url": self.url}
        if self.warnings:
            body["warnings"] = list(self.warnings)
        if self.kind == "DataContract":
            body["attached"] = self.attached
            if not self.attached:
                body["registry"] = self.registry
                body["detail"] = (
                    f"Stored unattached in team '{self.registry}'s contract registry; a product's output port "
                    f"attaches it by naming contractId '{self.identifier}'."
                )
        if dry_run:
            body["changes"] = [c.as_dict() for c in self.changes]
            body["breaking"] = any(c.breaking for c in self.changes)
            body.update((self.verdict or Verdict("accepted")).as_dict())
        return body


@dataclass(frozen=True)
class Target:
    """Where the caller says a document goes (`?domain=&product=`), over what the document itself says;
    `create_domain` and `parent` (`?create_domain=true&parent=`) let a DPDS descriptor's unknown domain be
    created; `descriptor` names the descriptor inside a zip."""

    domain: str = ""
    product: str = ""
    create_domain: bool = False
    parent: str = ""
    descriptor: str = ""


def _product_slug(domain: str, slug: str, external_id: str, id_pointer: str = "/id") -> str:
    """A product imported before keeps its slug even if its name changed since."""
    if external_id:
        known = (
            DataProduct.objects.filter(domain__slug=domain, external_id=external_id)
            .values_list("slug", flat=True)
            .first()
        )
        if known:
            return known
        clash = DataProduct.objects.filter(domain__slug=domain, slug=slug).exclude(external_id="").first()
        if clash is not None:
            raise Conflict(
                f"Product '{domain}/{slug}' already exists with id '{clash.external_id}', not '{external_id}'.",
                path=id_pointer,
            )
    return slug


def _id_pointer(doc: ProductDocument) -> str:
    return "/info/fullyQualifiedName" if doc.source_format == "dpds" else "/id"


def _import_product(actor: Actor, doc) -> ImportOutcome:
    slug = _product_slug(doc.domain, doc.slug, doc.spec.external_id, _id_pointer(doc))
    result = product_upsert(
        actor=actor,
        domain_slug=doc.domain,
        slug=slug,
        spec=doc.spec,
        source_format=doc.source_format,
        descriptor=doc.document,
        strict_team=False,
    )
    product = result.product
    return ImportOutcome("DataProduct", product.identifier, result.action, product.get_absolute_url())


def _import_contract(actor: Actor, spec) -> ImportOutcome:
    result = contract_upsert(actor=actor, spec=spec)
    contract = result.contract
    registry = contract.team.slug if contract.team is not None else ""
    return ImportOutcome(
        "DataContract",
        contract.contract_id,
        result.action,
        f"/api/v1/contracts/{contract.contract_id}",
        attached=result.attached,
        registry=registry,
        warnings=spec.warnings,
    )


def _dpds_domain(actor: Actor, parsed: DpdsResult, target: Target, *, create: bool = True) -> None:
    """An unknown info.domain is a 404 naming it, or, when asked for, a domain created under `target.parent`."""
    slug = parsed.product.domain
    if not slug or Domain.objects.filter(slug=slug).exists():
        return
    if create and target.create_domain and not target.domain:
        domain_create_for_descriptor(actor=actor, slug=slug, name=parsed.domain_name, parent_slug=target.parent)
        return
    written = f" (info.domain {parsed.domain_name!r})" if parsed.domain_name and parsed.domain_name != slug else ""
    raise NotFound(
        f"Unknown domain '{slug}'{written}. Create it first, send ?domain= to publish into an existing one, or "
        "?create_domain=true&parent=<domain> with a staff or platform team's token to create it.",
        path="/domain" if target.domain else "/info/domain",
    )


def _aimed(parsed, target: Target):
    """The parsed document with the caller's target applied: a contract's domain and product, a product's domain."""
    if not (target.domain or target.product):
        return parsed
    if isinstance(parsed, ContractSpec):
        return dataclasses.replace(
            parsed, domain=target.domain or parsed.domain, data_product=target.product or parsed.data_product
        )
    if isinstance(parsed, ProductDocument) and target.domain:
        return dataclasses.replace(parsed, domain=target.domain)
    if isinstance(parsed, DpdsResult) and target.domain:
        contracts = [dataclasses.replace(c, domain=target.domain) for c in parsed.contracts]
        product = dataclasses.replace(parsed.product, domain=target.domain)
        return DpdsResult(product, contracts, parsed.domain_name)
    return parsed


def _parse(raw: bytes, content_type: str, target: Target, files: dict[str, bytes] | None = None):
    bundle = read_zip(raw, descriptor=target.descriptor) if is_zip(raw, content_type) else Bundle("", raw, files or {})
    # Inside a zip the descriptor's own name says its format; the request's content type is the zip's.
    doc = load_document(bundle.raw, "" if bundle.name else content_type)
    return _aimed(parse_descriptor(doc, bundle.files), target)


def _write(actor: Actor, parsed, target: Target | None = None) -> list[ImportOutcome]:
    if isinstance(parsed, ContractSpec):
        return [_import_contract(actor, parsed)]
    if isinstance(parsed, DpdsResult):
        _dpds_domain(actor, parsed, target or Target())
        # Contracts first, so the product's ports find them; the answer lists the product first.
        contracts = [_import_contract(actor, contract) for contract in parsed.contracts]
        return [_import_product(actor, parsed.product), *contracts]
    return [_import_product(actor, parsed)]


def descriptor_import(
    *,
    actor: Actor,
    raw: bytes,
    content_type: str = "",
    target: Target | None = None,
    files: dict[str, bytes] | None = None,
) -> list[ImportOutcome]:
    """Import one document (JSON, YAML, or a zip holding it and the files it refers to); `files` are the other
    parts of a multipart upload, by the path its references use."""
    target = target or Target()
    parsed = _parse(raw, content_type, target, files)
    with transaction.atomic():
        return _write(actor, parsed, target)


def descriptors_bulk_import(*, actor: Actor, documents: list[Any], target: Target | None = None) -> list[ImportOutcome]:
    """Import many documents (already loaded mappings) in one transaction: all are stored, or none.

    Products are written before contracts, so a contract finds the ports that name its id whatever order the
    documents came in. A refusal names the document by its index: `/documents/3/schema/0/name`.
    """
    parsed = _parse_many(documents, target or Target())
    order = sorted(range(len(parsed)), key=lambda i: isinstance(parsed[i], ContractSpec))
    outcomes: dict[int, list[ImportOutcome]] = {}
    with transaction.atomic():
        for index in order:
            try:
                outcomes[index] = _write(actor, parsed[index], target)
            except ApplicationError as exc:
                raise _at_document(index, exc) from None
    return [outcome for index in range(len(parsed)) for outcome in outcomes[index]]


def descriptors_preview(*, actor: Actor, documents: list[Any], target: Target | None = None) -> list[ImportOutcome]:
    """What importing the documents would do, field by field, with the same checks as the import; writes nothing."""
    parsed = _parse_many(documents, target or Target())
    # Contracts that a product of the same request names attach to it, as they will when imported together.
    named = {
        port.contract_ref
        for item in parsed
        for product in ([item] if isinstance(item, ProductDocument) else [])
        + ([item.product] if isinstance(item, DpdsResult) else [])
        for port in product.spec.output_ports
        if port.contract_ref
    }
    outcomes = []
    for index, item in enumerate(parsed):
        try:
            outcomes += _preview(actor, item, named)
        except ApplicationError as exc:
            raise _at_document(index, exc) from None
    return outcomes


def descriptor_preview(
    *,
    actor: Actor,
    raw: bytes,
    content_type: str = "",
    target: Target | None = None,
    files: dict[str, bytes] | None = None,
) -> list[ImportOutcome]:
    return _preview(actor, _parse(raw, content_type, target or Target(), files), set())


def products_preview(*, actor: Actor, items: list[tuple[str, str, ProductSpec]]) -> list[ImportOutcome]:
    """A dry run of the portal's bulk product upsert: each product's changes, nothing written."""
    outcomes = []
    for index, (domain, slug, spec) in enumerate(items):
        try:
            outcomes.append(_preview_product(actor, ProductDocument(domain, slug, spec, "portal", {})))
        except ApplicationError as exc:
            raise _at_document(index, exc, "products") from None
    return outcomes


def product_preview(*, actor: Actor, domain_slug: str, slug: str, spec: ProductSpec) -> ImportOutcome:
    """A dry run of `PUT /api/v1/products/{domain}/{slug}`: the changes and the verdict, nothing written."""
    return _preview_product(actor, ProductDocument(domain_slug, slug, spec, "portal", {}))


def _parse_many(documents: list[Any], target: Target) -> list[Any]:
    if not isinstance(documents, list) or not documents:
        raise ValidationFailed([FieldError("/documents", "must be a non-empty list of descriptor documents")])
    if len(documents) > MAX_BULK_DOCUMENTS:
        raise ValidationFailed([FieldError("/documents", f"at most {MAX_BULK_DOCUMENTS} documents per request")])
    parsed, errors = [], []
    for index, document in enumerate(documents):
        if not isinstance(document, dict):
            errors.append(FieldError(f"/documents/{index}", "must be an object (a descriptor document)"))
            continue
        try:
            parsed.append(_aimed(parse_descriptor(document), target))
        except ValidationFailed as exc:
            errors += [dataclasses.replace(e, path=f"/documents/{index}{e.path}") for e in exc.errors]
    if errors:
        raise ValidationFailed(errors)
    return parsed


def _at_document(index: int, exc: ApplicationError, key: str = "documents") -> ApplicationError:
    """The same refusal, its pointers prefixed with the document's place in the request."""
    where = f"/{key}/{index}"
    exc.errors = [dataclasses.replace(e, path=f"{where}{e.path}") for e in exc.errors] or [
        FieldError(where, exc.message)
    ]
    return exc


def _preview(actor: Actor, parsed, named: set[str]) -> list[ImportOutcome]:
    if isinstance(parsed, ContractSpec):
        return [_preview_contract(actor, parsed, named)]
    if isinstance(parsed, DpdsResult):
        # A dry run creates no domain: an unknown one is the same 404 as without ?create_domain.
        _dpds_domain(actor, parsed, Target(), create=False)
        contracts = [_preview_contract(actor, c, named | {c.contract_id}) for c in parsed.contracts]
        return [_preview_product(actor, parsed.product), *contracts]
    return [_preview_product(actor, parsed)]


def _verdict(stored: bool, changes: list[Change]) -> str:
    if not stored:
        return "created"
    return "updated" if changes else "unchanged"


def _preview_product(actor: Actor, doc: ProductDocument) -> ImportOutcome:
    domain = Domain.objects.select_related("owner_team", "parent").filter(slug=doc.domain).first()
    if domain is None:
        raise NotFound(f"Unknown domain '{doc.domain}'.", path="/domain")
    slug = _product_slug(doc.domain, doc.slug, doc.spec.external_id, _id_pointer(doc))
    product = DataProduct.objects.select_related("domain", "owner_team").filter(domain=domain, slug=slug).first()
    if product is None:
        ensure_can_write_domain(actor, domain)
    else:
        ensure_can_write_product(actor, product)
    before = stored_product_specs([product])[product.pk] if product is not None else None
    changes, verdict = judge_product(domain=domain, before=before, after=doc.spec)
    identifier = f"{doc.domain}/{slug}"
    url = product.get_absolute_url() if product else ""
    action = _verdict(product is not None, changes)
    return ImportOutcome("DataProduct", identifier, action, url, changes=changes, verdict=verdict)


def _preview_contract(actor: Actor, spec: ContractSpec, named: set[str]) -> ImportOutcome:
    contract = (
        DataContract.objects.select_related("domain", "team")
        .prefetch_related("sla_properties")
        .filter(contract_id=spec.contract_id)
        .first()
    )
    domain = Domain.objects.filter(slug=spec.domain).first() if spec.domain else None
    if spec.domain and domain is None:
        raise NotFound(f"Unknown domain '{spec.domain}'.", path="/domain")
    if domain is None and contract is not None:
        domain = contract.domain
    if domain is None:
        port = OutputPort.objects.select_related("product__domain").filter(contract_ref=spec.contract_id).first()
        domain = port.product.domain if port is not None else None
    before = contract_spec_stored(contract) if contract else None
    changes, verdict = judge_contract(domain=domain, before=before, after=spec)
    attached = (
        bool(spec.domain)
        or spec.contract_id in named
        or (contract is not None and contract.domain_id is not None)
        or OutputPort.objects.filter(contract_ref=spec.contract_id).exists()
    )
    registry = ""
    if not attached:
        registry = (
            contract.team.slug
            if contract is not None and contract.team is not None
            else (actor.token.team.slug if actor.token is not None else "")
        )
    return ImportOutcome(
        "DataContract",
        spec.contract_id,
        _verdict(contract is not None, changes),
        f"/api/v1/contracts/{spec.contract_id}",
        attached=attached,
        registry=registry,
        changes=changes,
        warnings=spec.warnings,
        verdict=verdict,
    )
