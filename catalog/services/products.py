"""Writing data products: upsert by identifier, bulk upsert, retire, delete.

An upsert replaces the product with what the descriptor says: ports and fields are matched by name (and
version) so their ids stay stable, new ones are added and missing ones removed. A payload equal to the last
accepted one writes nothing at all.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from catalog.api.product_input import parse_product
from catalog.diff import Change
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
from catalog.services.versions import judge_product, product_pending, stored_product_specs, versions_record
from catalog.signals import announce_fields_written, announce_products_changed, announce_products_removed
from catalog.specs import FieldSpec, ProductSpec
from catalog.versioning import Verdict
from core.actors import Actor
from core.bulk import fetch, insert, where_in
from core.errors import ApplicationError, Conflict, FieldError, NotFound, ValidationFailed, pointer


@dataclass(frozen=True)
class UpsertResult:
    product: DataProduct
    action: str  # "created" | "updated" | "unchanged"
    verdict: Verdict | None = None  # the versioning verdict on an applied change (a "warning" is let through)

    @property
    def created(self) -> bool:
        return self.action == "created"


def _at(index: int | None, exc: ApplicationError) -> ApplicationError:
    """Remember which item of a batch an error belongs to (products_bulk_upsert names it)."""
    if index is not None and getattr(exc, "item_index", None) is None:
        exc.item_index = index  # type: ignore[attr-defined]
    return exc


@dataclass
class _Item:
    """One product of a write: what was asked, what was found before the write, what was written."""

    index: int
    domain_slug: str
    slug: str
    spec: ProductSpec
    domain: Domain | None = None
    owner_team_id: int = 0
    fingerprint: str = ""
    current: DataProduct | None = None
    product: DataProduct | None = None
    action: str = ""
    changes: list[Change] = dataclasses.field(default_factory=list)
    verdict: Verdict | None = None

    @property
    def ref(self) -> str:
        return f"{self.domain_slug}/{self.slug}"

    @property
    def resolved_domain(self) -> Domain:
        """The domain, once _read_before_write has found it (it raises for an unknown one)."""
        assert self.domain is not None
        return self.domain

    @property
    def written(self) -> DataProduct:
        """The product, once _BatchWrite.run has applied the item to it."""
        assert self.product is not None
        return self.product


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
    slug_max = DataProduct._meta.get_field("slug").max_length
    assert slug_max is not None  # a SlugField always has one
    if len(slug) > slug_max:
        # The URL's slug converter takes any length; SQLite would store it whole, PostgreSQL would fail with a 500.
        raise ValidationFailed([FieldError("/slug", f"At most {slug_max} characters.")])
    item = _Item(0, domain_slug, slug, spec)
    _upsert_items(actor, [item], source_format=source_format, descriptor=descriptor, strict_team=strict_team)
    assert item.product is not None
    return UpsertResult(item.product, item.action, item.verdict)


def product_upsert_from_payload(*, actor: Actor, domain_slug: str, slug: str, payload: dict) -> UpsertResult:
    """Validate the portal's JSON (as the API does) and upsert it."""
    return product_upsert(actor=actor, domain_slug=domain_slug, slug=slug, spec=parse_product(payload))


def products_bulk_upsert(*, actor: Actor, items: list[tuple[str, str, ProductSpec]]) -> list[UpsertResult]:
    """All or nothing: one transaction; an error names the item by its index in `/products`.

    The items are written together, table by table (all products, then all their ports, all their fields...),
    so a batch costs a handful of statements rather than a handful per product.
    """
    batch = [_Item(index, domain_slug, slug, spec) for index, (domain_slug, slug, spec) in enumerate(items)]
    seen: dict[tuple[str, str], int] = {}
    for item in batch:
        first = seen.setdefault((item.domain_slug, item.slug), item.index)
        if first != item.index:
            raise ValidationFailed(
                [FieldError(pointer("products", item.index, "slug"), f"Product {first} is '{item.ref}' too.")]
            )
    try:
        _upsert_items(actor, batch)
    except ApplicationError as exc:
        index = getattr(exc, "item_index", None)
        if index is None:
            raise
        item = batch[index]
        exc.errors = [FieldError(pointer("products", index) + e.path, e.message) for e in exc.errors] or [
            FieldError(pointer("products", index), exc.message)
        ]
        exc.message = f"Product {index} ({item.ref}): {exc.message} Nothing was stored."
        raise
    return [UpsertResult(item.product, item.action, item.verdict) for item in batch if item.product is not None]


