"""The product graph of the mesh: one edge per (producer, consumer), labelled declared, observed or both.

- **declared**: the consumer has an input port whose `source_port` is one of the producer's output ports
  (what the domains say they read);
- **observed**: data flows from a dataset mapped to one of the producer's output ports, through jobs and unmapped
  datasets, to a dataset mapped to one of the consumer's (what the pipelines report with OpenLineage). The walk
  stops at the first mapped datasets, so a chain A -> B -> C gives A->B and B->C, not A->C.

The graph is built once per process (and generation of the lineage graph) and kept up to date from what
changes: new lineage re-walks from the mapped datasets upstream of the datasets the new edges touch; a catalog
change (the input ports are part of the catalog stamp) re-reads the input ports written since (every one after a
deletion); a dataset whose ports change
re-walks the products whose walks start at it or reach it; a match of every dataset again rebuilds.
Everything that walks products (the product lineage API, the product page, the mesh map, product impact, the
governance policies on lineage) reads this one graph.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from catalog.models import InputPort
from core.errors import FieldError, ValidationFailed
from lineage.graph import LineageGraph, written_since

VIA_EXAMPLES = 5  # dataset pairs kept per observed edge, to show how the data flows
JOBS_KEPT = 20  # writing jobs kept per observed edge: governance asks the database when they last ran
WALK_LIMIT = 100_000  # nodes one walk may visit, so one odd dataset cannot stall a request
# A catalog change re-reads only the input ports written since the last read while at most this many were (and
# none was deleted); past it, every input port. Input ports stamp updated_at as output ports do, and PostgreSQL
# looks back as far for commits that landed after they stamped their rows (lineage.graph.PORTS_LOOK_BACK).
DECLARED_CHANGES_AT_MOST = 5000
KINDS = ("all", "declared", "observed")


@dataclass(slots=True, frozen=True)
class ObservedLink:
    """Tuples, not lists or sets: most edges have one of each, and 300k edges x four containers add up."""

    via: tuple[tuple[int, int], ...]  # (upstream dataset, downstream dataset) examples
    source_ports: tuple[int, ...]  # the producer's output ports the data left by
    target_ports: tuple[int, ...]  # the consumer's output ports it arrived at
    jobs: tuple[int, ...]  # jobs writing the consumer's datasets on these paths (by id)


@dataclass(slots=True)
class ProductEdge:
    declared: tuple[tuple[int, int], ...] = ()  # (input port id, source output port id)
    observed: ObservedLink | None = None

    @property
    def kind(self) -> str:
        if self.declared and self.observed is not None:
            return "both"
        return "declared" if self.declared else "observed"

    def is_a(self, kind: str) -> bool:
        if kind == "declared":
            return bool(self.declared)
        if kind == "observed":
            return self.observed is not None
        return True


@dataclass
class MeshGraph:
    succ: dict[int, dict[int, ProductEdge]] = field(default_factory=lambda: defaultdict(dict))
    pred: dict[int, dict[int, ProductEdge]] = field(default_factory=lambda: defaultdict(dict))
    mapped_products: set[int] = field(default_factory=set)  # products with a port that maps a dataset
    full_builds: int = 0
    # input port id -> (producer, consumer, source port) of the declared edge it makes: what a changed input port
    # takes back from its old edge (_declare_changes)
    declared_by_input: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    declared_reads: int = 0  # times every input port was read (_declare); a few changed ones are read alone

    def __contains__(self, product_id: int) -> bool:
        return product_id in self.succ or product_id in self.pred

    def edge(self, u: int, v: int) -> ProductEdge | None:
        return self.succ.get(u, {}).get(v)

    def edge_count(self) -> int:
        return sum(len(out) for out in self.succ.values())

    def _add(self, u: int, v: int) -> ProductEdge:
        edge = self.succ[u].get(v)
        if edge is None:
            edge = self.succ[u][v] = self.pred[v][u] = ProductEdge()
        return edge

    def within(self, start: int, depth: int, *, kind: str = "all", up: bool = True, down: bool = True,
               limit: int | None = None) -> tuple[dict[int, int], bool]:  # fmt: skip
        """Products at most `depth` hops upstream and/or downstream of `start` over edges of `kind` -> their
        distance, nearest first; at most `limit` of them (the second value tells when some were left out)."""
        found = {start: 0}
        truncated = False
        for adjacency, wanted in ((self.succ, down), (self.pred, up)):
            if not wanted:
                continue
            frontier, distance = [start], 0
            seen = {start}
            while frontier and distance < depth:
                distance += 1
                following = []
                for node in frontier:
                    for other, edge in adjacency.get(node, {}).items():
                        if other in seen or not edge.is_a(kind):
                            continue
                        seen.add(other)
                        following.append(other)
                        if other not in found or found[other] > distance:
                            found[other] = distance
                frontier = following
        if limit is not None and len(found) > limit:
            kept = sorted(found.items(), key=lambda item: (item[1], item[0]))[:limit]
            found, truncated = dict(kept), True
        return found, truncated

    def edges_among(self, nodes: set[int] | dict[int, int], *, kind: str = "all") -> list[tuple[int, int, ProductEdge]]:
        succ = self.succ
        return [
            (u, v, edge) for u in nodes if u in succ for v, edge in succ[u].items() if v in nodes and edge.is_a(kind)
        ]

    def descendants(self, start: int, *, kind: str = "all") -> set[int]:
        reached: set[int] = set()
        frontier = [start]
        while frontier:
            following = []
            for node in frontier:
                for other, edge in self.succ.get(node, {}).items():
                    if other not in reached and other != start and edge.is_a(kind):
                        reached.add(other)
                        following.append(other)
            frontier = following
        return reached


Walk = dict[tuple[int, int], tuple[list, set, set, set]]  # (producer, consumer) -> via, ports out, ports in, jobs


def _walk(graph: LineageGraph, starts: Iterable[int]) -> Walk:
    """Walk downstream from each mapped dataset in `starts` over the dataset projection, to the first mapped
    datasets. Downstream, not upstream: most datasets feed little, while nearly every late table has thousands of
    ancestors, so the downstream walks are the short ones."""
    down, g_pred = graph.down, graph.g._pred
    dense, dense_ids = graph.dense, graph.dense_ids
    mapped = dict(graph.mapped_dense())
    product_of, matches = graph.ports.product_of, graph.port_matches
    found: Walk = {}
    for start in starts:
        start_index = dense.get(start)
        if start_index is None or start not in matches:
            continue
        start_ports = [m.port_id for m in matches[start]]
        sources = {product_of[p] for p in start_ports}
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
                    # The first mapped dataset: the walk stops here. The jobs writing it from what this walk
                    # reached are the ones whose runs say how recently the edge was observed.
                    target_id = dense_ids[index]
                    writers = [
                        job
                        for job in g_pred.get(target_id, ())
                        if any(dense.get(i) in seen for i in g_pred.get(job, ()))
                    ]
                    for match in matches[target]:
                        consumer = product_of[match.port_id]
                        for source in sources - {consumer}:
                            link = found.get((source, consumer))
                            if link is None:
                                link = found[(source, consumer)] = ([], set(), set(), set())
                            via, source_ports, target_ports, jobs = link
                            if len(via) < VIA_EXAMPLES:
                                via.append((start, target))
                            source_ports.update(p for p in start_ports if product_of[p] == source)
                            target_ports.add(match.port_id)
                            for job in writers:
                                if len(jobs) >= JOBS_KEPT:
                                    break
                                jobs.add(-job)
            frontier = following
    return found


def _observe(mesh: MeshGraph, found: Walk) -> None:
    """Add what walks found to the mesh's observed edges (a union: between generations edges are only added)."""
    for (u, v), (via, src, dst, jobs) in found.items():
        edge = mesh._add(u, v)
        old = edge.observed
        if old is not None:
            via = [*old.via, *(pair for pair in via if pair not in old.via)][:VIA_EXAMPLES]
            src, dst = src | set(old.source_ports), dst | set(old.target_ports)
            jobs = set(sorted(set(old.jobs) | jobs)[:JOBS_KEPT])
        edge.observed = ObservedLink(tuple(via), tuple(sorted(src)), tuple(sorted(dst)), tuple(sorted(jobs)))


