"""Importing a descriptor document (ODPS product, ODCS contract, DPDS product) as one all-or-nothing write."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from catalog.descriptors.detect import parse_descriptor
from catalog.descriptors.dpds import DpdsResult
from catalog.descriptors.loading import load_document
from catalog.models import DataProduct
from catalog.services.contracts import contract_upsert
from catalog.services.products import product_upsert
from catalog.specs import ContractSpec
from core.actors import Actor
from core.errors import Conflict


@dataclass(frozen=True)
class ImportOutcome:
    kind: str  # "DataProduct" | "DataContract"
    identifier: str
    action: str  # "created" | "updated" | "unchanged"
    url: str


def _product_slug(domain: str, slug: str, external_id: str) -> str:
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
                path="/id",
            )
    return slug


def _import_product(actor: Actor, doc) -> ImportOutcome:
    slug = _product_slug(doc.domain, doc.slug, doc.spec.external_id)
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
    contract_id = result.contract.contract_id
    return ImportOutcome("DataContract", contract_id, result.action, f"/api/v1/contracts/{contract_id}")


def descriptor_import(*, actor: Actor, raw: bytes, content_type: str = "") -> list[ImportOutcome]:
    document = load_document(raw, content_type)
    parsed = parse_descriptor(document)
    with transaction.atomic():
        if isinstance(parsed, ContractSpec):
            return [_import_contract(actor, parsed)]
        if isinstance(parsed, DpdsResult):
            # Contracts first, so the product's ports find them; the answer lists the product first.
            contracts = [_import_contract(actor, contract) for contract in parsed.contracts]
            return [_import_product(actor, parsed.product), *contracts]
        return [_import_product(actor, parsed)]
