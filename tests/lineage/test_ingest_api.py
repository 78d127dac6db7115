"""POST /api/v1/lineage and /api/v1/lineage/batch: what OpenLineage producers send, stored once, in any order."""

from __future__ import annotations

import copy
import gzip
import json
import uuid

import pytest
from django.test import Client
from rest_framework.test import APIClient

from core.actors import Scope
from lineage.models import (
    ColumnEdge,
    Dataset,
    DatasetSchemaVersion,
    DatasetSymlink,
    Job,
    JobDataset,
    LineageEvent,
    QualityFacet,
    Run,
)
from lineage.state import current_stamp
from tests.conftest import bearer_client
from tests.lineage.conftest import conformance, dataset, run_event
from tokens.services import token_create

pytestmark = [pytest.mark.django_db]

VALID = [
    "marquez_event_full_dq_facets.json",
    "marquez_dataset_event.json",
    "marquez_job_event.json",
    "spark_create_table_complete_symlinks_lifecycle.json",
]


@pytest.mark.parametrize("name", VALID)
def test_every_valid_conformance_event_is_stored(send, name):
    response = send(conformance(name))
    assert response.json() == {"received": 1, "stored": 1, "duplicates": 0}
    assert LineageEvent.objects.get().payload == conformance(name)


def test_the_invalid_conformance_event_is_refused_naming_run_id(lineage_client):
    response = lineage_client.post("/api/v1/lineage", conformance("INVALID_event_no_run_id.json"), format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/run/runId"]
    assert not LineageEvent.objects.exists()
    assert not Job.objects.exists()
    assert not Dataset.objects.exists()


def test_a_full_run_event_keeps_facets_quality_and_statistics(send):
    event = conformance("marquez_event_full_dq_facets.json")
    send(event)
    job = Job.objects.get(namespace="my-scheduler-namespace", name="myjob.mytask")
    # Custom facets are kept exactly as they came; known ones are also read into columns.
    assert job.facets["additionalProp1"] == event["job"]["facets"]["additionalProp1"]
    assert job.facets["sql"]["additionalPropExample"] == {"example": True}
    assert job.location == "http://example.com"
    assert job.processing_type == "STREAMING"
    run = Run.objects.get(run_uuid=uuid.UUID("ea041791-68bc-4ae1-bd89-4c8106a157e4"))
    assert run.state == "COMPLETE"
    assert run.parent_run_uuid == uuid.UUID("3f5e83fa-3480-44ff-99c5-ff943904e5e8")
    assert run.nominal_start is not None
    assert run.nominal_start.isoformat() == "2020-12-17T03:00:00.001000+00:00"
    table = Dataset.objects.get(name="instance.schema.table")
    assert table.description == "canonical representation of entity Foo"
    assert table.fields == [{"name": "column1", "type": "VARCHAR", "description": "string"}]
    assert table.facets["additionalProp2"] == event["inputs"][0]["facets"]["additionalProp2"]
    kept = {q.name: q.facet for q in QualityFacet.objects.filter(dataset=table)}
    assert kept["dataQualityMetrics"]["rowCount"] == 1000
    assert kept["dataQualityAssertions"]["assertions"][1]["column"] == "id"
    assert kept["outputStatistics"]["rowCount"] == 2000
    assert set(JobDataset.objects.values_list("direction", flat=True)) == {"in", "out"}


def test_dataset_and_job_events_need_no_run(send):
    send(conformance("marquez_dataset_event.json"))
    send(conformance("marquez_job_event.json"))
    assert Dataset.objects.get(name="my-dataset-name").fields[0]["name"] == "col_a"
    assert DatasetSchemaVersion.objects.filter(dataset__name="my-dataset-name").count() == 1
    assert not Run.objects.exists()
    job = Job.objects.get(name="myjob")
    assert sorted(JobDataset.objects.filter(job=job).values_list("dataset__name", "direction")) == [
        ("instance.schema.input-1", "in"),
        ("instance.schema.output-1", "out"),
    ]


def test_spark_symlinks_and_lifecycle_are_read(send):
    send(conformance("spark_create_table_complete_symlinks_lifecycle.json"))
    table = Dataset.objects.get(namespace="file", name="/tmp/cll_test/cll_source1")  # noqa: S108 -- a dataset name
    assert table.lifecycle_state == "CREATE"
    assert list(DatasetSymlink.objects.values_list("namespace", "name", "type")) == [
        ("file:/tmp/cll_test", "default.cll_source1", "TABLE")
    ]


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        (lambda e: e.pop("eventTime"), "/eventTime"),
        (lambda e: e.update(eventTime="yesterday"), "/eventTime"),
        (lambda e: e.pop("producer"), "/producer"),
        (lambda e: e.pop("schemaURL"), "/schemaURL"),
        (lambda e: e["run"].update(runId="not-a-uuid"), "/run/runId"),
        (lambda e: e.pop("run"), "/run"),
        (lambda e: e["job"].pop("name"), "/job/name"),
        (lambda e: e["job"].update(namespace=7), "/job/namespace"),
        (lambda e: e.update(eventType="DONE"), "/eventType"),
        (lambda e: e["inputs"][0].pop("namespace"), "/inputs/0/namespace"),
        (lambda e: e.update(outputs={}), "/outputs"),
        (
            lambda e: e["inputs"][0].update(facets={"schema": {"fields": [{"type": "int"}]}}),
            "/inputs/0/facets/schema/fields/0/name",
        ),
    ],
)
def test_each_missing_or_bad_field_is_named(lineage_client, change, pointer):
    event = run_event("job", [dataset("db", "in")], [dataset("db", "out")])
    change(event)
    response = lineage_client.post("/api/v1/lineage", event, format="json")
    assert response.status_code == 400
    assert pointer in [e["pointer"] for e in response.json()["errors"]]
    assert not LineageEvent.objects.exists()