def _upsert_items(
    actor: Actor,
    items: list[_Item],
    *,
    source_format: str = DescriptorFormat.PORTAL,
    descriptor: dict | None = None,
    strict_team: bool = True,
) -> None:
    # Everything that only reads happens before the write transaction: on SQLite writers take turns, so the
    # less each holds the lock, the more of them get through; a re-sent payload never takes it at all.
    _read_before_write(actor, items, source_format=source_format, strict_team=strict_team)
    todo = []
    for item in items:
        if item.current is not None and item.current.fingerprint == item.fingerprint:
            item.product, item.action = item.current, "unchanged"
        else:
            todo.append(item)
    if not todo:
        return
    _judge(todo)
    tag_ids = _tag_ids(sorted({t for item in todo for t in item.spec.tags}))
    write = _BatchWrite(actor, todo, source_format, descriptor or {}, tag_ids)
    try:
        write.run(reread=False)
    except IntegrityError:
        # Another writer created one of the products between our read and our insert: write again, reading
        # every product inside the transaction this time.
        try:
            write.run(reread=True)
        except IntegrityError as exc:
            raise Conflict("A product changed while it was written; send it again.") from exc


def _judge(items: list[_Item]) -> None:
    """Diff each changed product against its stored version; refuse a breaking change without a major bump
    (unless its domain only warns), naming each breaking field."""
    before = stored_product_specs([item.current for item in items if item.current is not None])
    for item in items:
        prior = before.get(item.current.pk) if item.current is not None else None
        item.changes, item.verdict = judge_product(domain=item.resolved_domain, before=prior, after=item.spec)
        if item.verdict.refused:
            raise _at(item.index, item.verdict.error(f"Product '{item.ref}'"))


def _read_before_write(actor: Actor, items: list[_Item], *, source_format: str, strict_team: bool) -> None:
    slugs = sorted({item.domain_slug for item in items})
    domains = _domains_with_parents(slugs)
    team_slugs = sorted({item.spec.owner_team for item in items if item.spec.owner_team})
    teams = dict(Team.objects.filter(slug__in=team_slugs).values_list("slug", "pk")) if team_slugs else {}
    checked: set[int] = set()
    for item in items:
        domain = domains.get(item.domain_slug)
        if domain is None:
            raise _at(item.index, NotFound(f"Unknown domain '{item.domain_slug}'.", path="/domain"))
        if domain.pk not in checked:
            try:
                ensure_can_write_domain(actor, domain)
            except ApplicationError as exc:
                raise _at(item.index, exc) from None
            checked.add(domain.pk)
        item.domain = domain
        owner = item.spec.owner_team
        if owner and owner not in teams and strict_team:
            raise _at(item.index, ValidationFailed([FieldError("/owner_team", f"Unknown team '{owner}'.")]))
        item.owner_team_id = teams.get(owner, domain.owner_team_id) if owner else domain.owner_team_id
        item.fingerprint = item.spec.fingerprint(str(item.owner_team_id), source_format)
    for item, product in _stored_products(None, items):
        _check_product(actor, item, product)


def _domains_with_parents(slugs: list[str]) -> dict[str, Domain]:
    """The domains by slug, each with its parent loaded for the permission check (its team may write
    sub-domains). core.bulk's reads: a second statement only for sub-domains."""
    domains = {d.slug: d for d in fetch(Domain, *where_in(Domain, "slug", slugs))}
    parent_ids = sorted({d.parent_id for d in domains.values() if d.parent_id is not None})
    parents = {p.pk: p for p in fetch(Domain, *where_in(Domain, "id", parent_ids))} if parent_ids else {}
    for domain in domains.values():
        domain.parent = parents.get(domain.parent_id) if domain.parent_id is not None else None
    return domains


