"""What gets indexed: one builder per kind of thing, each turning database rows into IndexDocuments.

Builders read in batches with a fixed number of queries per batch (no query per product), since a full
reindex reads every product, port and field. A later feature adds a kind of result by registering a
`DocumentSource` (glossary terms, lineage datasets), and adds to product documents by registering an
enricher (glossary terms linked to a product, ratings, SLO health).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from django.db.models import Count, Q

from catalog import counts as product_counts
from catalog.models import DataContract, DataProduct, Domain, InputPort, OutputPort, SchemaField, Team, TeamMembership
from search.base import IndexDocument
from search.ranking import bayesian_average, rating_band
from search.registry import ProductExtras, product_enrichers, register_source, sources

MAX_FIELDS = 500  # per product; a 5,000-column port still gets its first 500 names indexed
SUMMARY_CHARS = 300


def _summary(text: str) -> str:
    first = (text or "").strip().split("\n\n", 1)[0].replace("\n", " ").lstrip("# ")
    return first[:SUMMARY_CHARS]


def _ancestor_slugs(domain: Domain, by_id: dict[int, Domain]) -> tuple[str, ...]:
    slugs, seen, parent_id = [domain.slug], {domain.pk}, domain.parent_id
    while parent_id is not None and parent_id not in seen and parent_id in by_id:
        seen.add(parent_id)
        slugs.append(by_id[parent_id].slug)
        parent_id = by_id[parent_id].parent_id
    return tuple(slugs)


_PRODUCT_COLUMNS = (
    *("pk", "slug", "name", "summary", "description", "kind", "status", "version", "updated_at"),
    *("domain__slug", "domain__name", "domain__parent_id"),
    *("owner_team__slug", "owner_team__name"),
)
_NO_EXTRAS = ProductExtras()  # read only: documents of products no enricher knows share it


def _domains_with_ancestors(domains: Iterable[Domain]) -> dict[int, Domain]:
    """The products' domains and their ancestors (for the domain facet), reading only the missing parents, one
    level per query: nesting is shallow, and a batch no longer reads every domain of the catalog."""
    by_id = {d.pk: d for d in domains}
    wanted = {d.parent_id for d in by_id.values() if d.parent_id is not None} - set(by_id)
    while wanted:
        found = list(Domain.objects.filter(pk__in=wanted).only("pk", "slug", "name", "parent_id"))
        by_id.update((d.pk, d) for d in found)
        wanted = {d.parent_id for d in found if d.parent_id is not None} - set(by_id)
    return by_id


def _people(team_ids: Iterable[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    rows = (
        TeamMembership.objects.filter(team_id__in=set(team_ids))
        .order_by("team_id", "role", "user__username")  # the model's order within a team, without joining teams
        .values_list("team_id", "user__username", "user__first_name", "user__last_name")
    )
    for team_id, username, first, last in rows:
        full = f"{first} {last}".strip()
        out[team_id].append(f"{full} ({username})" if full else username)
    return out


class ProductSource:
    doc_type = "product"

    def count(self) -> int:
        return DataProduct.objects.count()

    def ids(self) -> Iterator[int]:
        return DataProduct.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)

    def build(self, ids: list[int]) -> list[IndexDocument]:
        # Only the columns a document shows: the descriptor (JSON of the whole source file) and the rest would be
        # decoded for nothing.
        products = list(
            DataProduct.objects.filter(pk__in=ids)
            .select_related("domain", "owner_team")
            .only(*_PRODUCT_COLUMNS)
            .order_by("pk")
        )
        if not products:
            return []
        pks = [p.pk for p in products]
        domains = _domains_with_ancestors(p.domain for p in products)
        tags: dict[int, list[str]] = defaultdict(list)
        for pid, name in DataProduct.tags.through.objects.filter(dataproduct_id__in=pks).values_list(
            "dataproduct_id", "tag__name"
        ):
            tags[pid].append(name)
        ports: dict[int, list[tuple]] = defaultdict(list)
        port_product: dict[int, int] = {}
        # Each product's ports and fields in the models' order, without the joins of products and domains that the
        # models' own ordering adds (it orders products among themselves, which grouping by product undoes).
        for row in (
            OutputPort.objects.filter(product_id__in=pks)
            .order_by("product_id", "position", "name", "version")
            .values_list("pk", "product_id", "name", "description", "access_mode", "contract_ref")
        ):
            ports[row[1]].append(row)
            port_product[row[0]] = row[1]
        fields: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for port_id, name, description in (
            SchemaField.objects.filter(port_id__in=list(port_product))
            .order_by("port__position", "port__name", "port__version", "object_name", "position")
            .values_list("port_id", "name", "description")
        ):
            fields[port_product[port_id]].append((name, description))
        refs = {row[5] for rows in ports.values() for row in rows if row[5]}
        known_contracts = set(
            DataContract.objects.filter(contract_id__in=refs).order_by().values_list("contract_id", flat=True)
        )
        # Consumers: other products whose input ports read one of this product's output ports.
        consumers = dict(
            InputPort.objects.filter(source_port__product_id__in=pks)
            .values_list("source_port__product_id")
            .annotate(n=Count("product_id", distinct=True))
        )
        people = _people({p.owner_team_id for p in products})
        extras: dict[int, ProductExtras] = {}
        for enricher in product_enrichers():
            for pid, extra in enricher(pks).items():
                extras[pid] = _merge(extras.get(pid, _NO_EXTRAS), extra)
        return [
            self._document(
                p,
                domains,
                tags[p.pk],
                ports[p.pk],
                fields[p.pk],
                known_contracts,
                consumers.get(p.pk, 0),
                people[p.owner_team_id],
                extras.get(p.pk, _NO_EXTRAS),
            )
            for p in products
        ]

    def _document(
        self,
        p: DataProduct,
        domains: dict[int, Domain],
        tags: list[str],
        ports: list[tuple],
        fields: list[tuple[str, str]],
        known_contracts: set[str],
        consumers: int,
        people: list[str],
        extra: ProductExtras,
    ) -> IndexDocument:
        field_names = list(dict.fromkeys(name for name, _ in fields))[:MAX_FIELDS]
        field_descriptions = list(dict.fromkeys(d for _, d in fields if d))[:MAX_FIELDS]
        access = sorted({row[4] for row in ports})
        has_contract = any(row[5] in known_contracts for row in ports)
        rating = bayesian_average(extra.rating_sum, extra.rating_count)
        slo = extra.slo_health or "unknown"
        tags = sorted(tags)
        return IndexDocument(
            doc_type="product",
            object_id=str(p.pk),
            name=p.name,
            url=p.get_absolute_url(),
            summary=p.summary,
            tags=tuple(tags),
            ports=tuple(row[2] for row in ports),
            fields=tuple(field_names),
            context=(p.domain.name, p.owner_team.name, *extra.terms),
            description=p.description,
            details=(*[row[3] for row in ports if row[3]], *field_descriptions, *people, *extra.details),
            facets={
                "type": ("product",),
                "domain": _ancestor_slugs(p.domain, domains),
                "kind": (p.kind,),
                "status": (p.status,),
                "owner_team": (p.owner_team.slug,),
                "access_mode": tuple(access),
                "has_contract": ("yes" if has_contract else "no",),
                "tag": tuple(tags),
                "slo_health": (slo,),
                "rating_band": (rating_band(rating, extra.rating_count),),
                "health_band": (extra.health_band or "unknown",),
            },
            rating=rating,
            rating_count=extra.rating_count,
            consumers=consumers + extra.consumers,
            slo_health=slo,
            health=extra.health,
            status=p.status,
            updated_at=p.updated_at,
            display={
                "identifier": p.identifier,
                "domain": {"slug": p.domain.slug, "name": p.domain.name},
                "owner_team": {"slug": p.owner_team.slug, "name": p.owner_team.name},
                "kind": p.kind,
                "status": p.status,
                "version": p.version,
                "tags": tags,
                "ports": [row[2] for row in ports],
                "fields": field_names[:100],
                "access_modes": access,
                "has_contract": has_contract,
                "glossary_terms": list(extra.terms),
                "health": extra.health,
                # The result card's quality badges: how many ratings the average stands on, the health band.
                "rating_count": extra.rating_count,
                "health_band": extra.health_band or "unknown",
            },
        )


def _merge(a: ProductExtras, b: ProductExtras) -> ProductExtras:
    return replace(
        a,
        terms=[*a.terms, *b.terms],
        details=[*a.details, *b.details],
        rating_sum=a.rating_sum + b.rating_sum,
        rating_count=a.rating_count + b.rating_count,
        consumers=a.consumers + b.consumers,
        slo_health=b.slo_health or a.slo_health,
        health=b.health if b.health is not None else a.health,
        health_band=b.health_band if b.health is not None else a.health_band,
    )


class DomainSource:
    doc_type = "domain"

    def count(self) -> int:
        return Domain.objects.count()

    def ids(self) -> Iterator[int]:
        return Domain.objects.order_by("pk").values_list("pk", flat=True).iterator()

    def build(self, ids: list[int]) -> list[IndexDocument]:
        by_id = {d.pk: d for d in Domain.objects.select_related("owner_team")}
        children: dict[int, list[str]] = defaultdict(list)
        for each in by_id.values():
            if each.parent_id:
                children[each.parent_id].append(each.name)
        counts = product_counts.visible_per_domain(ids)
        docs = []
        for pk in ids:
            d = by_id.get(pk)
            if d is None:
                continue
            parent = by_id.get(d.parent_id) if d.parent_id else None
            docs.append(
                IndexDocument(
                    doc_type="domain",
                    object_id=str(d.pk),
                    name=d.name,
                    url=d.get_absolute_url(),
                    summary=_summary(d.description),
                    context=(d.owner_team.name, *([parent.name] if parent else []), *children[d.pk]),
                    description=d.description,
                    facets={
                        "type": ("domain",),
                        "domain": _ancestor_slugs(d, by_id),
                        "owner_team": (d.owner_team.slug,),
                    },
                    updated_at=d.updated_at,
                    display={
                        "slug": d.slug,
                        "owner_team": {"slug": d.owner_team.slug, "name": d.owner_team.name},
                        "parent": {"slug": parent.slug, "name": parent.name} if parent else None,
                        "products": counts.get(d.pk, 0),
                    },
                )
            )
        return docs


class TeamSource:
    doc_type = "team"

    def count(self) -> int:
        return Team.objects.count()

    def ids(self) -> Iterator[int]:
        return Team.objects.order_by("pk").values_list("pk", flat=True).iterator()

    def build(self, ids: list[int]) -> list[IndexDocument]:
        teams = list(Team.objects.filter(pk__in=ids).order_by("pk"))
        people = _people(ids)
        owned: dict[int, list[str]] = defaultdict(list)
        for team_id, name in Domain.objects.filter(owner_team_id__in=ids).values_list("owner_team_id", "name"):
            owned[team_id].append(name)
        products = dict(
            DataProduct.objects.visible()
            .filter(owner_team_id__in=ids)
            .values_list("owner_team_id")
            .annotate(n=Count("pk"))
        )
        return [
            IndexDocument(
                doc_type="team",
                object_id=str(t.pk),
                name=t.name,
                url=t.get_absolute_url(),
                summary=_summary(t.description),
                context=tuple(owned[t.pk]),
                description=t.description,
                details=(*people[t.pk], t.contact_email),
                facets={"type": ("team",), "owner_team": (t.slug,)},
                updated_at=t.updated_at,
                display={
                    "slug": t.slug,
                    "members": len(people[t.pk]),
                    "domains": owned[t.pk],
                    "products": products.get(t.pk, 0),
                },
            )
            for t in teams
        ]


register_source(ProductSource())
register_source(DomainSource())
register_source(TeamSource())


def build(doc_type: str, ids: list[Any]) -> tuple[list[IndexDocument], list[str]]:
    """Documents for the ids that exist, and the keys of those that no longer do (to delete)."""
    docs = sources()[doc_type].build(ids)
    found = {d.object_id for d in docs}
    return docs, [f"{doc_type}:{i}" for i in ids if str(i) not in found]


def product_ids_for(*, domain_ids: Iterable[int] = (), team_ids: Iterable[int] = ()) -> list[int]:
    """Products whose documents show a domain's or team's name, to refresh after a rename."""
    return list(
        DataProduct.objects.filter(Q(domain_id__in=list(domain_ids)) | Q(owner_team_id__in=list(team_ids))).values_list(
            "pk", flat=True
        )
    )


def total_count() -> int:
    return sum(source.count() for source in sources().values())


def iter_batches(batch_size: int = 1000) -> Iterator[tuple[str, list[Any], list[IndexDocument]]]:
    """(doc_type, ids, documents) for everything indexable, a batch at a time."""
    for doc_type, source in sources().items():
        # The ids are read up front: writing the index between reads of an open cursor is not portable.
        ids = list(source.ids())
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            yield doc_type, chunk, source.build(chunk)