def _affected_starts(graph: LineageGraph, touched: set[int]) -> set[int] | None:
    """The mapped datasets whose walks pass through `touched` datasets: upstream of them over unmapped datasets.
    None when that is too much to be worth it (the caller rebuilds)."""
    mapped, pred = graph.port_matches, graph.g._pred
    starts: set[int] = set()
    seen = set(touched)
    frontier = list(touched)
    while frontier:
        following = []
        for dataset in frontier:
            if dataset in mapped:
                starts.add(dataset)
                continue  # a walk from further up stops here
            for job in pred.get(dataset, ()):
                for upstream in pred.get(job, ()):
                    if upstream not in seen:
                        seen.add(upstream)
                        following.append(upstream)
        if len(seen) > WALK_LIMIT:
            return None
        frontier = following
    return starts


def _rewalk_remapped(graph: LineageGraph, mesh: MeshGraph) -> bool:
    """Bring the observed edges up to date after some datasets' ports changed, or answer False when that touches
    too much to be worth it (the caller rebuilds).

    A walk changes if it starts at such a dataset or reaches one (it used to go through, or stop, there). The
    products those walks start from get their observed edges taken away and walked again from every dataset
    mapped to them, so what only the old mapping gave goes."""
    changed = graph.remapped_datasets
    pred = graph.g._pred
    upstream = {u for d in changed for job in pred.get(d, ()) for u in pred.get(job, ())}
    starts = _affected_starts(graph, upstream)
    if starts is None:
        return False
    products = set(graph.remapped_products)
    for dataset in starts | changed:
        products |= graph.products_of(dataset)
    walk_from = graph.mapped_datasets_of(products)
    if len(walk_from) > WALK_LIMIT:
        return False
    for u in products:
        for v, edge in list(mesh.succ.get(u, {}).items()):
            if edge.observed is None:
                continue
            if edge.declared:
                edge.observed = None
            else:
                del mesh.succ[u][v]
                del mesh.pred[v][u]
    _observe(mesh, _walk(graph, walk_from))
    return True


