"""Rows in Marquez's JSON shapes (its published OpenAPI document, kept in tests/lineage/marquez/openapi.yml).

Marquez's document leaves most properties non-nullable, so an unknown optional value is left out rather than sent
as null; the required ones (a dataset version's `description`, say) are sent as empty strings.
Version ids are UUIDs in Marquez; the portal derives them (uuid5) from what makes a version: a dataset's schema
fingerprint, a job's source location with its inputs and outputs. The same content gives the same id on every
process and after a restore.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from lineage.models import Dataset, Job, Run, RunState
from lineage.naming import dataset_node_id, job_node_id

# OpenLineage's event types as Marquez reports a run's state.
RUN_STATES: dict[str, str] = {
    RunState.START.value: "RUNNING",
    RunState.RUNNING.value: "RUNNING",
    RunState.COMPLETE.value: "COMPLETED",
    RunState.FAIL.value: "FAILED",
    RunState.ABORT.value: "ABORTED",
    RunState.OTHER.value: "NEW",
}
VERSION_SPACE = uuid.UUID("6b0f5bd4-3f39-4b51-9d0e-4d8c2a2f6d11")


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def compact(data: dict[str, Any]) -> dict[str, Any]:
    """Leave out the optional properties the portal has no value for."""
    return {key: value for key, value in data.items() if value is not None}


def dataset_version_id(namespace: str, name: str, fingerprint: str) -> str:
    return str(uuid.uuid5(VERSION_SPACE, f"dataset\n{namespace}\n{name}\n{fingerprint}"))


def job_version_id(namespace: str, name: str, location: str, inputs: Iterable, outputs: Iterable) -> str:
    io = "\n".join([*(f"<{ns}:{n}" for ns, n in sorted(inputs)), *(f">{ns}:{n}" for ns, n in sorted(outputs))])
    return str(uuid.uuid5(VERSION_SPACE, f"job\n{namespace}\n{name}\n{location}\n{io}"))


def namespace(name: str, created: datetime | None, updated: datetime | None) -> dict[str, Any]:
    # Namespaces are born from events here, as in Marquez, whose owner of such a namespace is "anonymous".
    return compact({"name": name, "createdAt": iso(created), "updatedAt": iso(updated), "ownerName": "anonymous"})


def fields(raw: list) -> list[dict[str, Any]]:
    out = []
    for f in raw or []:
        if not isinstance(f, dict) or not f.get("name"):
            continue
        out.append(
            compact(
                {
                    "name": str(f["name"]),
                    "type": str(f.get("type") or "UNKNOWN"),
                    "tags": [],
                    "description": f.get("description") or None,
                }
            )
        )
    return out


def dataset(ds: Dataset, *, current_version: str, last_modified: datetime | None) -> dict[str, Any]:
    return compact(
        {
            "id": {"namespace": ds.namespace, "name": ds.name},
            "type": "DB_TABLE",
            "name": ds.name,
            "physicalName": ds.name,
            "createdAt": iso(ds.created_at),
            "updatedAt": iso(ds.updated_at),
            "namespace": ds.namespace,
            "sourceName": ds.source_name or "default",
            "fields": fields(ds.fields),
            "tags": [],
            "lastModifiedAt": iso(last_modified),
            "lastLifecycleState": ds.lifecycle_state or None,
            "description": ds.description or None,
            "facets": ds.facets or {},
            "currentVersion": current_version,
            "deleted": False,
        }
    )


def dataset_version(
    ds: Dataset, *, version: str, fields_: list, created: datetime, run: dict[str, Any] | None
) -> dict[str, Any]:
    return compact(
        {
            "id": {"namespace": ds.namespace, "name": ds.name, "version": version},
            "type": "DB_TABLE",
            "name": ds.name,
            "physicalName": ds.name,
            "createdAt": iso(created),
            "version": version,
            "namespace": ds.namespace,
            "sourceName": ds.source_name or "default",
            "fields": fields(fields_),
            "description": ds.description or "",
            "createdByRun": run,
            "facets": ds.facets or {},
        }
    )


def run(r: Run, *, job_version: dict | None = None, inputs=(), outputs=()) -> dict[str, Any]:
    duration = r.duration
    return compact(
        {
            "id": str(r.run_uuid),
            "createdAt": iso(r.created_at),
            "updatedAt": iso(r.updated_at),
            "nominalStartTime": iso(r.nominal_start),
            "nominalEndTime": iso(r.nominal_end),
            "state": RUN_STATES.get(r.state, "NEW"),
            "startedAt": iso(r.started_at),
            "endedAt": iso(r.ended_at),
            "durationMs": int(duration.total_seconds() * 1000) if duration is not None else None,
            "args": {},
            "jobVersion": job_version,
            # Marquez's document types these facets as strings; the portal sends none rather than break it.
            "inputDatasetVersions": [{"datasetVersionId": v, "facets": {}} for v in inputs],
            "outputDatasetVersions": [{"datasetVersionId": v, "facets": {}} for v in outputs],
            "facets": r.facets or {},
        }
    )


def job(
    j: Job,
    *,
    inputs: list[tuple[str, str]],
    outputs: list[tuple[str, str]],
    latest_runs: list[dict],
    with_latest_runs: bool,
) -> dict[str, Any]:
    return compact(
        {
            "id": {"namespace": j.namespace, "name": j.name},
            "type": "STREAM" if j.processing_type == "STREAMING" else "BATCH",
            "name": j.name,
            "simpleName": j.name.rsplit(".", 1)[-1],
            "createdAt": iso(j.created_at),
            "updatedAt": iso(j.updated_at),
            "namespace": j.namespace,
            "inputs": [{"namespace": ns, "name": n} for ns, n in inputs],
            "outputs": [{"namespace": ns, "name": n} for ns, n in outputs],
            "location": j.location or None,
            "description": j.description or None,
            "latestRun": latest_runs[0] if latest_runs else None,
            "latestRuns": latest_runs if with_latest_runs else None,
            "facets": j.facets or {},
            "currentVersion": job_version_id(j.namespace, j.name, j.location, inputs, outputs),
        }
    )


def source_type(uri: str) -> str:
    scheme = urlsplit(uri).scheme if "://" in uri else ""
    return (scheme or "unknown").upper()


def search_result(kind: str, namespace_: str, name: str, updated: datetime | None) -> dict[str, Any]:
    node = dataset_node_id(namespace_, name) if kind == "DATASET" else job_node_id(namespace_, name)
    return compact({"type": kind, "name": name, "updatedAt": iso(updated), "namespace": namespace_, "nodeId": node})
