"""Writing data products: upsert by identifier, bulk upsert, retire, delete.

An upsert replaces the product with what the descriptor says: ports and fields are matched by name (and
version) so their ids stay stable, new ones are added and missing ones removed. A payload equal to the last
accepted one writes nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from catalog.actors import Actor
from catalog.errors import ApplicationError, Conflict, FieldError, NotFound, ValidationFailed, pointer
from catalog.models import (
    DataContract,
    DataProduct,
    DescriptorFormat,
    Domain,
    InputPort,
    LifecycleStatus,
    OutputPort,
    SchemaField,
    SchemaSource,
    Tag,
    Team,
)
from catalog.permissions import ensure_can_write_domain, ensure_can_write_product
from catalog.search import on_commit_index_products, on_commit_remove
from catalog.specs import FieldSpec, InputPortSpec, OutputPortSpec, ProductSpec


@dataclass(frozen=True)
class UpsertResult:
    product: DataProduct
    action: str  # "created" | "updated" | "unchanged"

    @property
    def created(self) -> bool:
        return self.action == "created"


def _domain_for_write(domain_slug: str) -> Domain:
    # The parent comes along for the permission check (its team may write sub-domains); nothing else is needed.
    domain = Domain.objects.select_related("parent").filter(slug=domain_slug).order_by().first()
    if domain is None:
        raise NotFound(f"Unknown domain '{domain_slug}'.", path="/domain")
    return domain


def _owner_team_id(spec: ProductSpec, domain: Domain, *, strict: bool) -> int:
    if not spec.owner_team:
        return domain.owner_team_id
    team_id = Team.objects.filter(slug=spec.owner_team).values_list("pk", flat=True).first()
    if team_id is not None:
        return team_id
    if strict:
        raise ValidationFailed([FieldError("/owner_team", f"Unknown team '{spec.owner_team}'.")])
    return domain.owner_team_id


def product_upsert(
    *,
    actor: Actor,
    domain_slug: str,
    slug: str,
    spec: ProductSpec,
    source_format: str = DescriptorFormat.PORTAL,
    descriptor: dict | None = None,
    strict_team: bool = True,
) -> UpsertResult:
    """Create or replace the product `domain_slug/slug` with `spec`.

    `strict_team=False` lets descriptors from other standards name a team the portal does not know; the
    domain's owning team is used then.
    """
    # Everything that only reads happens before the write transaction: on SQLite writers take turns, so the
    # less each holds the lock, the more of them get through; a re-sent payload never takes it at all.
    domain = _domain_for_write(domain_slug)
    ensure_can_write_domain(actor, domain)
    owner_team_id = _owner_team_id(spec, domain, strict=strict_team)
    fingerprint = spec.fingerprint(str(owner_team_id), source_format)
    # .order_by(): the model's default ordering would join the domain table to sort a single row.
    current = DataProduct.objects.filter(domain=domain, slug=slug).order_by().first()
    if current is not None:
        current.domain = domain  # already loaded, with its parent: the permission check needs both
        ensure_can_write_product(actor, current)
        if current.fingerprint == fingerprint:
            return UpsertResult(current, "unchanged")
    write = _ProductWrite(
        domain, slug, spec, owner_team_id, fingerprint, source_format, descriptor or {}, _tag_ids(spec.tags)
    )
    try:
        return write.run(expect_new=current is None)
    except IntegrityError:
        # Another writer created the product between our read and our insert: write again as an update.
        try:
            return write.run(expect_new=False)
        except IntegrityError as exc:
            raise Conflict(f"Product '{domain.slug}/{slug}' changed while it was written; send it again.") from exc


@dataclass
class _ProductWrite:
    domain: Domain
    slug: str
    spec: ProductSpec
    owner_team_id: int
    fingerprint: str
    source_format: str
    descriptor: dict
    tag_ids: list[int]

    def run(self, *, expect_new: bool) -> UpsertResult:
        with transaction.atomic():
            product = None
            if not expect_new:
                # Locked so that two writers of one product apply one after the other (PostgreSQL).
                product = (
                    DataProduct.objects.select_for_update()
                    .filter(domain=self.domain, slug=self.slug)
                    .order_by()
                    .first()
                )
                if product is not None and product.fingerprint == self.fingerprint:
                    return UpsertResult(product, "unchanged")
            created = product is None
            # A product that did not exist a moment ago is inserted straight away; the unique constraint
            # catches the rare writer that got there first.
            product = product or DataProduct(domain=self.domain, slug=self.slug)
            spec = self.spec
            product.domain = self.domain
            product.name = spec.name
            product.summary = spec.summary
            product.description = spec.description
            product.kind = spec.kind
            product.status = spec.status
            product.version = spec.version
            product.owner_team_id = self.owner_team_id
            product.external_id = spec.external_id
            product.source_format = self.source_format
            product.descriptor = self.descriptor
            product.fingerprint = self.fingerprint
            product.save(force_insert=created)
            _set_tags(product, self.tag_ids, created=created)
            _sync_output_ports(product, spec.output_ports, created=created)
            upstream = _sync_input_ports(product, spec.input_ports, created=created)
            on_commit_index_products([product.pk, *upstream])
        return UpsertResult(product, "created" if created else "updated")


def product_upsert_from_payload(*, actor: Actor, domain_slug: str, slug: str, payload: dict) -> UpsertResult:
    """Validate the portal's JSON (as the API does) and upsert it."""
    from catalog.api.product_input import parse_product

    return product_upsert(actor=actor, domain_slug=domain_slug, slug=slug, spec=parse_product(payload))


