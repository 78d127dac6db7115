"""The real marquez-python client reading a live portal, after real OpenLineage events were sent to it."""

from __future__ import annotations

import uuid

import pytest
import requests

from core.actors import Scope
from tests.lineage.conftest import conformance, dataset, run_event
from tests.lineage.marquez.spec import assert_valid
from tokens.services import token_create

marquez_client = pytest.importorskip("marquez_client", reason="needs marquez-python (dev extra)")
from marquez_client.errors import APIError  # noqa: E402

pytestmark = [pytest.mark.django_db(transaction=True)]
WAREHOUSE = "postgres://warehouse:5432"


@pytest.fixture
def secrets(world) -> dict[str, str]:
    return {
        "write": token_create(actor=None, team=world.team, name="airflow", scopes=[Scope.WRITE_LINEAGE]).secret,
        "read": token_create(actor=None, team=world.team, name="marquez-tools", scopes=[Scope.READ]).secret,
    }


@pytest.fixture
def ingested(live_server, secrets) -> str:
    """Marquez's own test events and a two-run job, posted as a pipeline posts them."""
    run_id = str(uuid.uuid4())
    events = [
        conformance("marquez_event_full_dq_facets.json"),
        conformance("marquez_dataset_event.json"),
        conformance("spark_create_table_complete_symlinks_lifecycle.json"),
        run_event(
            "daily_load",
            [dataset(WAREHOUSE, "public.orders", schema={"fields": [{"name": "id", "type": "bigint"}]})],
            [dataset(WAREHOUSE, "mart.daily", schema={"fields": [{"name": "day", "type": "date"}]})],
            run_id=run_id,
        ),
    ]
    for event in events:
        answer = requests.post(
            f"{live_server.url}/api/v1/lineage",
            json=event,
            headers={"Authorization": f"Bearer {secrets['write']}"},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
    return run_id


def test_the_client_lists_and_reads_what_the_portal_holds(live_server, secrets, ingested):
    client = marquez_client.MarquezClient(url=live_server.url, api_key=secrets["read"])

    namespaces = client.list_namespaces()
    assert_valid(namespaces, "NamespaceList")
    assert WAREHOUSE in {n["name"] for n in namespaces["namespaces"]}
    assert_valid(client.get_namespace(WAREHOUSE), "Namespace")

    datasets = client.list_datasets(WAREHOUSE)
    assert_valid(datasets, "DatasetList")
    assert [d["name"] for d in datasets["datasets"]] == ["mart.daily", "public.orders"]
    daily = client.get_dataset(WAREHOUSE, "mart.daily")
    assert_valid(daily, "Dataset")
    versions = client.list_dataset_versions(WAREHOUSE, "mart.daily")
    assert_valid(versions, "DatasetVersionList")
    assert versions["versions"][0]["version"] == daily["currentVersion"]
    assert_valid(client.get_dataset_version(WAREHOUSE, "mart.daily", daily["currentVersion"]), "DatasetVersion")

    jobs = client.list_jobs("pipelines")
    assert_valid(jobs, "JobList")
    assert [j["name"] for j in jobs["jobs"]] == ["daily_load"]
    assert_valid(client.get_job("pipelines", "daily_load"), "Job")
    runs = client.list_job_runs("pipelines", "daily_load")
    assert_valid(runs, "RunList")
    assert [r["id"] for r in runs["runs"]] == [ingested]
    run = client.get_job_run(ingested)
    assert_valid(run, "Run")
    assert run["state"] == "COMPLETED"

    assert_valid(client.list_tags(), "TagList")
    assert_valid(client.list_sources(), "SourceList")
    events = client.list_events()
    assert_valid(events, "LineageEventList")
    assert events["totalCount"] == 4


def test_the_client_reads_lineage_through_the_marquez_prefix(live_server, secrets, ingested):
    client = marquez_client.MarquezClient(url=f"{live_server.url}/marquez", api_key=secrets["read"])
    graph = client.get_column_lineage_by_dataset(WAREHOUSE, "mart.daily", with_downstream=True)
    assert_valid(graph, "LineageGraph")
    assert_valid(client.list_namespaces(), "NamespaceList")
    # And the graph around the job, as Marquez's web UI asks for it.
    answer = requests.get(
        f"{live_server.url}/marquez/api/v1/lineage",
        params={"nodeId": "job:pipelines:daily_load"},
        headers={"Authorization": f"Bearer {secrets['read']}"},
        timeout=10,
    )
    assert_valid(answer.json(), "LineageGraph")
    assert {n["id"] for n in answer.json()["graph"]} >= {
        "job:pipelines:daily_load",
        f"dataset:{WAREHOUSE}:mart.daily",
    }


def test_the_client_raises_on_what_does_not_exist(live_server, secrets, ingested):
    client = marquez_client.MarquezClient(url=live_server.url, api_key=secrets["read"])
    with pytest.raises(APIError):
        client.get_dataset(WAREHOUSE, "public.nothing")
    with pytest.raises(APIError):
        client.get_job_run(str(uuid.uuid4()))


def test_the_client_without_a_token_is_refused(live_server, ingested):
    with pytest.raises(APIError):
        marquez_client.MarquezClient(url=live_server.url).list_namespaces()
