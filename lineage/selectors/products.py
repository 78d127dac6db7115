"""Product-level lineage, derived: product A feeds product B when data flows from a dataset mapped to one of A's
output ports, through jobs and unmapped datasets, to a dataset mapped to one of B's.

The walk goes downstream from every mapped dataset and stops at the first mapped datasets it meets, so a chain
A -> B -> C gives A->B and B->C, not A->C. The product graph is worked out once per graph version and port change,
on first use, and kept with the graph.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx

from catalog.models import DataProduct, InputPort
from lineage.graph import LineageGraph, get_graph
from lineage.naming import dataset_node_id
from lineage.selectors.nodes import dataset_rows

VIA_EXAMPLES = 5  # dataset pairs kept per product edge, to show how the data flows
WALK_LIMIT = 100_000  # nodes one upstream walk may visit, so one odd dataset cannot stall a request


@dataclass
class ProductGraph:
    graph: nx.DiGraph
    via: dict[tuple[int, int], list[tuple[int, int]]]  # (from product, to product) -> (upstream ds, downstream ds)


def product_graph(graph: LineageGraph) -> ProductGraph:
    """Call with graph.lock held.

    Walks downstream from every mapped dataset over the dataset projection, not upstream: most datasets feed
    little, while nearly every late table has thousands of ancestors, so the downstream walks are the short ones.
    """
    cached = graph.memo.get("products")
    if isinstance(cached, ProductGraph):
        return cached
    down = graph.down
    mapped = {index: dataset_id for index, dataset_id in graph.mapped_dense()}
    via: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    products = nx.DiGraph()
    for dataset_id in graph.port_matches:
        products.add_nodes_from(graph.products_of(dataset_id))
    for start_index, start in mapped.items():
        sources = graph.products_of(start)
        seen, frontier = {start_index}, [start_index]
        while frontier and len(seen) < WALK_LIMIT:
            following = []
            for node in frontier:
                for index in down[node]:
                    if index in seen:
                        continue
                    seen.add(index)
                    target = mapped.get(index)
                    if target is None:
                        following.append(index)
                        continue
                    for product in graph.products_of(target):  # the first mapped dataset: the walk stops here
                        for source in sources - {product}:
                            products.add_edge(source, product)
                            if len(via[(source, product)]) < VIA_EXAMPLES:
                                via[(source, product)].append((start, target))
            frontier = following
    result = ProductGraph(products, dict(via))
    graph.memo["products"] = result
    return result


def _product_summary(product: DataProduct) -> dict:
    return {
        "id": product.identifier,
        "name": product.name,
        "url": product.get_absolute_url(),
        "domain": product.domain.slug,
        "owner_team": product.owner_team.slug,
        "status": product.status,
        "kind": product.kind,
    }


def product_lineage(product: DataProduct, *, depth: int) -> dict:
    """Products up to `depth` hops upstream and downstream of `product`, with the edges among them."""
    graph = get_graph()
    with graph.lock:
        pg = product_graph(graph)
        found = {product.pk: 0}
        if product.pk in pg.graph:
            for view in (pg.graph, pg.graph.reverse(copy=False)):
                found.update(
                    (k, min(v, found.get(k, v)))
                    for k, v in nx.single_source_shortest_path_length(view, product.pk, cutoff=depth).items()
                )
        edges = [(u, v, pg.via.get((u, v), [])) for u, v in pg.graph.subgraph(found).edges]
    rows = {p.pk: p for p in DataProduct.objects.filter(id__in=found).select_related("domain", "owner_team")}
    names = dataset_rows({d for _, _, pairs in edges for pair in pairs for d in pair})

    def name(d: int) -> str:
        return dataset_node_id(names[d].namespace, names[d].name) if d in names else str(d)

    return {
        "product": product.identifier,
        "nodes": [{**_product_summary(rows[p]), "distance": found[p]} for p in sorted(found) if p in rows],
        "edges": [
            {
                "from": rows[u].identifier,
                "to": rows[v].identifier,
                "via": [{"from": name(a), "to": name(b)} for a, b in pairs],
            }
            for u, v, pairs in edges
            if u in rows and v in rows
        ],
    }


@dataclass
class ProductLink:
    product: DataProduct
    via: list[tuple[str, str]]  # (dataset node id upstream, dataset node id downstream)
    declared: bool  # also declared as an input port


@dataclass
class ProductLineageSummary:
    """What a product page shows: its ports' datasets, and the products lineage shows it reading and feeding."""

    port_datasets: dict[str, list[str]] = field(default_factory=dict)  # port label -> dataset node ids
    inputs: list[ProductLink] = field(default_factory=list)
    consumers: list[ProductLink] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.port_datasets or self.inputs or self.consumers)


def product_lineage_summary(product: DataProduct) -> ProductLineageSummary:
    """For the product page (four queries, whatever the graph's size)."""
    graph = get_graph()
    ports = {p.pk: p for p in product.output_ports.all()}
    with graph.lock:
        pg = product_graph(graph)
        mapped = {pk: list(graph.datasets_of_port.get(pk, ())) for pk in ports}
        upstream = (
            {u: pg.via.get((u, product.pk), []) for u in pg.graph.pred[product.pk]} if product.pk in pg.graph else {}
        )
        downstream = (
            {v: pg.via.get((product.pk, v), []) for v in pg.graph.succ[product.pk]} if product.pk in pg.graph else {}
        )
    neighbours = {
        p.pk: p
        for p in DataProduct.objects.filter(id__in={*upstream, *downstream}).select_related("domain", "owner_team")
    }
    declared = set(
        InputPort.objects.filter(product=product, source_port__isnull=False).values_list(
            "source_port__product_id", flat=True
        )
    )
    consumed_by = (
        set(InputPort.objects.filter(source_port__product=product).values_list("product_id", flat=True))
        if downstream
        else set()
    )
    names = dataset_rows(
        {d for ids in mapped.values() for d in ids}
        | {d for pairs in (*upstream.values(), *downstream.values()) for pair in pairs for d in pair}
    )

    def name(d: int) -> str:
        return dataset_node_id(names[d].namespace, names[d].name) if d in names else str(d)

    summary = ProductLineageSummary()
    summary.port_datasets = {ports[pk].label: [name(d) for d in ids] for pk, ids in mapped.items() if ids}
    summary.inputs = [
        ProductLink(neighbours[u], [(name(a), name(b)) for a, b in pairs], u in declared)
        for u, pairs in upstream.items()
        if u in neighbours
    ]
    summary.consumers = [
        ProductLink(neighbours[v], [(name(a), name(b)) for a, b in pairs], v in consumed_by)
        for v, pairs in downstream.items()
        if v in neighbours
    ]
    summary.inputs.sort(key=lambda link: link.product.name)
    summary.consumers.sort(key=lambda link: link.product.name)
    return summary


def product_impact(product: DataProduct) -> list[DataProduct]:
    """Every product downstream of `product` in the product graph."""
    graph = get_graph()
    with graph.lock:
        pg = product_graph(graph)
        reached = nx.descendants(pg.graph, product.pk) if product.pk in pg.graph else set()
    return list(DataProduct.objects.filter(id__in=reached).select_related("domain", "owner_team").order_by("name"))