def _stored_products(query, items: list[_Item]) -> Iterator[tuple[_Item, DataProduct]]:
    """The stored products the items name (their domains are resolved), with the item each belongs to. `query`:
    a DataProduct query to filter (the write's locking read), or None for core.bulk's plain read (the ORM
    took longer to compile it than SQLite to answer, on every PUT)."""
    by_key = {(item.resolved_domain.pk, item.slug): item for item in items}
    # Over-fetches when domains and slugs cross (a/x, b/y also finds a/y): the pairs are matched below.
    domain_ids, slugs = sorted({k[0] for k in by_key}), sorted({k[1] for k in by_key})
    if query is None:
        (in_domains, domain_params), (in_slugs, slug_params) = (
            where_in(DataProduct, "domain", domain_ids),
            where_in(DataProduct, "slug", slugs),
        )
        found = fetch(DataProduct, f"{in_domains} AND {in_slugs}", domain_params + slug_params)
    else:
        found = query.filter(domain_id__in=domain_ids, slug__in=slugs)
    for product in found:
        item = by_key.get((product.domain_id, product.slug))
        if item is not None:
            yield item, product


def _check_product(actor: Actor, item: _Item, product: DataProduct) -> None:
    product.domain = item.resolved_domain  # already loaded, with its parent: the permission check needs both
    try:
        ensure_can_write_product(actor, product)
    except ApplicationError as exc:
        raise _at(item.index, exc) from None
    item.current = product


@dataclass
class _BatchWrite:
    actor: Actor
    items: list[_Item]
    source_format: str
    descriptor: dict
    tag_ids: dict[str, int]

    def run(self, *, reread: bool) -> None:
        with transaction.atomic():
            for item in self.items:
                item.product, item.action = None, ""
            existing = self._lock_existing(reread=reread)
            new: list[_Item] = []
            changed: list[_Item] = []
            for item in self.items:
                product = existing.get(item.index)
                if product is not None and product.fingerprint == item.fingerprint:
                    item.product, item.action = product, "unchanged"
                    continue
                item.action = "updated" if product is not None else "created"
                item.product = self._apply(item, product or DataProduct(domain=item.domain, slug=item.slug))
                (changed if product is not None else new).append(item)
            written = new + changed
            if not written:
                return
            if new:
                # A product that did not exist a moment ago is inserted straight away; the unique constraint
                # catches the rare writer that got there first.
                insert(DataProduct, [item.written for item in new], related=True)
            if changed:
                now = timezone.now()
                for item in changed:
                    item.written.updated_at = now
                DataProduct.objects.bulk_update([item.written for item in changed], [*PRODUCT_ATTRS, "updated_at"])
            _set_tags(written, self.tag_ids)
            _sync_output_ports(written)
            upstream = _sync_input_ports(written)
            versions_record(
                actor=self.actor,
                pending=[
                    product_pending(item.written, item.spec, item.changes, item.verdict, first=item.action == "created")
                    for item in written
                    if item.verdict is not None
                ],
            )
            announce_products_changed([*(item.written.pk for item in written), *upstream])

    def _lock_existing(self, *, reread: bool) -> dict[int, DataProduct]:
        """The products to update, locked so that two writers of one product apply one after the other
        (PostgreSQL; on SQLite the transaction holds the only write lock already)."""
        wanted = self.items if reread else [item for item in self.items if item.current is not None]
        if not wanted:
            return {}
        query = DataProduct.objects.select_for_update().order_by()
        if not reread:
            query = query.filter(pk__in=[item.current.pk for item in wanted if item.current is not None])
        found: dict[int, DataProduct] = {}
        for item, product in _stored_products(query, wanted):
            if reread and item.current is None:
                _check_product(self.actor, item, product)  # a writer we raced created it: may we replace it?
            product.domain = item.resolved_domain
            found[item.index] = product
        return found

    def _apply(self, item: _Item, product: DataProduct) -> DataProduct:
        spec = item.spec
        product.domain = item.resolved_domain
        product.name = spec.name
        product.summary = spec.summary
        product.description = spec.description
        product.kind = spec.kind
        product.status = spec.status
        product.version = spec.version
        product.owner_team_id = item.owner_team_id
        product.external_id = spec.external_id
        product.source_format = self.source_format
        product.descriptor = self.descriptor
        product.fingerprint = item.fingerprint
        return product