def products_bulk_upsert(*, actor: Actor, items: list[tuple[str, str, ProductSpec]]) -> list[UpsertResult]:
    """All or nothing: one transaction; an error names the item by its index in `/products`."""
    results = []
    with transaction.atomic():
        for index, (domain_slug, slug, spec) in enumerate(items):
            try:
                results.append(product_upsert(actor=actor, domain_slug=domain_slug, slug=slug, spec=spec))
            except ApplicationError as exc:
                exc.errors = [FieldError(pointer("products", index) + e.path, e.message) for e in exc.errors] or [
                    FieldError(pointer("products", index), exc.message)
                ]
                exc.message = f"Product {index} ({domain_slug}/{slug}): {exc.message} Nothing was stored."
                raise
    return results


def product_get(domain_slug: str, slug: str) -> DataProduct:
    product = (
        DataProduct.objects.select_related("domain", "owner_team").filter(domain__slug=domain_slug, slug=slug).first()
    )
    if product is None:
        raise NotFound(f"No product '{domain_slug}/{slug}'.")
    return product


def product_retire(*, actor: Actor, product: DataProduct) -> DataProduct:
    """Retired products stay readable (consumers may still hold grants) but drop out of browsing."""
    ensure_can_write_product(actor, product)
    with transaction.atomic():
        locked = DataProduct.objects.select_for_update().get(pk=product.pk)
        if locked.status != LifecycleStatus.RETIRED:
            locked.status = LifecycleStatus.RETIRED
            locked.fingerprint = ""  # a later PUT must be applied even if it equals the pre-retirement body
            locked.save(update_fields=["status", "fingerprint", "updated_at"])
            on_commit_index_products([locked.pk])
    return locked


def product_delete(*, actor: Actor, product: DataProduct) -> None:
    ensure_can_write_product(actor, product)
    with transaction.atomic():
        upstream = set(
            InputPort.objects.filter(product=product, source_port__isnull=False).values_list(
                "source_port__product_id", flat=True
            )
        )
        # Products that read from this one keep their input ports, unresolved: their documents change too.
        downstream = set(InputPort.objects.filter(source_port__product=product).values_list("product_id", flat=True))
        key = f"product:{product.pk}"
        product.delete()
        on_commit_remove([key])
        on_commit_index_products(upstream | downstream)


# ---- the parts of an upsert ------------------------------------------------------------------------------


def _tag_ids(names: list[str]) -> list[int]:
    """Ids of the tags, creating the missing ones (an unused tag left by a failed write is harmless)."""
    wanted = sorted(set(names))
    if not wanted:
        return []
    existing = dict(Tag.objects.filter(name__in=wanted).values_list("name", "pk"))
    if len(existing) < len(wanted):
        Tag.objects.bulk_create([Tag(name=n) for n in wanted if n not in existing], ignore_conflicts=True)
        existing = dict(Tag.objects.filter(name__in=wanted).values_list("name", "pk"))
    return [existing[n] for n in wanted]


