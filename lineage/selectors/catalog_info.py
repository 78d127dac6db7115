"""The catalog facts impact analysis names (products behind mapped ports, their teams, declared consumers), kept
beside the graph so that an impact touching a thousand products costs dictionary lookups, not a thousand-id query.

Loaded on first use and dropped whenever the graph, the output ports, the products, the teams or the input ports
change (lineage.graph compares a stamp of each on every request).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from catalog.models import DataProduct, InputPort
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


def catalog_info(graph: LineageGraph) -> CatalogInfo:
    """Call with graph.lock held."""
    cached = graph.catalog_memo.get("info")
    if isinstance(cached, CatalogInfo):
        return cached
    info = CatalogInfo()
    mapped = set(graph.ports.product_of.values())
    inputs = (
        list(
            InputPort.objects.filter(source_port__product_id__in=mapped).values_list(
                "product_id", "name", "source_port__product_id"
            )
        )
        if mapped
        else []
    )
    wanted = mapped | {consumer for consumer, _, _ in inputs}
    for product in DataProduct.objects.filter(id__in=wanted).select_related("domain", "owner_team"):
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
    graph.catalog_memo["info"] = info
    return info


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
