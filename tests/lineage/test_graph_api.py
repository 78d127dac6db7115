"""Reading lineage: Marquez's graph shape, depth and direction, column lineage, impact, paths, freshness."""

from __future__ import annotations

import json

import pytest

from catalog.models import InputPort
from lineage.graph import get_graph
from lineage.state import current_stamp
from tests.factories import OutputPortFactory, ProductFactory
from tests.lineage.conftest import CONFORMANCE, dataset, run_event

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def chain(send):
    """raw.orders -> [clean] -> staging.orders -> [aggregate] -> mart.revenue -> [export] -> export.revenue,
    plus staging.orders -> [audit] -> audit.orders."""
    send(run_event("clean", [dataset("pg://db:5432", "raw.orders")], [dataset("pg://db:5432", "staging.orders")]))
    send(run_event("aggregate", [dataset("pg://db:5432", "staging.orders")], [dataset("pg://db:5432", "mart.revenue")]))
    send(run_event("export", [dataset("pg://db:5432", "mart.revenue")], [dataset("s3://bucket", "export/revenue")]))
    send(run_event("audit", [dataset("pg://db:5432", "staging.orders")], [dataset("pg://db:5432", "audit.orders")]))


def ids(response) -> set[str]:
    return {node["id"] for node in response.json()["graph"]}


def test_the_graph_has_marquezs_shape(lineage_client, chain):
    marquez = json.loads((CONFORMANCE / "marquez" / "lineage_graph_node_dataset.json").read_text())
    response = lineage_client.get("/api/v1/lineage", {"nodeId": "dataset:pg://db:5432:staging.orders", "depth": 1})
    assert response.status_code == 200
    node = next(n for n in response.json()["graph"] if n["id"] == "dataset:pg://db:5432:staging.orders")
    assert set(node) == set(marquez)
    assert set(marquez["data"]) <= set(node["data"])
    assert node["type"] == "DATASET"
    assert node["data"]["id"] == {"namespace": "pg://db:5432", "name": "staging.orders"}
    assert node["inEdges"] == [{"origin": "job:pipelines:clean", "destination": "dataset:pg://db:5432:staging.orders"}]
    assert {e["destination"] for e in node["outEdges"]} == {"job:pipelines:aggregate", "job:pipelines:audit"}
    job = next(n for n in response.json()["graph"] if n["id"] == "job:pipelines:clean")
    assert job["type"] == "JOB"
    assert job["data"]["inputs"] == [{"namespace": "pg://db:5432", "name": "raw.orders"}]
    assert job["data"]["latestRun"]["state"] == "COMPLETED"


def test_depth_counts_jobs_away(lineage_client, chain):
    start = "dataset:pg://db:5432:staging.orders"
    one = ids(lineage_client.get("/api/v1/lineage", {"nodeId": start, "depth": 1}))
    assert one == {
        start,
        "job:pipelines:clean",
        "dataset:pg://db:5432:raw.orders",
        "job:pipelines:aggregate",
        "dataset:pg://db:5432:mart.revenue",
        "job:pipelines:audit",
        "dataset:pg://db:5432:audit.orders",
    }
    two = ids(lineage_client.get("/api/v1/lineage", {"nodeId": start, "depth": 2}))
    assert two - one == {"job:pipelines:export", "dataset:s3://bucket:export/revenue"}
    assert ids(lineage_client.get("/api/v1/lineage", {"nodeId": start, "depth": 0})) == {start}


def test_direction_narrows_to_upstream_or_downstream(lineage_client, chain):
    start = "dataset:pg://db:5432:mart.revenue"
    up = ids(lineage_client.get("/api/v1/lineage", {"nodeId": start, "depth": 5, "direction": "upstream"}))
    assert "dataset:pg://db:5432:raw.orders" in up
    assert "dataset:s3://bucket:export/revenue" not in up
    assert "dataset:pg://db:5432:audit.orders" not in up  # a sibling branch is neither up- nor downstream
    down = ids(lineage_client.get("/api/v1/lineage", {"nodeId": start, "depth": 5, "direction": "downstream"}))
    assert down == {start, "job:pipelines:export", "dataset:s3://bucket:export/revenue"}


