"""Product-level lineage for the API and pages, read from the merged product graph (lineage.selectors.product_graph):
a product's neighbourhood, the product page's section, the mesh map, product impact.

Every answer costs a fixed number of queries whatever the size of the mesh: the freshness check, the product rows
shown, the port names on the edges shown, the dataset names of their examples.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote

from django.urls import reverse

from catalog.models import DataProduct, Domain, InputPort, OutputPort
from lineage.graph import get_graph
from lineage.naming import dataset_node_id
from lineage.selectors.nodes import dataset_names, dataset_rows
from lineage.selectors.product_graph import MeshGraph, ProductEdge, mesh_graph

NEIGHBOURHOOD_LIMIT = 500  # products one neighbourhood answer holds by default, nearest kept
MESH_LIMIT = 10_000  # products the mesh map draws at most
# Server-side layout of the mesh map: domains side by side in a grid of boxes, products in a grid inside each.
CELL_X, CELL_Y, DOMAIN_GAP = 190, 70, 120


@dataclass(slots=True)
class _Row:
    """The columns a product graph answer shows of a product: plain values, no model instance (a neighbourhood
    or a map of thousands of products would spend most of its time building and converting them)."""

    pk: int
    slug: str
    name: str
    status: str
    kind: str
    domain: str
    domain_name: str
    owner_team: str
    url: str = ""

    @property
    def identifier(self) -> str:
        return f"{self.domain}/{self.slug}"


def _rows(ids) -> dict[int, _Row]:
    if not ids:
        return {}
    # The product page's path with placeholders, reversed once per answer instead of once per product.
    template = reverse("product_detail", args=["zq0domain0qz", "zq0product0qz"])
    rows = {}
    for values in (
        DataProduct.objects.filter(id__in=ids)
        .order_by()
        .values_list("id", "slug", "name", "status", "kind", "domain__slug", "domain__name", "owner_team__slug")
    ):
        row = _Row(*values)
        row.url = template.replace("zq0domain0qz", quote(row.domain)).replace("zq0product0qz", quote(row.slug))
        rows[row.pk] = row
    return rows


def _product_summary(product: _Row) -> dict:
    return {
        "id": product.identifier,
        "name": product.name,
        "url": product.url,
        "domain": product.domain,
        "domain_name": product.domain_name,
        "owner_team": product.owner_team,
        "status": product.status,
        "kind": product.kind,
    }


def _products(ids) -> dict[int, DataProduct]:
    if not ids:
        return {}
    return {p.pk: p for p in DataProduct.objects.filter(id__in=ids).select_related("domain", "owner_team")}


class _EdgeWriter:
    """Turns edges into API dicts, reading the port and dataset names of all of them in three queries at most."""

    def __init__(self, edges: list[tuple[int, int, ProductEdge]], *, examples: bool):
        self.examples = examples
        input_ids = {i for _, _, e in edges for i, _ in e.declared}
        output_ids = {p for _, _, e in edges for _, p in e.declared}
        if examples:
            output_ids |= {
                p for _, _, e in edges if e.observed for p in (*e.observed.source_ports, *e.observed.target_ports)
            }
        self.outputs: dict[int, str] = {}
        if output_ids:
            for pk, name, version in OutputPort.objects.filter(id__in=output_ids).values_list("id", "name", "version"):
                self.outputs[pk] = f"{name} v{version}" if version else name
        self.inputs = (
            dict(InputPort.objects.filter(id__in=input_ids).order_by().values_list("id", "name")) if input_ids else {}
        )
        datasets = (
            {d for _, _, e in edges if e.observed for pair in e.observed.via for d in pair} if examples else set()
        )
        self.names = {pk: dataset_node_id(ns, name) for pk, (ns, name) in dataset_names(datasets).items()}

    def __call__(self, source: str, target: str, edge: ProductEdge) -> dict:
        out: dict = {
            "from": source,
            "to": target,
            "kind": edge.kind,
            "declared": bool(edge.declared),
            "observed": edge.observed is not None,
            "ports": [{"input": self.inputs.get(i, ""), "output": self.outputs.get(p, "")} for i, p in edge.declared],
        }
        if self.examples:
            link = edge.observed
            out["observed_ports"] = (
                {
                    "from": sorted(self.outputs.get(p, "") for p in link.source_ports),
                    "to": sorted(self.outputs.get(p, "") for p in link.target_ports),
                }
                if link
                else None
            )
            out["via"] = [
                {"from": self.names.get(a, str(a)), "to": self.names.get(b, str(b))}
                for a, b in (link.via if link else ())
            ]
        return out


def product_lineage(
    product: DataProduct,
    *,
    depth: int,
    kind: str = "all",
    direction: str = "both",
    limit: int = NEIGHBOURHOOD_LIMIT,
) -> dict:
    """Products up to `depth` hops upstream and/or downstream of `product` over edges of `kind`, with the edges
    among them (each with its declared input ports and, when observed, the ports and example dataset pairs)."""
    graph = get_graph()
    with graph.lock:
        mesh = mesh_graph(graph)
        found, truncated = mesh.within(
            product.pk, depth, kind=kind, up=direction != "downstream", down=direction != "upstream", limit=limit
        )
        edges = mesh.edges_among(found, kind=kind)
    rows = _rows(found)
    write = _EdgeWriter(edges, examples=True)
    return {
        "product": product.identifier,
        "kind": kind,
        "truncated": truncated,
        "nodes": [{**_product_summary(rows[p]), "distance": found[p]} for p in sorted(found) if p in rows],
        "edges": [
            write(rows[u].identifier, rows[v].identifier, edge) for u, v, edge in edges if u in rows and v in rows
        ],
    }


def _layout(rows: list[_Row]) -> tuple[dict[int, tuple[int, int]], dict[str, tuple[int, int]]]:
    """Positions for the mesh map: one box per domain (in a near-square grid of boxes), products in rows inside.
    Computed here so that the browser draws 10k products without running a layout."""
    by_domain: dict[str, list[_Row]] = defaultdict(list)
    for p in rows:
        by_domain[p.domain].append(p)
    domains = sorted(by_domain)
    per_row = max(1, round(len(domains) ** 0.5))
    widest = max((len(v) for v in by_domain.values()), default=1)
    columns = max(1, min(12, round(widest**0.5)))
    box_w = columns * CELL_X + DOMAIN_GAP
    box_h = (max(1, -(-widest // columns))) * CELL_Y + DOMAIN_GAP
    positions: dict[int, tuple[int, int]] = {}
    origins: dict[str, tuple[int, int]] = {}
    for n, slug in enumerate(domains):
        ox, oy = (n % per_row) * box_w, (n // per_row) * box_h
        origins[slug] = (ox, oy)
        for i, p in enumerate(sorted(by_domain[slug], key=lambda p: p.name)):
            positions[p.pk] = (ox + (i % columns) * CELL_X, oy + (i // columns) * CELL_Y)
    return positions, origins


def mesh_map(
    *, kind: str = "all", domain: Domain | None = None, team_ids: set[int] | None = None, limit: int = MESH_LIMIT
) -> dict:
    """The product graph of the mesh for the lineage page: products with edges (or of one domain, or owned by
    some teams, each with their direct neighbours), their domains as groups, and a position for each product."""
    graph = get_graph()
    with graph.lock:
        mesh = mesh_graph(graph)
        ids = _mesh_products(mesh, kind)
    if domain is not None or team_ids is not None:
        wanted = DataProduct.objects.all()
        if domain is not None:
            wanted = wanted.filter(domain=domain)
        if team_ids is not None:
            wanted = wanted.filter(owner_team_id__in=team_ids)
        own = set(wanted.values_list("id", flat=True))
        with graph.lock:
            ids = set(own)
            for p in own:
                ids.update(v for v, e in mesh.succ.get(p, {}).items() if e.is_a(kind))
                ids.update(u for u, e in mesh.pred.get(p, {}).items() if e.is_a(kind))
    truncated = len(ids) > limit
    if truncated:
        # The most connected first: what a bounded map leaves out is the long tail of lone products.
        with graph.lock:
            ids = set(sorted(ids, key=lambda p: (-len(mesh.succ.get(p, ())) - len(mesh.pred.get(p, ())), p))[:limit])
    rows = _rows(ids)
    with graph.lock:
        edges = mesh.edges_among(set(rows), kind=kind)
    write = _EdgeWriter(edges, examples=False)
    positions, origins = _layout(list(rows.values()))
    domains = {p.domain: p.domain_name for p in rows.values()}
    return {
        "kind": kind,
        "truncated": truncated,
        "domains": [
            {"id": slug, "name": domains[slug], "x": origins[slug][0], "y": origins[slug][1]}
            for slug in sorted(domains)
        ],
        "nodes": [
            {**_product_summary(rows[p]), "x": positions[p][0], "y": positions[p][1]}
            for p in sorted(rows, key=lambda p: (rows[p].domain, rows[p].name))
        ],
        "edges": [write(rows[u].identifier, rows[v].identifier, edge) for u, v, edge in edges],
    }


def _mesh_products(mesh: MeshGraph, kind: str) -> set[int]:
    ids: set[int] = set()
    for u, out in mesh.succ.items():
        for v, edge in out.items():
            if edge.is_a(kind):
                ids.add(u)
                ids.add(v)
    return ids


@dataclass
class ProductLink:
    product: DataProduct
    via: list[tuple[str, str]]  # (dataset node id upstream, dataset node id downstream)
    declared: bool  # declared as an input port
    observed: bool  # seen in the reported lineage
    input_ports: list[str] = field(default_factory=list)  # the declared input ports' names
    # Both products have datasets in the reported lineage, so a declared read could have been seen: only then is
    # a declared-only link a disagreement rather than lineage nobody reports.
    observable: bool = False

    @property
    def kind(self) -> str:
        return "both" if self.declared and self.observed else ("declared" if self.declared else "observed")

    @property
    def disagrees(self) -> bool:
        return self.kind == "observed" or (self.kind == "declared" and self.observable)


@dataclass
class ProductLineageSummary:
    """What a product page shows: its ports' datasets, and the products it reads and feeds, declared or seen."""

    port_datasets: dict[str, list[str]] = field(default_factory=dict)  # port label -> dataset node ids
    inputs: list[ProductLink] = field(default_factory=list)
    consumers: list[ProductLink] = field(default_factory=list)
    reports_lineage: bool = False  # a dataset of its ports is in the reported lineage

    @property
    def is_empty(self) -> bool:
        return not (self.port_datasets or self.inputs or self.consumers)

    @property
    def differences(self) -> int:
        return sum(1 for link in (*self.inputs, *self.consumers) if link.disagrees)


