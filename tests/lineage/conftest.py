"""Lineage fixtures: a pipeline token that may send OpenLineage events, event builders, the conformance files."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from core.actors import Scope
from tests.conftest import bearer_client

CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "conformance"
PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.30.0/client/python"
RUN_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def conformance(name: str) -> dict:
    return json.loads((CONFORMANCE / "openlineage" / name).read_text())


def dataset(namespace: str, name: str, **facets) -> dict:
    out: dict = {"namespace": namespace, "name": name}
    if facets:
        out["facets"] = {key: {"_producer": PRODUCER, "_schemaURL": "x", **value} for key, value in facets.items()}
    return out


def run_event(
    job: str,
    inputs: list[dict] | None = None,
    outputs: list[dict] | None = None,
    *,
    event_type: str = "COMPLETE",
    run_id: str | None = None,
    event_time: str = "2025-01-01T10:00:00Z",
    namespace: str = "pipelines",
) -> dict:
    return {
        "eventType": event_type,
        "eventTime": event_time,
        "run": {"runId": run_id or str(uuid.uuid4())},
        "job": {"namespace": namespace, "name": job},
        "inputs": inputs or [],
        "outputs": outputs or [],
        "producer": PRODUCER,
        "schemaURL": RUN_SCHEMA,
    }


@pytest.fixture
def lineage_client(world):
    """A pipeline token of the sales team with the write:lineage scope."""
    return bearer_client(world.team, [Scope.READ, Scope.WRITE_LINEAGE])


@pytest.fixture
def send(lineage_client):
    def send(event, *, expect: int = 201, client=None):
        response = (client or lineage_client).post("/api/v1/lineage", event, format="json")
        assert response.status_code == expect, response.content
        return response

    return send
