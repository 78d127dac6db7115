"""What one OpenLineage event costs in statements, so the single-event path cannot quietly grow.

Counted at the service (lineage_events_ingest), not over HTTP: token lookup, audit and signal receivers belong to
other apps and are counted in their own tests. Pipelines send most events one per request, and on SQLite every
statement inside the write transaction holds the one writer lock, so each one here is a deliberate choice.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lineage.models import DatasetSchemaVersion, JobDataset, Run
from lineage.openlineage import parse_event
from lineage.services.ingest import lineage_events_ingest
from tests.lineage.conftest import dataset, run_event

pytestmark = [pytest.mark.django_db]

SCHEMA = {"fields": [{"name": "id", "type": "bigint"}, {"name": "amount", "type": "decimal"}]}


def ingest(raw: dict) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        result = lineage_events_ingest(actor=None, events=[parse_event(raw)])
    assert result.stored == 1
    # The savepoint statements of the test's own transaction stand for BEGIN and COMMIT.
    return [q["sql"] for q in queries.captured_queries]


def event(event_type: str, run_id: str, when: str, output_schema: dict | None = None) -> dict:
    output = dataset("warehouse", "orders_daily", **({"schema": output_schema} if output_schema else {}))
    return run_event(
        "orders.daily",
        [dataset("warehouse", "orders")],
        [output],
        event_type=event_type,
        run_id=run_id,
        event_time=when,
    )


def test_a_start_then_a_complete_event_take_a_fixed_number_of_statements():
    # Something else in the graph first, so the state row exists as it does in any running portal.
    ingest(run_event("warm-up", [dataset("warehouse", "raw")], [dataset("warehouse", "staged")]))
    run_id = str(uuid.uuid4())

    start = ingest(event("START", run_id, "2025-03-01T02:00:00Z", SCHEMA))
    # begin, event, job read + insert, run read + insert, datasets read + insert, graph version, edges insert,
    # schema versions upsert, commit. (No edge read: a new job has no edges; no dataset update: both are new.)
    assert len(start) == 12, "\n".join(start)

    complete = ingest(event("COMPLETE", run_id, "2025-03-01T02:10:00Z", SCHEMA))
    # begin, event, job read, run read + update, datasets read, edges read, dataset update (the schema facet's
    # time moves), commit. The graph is unchanged, so no version bump and no inserts; the schema is the one
    # already stored, so no version row.
    assert len(complete) == 9, "\n".join(complete)

    run = Run.objects.get(run_uuid=run_id)
    assert (run.state, run.started_at.isoformat(), run.ended_at.isoformat()) == (
        "COMPLETE",
        "2025-03-01T02:00:00+00:00",
        "2025-03-01T02:10:00+00:00",
    )
    assert JobDataset.objects.filter(job__name="orders.daily").count() == 2


def test_a_replayed_event_costs_one_statement_inside_its_transaction():
    raw = event("COMPLETE", str(uuid.uuid4()), "2025-03-01T02:10:00Z", SCHEMA)
    ingest(raw)
    with CaptureQueriesContext(connection) as queries:
        result = lineage_events_ingest(actor=None, events=[parse_event(raw)])
    assert (result.stored, result.duplicates) == (0, 1)
    assert len(queries.captured_queries) == 3  # begin, the refused insert, commit


def test_a_schema_seen_late_moves_its_first_sighting_back():
    later, earlier = str(uuid.uuid4()), str(uuid.uuid4())
    ingest(event("COMPLETE", later, "2025-03-02T00:00:00Z", SCHEMA))
    ingest(event("COMPLETE", earlier, "2025-03-01T00:00:00Z", SCHEMA))  # an older run, delivered late
    ingest(event("COMPLETE", str(uuid.uuid4()), "2025-03-03T00:00:00Z", SCHEMA))
    version = DatasetSchemaVersion.objects.get(dataset__name="orders_daily")
    assert (version.event_time.isoformat(), str(version.run_uuid)) == ("2025-03-01T00:00:00+00:00", earlier)