def test_jobs_are_nodes_too(lineage_client, chain):
    response = lineage_client.get("/api/v1/lineage", {"nodeId": "job:pipelines:aggregate", "depth": 0})
    assert ids(response) == {
        "job:pipelines:aggregate",
        "dataset:pg://db:5432:staging.orders",
        "dataset:pg://db:5432:mart.revenue",
    }


def test_max_nodes_keeps_the_nearest_and_says_so(lineage_client, chain):
    response = lineage_client.get(
        "/api/v1/lineage", {"nodeId": "dataset:pg://db:5432:staging.orders", "depth": 5, "maxNodes": 3}
    )
    assert response.json()["truncated"] is True
    assert len(response.json()["graph"]) == 3
    assert "dataset:pg://db:5432:staging.orders" in ids(response)


@pytest.mark.parametrize(
    ("params", "status", "name"),
    [
        ({"nodeId": "dataset:nowhere:nothing"}, 404, "nodeId"),
        ({"nodeId": "table:x"}, 400, "nodeId"),
        ({"nodeId": "dataset:pg://db:5432:raw.orders", "depth": "99"}, 400, "depth"),
        ({"nodeId": "dataset:pg://db:5432:raw.orders", "direction": "sideways"}, 400, "direction"),
    ],
)
def test_bad_queries_are_problems_naming_the_parameter(lineage_client, chain, params, status, name):
    response = lineage_client.get("/api/v1/lineage", params)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == name


def test_reading_needs_a_session_or_a_token(client, world, chain):
    assert client.get("/api/v1/lineage", {"nodeId": "dataset:pg://db:5432:raw.orders"}).status_code in (401, 403)
    client.force_login(world.member)
    assert client.get("/api/v1/lineage", {"nodeId": "dataset:pg://db:5432:raw.orders"}).status_code == 200


def test_a_path_follows_the_data(lineage_client, chain):
    response = lineage_client.get(
        "/api/v1/lineage/path",
        {"from": "dataset:s3://bucket:export/revenue", "to": "dataset:pg://db:5432:staging.orders"},
    )
    body = response.json()
    assert body["direction"] == "upstream"
    assert body["path"] == [
        "dataset:pg://db:5432:staging.orders",
        "job:pipelines:aggregate",
        "dataset:pg://db:5432:mart.revenue",
        "job:pipelines:export",
        "dataset:s3://bucket:export/revenue",
    ]
    unconnected = lineage_client.get(
        "/api/v1/lineage/path", {"from": "dataset:pg://db:5432:audit.orders", "to": "dataset:pg://db:5432:mart.revenue"}
    )
    assert unconnected.json()["path"] == [] and unconnected.json()["direction"] is None


def test_impact_lists_datasets_products_teams_and_consumers(lineage_client, world, chain):
    revenue = ProductFactory(domain=world.other_domain, slug="revenue", name="Revenue")
    OutputPortFactory(product=revenue, name="revenue", location="pg://db:5432/mart/revenue")
    dashboard = ProductFactory(domain=world.domain, slug="dashboard", name="Dashboard")
    InputPort.objects.create(product=dashboard, name="revenue-in", source_port=revenue.output_ports.get())
    response = lineage_client.get("/api/v1/lineage/impact", {"nodeId": "dataset:pg://db:5432:raw.orders"})
    body = response.json()
    assert body["dataset_count"] == 4
    assert body["datasets"][0]["id"] == "dataset:pg://db:5432:staging.orders"  # nearest first
    assert [(p["id"], p["datasets"]) for p in body["products"]] == [("finance/revenue", 1)]
    assert [t["slug"] for t in body["teams"]] == ["finance-team"]
    assert body["consumers"] == [
        {"kind": "product", "label": "Dashboard", "url": dashboard.get_absolute_url(), "via": "input port revenue-in"}
    ]


