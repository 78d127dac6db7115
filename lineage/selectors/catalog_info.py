"""The catalog facts impact analysis names (products behind mapped ports, their teams, declared consumers), kept
beside the graph so that an impact touching a thousand products costs dictionary lookups, not a thousand-id query.
Only the products lineage maps datasets to are read up front; the declared consumers of any other product are read
when first asked for, and kept.

Loaded on first use and dropped whenever the graph, the output ports, the products, the teams or the input ports
change (lineage.graph compares a stamp of each on every request).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from catalog.models import DataProduct, InputPort
from core.bulk import chunked
from lineage.graph import LineageGraph


@dataclass(frozen=True)
class TeamInfo:
    id: int
    slug: str
    name: str
    contact_email: str

    @property
    def url(self) -> str:
        return reverse("team_detail", args=[self.slug])


@dataclass(frozen=True)
class ProductInfo:
    id: int
    identifier: str
    name: str
    url: str
    status: str
    domain_name: str
    team: TeamInfo


@dataclass(frozen=True)
class DeclaredConsumer:
    product: ProductInfo | None  # the consuming product, when the catalog has it
    label: str
    url: str
    input_port: str
    source_product_id: int


@dataclass
class CatalogInfo:
    products: dict[int, ProductInfo] = field(default_factory=dict)
    teams: dict[int, TeamInfo] = field(default_factory=dict)
    consumers: dict[int, list[DeclaredConsumer]] = field(default_factory=dict)  # by consumed product
    consumers_read: set[int] = field(default_factory=set)  # the consumed products `consumers` is complete for


def catalog_info(graph: LineageGraph) -> CatalogInfo:
    """The products behind the ports the graph's datasets map to, and their declared consumers. Call with
    graph.lock held."""
    cached = graph.catalog_memo.get("info")
    if isinstance(cached, CatalogInfo):
        return cached
    info = CatalogInfo()
    declared_consumers(info, set(graph.ports.product_of.values()))
    graph.catalog_memo["info"] = info
    return info


def declared_consumers(info: CatalogInfo, product_ids: set[int]) -> dict[int, list[DeclaredConsumer]]:
    """Consumed product -> the products whose input ports read it, for these products; reads the database only
    for products `info` has not read yet, and keeps what it read (the memo lives as long as the catalog facts).
    Call with graph.lock held."""
    missing = sorted(product_ids - info.consumers_read)
    inputs: list[tuple[int, str, int]] = []
    for some in chunked(missing):
        rows = InputPort.objects.filter(source_port__product_id__in=some)
        inputs += rows.values_list("product_id", "name", "source_port__product_id")
    _add_products(info, set(missing) | {consumer for consumer, _, _ in inputs})
    for consumer_id, port_name, source_id in inputs:
        consumer = info.products.get(consumer_id)
        info.consumers.setdefault(source_id, []).append(
            DeclaredConsumer(
                product=consumer,
                label=consumer.name if consumer else str(consumer_id),
                url=consumer.url if consumer else "",
                input_port=port_name,
                source_product_id=source_id,
            )
        )
    info.consumers_read.update(missing)
    return {p: info.consumers.get(p, []) for p in product_ids}


def _add_products(info: CatalogInfo, product_ids: set[int]) -> None:
    wanted = sorted(product_ids - set(info.products))
    for some in chunked(wanted):
        for product in DataProduct.objects.filter(id__in=some).select_related("domain", "owner_team"):
            team = info.teams.get(product.owner_team_id)
            if team is None:
                owner = product.owner_team
                team = info.teams[owner.pk] = TeamInfo(owner.pk, owner.slug, owner.name, owner.contact_email)
            info.products[product.pk] = ProductInfo(
                id=product.pk,
                identifier=product.identifier,
                name=product.name,
                url=product.get_absolute_url(),
                status=product.status,
                domain_name=product.domain.name,
                team=team,
            )


def port_summary(graph: LineageGraph, info: CatalogInfo, port_id: int) -> dict | None:
    product = info.products.get(graph.ports.product_of.get(port_id, -1))
    if product is None:
        return None
    return {
        "id": product.identifier,
        "name": product.name,
        "url": product.url,
        "port": graph.ports.name_of.get(port_id, ""),
        "status": product.status,
    }