def _set_tags(product: DataProduct, tag_ids: list[int], *, created: bool) -> None:
    if created:
        # A new product has no tag rows yet: one insert instead of the read-then-write of .set().
        through = DataProduct.tags.through
        through.objects.bulk_create(through(dataproduct_id=product.pk, tag_id=t) for t in tag_ids)
    else:
        product.tags.set(tag_ids)


PORT_ATTRS = ("description", "port_type", "location", "format", "access_mode", "contract_ref")
FIELD_ATTRS = ("data_type", "description", "nullable", "primary_key", "classification", "position")


def _contract_fields(contract_refs: set[str]) -> dict[str, list[FieldSpec]]:
    """Schemas of the stored contracts, for ports that declare no fields of their own."""
    if not contract_refs:
        return {}
    from catalog.services.contracts import contract_field_specs

    return {c.contract_id: contract_field_specs(c) for c in DataContract.objects.filter(contract_id__in=contract_refs)}


def _sync_output_ports(product: DataProduct, ports: list[OutputPortSpec], *, created: bool) -> None:
    existing: dict[tuple[str, str], OutputPort] = {}
    if not created:
        existing = {(p.name, p.version): p for p in product.output_ports.all()}
    from_contract = _contract_fields({p.contract_ref for p in ports if p.contract_ref and not p.fields})

    kept: set[int] = set()
    fields_by_port: list[tuple[OutputPort, list[FieldSpec]]] = []
    new_ports: list[OutputPort] = []
    changed_ports: list[OutputPort] = []
    for position, spec in enumerate(ports):
        port = existing.get((spec.name, spec.version))
        values = {
            "description": spec.description,
            "port_type": spec.port_type,
            "location": spec.location,
            "format": spec.format,
            "access_mode": spec.access_mode,
            "contract_ref": spec.contract_ref,
        }
        source = SchemaSource.DECLARED if spec.fields or not spec.contract_ref else SchemaSource.CONTRACT
        fields = spec.fields if source == SchemaSource.DECLARED else from_contract.get(spec.contract_ref, [])
        if port is None:
            port = OutputPort(
                product=product,
                name=spec.name,
                version=spec.version,
                position=position,
                schema_source=source,
                **values,
            )
            new_ports.append(port)
        else:
            kept.add(port.pk)
            if (
                any(getattr(port, k) != v for k, v in values.items())
                or port.position != position
                or port.schema_source != source
            ):
                for key, value in values.items():
                    setattr(port, key, value)
                port.position = position
                port.schema_source = source
                changed_ports.append(port)
        fields_by_port.append((port, fields))

    stale = [p.pk for p in existing.values() if p.pk not in kept]
    if stale:
        OutputPort.objects.filter(pk__in=stale).delete()
    if new_ports:
        OutputPort.objects.bulk_create(new_ports)
    if changed_ports:
        now = timezone.now()
        for port in changed_ports:
            port.updated_at = now
        OutputPort.objects.bulk_update(changed_ports, [*PORT_ATTRS, "position", "schema_source", "updated_at"])
    sync_port_fields(fields_by_port, existing_ports=kept)
    _link_waiting_inputs(product, [port for port, _ in fields_by_port])