def declared_links(graph: LineageGraph) -> list[tuple[int, int, int, int]]:
    """(producer, consumer, input port id, source output port id) of every resolved input port (one query)."""
    rows = (
        InputPort.objects.filter(source_port__isnull=False)
        .order_by()
        .values_list("id", "product_id", "source_port_id", "source_port__product_id")
    )
    # One int object per product: the database hands out a fresh one per row, and the graph keeps them all.
    same: dict[int, int] = {}
    one = same.setdefault
    return [
        (one(producer, producer), one(consumer, consumer), input_id, port_id)
        for input_id, consumer, port_id, producer in rows.iterator(chunk_size=20_000)
        if producer != consumer
    ]


def _declare(graph: LineageGraph, mesh: MeshGraph) -> None:
    """Set every edge's declared ports from the input ports, dropping edges left with neither kind."""
    for u, out in mesh.succ.items():
        for v, edge in list(out.items()):
            if not edge.declared:
                continue
            if edge.observed is None:
                del out[v]
                del mesh.pred[v][u]
            else:
                edge.declared = ()
    mesh.declared_by_input = {}
    for u, v, input_id, port_id in declared_links(graph):
        _add_declared(mesh, input_id, (u, v, port_id))
    mesh.declared_reads += 1


def _add_declared(mesh: MeshGraph, input_id: int, link: tuple[int, int, int]) -> None:
    u, v, port_id = link
    edge = mesh._add(u, v)
    edge.declared = tuple(sorted((*edge.declared, (input_id, port_id))))
    mesh.declared_by_input[input_id] = link