def product_lineage_summary(product: DataProduct) -> ProductLineageSummary:
    """For the product page (a fixed number of queries, whatever the graph's size)."""
    graph = get_graph()
    ports = {p.pk: p for p in product.output_ports.all()}
    with graph.lock:
        mesh = mesh_graph(graph)
        mapped = {pk: list(graph.datasets_of_port.get(pk, ())) for pk in ports}
        upstream = dict(mesh.pred.get(product.pk, {}))
        downstream = dict(mesh.succ.get(product.pk, {}))
        in_lineage = {p for p in (product.pk, *upstream, *downstream) if p in mesh.mapped_products}
    neighbours = _products({*upstream, *downstream})
    input_ids = {i for e in (*upstream.values(), *downstream.values()) for i, _ in e.declared}
    input_names = (
        dict(InputPort.objects.filter(id__in=input_ids).order_by().values_list("id", "name")) if input_ids else {}
    )
    names = dataset_rows(
        {d for ids in mapped.values() for d in ids}
        | {d for e in (*upstream.values(), *downstream.values()) if e.observed for pair in e.observed.via for d in pair}
    )

    def name(d: int) -> str:
        return dataset_node_id(names[d].namespace, names[d].name) if d in names else str(d)

    def link(other: int, edge: ProductEdge) -> ProductLink:
        return ProductLink(
            neighbours[other],
            [(name(a), name(b)) for a, b in (edge.observed.via if edge.observed else ())],
            declared=bool(edge.declared),
            observed=edge.observed is not None,
            input_ports=sorted(input_names.get(i, "") for i, _ in edge.declared),
            observable=product.pk in in_lineage and other in in_lineage,
        )

    summary = ProductLineageSummary(reports_lineage=any(mapped.values()))
    summary.port_datasets = {ports[pk].label: [name(d) for d in ids] for pk, ids in mapped.items() if ids}
    summary.inputs = sorted((link(u, e) for u, e in upstream.items() if u in neighbours), key=lambda k: k.product.name)
    summary.consumers = sorted(
        (link(v, e) for v, e in downstream.items() if v in neighbours), key=lambda k: k.product.name
    )
    return summary


def product_impact(product: DataProduct, *, kind: str = "all") -> list[DataProduct]:
    """Every product downstream of `product` in the product graph (declared or observed edges, or both)."""
    graph = get_graph()
    with graph.lock:
        reached = mesh_graph(graph).descendants(product.pk, kind=kind)
    return list(DataProduct.objects.filter(id__in=reached).select_related("domain", "owner_team").order_by("name"))


def downstream_product_ids(product_ids: set[int]) -> set[int]:
    """Every product downstream of any of `product_ids` in the product graph (declared or observed, any depth),
    for telling their owners of a change upstream; read from the in-memory graph, no query per product."""
    graph = get_graph()
    with graph.lock:
        mesh = mesh_graph(graph)
        reached: set[int] = set()
        for product_id in product_ids:
            reached |= mesh.descendants(product_id)
    return reached - set(product_ids)
