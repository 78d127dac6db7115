"""Column-level lineage in Marquez's shape, and column-level impact."""

from __future__ import annotations

from typing import Any

from lineage.graph import get_graph
from lineage.models import ColumnEdge, DatasetField
from lineage.naming import field_node_id
from lineage.selectors.nodes import Node


def _field_rows(ids: set[int]) -> dict[int, DatasetField]:
    if not ids:
        return {}
    rows = (
        DatasetField.objects.filter(id__in=ids)
        .select_related("dataset")
        .only("id", "name", "data_type", "dataset__namespace", "dataset__name")
    )
    return {f.pk: f for f in rows}


def start_fields(node: Node) -> list[int]:
    """A field node starts from itself; a dataset node from every field column lineage names."""
    if node.kind == "datasetField":
        return [node.field_id] if node.field_id is not None else []
    return list(DatasetField.objects.filter(dataset_id=node.graph_id).values_list("id", flat=True))


def column_lineage(node: Node, *, depth: int, with_downstream: bool) -> list[dict[str, Any]]:
    """Marquez's `GET /api/v1/column-lineage`: upstream always, downstream when asked for."""
    graph = get_graph()
    starts = start_fields(node)
    with graph.lock:
        found = graph.column_within(starts, depth, up=True, down=with_downstream)
        edges = graph.column_edges_among(set(found))
    fields = _field_rows(set(found))
    details = (
        {
            (e.source_id, e.target_id): e
            for e in ColumnEdge.objects.filter(target_id__in=[v for _, v in edges], source_id__in=[u for u, _ in edges])
        }
        if edges
        else {}
    )

    def fid(pk: int) -> str:
        f = fields[pk]
        return field_node_id(f.dataset.namespace, f.dataset.name, f.name)

    ins: dict[int, list] = {pk: [] for pk in found}
    outs: dict[int, list] = {pk: [] for pk in found}
    for u, v in edges:
        edge = {"origin": fid(u), "destination": fid(v)}
        outs[u].append(edge)
        ins[v].append(edge)
    nodes = []
    for pk in sorted(found, key=lambda p: (found[p], p)):
        f = fields[pk]
        inputs = []
        for u, _ in (e for e in edges if e[1] == pk):
            source, detail = fields[u], details.get((u, pk))
            transformation = (detail.transformations or [{}])[0] if detail else {}
            inputs.append(
                {
                    "namespace": source.dataset.namespace,
                    "dataset": source.dataset.name,
                    "field": source.name,
                    "transformationDescription": detail.description or None if detail else None,
                    "transformationType": transformation.get("type") if isinstance(transformation, dict) else None,
                    "transformations": detail.transformations if detail else [],
                }
            )
        first = inputs[0] if inputs else {}
        nodes.append(
            {
                "id": fid(pk),
                "type": "DATASET_FIELD",
                "data": {
                    "namespace": f.dataset.namespace,
                    "dataset": f.dataset.name,
                    "field": f.name,
                    "fieldType": f.data_type or None,
                    "transformationDescription": first.get("transformationDescription"),
                    "transformationType": first.get("transformationType"),
                    "inputFields": inputs,
                },
                "inEdges": ins[pk],
                "outEdges": outs[pk],
            }
        )
    return nodes


def column_impact_fields(node: Node) -> list[DatasetField]:
    """Every field downstream of a field (or of all fields of a dataset)."""
    graph = get_graph()
    starts = start_fields(node)
    with graph.lock:
        reached = graph.column_downstream(starts)
    return sorted(_field_rows(reached).values(), key=lambda f: (f.dataset.namespace, f.dataset.name, f.name))