def _remove_declared(mesh: MeshGraph, input_id: int) -> None:
    link = mesh.declared_by_input.pop(input_id, None)
    if link is None:
        return
    u, v, _ = link
    edge = mesh.edge(u, v)
    if edge is None:
        return
    edge.declared = tuple(d for d in edge.declared if d[0] != input_id)
    if not edge.declared and edge.observed is None:
        del mesh.succ[u][v]
        del mesh.pred[v][u]


def _declare_changes(mesh: MeshGraph, old_stamp: tuple | None, stamp: tuple | None) -> bool:
    """Bring the declared edges up to date from the input ports written since `old_stamp` (the lineage graph's
    catalog stamp: deletions, then MAX(id) and MAX(updated_at) of products, teams and input ports). False when
    that cannot be told from them (a deletion, no stamp, too many changes): the caller reads every input port."""
    if old_stamp is None or stamp is None or old_stamp[0] != stamp[0]:
        return False
    max_id, newest = old_stamp[5], old_stamp[6]
    if (max_id, newest) == (stamp[5], stamp[6]):
        return True  # products or teams changed, no input port did
    rows = list(
        InputPort.objects.filter(written_since(max_id, newest))
        .order_by()
        .values_list("id", "product_id", "source_port_id", "source_port__product_id")[: DECLARED_CHANGES_AT_MOST + 1]
    )
    if len(rows) > DECLARED_CHANGES_AT_MOST:
        return False
    for input_id, consumer, port_id, producer in rows:
        link = (producer, consumer, port_id) if port_id is not None and producer != consumer else None
        if mesh.declared_by_input.get(input_id) == link:
            continue  # read again in the look-back, or written without a change of source
        _remove_declared(mesh, input_id)
        if link is not None:
            _add_declared(mesh, input_id, link)
    return True


@dataclass
class _State:
    generation: int | None
    catalog_stamp: tuple | None
    mesh: MeshGraph


def mesh_graph(graph: LineageGraph) -> MeshGraph:
    """The merged product graph of the whole mesh, brought up to date. Call with graph.lock held.

    Built once per process and generation of the lineage graph; then new lineage re-walks only from the mapped
    datasets upstream of what the new edges touch, a catalog change re-reads the declared edges, and datasets whose
    ports changed re-walk the products whose walks start at or reach them. A match of every dataset again
    (graph.remapped) rebuilds it."""
    state = graph.product_state
    if not isinstance(state, _State) or graph.remapped or state.generation != graph.generation:
        mesh = MeshGraph()
        _observe(mesh, _walk(graph, graph.port_matches))
        _declare(graph, mesh)
        mesh.full_builds = getattr(state, "mesh", mesh).full_builds + 1 if isinstance(state, _State) else 1
    else:
        mesh = state.mesh
        if graph.remapped_datasets and not _rewalk_remapped(graph, mesh):
            graph.remapped = True
            return mesh_graph(graph)
        if graph.touched:
            starts = _affected_starts(graph, graph.touched)
            if starts is None:
                graph.remapped, graph.touched = True, set()
                return mesh_graph(graph)
            _observe(mesh, _walk(graph, starts))
        if state.catalog_stamp != graph.catalog_stamp and not _declare_changes(
            mesh, state.catalog_stamp, graph.catalog_stamp
        ):
            _declare(graph, mesh)
    if graph.touched or graph.remapped_datasets or not isinstance(state, _State) or mesh is not state.mesh:
        mesh.mapped_products = {graph.ports.product_of[p] for p, ds in graph.datasets_of_port.items() if ds}
    graph.touched, graph.remapped = set(), False
    graph.remapped_datasets, graph.remapped_products = set(), set()
    graph.product_state = _State(graph.generation, graph.catalog_stamp, mesh)
    return mesh


def check_kind(raw: str | None) -> str:
    """`kind` as the API and pages take it; raises ValidationFailed naming the parameter."""
    kind = (raw or "all").strip().lower()
    if kind not in KINDS:
        raise ValidationFailed(
            [FieldError("kind", "One of all, declared, observed.")], message="The query has invalid parameters."
        )
    return kind