def test_impact_of_a_job_is_what_it_writes_and_below(lineage_client, chain):
    body = lineage_client.get("/api/v1/lineage/impact", {"nodeId": "job:pipelines:aggregate"}).json()
    assert {d["id"] for d in body["datasets"]} == {
        "dataset:pg://db:5432:mart.revenue",
        "dataset:s3://bucket:export/revenue",
    }


def test_the_graph_refreshes_incrementally(send, lineage_client, chain):
    graph = get_graph()
    builds = graph.full_builds
    send(run_event("more", [dataset("s3://bucket", "export/revenue")], [dataset("s3://bucket", "archive")]))
    body = lineage_client.get("/api/v1/lineage/impact", {"nodeId": "dataset:pg://db:5432:raw.orders"}).json()
    assert body["dataset_count"] == 5
    assert get_graph().full_builds == builds
    assert get_graph().version == current_stamp().version


def test_a_rerun_with_the_same_inputs_does_not_bump_the_version(send, chain):
    version = current_stamp().version
    send(run_event("clean", [dataset("pg://db:5432", "raw.orders")], [dataset("pg://db:5432", "staging.orders")]))
    assert current_stamp().version == version


@pytest.fixture
def columns(send):
    def field_lineage(target: str, *sources: tuple[str, str]) -> dict:
        return {"inputFields": [{"namespace": "db", "name": ds, "field": f} for ds, f in sources]}

    send(
        run_event(
            "stage",
            [dataset("db", "raw")],
            [dataset("db", "stage", columnLineage={"fields": {"amount": field_lineage("amount", ("raw", "amt"))}})],
        )
    )
    send(
        run_event(
            "report",
            [dataset("db", "stage")],
            [
                dataset(
                    "db",
                    "report",
                    columnLineage={
                        "fields": {
                            "total": field_lineage("total", ("stage", "amount"), ("stage", "fx")),
                        }
                    },
                )
            ],
        )
    )


def test_column_lineage_has_marquezs_shape(lineage_client, columns):
    response = lineage_client.get("/api/v1/column-lineage", {"nodeId": "datasetField:db:report:total"})
    assert response.status_code == 200
    nodes = {n["id"]: n for n in response.json()["graph"]}
    assert set(nodes) == {
        "datasetField:db:report:total",
        "datasetField:db:stage:amount",
        "datasetField:db:stage:fx",
        "datasetField:db:raw:amt",
    }
    total = nodes["datasetField:db:report:total"]
    assert total["type"] == "DATASET_FIELD"
    assert {(i["dataset"], i["field"]) for i in total["data"]["inputFields"]} == {("stage", "amount"), ("stage", "fx")}
    assert total["outEdges"] == []


def test_column_lineage_goes_downstream_only_when_asked(lineage_client, columns):
    plain = lineage_client.get("/api/v1/column-lineage", {"nodeId": "datasetField:db:stage:amount"})
    assert {n["id"] for n in plain.json()["graph"]} == {"datasetField:db:stage:amount", "datasetField:db:raw:amt"}
    both = lineage_client.get(
        "/api/v1/column-lineage", {"nodeId": "datasetField:db:stage:amount", "withDownstream": "true"}
    )
    assert "datasetField:db:report:total" in {n["id"] for n in both.json()["graph"]}


def test_column_impact(lineage_client, columns):
    body = lineage_client.get("/api/v1/lineage/impact", {"nodeId": "datasetField:db:raw:amt"}).json()
    assert [f["id"] for f in body["fields"]] == ["datasetField:db:report:total", "datasetField:db:stage:amount"]
    assert body["dataset_count"] == 2


def test_search_finds_datasets_and_jobs(lineage_client, chain):
    results = lineage_client.get("/api/v1/lineage/search", {"q": "revenue"}).json()["results"]
    assert {r["id"] for r in results} == {"dataset:pg://db:5432:mart.revenue", "dataset:s3://bucket:export/revenue"}


