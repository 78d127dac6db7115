"""Impact analysis: if this dataset, job or column changes, what is downstream, and who owns or uses it.

"Who uses it" comes from consumer sources: the portal's own is the input ports other products declare on an
affected product's ports. Access grants do not exist yet; `access_grant_consumers` is the hook the access-request
work fills in (or registers another source with `register_consumer_source`).

Everything but the few rows shown is answered from memory (the graph and lineage.selectors.catalog_info), so
the cost follows the size of the downstream closure, not the number of products it touches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from lineage.graph import LineageGraph, get_graph
from lineage.naming import dataset_node_id
from lineage.selectors.catalog_info import (
    CatalogInfo,
    ProductInfo,
    TeamInfo,
    catalog_info,
    declared_consumers,
    port_summary,
)
from lineage.selectors.columns import column_impact_fields
from lineage.selectors.nodes import Node, dataset_names

DEFAULT_SAMPLE = 50
PRODUCT_LIMIT = 200
CONSUMER_LIMIT = 200


@dataclass(frozen=True)
class Consumer:
    kind: str  # "product" | "team" | "person"
    label: str
    url: str
    via: str  # how it consumes: "input port orders-in", "access grant until 2026-01-01", ...
    product_id: int  # the affected product it consumes


# (affected product ids, the catalog facts, at most how many) -> consumers
ConsumerSource = Callable[[set[int], CatalogInfo, int], list[Consumer]]


def declared_input_port_consumers(product_ids: set[int], info: CatalogInfo, limit: int) -> list[Consumer]:
    found = []
    consumers = declared_consumers(info, product_ids)
    for product_id in sorted(product_ids):
        for declared in consumers[product_id]:
            if declared.product is not None and declared.product.id in product_ids:
                continue  # an affected product already; listed there
            found.append(
                Consumer("product", declared.label, declared.url, f"input port {declared.input_port}", product_id)
            )
            if len(found) >= limit:
                return found
    return found


def access_grant_consumers(product_ids: set[int], info: CatalogInfo, limit: int) -> list[Consumer]:
    """HOOK (access grants): people and teams holding an active grant on these products' output ports.

    Returns nothing until access requests and grants exist; that work replaces this body or registers its own
    source with `register_consumer_source`.
    """
    return []


_sources: list[ConsumerSource] = [declared_input_port_consumers, access_grant_consumers]


def register_consumer_source(source: ConsumerSource) -> None:
    if source not in _sources:
        _sources.append(source)


def consumers_of(product_ids: set[int], info: CatalogInfo, limit: int = CONSUMER_LIMIT) -> list[Consumer]:
    if not product_ids:
        return []
    return [c for source in _sources for c in source(product_ids, info, limit)][:limit]


@dataclass
class AffectedProduct:
    product: ProductInfo
    dataset_count: int


@dataclass
class Impact:
    """What a change affects. Lists are bounded (nearest datasets, most affected products); counts are whole."""

    node: Node
    dataset_count: int
    datasets: list[dict]  # nearest first, at most `sample`
    products: list[AffectedProduct]  # most affected first, at most PRODUCT_LIMIT
    product_count: int
    teams: list[TeamInfo]
    consumers: list[Consumer]
    source_products: list[dict] = field(default_factory=list)
    fields: list[dict] = field(default_factory=list)  # column impact only


def _summarise(graph: LineageGraph, node: Node, per_product: Counter, **extra) -> Impact:
    info = catalog_info(graph)
    ranked = sorted(per_product, key=lambda p: (-per_product[p], p))
    products = [AffectedProduct(info.products[p], per_product[p]) for p in ranked if p in info.products]
    teams = {a.product.team.id: a.product.team for a in products}
    return Impact(
        node=node,
        products=products[:PRODUCT_LIMIT],
        product_count=len(per_product),
        teams=sorted(teams.values(), key=lambda t: t.name),
        consumers=consumers_of(set(per_product), info),
        **extra,
    )


# Closures at least this large are kept for the graph version they were walked in (at most HUB_MEMO_SIZE of them):
# a table that feeds most of the mesh takes tens of milliseconds to walk, and the same few hubs are asked about
# again and again while nothing changes. Small closures cost less to walk than to keep.
HUB_MEMO_MIN = 5_000
HUB_MEMO_SIZE = 16
NEAREST_KEPT = 1000  # the most a request may sample (lineage.api.views LineageImpact)


def _downstream_summary(graph: LineageGraph, node_id: int) -> tuple[int, Counter, list[int]]:
    """(datasets downstream, affected product -> datasets of it downstream, the nearest NEAREST_KEPT ids).
    Call with the graph's lock held; the memo lives in `graph.memo`, which the graph clears on every change."""
    memo = graph.memo.setdefault("impact", {})
    assert isinstance(memo, dict)
    if node_id in memo:
        return memo[node_id]
    downstream = graph.downstream(node_id)
    matches, product_of = graph.port_matches, graph.ports.product_of
    per_product: Counter = Counter()
    for dataset_id in downstream.mapped():
        per_product.update({product_of[m.port_id] for m in matches[dataset_id]})
    summary = (len(downstream), per_product, downstream.ids(NEAREST_KEPT))
    if len(downstream) >= HUB_MEMO_MIN:
        if len(memo) >= HUB_MEMO_SIZE:
            del memo[next(iter(memo))]  # the oldest
        memo[node_id] = summary
    return summary


def impact_of(node: Node, *, sample: int = DEFAULT_SAMPLE) -> Impact:
    if node.kind == "datasetField":
        return _column_impact(node)
    graph = get_graph()
    with graph.lock:
        count, per_product, nearest = _downstream_summary(graph, node.graph_id)
        shown = nearest[:sample]
        impact = _summarise(graph, node, per_product, dataset_count=count, datasets=[])
        matches = graph.port_matches
        info = catalog_info(graph)
        own = [port_summary(graph, info, m.port_id) for m in matches.get(node.graph_id, ())]
        shown_ports = {d: [port_summary(graph, info, m.port_id) for m in matches.get(d, ())] for d in shown}
    names = dataset_names(set(shown))
    impact.source_products = [p for p in own if p]
    impact.datasets = [
        {
            "id": dataset_node_id(*names[d]),
            "namespace": names[d][0],
            "name": names[d][1],
            "products": [p for p in shown_ports[d] if p],
        }
        for d in shown
        if d in names
    ]
    return impact


def _column_impact(node: Node) -> Impact:
    fields = column_impact_fields(node)
    graph = get_graph()
    dataset_ids = {f.dataset_id for f in fields}
    with graph.lock:
        per_product = Counter(p for d in dataset_ids for p in graph.products_of(d))
        return _summarise(
            graph,
            node,
            per_product,
            dataset_count=len(dataset_ids),
            datasets=[],
            fields=[
                {
                    "id": f"datasetField:{f.dataset.namespace}:{f.dataset.name}:{f.name}",
                    "namespace": f.dataset.namespace,
                    "dataset": f.dataset.name,
                    "field": f.name,
                }
                for f in fields
            ],
        )
