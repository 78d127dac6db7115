"""Marquez's read API over the portal: every answer valid against Marquez's OpenAPI document, paging, 404s."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest
from rest_framework.test import APIClient

from core.actors import Scope
from tests.conftest import bearer_client
from tests.lineage.conftest import conformance, dataset, run_event
from tests.lineage.marquez.spec import assert_valid

pytestmark = pytest.mark.django_db
WAREHOUSE = "postgres://warehouse:5432"


def enc(name: str) -> str:
    """As marquez-python puts a name in a path: every reserved character percent-encoded."""
    return quote(name, safe="")


@pytest.fixture
def reader(world) -> APIClient:
    return bearer_client(world.team, [Scope.READ])


@pytest.fixture
def mesh(send):
    """The conformance events of Marquez's own test suite, plus a job whose outputs and schema change over runs."""
    for name in (
        "marquez_event_full_dq_facets.json",
        "marquez_dataset_event.json",
        "marquez_job_event.json",
        "spark_create_table_complete_symlinks_lifecycle.json",
    ):
        send(conformance(name))
    orders = dataset(WAREHOUSE, "public.orders", schema={"fields": [{"name": "id", "type": "bigint"}]})
    daily_v1 = dataset(WAREHOUSE, "mart.daily", schema={"fields": [{"name": "day", "type": "date"}]})
    daily_v2 = dataset(
        WAREHOUSE,
        "mart.daily",
        schema={"fields": [{"name": "day", "type": "date"}, {"name": "total", "type": "numeric"}]},
    )
    runs = [str(uuid.uuid4()) for _ in range(3)]
    send(run_event("daily_load", [orders], [daily_v1], run_id=runs[0], event_time="2025-01-01T10:00:00Z"))
    send(run_event("daily_load", [orders], [daily_v2], run_id=runs[1], event_time="2025-01-02T10:00:00Z"))
    send(
        run_event(
            "daily_load",
            [orders],
            [daily_v2, dataset(WAREHOUSE, "mart.weekly")],
            run_id=runs[2],
            event_time="2025-01-03T10:00:00Z",
            event_type="FAIL",
        )
    )
    return runs


def get(client: APIClient, path: str, expect: int = 200, **params):
    response = client.get(f"/api/v1/{path}", params)
    assert response.status_code == expect, response.content
    return response.json()


def test_namespaces_list_every_namespace_of_a_dataset_or_job(reader, mesh):
    body = get(reader, "namespaces")
    assert_valid(body, "NamespaceList")
    names = [n["name"] for n in body["namespaces"]]
    assert {"pipelines", WAREHOUSE, "my-scheduler-namespace", "my-datasource-namespace"} <= set(names)
    assert names == sorted(names)
    assert body["totalCount"] == len(names)
    one = get(reader, f"namespaces/{enc(WAREHOUSE)}")
    assert_valid(one, "Namespace")
    assert one["name"] == WAREHOUSE


def test_paging_by_limit_and_offset_with_a_total(reader, mesh):
    everything = get(reader, "namespaces")["namespaces"]
    page = get(reader, "namespaces", limit=2, offset=1)
    assert page["namespaces"] == everything[1:3]
    assert page["totalCount"] == len(everything)
    assert get(reader, "namespaces", limit=0)["namespaces"] == []
    bad = get(reader, "namespaces", expect=400, limit="lots")
    assert [e["pointer"] for e in bad["errors"]] == ["limit"]
    assert get(reader, "namespaces", expect=400, offset=-1)["errors"][0]["pointer"] == "offset"


def test_datasets_of_a_namespace_with_their_versions(reader, mesh):
    body = get(reader, f"namespaces/{enc(WAREHOUSE)}/datasets")
    assert_valid(body, "DatasetList")
    assert [d["name"] for d in body["datasets"]] == ["mart.daily", "mart.weekly", "public.orders"]
    daily = get(reader, f"namespaces/{enc(WAREHOUSE)}/datasets/mart.daily")
    assert_valid(daily, "Dataset")
    assert [f["name"] for f in daily["fields"]] == ["day", "total"]
    assert daily["lastModifiedAt"]
    versions = get(reader, f"namespaces/{enc(WAREHOUSE)}/datasets/mart.daily/versions")
    assert_valid(versions, "DatasetVersionList")
    assert versions["totalCount"] == 2
    newest, oldest = versions["versions"]
    assert [f["name"] for f in newest["fields"]] == ["day", "total"]
    assert [f["name"] for f in oldest["fields"]] == ["day"]
    assert newest["version"] == daily["currentVersion"]
    assert newest["createdByRun"]["id"] == mesh[1]
    one = get(reader, f"namespaces/{enc(WAREHOUSE)}/datasets/mart.daily/versions/{oldest['version']}")
    assert_valid(one, "DatasetVersion")
    assert one["version"] == oldest["version"]