def test_the_openapi_schema_documents_the_lineage_api(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/lineage", "/api/v1/lineage/batch", "/api/v1/column-lineage", "/api/v1/lineage/impact"):
        assert path in paths
    assert "post" in paths["/api/v1/lineage"] and "get" in paths["/api/v1/lineage"]


def test_a_field_the_schema_lists_but_no_lineage_names_has_an_empty_column_graph(lineage_client, send):
    send(run_event("load", [], [dataset("db", "plain", schema={"fields": [{"name": "id", "type": "int"}]})]))
    response = lineage_client.get("/api/v1/column-lineage", {"nodeId": "datasetField:db:plain:id"})
    assert response.status_code == 200 and response.json()["graph"] == []
    missing = lineage_client.get("/api/v1/column-lineage", {"nodeId": "datasetField:db:plain:nope"})
    assert missing.status_code == 404


def test_pruning_forgets_unreported_edges_and_rebuilds(lineage_client, send):
    from lineage.tasks import prune_edges

    send(run_event("old", [dataset("db", "a")], [dataset("db", "b")], event_time="2020-01-01T00:00:00Z"))
    send(run_event("new", [dataset("db", "b")], [dataset("db", "c")], event_time="2999-01-01T00:00:00Z"))
    assert lineage_client.get("/api/v1/lineage/impact", {"nodeId": "dataset:db:a"}).json()["dataset_count"] == 2
    builds = get_graph().full_builds
    assert prune_edges.delay(days=365).get() == 2
    assert lineage_client.get("/api/v1/lineage/impact", {"nodeId": "dataset:db:a"}).json()["dataset_count"] == 0
    assert get_graph().full_builds == builds + 1


def test_a_hubs_remembered_impact_follows_new_lineage_and_new_ports(lineage_client, world, chain, send, monkeypatch):
    from lineage.models import Dataset
    from lineage.selectors import impact

    monkeypatch.setattr(impact, "HUB_MEMO_MIN", 1)  # every closure counts as a hub here

    def ask() -> dict:
        return lineage_client.get("/api/v1/lineage/impact", {"nodeId": "dataset:pg://db:5432:raw.orders"}).json()

    assert ask()["dataset_count"] == 4
    assert ask()["dataset_count"] == 4
    memo = get_graph().memo["impact"]
    assert isinstance(memo, dict) and set(memo) == {Dataset.objects.get(name="raw.orders").pk}  # kept for this version
    send(run_event("archive", [dataset("pg://db:5432", "audit.orders")], [dataset("s3://bucket", "archive/orders")]))
    assert ask()["dataset_count"] == 5
    assert ask()["product_count"] == 0
    product = ProductFactory(domain=world.domain, owner_team=world.team, status="published")
    OutputPortFactory(product=product, location="s3://bucket/archive/orders")
    assert [p["id"] for p in ask()["products"]] == [product.identifier]


@pytest.mark.django_db(transaction=True)
def test_a_new_worker_builds_its_graph_before_the_first_request(send, monkeypatch):
    from lineage import graph as graph_module
    from lineage.gunicorn_hooks import post_worker_init
    from lineage.models import Dataset

    send(run_event("clean", [dataset("db", "raw")], [dataset("db", "clean")]))
    fresh = graph_module.LineageGraph()
    monkeypatch.setattr(graph_module, "_graph", fresh)
    graph_module.warm_up_in_background().join(timeout=60)
    assert fresh.full_builds == 1
    assert fresh.has(Dataset.objects.get(name="clean").pk)

    # The gunicorn hook starts it in each worker, and builds the product graph after it.
    from lineage.selectors.product_graph import mesh_graph

    worker_graph = graph_module.LineageGraph()
    monkeypatch.setattr(graph_module, "_graph", worker_graph)
    post_worker_init(worker=None).join(timeout=60)
    assert worker_graph.full_builds == 1
    assert worker_graph.product_state is not None
    with worker_graph.lock:
        assert mesh_graph(worker_graph).full_builds == 1  # built by the hook: the first read finds it