PRODUCT_ATTRS = (
    "name",
    "summary",
    "description",
    "kind",
    "status",
    "version",
    "owner_team",
    "external_id",
    "source_format",
    "descriptor",
    "fingerprint",
)


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
            announce_products_changed([locked.pk])
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
        removed = product.pk
        product.delete()
        announce_products_removed([removed])
        announce_products_changed(upstream | downstream)


# ---- the parts of an upsert ------------------------------------------------------------------------------


def _tag_ids(names: list[str]) -> dict[str, int]:
    """Ids of the tags by name, creating the missing ones (an unused tag left by a failed write is harmless)."""
    if not names:
        return {}
    existing = {tag.name: tag.pk for tag in fetch(Tag, *where_in(Tag, "name", names))}
    if len(existing) < len(names):
        Tag.objects.bulk_create([Tag(name=n) for n in names if n not in existing], ignore_conflicts=True)
        existing = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    return existing


def _set_tags(items: list[_Item], tag_ids: dict[str, int]) -> None:
    through = DataProduct.tags.through
    wanted = {(item.written.pk, tag_ids[name]) for item in items for name in set(item.spec.tags)}
    have: set[tuple[int, int]] = set()
    updated = [item.written.pk for item in items if item.action == "updated"]
    if updated:
        # New products have no tag rows yet; only updated ones are read (one query for all of them).
        rows = through.objects.filter(dataproduct_id__in=updated).values_list("pk", "dataproduct_id", "tag_id")
        stale = []
        for pk, product_id, tag_id in rows:
            if (product_id, tag_id) in wanted:
                have.add((product_id, tag_id))
            else:
                stale.append(pk)
        if stale:
            through.objects.filter(pk__in=stale).delete()
    missing = sorted(wanted - have)
    if missing:
        insert(through, [through(dataproduct_id=p, tag_id=t) for p, t in missing])


INPUT_ATTRS = (
    "description",
    "source_port",
    "source_product_ref",
    "source_port_ref",
    "external_source",
    "contract_ref",
    "position",
)
PORT_ATTRS = ("description", "port_type", "location", "format", "access_mode", "contract_ref", "max_access_days")
FIELD_ATTRS = ("data_type", "description", "nullable", "primary_key", "classification", "position")


def _contract_fields(contract_refs: set[str]) -> dict[str, list[FieldSpec]]:
    """Schemas of the stored contracts, for ports that declare no fields of their own."""
    if not contract_refs:
        return {}

    return {c.contract_id: c.field_specs() for c in DataContract.objects.filter(contract_id__in=contract_refs)}


def _sync_output_ports(items: list[_Item]) -> None:
    existing: dict[int, dict[tuple[str, str], OutputPort]] = {}
    updated = [item.written.pk for item in items if item.action == "updated"]
    if updated:
        for stored in OutputPort.objects.filter(product_id__in=updated).order_by():
            existing.setdefault(stored.product_id, {})[(stored.name, stored.version)] = stored
    from_contract = _contract_fields(
        {p.contract_ref for item in items for p in item.spec.output_ports if p.contract_ref and not p.fields}
    )

    kept: set[int] = set()
    fields_by_port: list[tuple[OutputPort, list[FieldSpec]]] = []
    new_ports: list[OutputPort] = []
    changed_ports: list[OutputPort] = []
    stale: list[int] = []
    for item in items:
        product = item.written
        have = existing.get(product.pk, {})
        for position, spec in enumerate(item.spec.output_ports):
            port = have.get((spec.name, spec.version))
            values = {key: getattr(spec, key) for key in PORT_ATTRS}  # the spec's attributes have the same names
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
            port.product = product
            fields_by_port.append((port, fields))
        stale += [p.pk for p in have.values() if p.pk not in kept]

    if stale:
        OutputPort.objects.filter(pk__in=stale).delete()
    if new_ports:
        insert(OutputPort, new_ports, related=True)
    if changed_ports:
        now = timezone.now()
        for port in changed_ports:
            port.updated_at = now
            port.sync_location_key()  # bulk_update calls no pre_save
        OutputPort.objects.bulk_update(
            changed_ports, [*PORT_ATTRS, "location_key", "position", "schema_source", "updated_at"]
        )
    sync_port_fields(fields_by_port, existing_ports=kept)
    _link_waiting_inputs([port for port, _ in fields_by_port])


