"""Who reads whom, declared and observed, with times: what the governance policies on lineage check.

For a batch of products, every product edge that ends (consumer side) or starts (producer side) at one of them,
read from the merged product graph, with the times the graph does not keep in memory: when each observed edge
was last reported (its writing jobs' edges, `JobDataset.last_seen_at`, which runs update without changing the
graph) and when each consumer's pipelines last reported writing its datasets at all. A fixed number of queries
per batch, whatever its size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Max

from catalog.models import InputPort
from core.bulk import chunked
from lineage.graph import get_graph
from lineage.models import Direction, JobDataset
from lineage.selectors.product_graph import ProductEdge, mesh_graph


@dataclass(frozen=True)
class DeclaredRead:
    producer: int
    consumer: int
    input_port: str
    source_port: int
    declared_at: datetime
    observable: bool  # the source port has a location lineage can map; without one a read can never be seen


@dataclass(frozen=True)
class ObservedRead:
    producer: int
    consumer: int
    source_ports: frozenset[int]
    last_seen: datetime | None
    declared: bool


@dataclass
class ProductReads:
    declared: list[DeclaredRead] = field(default_factory=list)
    observed: dict[tuple[int, int], ObservedRead] = field(default_factory=dict)  # by (producer, consumer)
    # consumer -> when a pipeline last reported writing one of its datasets (absent: never)
    last_reported: dict[int, datetime] = field(default_factory=dict)


def product_reads(product_ids: Iterable[int]) -> ProductReads:
    """The declared reads into these products (their own input ports), and the observed reads into and out of
    them. Declared reads out of them are left out: a product read by thousands of consumers would otherwise read
    all their input ports each time it is evaluated, and no check of the producer looks at them."""
    ids = set(product_ids)
    graph = get_graph()
    declared_inputs: list[tuple[int, int, int, int]] = []  # (producer, consumer, input id, source port)
    observed: list[tuple[int, int, frozenset[int], set[int], bool]] = []
    consumer_datasets: dict[int, list[int]] = defaultdict(list)
    with graph.lock:
        mesh = mesh_graph(graph)
        edges: dict[tuple[int, int], ProductEdge] = {}
        for p in ids:
            edges.update(((u, p), e) for u, e in mesh.pred.get(p, {}).items())
            edges.update(((p, v), e) for v, e in mesh.succ.get(p, {}).items())
        for (u, v), edge in edges.items():
            if v in ids:  # declared reads out of these products are their consumers' to answer for
                declared_inputs += [(u, v, input_id, port) for input_id, port in edge.declared]
            if edge.observed is not None:
                link = edge.observed
                observed.append((u, v, frozenset(link.source_ports), set(link.jobs), bool(edge.declared)))
        for port, datasets in graph.datasets_of_port.items():
            product = graph.ports.product_of.get(port)
            if product in ids:
                consumer_datasets[product].extend(datasets)
    reads = ProductReads()
    # The source port's location key tells whether lineage could ever see the read (a port without one maps none).
    inputs = {
        pk: (name, created, bool(key))
        for pk, name, created, key in InputPort.objects.filter(id__in=[i for _, _, i, _ in declared_inputs])
        .order_by()
        .values_list("id", "name", "created_at", "source_port__location_key")
    }
    reads.declared = [
        DeclaredRead(u, v, inputs[i][0], port, inputs[i][1], inputs[i][2])
        for u, v, i, port in declared_inputs
        if i in inputs
    ]
    job_seen = _last_seen("job_id", {j for *_, jobs, _ in observed for j in jobs})
    reads.observed = {
        (u, v): ObservedRead(u, v, ports, max((job_seen[j] for j in jobs if j in job_seen), default=None), declared)
        for u, v, ports, jobs, declared in observed
    }
    dataset_seen = _last_seen("dataset_id", {d for ds in consumer_datasets.values() for d in ds})
    for product, datasets in consumer_datasets.items():
        times = [dataset_seen[d] for d in datasets if d in dataset_seen]
        if times:
            reads.last_reported[product] = max(times)
    return reads


def _last_seen(column: str, ids: set[int]) -> dict[int, datetime]:
    """id -> the latest `last_seen_at` of the output edges of these jobs, or into these datasets."""
    found: dict[int, datetime] = {}
    for some in chunked(ids):
        rows = (
            JobDataset.objects.filter(**{f"{column}__in": some}, direction=Direction.OUTPUT)
            .order_by()
            .values_list(column)
            .annotate(latest=Max("last_seen_at"))
        )
        found.update(rows)
    return found