def test_a_dataset_event_without_a_dataset_name_is_refused(lineage_client):
    event = conformance("marquez_dataset_event.json")
    del event["dataset"]["name"]
    response = lineage_client.post("/api/v1/lineage", event, format="json")
    assert [e["pointer"] for e in response.json()["errors"]] == ["/dataset/name"]


def test_a_body_that_is_not_json_is_refused(lineage_client):
    response = lineage_client.post("/api/v1/lineage", b"{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == ""


def test_replaying_an_event_changes_nothing(send):
    event = conformance("marquez_event_full_dq_facets.json")
    send(event)
    stamp = current_stamp()
    before = {m.__name__: m.objects.count() for m in (LineageEvent, Job, Run, Dataset, JobDataset, QualityFacet)}
    reordered = json.loads(json.dumps(event, sort_keys=True))  # same event, keys in another order
    response = send(reordered, expect=200)
    assert response.json() == {"received": 1, "stored": 0, "duplicates": 1}
    assert {
        m.__name__: m.objects.count() for m in (LineageEvent, Job, Run, Dataset, JobDataset, QualityFacet)
    } == before
    assert current_stamp() == stamp


def _run_state(run_id: str) -> tuple:
    run = Run.objects.get(run_uuid=uuid.UUID(run_id))
    return run.state, run.started_at, run.ended_at, run.duration, run.facets, run.job.name


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0), (2, 0, 1)])
def test_events_in_any_order_end_in_the_same_state(send, order):
    run_id = str(uuid.uuid4())
    start = run_event(
        "load", [dataset("db", "a")], [], event_type="START", run_id=run_id, event_time="2025-01-01T10:00:00Z"
    )
    start["run"]["facets"] = {"nominalTime": {"nominalStartTime": "2025-01-01T09:00:00Z"}}
    running = run_event("load", [], [], event_type="RUNNING", run_id=run_id, event_time="2025-01-01T10:05:00Z")
    complete = run_event(
        "load", [dataset("db", "a")], [dataset("db", "b")], run_id=run_id, event_time="2025-01-01T10:30:00Z"
    )
    complete["run"]["facets"] = {"nominalTime": {"nominalStartTime": "2025-01-01T09:00:01Z"}}
    events = [start, running, complete]
    for index in order:
        send(events[index])
    state, started, ended, duration, facets, _job = _run_state(run_id)
    assert state == "COMPLETE"
    assert started.isoformat() == "2025-01-01T10:00:00+00:00"
    assert ended.isoformat() == "2025-01-01T10:30:00+00:00"
    assert duration.total_seconds() == 30 * 60
    assert facets["nominalTime"]["nominalStartTime"] == "2025-01-01T09:00:01Z"  # the later event's facet wins
    assert JobDataset.objects.count() == 2


def test_gzip_bodies_are_read(lineage_client):
    event = run_event("zipped", [dataset("db", "in")], [dataset("db", "out")])
    body = gzip.compress(json.dumps(event).encode())
    response = lineage_client.generic(
        "POST", "/api/v1/lineage", body, content_type="application/json", HTTP_CONTENT_ENCODING="gzip"
    )
    assert response.status_code == 201
    assert Job.objects.filter(name="zipped").exists()


def test_gzip_cannot_inflate_past_the_size_cap(lineage_client, settings):
    settings.LINEAGE_MAX_DECOMPRESSED_BYTES = 10_000
    from lineage.api import views

    event = run_event("bomb", [dataset("db", "x" * 900)] * 50)
    body = gzip.compress(json.dumps(event).encode())
    assert len(body) < 10_000
    views_setting = getattr(views.settings, "LINEAGE_MAX_DECOMPRESSED_BYTES", None)
    assert views_setting == 10_000
    response = lineage_client.generic(
        "POST", "/api/v1/lineage", body, content_type="application/json", HTTP_CONTENT_ENCODING="gzip"
    )
    assert response.status_code == 413
    assert not LineageEvent.objects.exists()


def test_a_broken_gzip_body_is_refused(lineage_client):
    response = lineage_client.generic(
        "POST", "/api/v1/lineage", b"not gzip", content_type="application/json", HTTP_CONTENT_ENCODING="gzip"
    )
    assert response.status_code == 400


