"""Recording product versions and holding writes to the versioning rules (docs/notices.md).

The product and contract write services call these inside their transactions, so every path that writes a
product (page, API, CLI, descriptor import, harvest) records its version and is judged the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Max

from catalog.diff import Change, diff_contracts, diff_products
from catalog.models import DataContract, DataProduct, Domain, ProductVersion, VersionSubject
from catalog.selectors import contract_spec_stored, product_spec_stored
from catalog.signals import announce_versions_recorded
from catalog.specs import ContractSpec, ProductSpec, plain, product_spec_from_plain
from catalog.versioning import Verdict, judge
from core.actors import Actor
from core.bulk import insert
from core.channels import current_channel


@dataclass
class Pending:
    """One version to record once the write is applied."""

    product: DataProduct
    subject: str
    version: str
    snapshot: dict
    fingerprint: str
    changes: list[Change]
    verdict: Verdict
    contract_id: str = ""
    first: bool = False  # the product was created by this write: it has no versions yet


def stored_product_specs(products: list[DataProduct]) -> dict[int, ProductSpec]:
    """The stored products as specs, to diff a new document against: from the snapshot of the version whose
    fingerprint they carry (one query for all), else read from their rows (a product written before versions
    were kept, or changed since by a contract)."""
    wanted = {p.pk: p.fingerprint for p in products if p.fingerprint}
    found: dict[int, ProductSpec] = {}
    if wanted:
        rows = ProductVersion.objects.filter(
            product_id__in=list(wanted), fingerprint__in=set(wanted.values()), subject=VersionSubject.PRODUCT
        ).values_list("product_id", "fingerprint", "snapshot")
        for product_id, fingerprint, snapshot in rows:
            if wanted.get(product_id) == fingerprint and product_id not in found:
                found[product_id] = product_spec_from_plain(snapshot)
    for product in products:
        if product.pk not in found:
            found[product.pk] = product_spec_stored(product)
    return found


def judge_product(*, domain: Domain, before: ProductSpec | None, after: ProductSpec) -> tuple[list[Change], Verdict]:
    changes = diff_products(before, after)
    verdict = judge(
        changes,
        before_version=before.version if before else "",
        after_version=after.version,
        policy=domain.breaking_changes,
    )
    return changes, verdict


def judge_contract(
    *, domain: Domain | None, before: ContractSpec | None, after: ContractSpec
) -> tuple[list[Change], Verdict]:
    changes = diff_contracts(before, after)
    verdict = judge(
        changes,
        before_version=before.version if before else "",
        after_version=after.version,
        policy=domain.breaking_changes if domain is not None else "refuse",
    )
    return changes, verdict


def contract_before(contract: DataContract | None) -> ContractSpec | None:
    return contract_spec_stored(contract) if contract is not None else None


def product_pending(
    product: DataProduct, spec: ProductSpec, changes: list[Change], verdict: Verdict, *, first: bool = False
) -> Pending:
    snapshot = plain(spec)
    return Pending(
        product, VersionSubject.PRODUCT, spec.version, snapshot, product.fingerprint, changes, verdict, first=first
    )


def contract_pending(product: DataProduct, spec: ContractSpec, changes: list[Change], verdict: Verdict) -> Pending:
    snapshot = {k: v for k, v in plain(spec).items() if k != "document"}
    return Pending(
        product,
        VersionSubject.CONTRACT,
        spec.version,
        snapshot,
        spec.fingerprint(),
        changes,
        verdict,
        contract_id=spec.contract_id,
    )


def versions_record(*, actor: Actor, pending: list[Pending]) -> list[ProductVersion]:
    """Store the versions (numbered after each product's last one) and announce them; inside the write."""
    if not pending:
        return []
    known = {p.product.pk for p in pending if not p.first}
    last: dict[int, int] = {}
    if known:
        last = dict(
            ProductVersion.objects.filter(product_id__in=known)
            .order_by()
            .values("product_id")
            .annotate(top=Max("number"))
            .values_list("product_id", "top")
        )
    rows = []
    channel = current_channel()
    for item in pending:
        number = last.get(item.product.pk, 0) + 1
        last[item.product.pk] = number
        rows.append(
            ProductVersion(
                product=item.product,
                number=number,
                subject=item.subject,
                contract_id=item.contract_id,
                version=item.version[:40],
                # A person signs versions; a token, or the harvest commands' stand-in user, leaves no author row.
                author=actor.user if getattr(actor.user, "pk", None) else None,
                author_label=actor.label[:200],
                channel=channel,
                snapshot=item.snapshot,
                fingerprint=item.fingerprint,
                changes=[c.as_dict() for c in item.changes],
                breaking=bool(item.verdict.breaking),
                warned=item.verdict.status == "warning",
            )
        )
    insert(ProductVersion, rows, related=True)
    announce_versions_recorded([v.pk for v in rows])
    return rows
