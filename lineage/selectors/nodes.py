"""Reading the graph back: node ids resolved, and answers in Marquez's shapes.

`GET /api/v1/lineage` answers like Marquez's: `{"graph": [{id, type, data, inEdges, outEdges}]}` with the same keys
in `data`; times are ISO 8601 strings. The portal adds `data.products` (the output ports a dataset is mapped to)
and a top-level `truncated` when the node limit cut the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Max, OuterRef, Q, Subquery

from core.errors import FieldError, NotFound, ValidationFailed
from lineage.graph import get_graph
from lineage.marquez.shapes import RUN_STATES
from lineage.models import Dataset, DatasetField, Direction, Job, JobDataset, Run
from lineage.naming import dataset_node_id, field_node_id, job_node_id, parse_node_id
from lineage.selectors.catalog_info import catalog_info, port_summary

MAX_DEPTH = 20
DEFAULT_MAX_NODES = 1000


@dataclass(frozen=True)
class Node:
    """A resolved node: `graph_id` is its integer in the graph (dataset pk, or minus the job pk)."""

    kind: str  # "dataset" | "job" | "datasetField"
    graph_id: int
    namespace: str
    name: str
    field_id: int | None = None
    field: str = ""

    @property
    def node_id(self) -> str:
        if self.kind == "job":
            return job_node_id(self.namespace, self.name)
        if self.kind == "datasetField":
            return field_node_id(self.namespace, self.name, self.field)
        return dataset_node_id(self.namespace, self.name)


def _bad_node(node_id: str) -> ValidationFailed:
    return ValidationFailed(
        [
            FieldError(
                "nodeId",
                f"'{node_id}' is not a node id: dataset:<ns>:<name>, job:<ns>:<name> or "
                "datasetField:<ns>:<name>:<field>.",
            )
        ],
        message="The query has invalid parameters.",
    )


def resolve_node(node_id: str, *, kinds: tuple[str, ...] = ("dataset", "job")) -> Node:
    ref = parse_node_id(node_id or "")
    if ref is None or ref.kind not in kinds:
        raise _bad_node(node_id)
    match = Q()
    for namespace, name in ref.candidates:
        match |= Q(namespace=namespace, name=name)
    if ref.kind == "job":
        job = next(iter(Job.objects.filter(match).order_by().values_list("id", "namespace", "name")[:1]), None)
        if job is None:
            raise NotFound(f"No job '{node_id}'.", path="nodeId")
        return Node("job", -job[0], job[1], job[2])
    dataset = next(iter(Dataset.objects.filter(match).order_by().values_list("id", "namespace", "name")[:1]), None)
    if dataset is None:
        raise NotFound(f"No dataset '{node_id}'.", path="nodeId")
    if ref.kind == "dataset":
        return Node("dataset", dataset[0], dataset[1], dataset[2])
    field_id = DatasetField.objects.filter(dataset_id=dataset[0], name=ref.field).values_list("id", flat=True).first()
    # A field no column lineage names has no row of its own; it exists if the dataset's schema lists it.
    if field_id is None and not any(
        f.get("name") == ref.field for f in Dataset.objects.values_list("fields", flat=True).get(pk=dataset[0])
    ):
        raise NotFound(f"No field '{ref.field}' in dataset '{dataset[1]}:{dataset[2]}'.", path="nodeId")
    return Node("datasetField", dataset[0], dataset[1], dataset[2], field_id=field_id, field=ref.field)


def check_depth(raw: Any, default: int) -> int:
    if raw in (None, ""):
        return default
    try:
        depth = int(raw)
    except (TypeError, ValueError):
        depth = -1
    if not 0 <= depth <= MAX_DEPTH:
        raise ValidationFailed(
            [FieldError("depth", f"A whole number from 0 to {MAX_DEPTH}.")], message="The query has invalid parameters."
        )
    return depth


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


# Rows for a set of graph ids -----------------------------------------------------------------------------------


def dataset_names(ids: set[int]) -> dict[int, tuple[str, str]]:
    """id -> (namespace, name), for answers that only name datasets."""
    if not ids:
        return {}
    rows = Dataset.objects.filter(id__in=ids).order_by().values_list("id", "namespace", "name")
    return {pk: (namespace, name) for pk, namespace, name in rows}


def dataset_rows(ids: set[int]) -> dict[int, Dataset]:
    fields = ("id", "namespace", "name", "description", "source_name", "fields", "created_at", "updated_at")
    return {d.pk: d for d in Dataset.objects.filter(id__in=ids).order_by().only(*fields)} if ids else {}


def job_rows(ids: set[int]) -> dict[int, Job]:
    fields = (
        "id",
        "namespace",
        "name",
        "description",
        "location",
        "processing_type",
        "job_type",
        "created_at",
        "updated_at",
    )
    # The latest run by the (job, -state_time) index, one row per job however many runs it has.
    latest = Run.objects.filter(job=OuterRef("pk")).order_by("-state_time").values("run_uuid")[:1]
    jobs = Job.objects.filter(id__in=ids).only(*fields).annotate(latest_run_uuid=Subquery(latest))
    return {j.pk: j for j in jobs} if ids else {}


def dataset_data(ds: Dataset, products: list[dict], last_modified=None) -> dict[str, Any]:
    return {
        "id": {"namespace": ds.namespace, "name": ds.name},
        "type": "DB_TABLE",
        "name": ds.name,
        "physicalName": ds.name,
        "createdAt": _iso(ds.created_at),
        "updatedAt": _iso(ds.updated_at),
        "namespace": ds.namespace,
        "sourceName": ds.source_name,
        "fields": [
            {"name": f.get("name"), "type": f.get("type"), "tags": [], "description": f.get("description")}
            for f in ds.fields
        ],
        "tags": [],
        "lastModifiedAt": _iso(last_modified),
        "description": ds.description or None,
        "products": products,
    }


def run_data(run: Run | None) -> dict[str, Any] | None:
    if run is None:
        return None
    duration = run.duration
    return {
        "id": str(run.run_uuid),
        "createdAt": _iso(run.created_at),
        "updatedAt": _iso(run.updated_at),
        "nominalStartTime": _iso(run.nominal_start),
        "nominalEndTime": _iso(run.nominal_end),
        "state": RUN_STATES.get(run.state, "NEW"),  # Marquez's names: COMPLETED, FAILED, ...
        "startedAt": _iso(run.started_at),
        "endedAt": _iso(run.ended_at),
        "durationMs": int(duration.total_seconds() * 1000) if duration is not None else None,
    }


def job_data(job: Job, inputs: list[Dataset], outputs: list[Dataset], run: Run | None) -> dict[str, Any]:
    return {
        "id": {"namespace": job.namespace, "name": job.name},
        "type": job.processing_type or "BATCH",
        "name": job.name,
        "simpleName": job.name.rsplit(".", 1)[-1],
        "createdAt": _iso(job.created_at),
        "updatedAt": _iso(job.updated_at),
        "namespace": job.namespace,
        "inputs": [{"namespace": d.namespace, "name": d.name} for d in inputs],
        "outputs": [{"namespace": d.namespace, "name": d.name} for d in outputs],
        "location": job.location or None,
        "description": job.description or None,
        "latestRun": run_data(run),
    }


# The Marquez lineage graph ---------------------------------------------------------------------------------


@dataclass
class GraphAnswer:
    graph: list[dict]
    truncated: bool


def lineage_graph(
    node: Node, *, depth: int, up: bool = True, down: bool = True, max_nodes: int = DEFAULT_MAX_NODES
) -> GraphAnswer:
    graph = get_graph()
    with graph.lock:
        found = graph.within(node.graph_id, depth, up=up, down=down)
        truncated = len(found) > max_nodes
        kept = set(sorted(found, key=lambda n: (found[n], n))[:max_nodes]) if truncated else set(found)
        edges = graph.edges_among(kept)
        job_io = {n: (list(graph.g.pred[n]), list(graph.g.succ[n])) for n in kept if n < 0 and n in graph.g}
        info = catalog_info(graph)
        products = {
            n: [p for p in (port_summary(graph, info, m.port_id) for m in graph.port_matches.get(n, ())) if p]
            for n in kept
            if n > 0
        }
    return GraphAnswer(_marquez_nodes(kept, edges, job_io, products), truncated)


def _marquez_nodes(kept: set[int], edges: list[tuple[int, int]], job_io: dict, products: dict) -> list[dict]:
    dataset_ids = {n for n in kept if n > 0} | {d for io in job_io.values() for side in io for d in side}
    datasets = dataset_rows(dataset_ids)
    jobs = job_rows({-n for n in kept if n < 0})
    latest = {j.pk: getattr(j, "latest_run_uuid", None) for j in jobs.values()}  # annotated by job_rows
    runs: dict[Any, Run] = (
        {r.run_uuid: r for r in Run.objects.filter(run_uuid__in=[u for u in latest.values() if u])} if jobs else {}
    )
    written = dict(
        JobDataset.objects.filter(dataset_id__in=[n for n in kept if n > 0], direction=Direction.OUTPUT)
        .values("dataset_id")
        .annotate(at=Max("last_seen_at"))
        .values_list("dataset_id", "at")
    )

    def node_id(n: int) -> str:
        if n < 0:
            return job_node_id(jobs[-n].namespace, jobs[-n].name)
        return dataset_node_id(datasets[n].namespace, datasets[n].name)

    ins: dict[int, list[dict]] = {n: [] for n in kept}
    outs: dict[int, list[dict]] = {n: [] for n in kept}
    for u, v in edges:
        edge = {"origin": node_id(u), "destination": node_id(v)}
        outs[u].append(edge)
        ins[v].append(edge)
    nodes = []
    for n in sorted(kept):
        if n < 0:
            job = jobs[-n]
            inputs, outputs = job_io.get(n, ([], []))
            data = job_data(
                job,
                [datasets[d] for d in inputs],
                [datasets[d] for d in outputs],
                runs.get(latest[job.pk]),
            )
            kind = "JOB"
        else:
            data, kind = dataset_data(datasets[n], products.get(n, []), written.get(n)), "DATASET"
        nodes.append({"id": node_id(n), "type": kind, "data": data, "inEdges": ins[n], "outEdges": outs[n]})
    return nodes