def test_it_rejects_callers_without_a_token(world):
    response = APIClient().post("/api/v1/lineage", run_event("x"), format="json")
    assert response.status_code == 401


def test_it_rejects_tokens_without_the_lineage_scope(world):
    client = bearer_client(world.team, [Scope.READ, Scope.WRITE_PRODUCTS])
    response = client.post("/api/v1/lineage", run_event("x"), format="json")
    assert response.status_code == 403
    assert "write:lineage" in response.json()["detail"]


def test_a_signed_in_person_cannot_post_events_with_the_session(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.owner)
    response = client.post("/api/v1/lineage", json.dumps(run_event("x")), content_type="application/json")
    assert response.status_code == 401
    assert not LineageEvent.objects.exists()


def test_any_lineage_token_may_report_any_job_and_the_sender_is_recorded(world, send):
    outsider = bearer_client(world.other_team, [Scope.WRITE_LINEAGE])
    send(run_event("sales.load", namespace="sales-airflow"), client=outsider)
    assert LineageEvent.objects.get().team == world.other_team


def test_tokens_need_no_csrf(world):
    secret = token_create(actor=None, team=world.team, name="airflow", scopes=[Scope.WRITE_LINEAGE]).secret
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.post("/api/v1/lineage", run_event("x"), format="json").status_code == 201


def test_column_lineage_facets_become_column_edges(send):
    output = dataset(
        "db",
        "report",
        schema={"fields": [{"name": "total", "type": "decimal"}]},
        columnLineage={
            "fields": {
                "total": {
                    "inputFields": [
                        {
                            "namespace": "db",
                            "name": "orders",
                            "field": "amount",
                            "transformations": [{"type": "INDIRECT", "subtype": "AGGREGATION", "description": "sum"}],
                        },
                        {"namespace": "db", "name": "orders", "field": "currency"},
                    ]
                }
            }
        },
    )
    send(run_event("report", [dataset("db", "orders")], [output]))
    edges = ColumnEdge.objects.select_related("source", "target").order_by("source__name")
    assert [(e.source.name, e.target.name) for e in edges] == [("amount", "total"), ("currency", "total")]
    assert edges[0].transformations[0]["subtype"] == "AGGREGATION"
    assert edges[0].description == "sum"


class TestBatch:
    def test_a_batch_is_stored_whole(self, lineage_client):
        events = [run_event(f"job{i}", [dataset("db", f"t{i}")], [dataset("db", f"t{i + 1}")]) for i in range(20)]
        events.append(copy.deepcopy(events[0]))  # a replay inside the batch
        response = lineage_client.post("/api/v1/lineage/batch", events, format="json")
        assert response.status_code == 201
        assert response.json() == {"received": 21, "stored": 20, "duplicates": 1}
        assert Dataset.objects.count() == 21
        assert JobDataset.objects.count() == 40

    def test_one_bad_event_refuses_the_whole_batch(self, lineage_client):
        events = [run_event("a"), conformance("INVALID_event_no_run_id.json"), run_event("b")]
        response = lineage_client.post("/api/v1/lineage/batch", events, format="json")
        assert response.status_code == 400
        assert [e["pointer"] for e in response.json()["errors"]] == ["/1/run/runId"]
        assert not LineageEvent.objects.exists()

    def test_a_batch_must_be_an_array(self, lineage_client):
        response = lineage_client.post("/api/v1/lineage/batch", run_event("a"), format="json")
        assert response.status_code == 400

    def test_a_batch_has_a_size_limit(self, lineage_client, monkeypatch):
        from lineage.api import views

        monkeypatch.setattr(views, "BATCH_MAX", 3)
        response = lineage_client.post("/api/v1/lineage/batch", [run_event("a")] * 4, format="json")
        assert response.status_code == 400

    def test_queries_do_not_grow_with_the_batch(self, lineage_client, django_assert_max_num_queries):
        def batch(prefix: str, n: int) -> list[dict]:
            return [
                run_event(
                    f"{prefix}{i}",
                    [dataset("db", f"{prefix}in{i}", schema={"fields": [{"name": "a"}]})],
                    [dataset("db", f"{prefix}out{i}")],
                )
                for i in range(n)
            ]

        lineage_client.post("/api/v1/lineage/batch", batch("warm", 1), format="json")  # creates the state row
        with django_assert_max_num_queries(18):
            assert lineage_client.post("/api/v1/lineage/batch", batch("one", 1), format="json").status_code == 201
        # Bulk inserts go in slices of the backend's parameter limit (about 90 rows on SQLite), not row by row.
        with django_assert_max_num_queries(40):
            assert lineage_client.post("/api/v1/lineage/batch", batch("many", 200), format="json").status_code == 201


def test_a_steady_state_run_takes_few_queries(send, django_assert_max_num_queries):
    send(run_event("steady", [dataset("db", "a")], [dataset("db", "b")], event_time="2025-01-01T00:00:00Z"))
    with django_assert_max_num_queries(13):  # 12 for the event, 1 for its audit entry (audit/)
        send(run_event("steady", [dataset("db", "a")], [dataset("db", "b")], event_time="2025-01-02T00:00:00Z"))