def test_jobs_with_their_runs_versions_and_facets(reader, mesh):
    body = get(reader, "namespaces/pipelines/jobs")
    assert_valid(body, "JobList")
    job = next(j for j in body["jobs"] if j["name"] == "daily_load")
    assert job["latestRun"]["state"] == "FAILED"
    detail = get(reader, "namespaces/pipelines/jobs/daily_load")
    assert_valid(detail, "Job")
    assert [r["id"] for r in detail["latestRuns"]] == list(reversed(mesh))
    assert {o["name"] for o in detail["outputs"]} == {"mart.daily", "mart.weekly"}

    runs = get(reader, "namespaces/pipelines/jobs/daily_load/runs", limit=2)
    assert_valid(runs, "RunList")
    assert runs["totalCount"] == 3
    assert [r["id"] for r in runs["runs"]] == [mesh[2], mesh[1]]
    assert [r["state"] for r in runs["runs"]] == ["FAILED", "COMPLETED"]

    # Runs 1 and 2 read and wrote the same datasets (one job version); run 3 also wrote mart.weekly.
    versions = get(reader, "namespaces/pipelines/jobs/daily_load/versions")
    assert_valid(versions, "JobVersionList")
    assert versions["totalCount"] == 2
    assert versions["versions"][0]["latestRun"]["id"] == mesh[2]
    assert versions["versions"][1]["latestRun"]["id"] == mesh[1]
    version = versions["versions"][1]["version"]
    one = get(reader, f"namespaces/pipelines/jobs/daily_load/versions/{version}")
    assert_valid(one, "JobVersion")
    assert {o["name"] for o in one["outputs"]} == {"mart.daily"}

    run = get(reader, f"jobs/runs/{mesh[1]}")
    assert_valid(run, "Run")
    assert run["jobVersion"]["version"] == version
    written = [v["datasetVersionId"] for v in run["outputDatasetVersions"]]
    daily = get(reader, f"namespaces/{enc(WAREHOUSE)}/datasets/mart.daily")
    assert written == [{"namespace": WAREHOUSE, "name": "mart.daily", "version": daily["currentVersion"]}]


def test_run_facets_of_the_run_or_its_job(reader, mesh):
    run_id = conformance("marquez_event_full_dq_facets.json")["run"]["runId"]
    run = get(reader, f"jobs/runs/{run_id}/facets", type="run")
    assert run["runId"] == run_id
    assert "nominalTime" in run["facets"]
    job = get(reader, f"jobs/runs/{run_id}/facets", type="job")
    assert job["facets"]["sql"]["query"] == "SELECT * FROM foo"
    get(reader, f"jobs/runs/{run_id}/facets", expect=400, type="dataset")


def test_sources_events_and_tags(reader, mesh):
    sources = get(reader, "sources")
    assert_valid(sources, "SourceList")
    events = get(reader, "events/lineage", limit=3)
    assert_valid(events, "LineageEventList")
    assert len(events["events"]) == 3
    times = [e["eventTime"] for e in events["events"]]
    assert times == sorted(times, reverse=True)
    oldest_first = get(reader, "events/lineage", sortDirection="asc", limit=1)["events"][0]["eventTime"]
    assert oldest_first <= times[-1]
    only = get(reader, "events/lineage", namespace="pipelines")
    assert only["totalCount"] == 3
    assert_valid(get(reader, "tags"), "TagList")


def test_search_in_marquezs_shape_under_the_marquez_prefix(reader, mesh):
    response = reader.get("/marquez/api/v1/search", {"q": "daily"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert_valid(body, "SearchResultList")
    assert {(r["type"], r["name"]) for r in body["results"]} == {("DATASET", "mart.daily"), ("JOB", "daily_load")}
    like = reader.get("/marquez/api/v1/search", {"q": "mart.%ly", "filter": "dataset"}).json()
    assert {r["name"] for r in like["results"]} == {"mart.daily", "mart.weekly"}
    assert reader.get("/marquez/api/v1/search", {"q": "daily", "filter": "table"}).status_code == 400
    # The portal's own /api/v1/search stays the product search.
    assert reader.get("/api/v1/search", {"q": "daily"}).json()["query"] == "daily"


def test_unknown_names_answer_404_in_both_shapes(reader, mesh):
    body = get(reader, "namespaces/nowhere", expect=404)
    assert body["status"] == body["code"] == 404
    assert "nowhere" in body["message"]
    missing = get(reader, f"namespaces/{enc(WAREHOUSE)}/datasets/public.nothing", expect=404)
    assert "public.nothing" in missing["detail"]
    get(reader, "namespaces/nowhere/jobs", expect=404)
    get(reader, f"jobs/runs/{uuid.uuid4()}", expect=404)
    get(reader, "namespaces/pipelines/jobs/daily_load/versions/" + str(uuid.uuid4()), expect=404)


def test_reads_need_a_token_or_a_session(client, mesh):
    response = APIClient().get("/api/v1/namespaces")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert APIClient().get("/marquez/api/v1/namespaces").status_code == 401


def test_the_marquez_prefix_answers_problem_json_for_unknown_paths(reader):
    response = reader.get("/marquez/api/v1/nothing-here")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_lineage_graphs_under_the_marquez_prefix_are_valid_marquez_graphs(reader, mesh):
    node = f"dataset:{WAREHOUSE}:mart.daily"
    graph = reader.get("/marquez/api/v1/lineage", {"nodeId": node}).json()
    assert_valid(graph, "LineageGraph")
    ids = {n["id"] for n in graph["graph"]}
    assert {node, "job:pipelines:daily_load", f"dataset:{WAREHOUSE}:public.orders"} <= ids
    columns = reader.get("/marquez/api/v1/column-lineage", {"nodeId": node, "withDownstream": "true"})
    assert columns.status_code == 200, columns.content
    assert_valid(columns.json(), "LineageGraph")
