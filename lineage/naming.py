"""Names: Marquez node ids. The normalisation that matches OpenLineage datasets to output port locations is
catalog.locations."""

from __future__ import annotations

from dataclasses import dataclass

# Marquez node ids ---------------------------------------------------------------------------------------------


def dataset_node_id(namespace: str, name: str) -> str:
    return f"dataset:{namespace}:{name}"


def job_node_id(namespace: str, name: str) -> str:
    return f"job:{namespace}:{name}"


def field_node_id(namespace: str, name: str, field: str) -> str:
    return f"datasetField:{namespace}:{name}:{field}"


@dataclass(frozen=True)
class NodeRef:
    """A parsed node id. Namespaces may hold ':' (postgres://db:5432), so a dataset or job id may split in
    several places; `candidates` lists every (namespace, name) reading, and the database decides which exists."""

    kind: str  # "dataset" | "job" | "datasetField"
    candidates: tuple[tuple[str, str], ...]
    field: str = ""


NODE_KINDS = ("dataset", "job", "datasetField")


def parse_node_id(node_id: str) -> NodeRef | None:
    kind, sep, rest = node_id.partition(":")
    if not sep or kind not in NODE_KINDS or not rest:
        return None
    field = ""
    if kind == "datasetField":
        rest, sep, field = rest.rpartition(":")
        if not sep or not field or not rest:
            return None
    candidates = []
    start = 0
    while True:
        index = rest.find(":", start)
        if index < 0:
            break
        namespace, name = rest[:index], rest[index + 1 :]
        if namespace and name:
            candidates.append((namespace, name))
        start = index + 1
    if not candidates:
        return None
    return NodeRef(kind=kind, candidates=tuple(candidates), field=field)