def sync_port_fields(fields_by_port: list[tuple[OutputPort, list[FieldSpec]]], *, existing_ports: set[int]) -> None:
    current: dict[int, dict[tuple[str, str], SchemaField]] = {}
    if existing_ports:
        for field in SchemaField.objects.filter(port_id__in=existing_ports):
            current.setdefault(field.port_id, {})[(field.object_name, field.name)] = field
    to_create: list[SchemaField] = []
    to_update: list[SchemaField] = []
    keep: set[int] = set()
    for port, specs in fields_by_port:
        have = current.get(port.pk, {})
        for position, spec in enumerate(specs):
            values = {
                "data_type": spec.data_type,
                "description": spec.description,
                "nullable": spec.nullable,
                "primary_key": spec.primary_key,
                "classification": spec.classification,
                "position": position,
            }
            field = have.get((spec.object_name, spec.name))
            if field is None:
                to_create.append(SchemaField(port=port, object_name=spec.object_name, name=spec.name, **values))
                continue
            keep.add(field.pk)
            if any(getattr(field, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(field, key, value)
                to_update.append(field)
    stale = [f.pk for port_fields in current.values() for f in port_fields.values() if f.pk not in keep]
    if stale:
        SchemaField.objects.filter(pk__in=stale).delete()
    if to_create:
        SchemaField.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        SchemaField.objects.bulk_update(to_update, list(FIELD_ATTRS), batch_size=500)
    _suggest_glossary_links([f.pk for f in to_create] + [f.pk for f in to_update])


def _suggest_glossary_links(field_ids: list[int]) -> None:
    """New or changed fields may mention glossary terms: stewards get suggestions to accept or dismiss."""
    if not field_ids:
        return
    from glossary.tasks import suggest_links_for_fields

    transaction.on_commit(lambda: suggest_links_for_fields.delay(field_ids), robust=True)


def _resolve_source(spec: InputPortSpec, index: int) -> OutputPort | None:
    if spec.source_product:
        domain_slug, _, slug = spec.source_product.partition("/")
        ports = OutputPort.objects.filter(product__domain__slug=domain_slug, product__slug=slug)
        if spec.source_port:
            ports = ports.filter(name=spec.source_port)
        port = ports.order_by("-version").first()
        # A named product must exist; its port may be published later, so only the product is checked.
        if port is None and not DataProduct.objects.filter(domain__slug=domain_slug, slug=slug).exists():
            raise ValidationFailed(
                [FieldError(pointer("input_ports", index, "product"), f"Unknown product '{spec.source_product}'.")]
            )
        return port
    if spec.contract_ref:
        return OutputPort.objects.filter(contract_ref=spec.contract_ref).order_by("-version").first()
    return None


def _sync_input_ports(product: DataProduct, ports: list[InputPortSpec], *, created: bool) -> set[int]:
    """Write the input ports; answers the products they read from, before and after (their consumers changed)."""
    existing: dict[tuple[str, str], InputPort] = {}
    upstream: set[int] = set()
    if not created:
        existing = {(p.name, p.version): p for p in product.input_ports.select_related("source_port")}
        upstream = {p.source_port.product_id for p in existing.values() if p.source_port is not None}
    kept: set[int] = set()
    to_create: list[InputPort] = []
    to_update: list[InputPort] = []
    for index, spec in enumerate(ports):
        source = _resolve_source(spec, index)
        if source is not None and source.product_id == product.pk:
            raise ValidationFailed(
                [FieldError(pointer("input_ports", index), "A product cannot consume its own output port.")]
            )
        if source is not None:
            upstream.add(source.product_id)
        values = {
            "description": spec.description,
            "source_port": source,
            "source_product_ref": spec.source_product,
            "source_port_ref": spec.source_port,
            "external_source": spec.external_source,
            "contract_ref": spec.contract_ref,
            "position": index,
        }
        port = existing.get((spec.name, spec.version))
        if port is None:
            to_create.append(InputPort(product=product, name=spec.name, version=spec.version, **values))
            continue
        kept.add(port.pk)
        for key, value in values.items():
            setattr(port, key, value)
        to_update.append(port)
    stale = [p.pk for p in existing.values() if p.pk not in kept]
    if stale:
        InputPort.objects.filter(pk__in=stale).delete()
    if to_create:
        InputPort.objects.bulk_create(to_create)
    if to_update:
        now = timezone.now()
        for port in to_update:
            port.updated_at = now
        InputPort.objects.bulk_update(
            to_update,
            [
                "description",
                "source_port",
                "source_product_ref",
                "source_port_ref",
                "external_source",
                "contract_ref",
                "position",
                "updated_at",
            ],
        )
    return upstream


def _link_waiting_inputs(product: DataProduct, ports: list[OutputPort]) -> None:
    """Input ports declared before this product's output ports existed get linked now."""
    if not ports:
        return
    by_contract = {p.contract_ref: p for p in ports if p.contract_ref}
    by_name = {p.name: p for p in ports}
    ref = f"{product.domain.slug}/{product.slug}"
    waiting = (
        InputPort.objects.filter(source_port__isnull=True)
        .exclude(product=product)
        .filter(Q(source_product_ref=ref) | Q(contract_ref__in=list(by_contract)))
    )
    for input_port in waiting.only("pk", "contract_ref", "source_product_ref", "source_port_ref"):
        target = by_contract.get(input_port.contract_ref) if input_port.contract_ref else None
        if target is None and input_port.source_product_ref == ref:
            target = by_name.get(input_port.source_port_ref) if input_port.source_port_ref else ports[0]
        if target is not None:
            InputPort.objects.filter(pk=input_port.pk).update(source_port=target)
