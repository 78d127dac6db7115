"""The dbt project as OpenLineage events, named as the OpenLineage dbt integration names them.

Datasets: namespace from the adapter and the connection (`postgres://host:port`), name
`database.schema.identifier`. One JobEvent per model, seed and snapshot (its inputs are what it depends on);
each result of run_results.json becomes a run of that job (START and COMPLETE, or FAIL). Events are built from the
files' own times and ids only, so the same files give the same events and the lineage app drops them as replays.
"""

from __future__ import annotations

import uuid
from typing import Any

from harvest.dbt.manifest import DATASET_TYPES, Node, Project

PRODUCER = "https://github.com/meshportal/meshportal/tree/main/harvest"
RUN_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
JOB_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent"
FACET_SCHEMA = "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
DOC_SCHEMA = "https://openlineage.io/spec/facets/1-0-1/DocumentationDatasetFacet.json#/$defs/DocumentationDatasetFacet"
JOB_TYPE_SCHEMA = "https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet"
# Adapters whose OpenLineage namespace is `<scheme>://host:port`; others get `<adapter>://<project>`.
SCHEMES = {"postgres": "postgres", "redshift": "redshift", "mysql": "mysql", "sqlserver": "sqlserver", "trino": "trino"}
RUN_STATES = {"success": "COMPLETE", "error": "FAIL", "fail": "FAIL"}


def default_namespace(project: Project, host_port: str = "") -> str:
    """`postgres://host:port` when the connection is known, else `<adapter>://<project>`."""
    scheme = SCHEMES.get(project.adapter, project.adapter)
    if host_port:
        return f"{scheme}://{host_port}"
    if project.adapter == "bigquery":
        return "bigquery"
    return f"{scheme}://{project.name}"


def dataset_ref(node: Node, namespace: str, *, with_facets: bool) -> dict[str, Any]:
    ref: dict[str, Any] = {"namespace": namespace, "name": node.relation}
    if with_facets:
        facets: dict[str, Any] = {}
        if node.columns:
            facets["schema"] = {
                "_producer": PRODUCER,
                "_schemaURL": FACET_SCHEMA,
                "fields": [
                    {"name": c.name, **({"type": c.data_type} if c.data_type else {}), "description": c.description}
                    for c in node.columns
                ],
            }
        if node.description:
            facets["documentation"] = {"_producer": PRODUCER, "_schemaURL": DOC_SCHEMA, "description": node.description}
        ref["facets"] = facets
    return ref


def _io(project: Project, node: Node, namespace: str, *, facets: bool = True) -> tuple[list[dict], list[dict]]:
    """Inputs and outputs of a node's job; sources carry their schema (no job of theirs does), outputs theirs
    unless `facets` is off (a run's events: the job event has said it already)."""
    inputs = [
        dataset_ref(project.nodes[uid], namespace, with_facets=facets and project.nodes[uid].resource_type == "source")
        for uid in sorted(set(node.depends_on))
        if uid in project.nodes
    ]
    return inputs, [dataset_ref(node, namespace, with_facets=facets)]


def job_name(node: Node) -> str:
    return node.unique_id


def job_events(project: Project, namespace: str) -> list[dict[str, Any]]:
    events = []
    for node in sorted(project.nodes.values(), key=lambda n: n.unique_id):
        if node.resource_type not in DATASET_TYPES:
            continue
        inputs, outputs = _io(project, node, namespace)
        events.append(
            {
                "eventTime": project.generated_at.isoformat(),
                "producer": PRODUCER,
                "schemaURL": JOB_SCHEMA,
                "job": {
                    "namespace": namespace,
                    "name": job_name(node),
                    "facets": {
                        "jobType": {
                            "_producer": PRODUCER,
                            "_schemaURL": JOB_TYPE_SCHEMA,
                            "processingType": "BATCH",
                            "integration": "DBT",
                            "jobType": node.resource_type.upper(),
                        }
                    },
                },
                "inputs": inputs,
                "outputs": outputs,
            }
        )
    return events


def run_uuid(project: Project, unique_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"dbt:{project.results_invocation}:{unique_id}"))


def run_events(project: Project, namespace: str) -> list[dict[str, Any]]:
    """START and COMPLETE/FAIL for each model, seed and snapshot result; skipped ones did not run."""
    events = []
    for result in project.results:
        node = project.nodes.get(result.unique_id)
        state = RUN_STATES.get(result.status)
        if node is None or node.resource_type not in DATASET_TYPES or state is None or result.completed_at is None:
            continue
        inputs, outputs = _io(project, node, namespace, facets=False)
        run = {"runId": run_uuid(project, result.unique_id)}
        job = {"namespace": namespace, "name": job_name(node)}
        if result.started_at is not None:
            events.append(
                {
                    "eventType": "START",
                    "eventTime": result.started_at.isoformat(),
                    "producer": PRODUCER,
                    "schemaURL": RUN_SCHEMA,
                    "run": run,
                    "job": job,
                    "inputs": inputs,
                    "outputs": outputs,
                }
            )
        events.append(
            {
                "eventType": state,
                "eventTime": result.completed_at.isoformat(),
                "producer": PRODUCER,
                "schemaURL": RUN_SCHEMA,
                "run": run,
                "job": job,
                "inputs": inputs,
                "outputs": outputs,
            }
        )
    return events