def sync_port_fields(fields_by_port: list[tuple[OutputPort, list[FieldSpec]]], *, existing_ports: set[int]) -> None:
    current: dict[int, dict[tuple[str, str], SchemaField]] = {}
    if existing_ports:
        for stored in SchemaField.objects.filter(port_id__in=existing_ports):
            current.setdefault(stored.port_id, {})[(stored.object_name, stored.name)] = stored
    to_create: list[dict] = []
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
                to_create.append({"port_id": port.pk, "object_name": spec.object_name, "name": spec.name, **values})
                continue
            keep.add(field.pk)
            if any(getattr(field, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(field, key, value)
                to_update.append(field)
    stale = [f.pk for port_fields in current.values() for f in port_fields.values() if f.pk not in keep]
    if stale:
        SchemaField.objects.filter(pk__in=stale).delete()
    created_ids = _insert_rows(SchemaField, to_create)
    if to_update:
        SchemaField.objects.bulk_update(to_update, list(FIELD_ATTRS), batch_size=500)
    # New or changed fields may mention glossary terms (the glossary listens and suggests links).
    announce_fields_written(created_ids + [f.pk for f in to_update])


_PLAIN_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.BooleanField,
    models.CharField,
    models.ForeignKey,
    models.IntegerField,
    models.TextField,
)


def _max_params() -> int:
    """Bound parameters per statement: SQLite's own limit (999 before 3.32, 32766 since), at most 9,000."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return min(9_000, connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return 9_000


def _insert_rows(model: type[models.Model], rows: list[dict]) -> list[int]:
    """INSERT many rows of a model with plain columns (text, numbers, booleans, foreign keys), answering their ids.

    Schema fields come by the thousand and bulk_create spends most of its time preparing each value through
    the field API; here values go to the driver as they are (which is all those field types do to them).
    Rows are given as {attname: value}; a column left out gets the field's default.
    """
    if not rows:
        return []
    meta = model._meta
    columns = [f for f in meta.concrete_fields if not f.primary_key]
    if any(not isinstance(f, _PLAIN_FIELDS) for f in columns):
        objs = model._default_manager.bulk_create([model(**row) for row in rows], batch_size=500)
        return [obj.pk for obj in objs]
    for field in columns:
        if field.attname not in rows[0] and not field.has_default():
            raise TypeError(f"{model.__name__}.{field.attname} has no value and no default")
    defaults = {f.attname: f.get_default() for f in columns if f.has_default()}
    quote = connection.ops.quote_name
    # Concrete fields are those with a column (Django's own definition); the stubs type `column` as optional.
    column_names = [f.column for f in columns if f.column is not None]
    pk_column = meta.pk.column
    assert pk_column is not None
    # Identifiers come from the model and are quoted; every value is a bound parameter.
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in column_names)}) VALUES "  # noqa: S608
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    tail = f" RETURNING {quote(pk_column)}"
    per_statement = max(1, _max_params() // len(columns))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [row.get(f.attname, defaults.get(f.attname)) for row in chunk for f in columns]
            cursor.execute(head + ", ".join([row_sql] * len(chunk)) + tail, params)
            ids += [row[0] for row in cursor.fetchall()]
    return ids


def _split_ref(ref: str) -> tuple[str, str]:
    """'domain/slug' as (domain, slug)."""
    domain, _, slug = ref.partition("/")
    return domain, slug


_PORT_COLUMNS = ("id", "product_id", "name", "version", "contract_ref")


def _ports_named(refs: set[tuple[str, str]]) -> Iterator[tuple[OutputPort, tuple[str, str]]]:
    """The output ports of the products named (domain slug, product slug), newest version first, each with the
    name it was found by; the ports carry only the columns input ports need. One statement written from the
    models' metadata: compiling the ORM's join took longer than running it, inside the write transaction.
    Over-fetches when domains and slugs cross (a/x, b/y also finds a/y): only the pairs asked for come out."""
    quote = connection.ops.quote_name

    def column(model: type[models.Model], name: str) -> str:
        field = cast(models.Field, model._meta.get_field(name))
        return f"{quote(cast(str, model._meta.db_table))}.{quote(cast(str, field.column))}"

    domains, slugs = sorted({d for d, _ in refs}), sorted({s for _, s in refs})
    selected = [column(OutputPort, name.removesuffix("_id")) for name in _PORT_COLUMNS]
    port, product, domain = (quote(cast(str, m._meta.db_table)) for m in (OutputPort, DataProduct, Domain))
    sql = (
        f"SELECT {', '.join(selected)}, {column(Domain, 'slug')}, {column(DataProduct, 'slug')} FROM {port} "  # noqa: S608
        f"INNER JOIN {product} ON {column(DataProduct, 'id')} = {column(OutputPort, 'product')} "
        f"INNER JOIN {domain} ON {column(Domain, 'id')} = {column(DataProduct, 'domain')} "
        f"WHERE {column(Domain, 'slug')} IN ({', '.join(['%s'] * len(domains))}) "
        f"AND {column(DataProduct, 'slug')} IN ({', '.join(['%s'] * len(slugs))}) "
        f"ORDER BY {column(OutputPort, 'version')} DESC, {column(OutputPort, 'id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*domains, *slugs])
        rows = cursor.fetchall()
    for row in rows:
        ref = (row[5], row[6])
        if ref in refs:
            yield OutputPort.from_db(connection.alias, list(_PORT_COLUMNS), row[:5]), ref


def _resolve_sources(items: list[_Item]) -> dict[tuple[int, int], OutputPort | None]:
    """The output port each input port reads from, by (item index, input index), in two queries at most for the
    whole batch; raises ValidationFailed for a named product that does not exist."""
    by_product: dict[tuple[str, str], list[OutputPort]] = {}
    refs = {_split_ref(spec.source_product) for item in items for spec in item.spec.input_ports if spec.source_product}
    contract_refs = {
        spec.contract_ref
        for item in items
        for spec in item.spec.input_ports
        if spec.contract_ref and not spec.source_product
    }
    known_products: set[tuple[str, str]] = set()
    if refs:
        for port, ref in _ports_named(refs):
            by_product.setdefault(ref, []).append(port)
        known_products = refs & set(by_product)
        if known_products != refs:
            # Products named without any port yet: they must at least exist.
            products = DataProduct.objects.filter(
                domain__slug__in={d for d, _ in refs - known_products}, slug__in={s for _, s in refs - known_products}
            ).order_by()
            known_products |= refs & set(products.values_list("domain__slug", "slug"))
    by_contract: dict[str, OutputPort] = {}
    if contract_refs:
        for contract_port in OutputPort.objects.filter(contract_ref__in=contract_refs).order_by("-version", "pk"):
            by_contract.setdefault(contract_port.contract_ref, contract_port)

    found: dict[tuple[int, int], OutputPort | None] = {}
    for item in items:
        for index, spec in enumerate(item.spec.input_ports):
            source: OutputPort | None = None
            if spec.source_product:
                key = _split_ref(spec.source_product)
                candidates = by_product.get(key, [])
                if spec.source_port:
                    candidates = [p for p in candidates if p.name == spec.source_port]
                source = candidates[0] if candidates else None
                # A named product must exist; its port may be published later, so only the product is checked.
                if key not in known_products:
                    raise _at(
                        item.index,
                        ValidationFailed(
                            [
                                FieldError(
                                    pointer("input_ports", index, "product"),
                                    f"Unknown product '{spec.source_product}'.",
                                )
                            ]
                        ),
                    )
            elif spec.contract_ref:
                source = by_contract.get(spec.contract_ref)
            found[(item.index, index)] = source
    return found


def _sync_input_ports(items: list[_Item]) -> set[int]:
    """Write the input ports; answers the products they read from, before and after (their consumers changed)."""
    existing: dict[int, dict[tuple[str, str], InputPort]] = {}
    upstream: set[int] = set()
    updated = [item.written.pk for item in items if item.action == "updated"]
    if updated:
        for stored in InputPort.objects.filter(product_id__in=updated).select_related("source_port").order_by():
            existing.setdefault(stored.product_id, {})[(stored.name, stored.version)] = stored
            if stored.source_port is not None:
                upstream.add(stored.source_port.product_id)
    sources = _resolve_sources(items)
    kept: set[int] = set()
    to_create: list[InputPort] = []
    to_update: list[InputPort] = []
    stale: list[int] = []
    for item in items:
        product = item.written
        have = existing.get(product.pk, {})
        for index, spec in enumerate(item.spec.input_ports):
            source = sources[(item.index, index)]
            if source is not None and source.product_id == product.pk:
                raise _at(
                    item.index,
                    ValidationFailed(
                        [FieldError(pointer("input_ports", index), "A product cannot consume its own output port.")]
                    ),
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
            port = have.get((spec.name, spec.version))
            if port is None:
                to_create.append(InputPort(product=product, name=spec.name, version=spec.version, **values))
                continue
            kept.add(port.pk)
            # Like output ports and fields: a port the descriptor left as it was is not rewritten.
            if any(getattr(port, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(port, key, value)
                to_update.append(port)
        stale += [p.pk for p in have.values() if p.pk not in kept]
    if stale:
        InputPort.objects.filter(pk__in=stale).delete()
    if to_create:
        insert(InputPort, to_create, related=True)
    if to_update:
        now = timezone.now()
        for port in to_update:
            port.updated_at = now
        InputPort.objects.bulk_update(to_update, [*INPUT_ATTRS, "updated_at"])
    return upstream


def _link_waiting_inputs(ports: list[OutputPort]) -> None:
    """Input ports declared before these output ports existed get linked now (one query to find them)."""
    if not ports:
        return
    by_contract = {p.contract_ref: p for p in ports if p.contract_ref}
    by_ref: dict[str, dict[str, OutputPort]] = {}
    first: dict[str, OutputPort] = {}
    for port in ports:
        ref = f"{port.product.domain.slug}/{port.product.slug}"
        by_ref.setdefault(ref, {}).setdefault(port.name, port)
        first.setdefault(ref, port)
    # The two partial indexes of waiting input ports answer this: each branch of the OR repeats its index's
    # condition (waiting, a non-empty ref or contract), which SQLite needs to use them. No ORDER BY: the model's
    # ordering joins product and domain, and SQLite then walked every waiting input port (5 ms at 500 external
    # inputs, in the write transaction) instead of using the partial indexes. Written with core.bulk: the ORM took
    # longer to compile it than SQLite to run it, inside the write transaction.
    quote = connection.ops.quote_name
    waiting = f"{quote(InputPort._meta.get_field('source_port').column)} IS NULL"
    wanted = [("source_product_ref", list(by_ref))]
    if by_contract:
        wanted.append(("contract_ref", list(by_contract)))
    branches, params = [], []
    for column, values in wanted:
        sql, values_params = where_in(InputPort, column, values)
        branches.append(f"({waiting} AND NOT ({quote(column)} = '') AND {sql})")
        params += values_params
    condition = " OR ".join(branches)
    links: dict[int, list[int]] = {}
    for input_port in fetch(InputPort, condition, params):
        target = by_contract.get(input_port.contract_ref) if input_port.contract_ref else None
        ref = input_port.source_product_ref
        if target is None and ref in by_ref:
            target = by_ref[ref].get(input_port.source_port_ref) if input_port.source_port_ref else first[ref]
        # A product never reads from itself: its own waiting inputs are left alone.
        if target is not None and target.product_id != input_port.product_id:
            links.setdefault(target.pk, []).append(input_port.pk)
    now = timezone.now()
    for target_id, input_ids in links.items():
        # updated_at moves as with any write of an input port: the product graph reads the ones written since its
        # last look (lineage.selectors.product_graph).
        InputPort.objects.filter(pk__in=input_ids).update(source_port_id=target_id, updated_at=now)
