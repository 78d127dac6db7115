"""The merged product graph: declared edges (input ports), observed edges (OpenLineage), both, and their reads."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from rest_framework.test import APIClient

from catalog.models import InputPort
from lineage.graph import get_graph
from lineage.selectors import mesh_graph, product_impact, product_lineage_summary
from tests.factories import DomainFactory, OutputPortFactory, ProductFactory, TeamFactory
from tests.lineage.conftest import dataset, run_event

pytestmark = [pytest.mark.django_db]

WH = "postgres://wh:5432"


@pytest.fixture
def products(world, send):
    """orders (sales) is read by revenue (finance) as declared AND observed, by forecast (finance) as declared
    only, and by churn (sales) as observed only (a pipeline that never declared its input)."""
    orders = ProductFactory(domain=world.domain, slug="orders", name="Orders")
    orders_port = OutputPortFactory(product=orders, name="orders", location=f"{WH}/sales.orders")
    made = {"orders": orders}
    for slug, domain in (("revenue", world.other_domain), ("forecast", world.other_domain), ("churn", world.domain)):
        made[slug] = ProductFactory(domain=domain, slug=slug, name=slug.title())
        OutputPortFactory(product=made[slug], name=slug, location=f"{WH}/{domain.slug}.{slug}")
    InputPort.objects.create(product=made["revenue"], name="orders-in", source_port=orders_port)
    InputPort.objects.create(product=made["forecast"], name="orders-feed", source_port=orders_port)
    send(run_event("build_revenue", [dataset(WH, "sales.orders")], [dataset(WH, "tmp.revenue_stage")]))
    send(run_event("publish_revenue", [dataset(WH, "tmp.revenue_stage")], [dataset(WH, "finance.revenue")]))
    send(run_event("build_churn", [dataset(WH, "sales.orders")], [dataset(WH, "sales.churn")]))
    return made


def edges_of(body: dict) -> dict[tuple[str, str], dict]:
    return {(e["from"], e["to"]): e for e in body["edges"]}


def test_edges_are_labelled_declared_observed_or_both(lineage_client, products):
    body = lineage_client.get("/api/v1/lineage/products/sales/orders").json()
    edges = edges_of(body)
    assert {key: e["kind"] for key, e in edges.items()} == {
        ("sales/orders", "finance/revenue"): "both",
        ("sales/orders", "finance/forecast"): "declared",
        ("sales/orders", "sales/churn"): "observed",
    }
    both = edges[("sales/orders", "finance/revenue")]
    assert both["ports"] == [{"input": "orders-in", "output": "orders"}]
    assert both["observed_ports"] == {"from": ["orders"], "to": ["revenue"]}
    assert both["via"] == [{"from": f"dataset:{WH}:sales.orders", "to": f"dataset:{WH}:finance.revenue"}]
    declared = edges[("sales/orders", "finance/forecast")]
    assert declared["via"] == [] and declared["observed_ports"] is None and declared["observed"] is False
    observed = edges[("sales/orders", "sales/churn")]
    assert observed["ports"] == [] and observed["declared"] is False


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("declared", {"finance/revenue", "finance/forecast"}),
        ("observed", {"finance/revenue", "sales/churn"}),
        ("all", {"finance/revenue", "finance/forecast", "sales/churn"}),
    ],
)
def test_kind_keeps_only_those_edges(lineage_client, products, kind, expected):
    body = lineage_client.get("/api/v1/lineage/products/sales/orders", {"kind": kind}).json()
    assert {e["to"] for e in body["edges"]} == expected
    assert {n["id"] for n in body["nodes"]} == expected | {"sales/orders"}
    assert body["kind"] == kind


def test_a_bad_kind_is_a_problem_naming_the_parameter(lineage_client, products):
    response = lineage_client.get("/api/v1/lineage/products/sales/orders", {"kind": "guessed"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] in ("kind", "/kind")


def test_depth_and_direction_cross_domains(lineage_client, products, world):
    # forecast feeds a product of a third domain, declared only: two hops from orders.
    risk = DomainFactory(slug="risk", name="Risk", owner_team=TeamFactory(slug="risk-team"))
    exposure = ProductFactory(domain=risk, slug="exposure", name="Exposure")
    InputPort.objects.create(
        product=exposure, name="forecast-in", source_port=OutputPortFactory(product=products["forecast"], name="fc")
    )
    near = lineage_client.get("/api/v1/lineage/products/sales/orders", {"depth": 1}).json()
    assert "risk/exposure" not in {n["id"] for n in near["nodes"]}
    far = lineage_client.get("/api/v1/lineage/products/sales/orders", {"depth": 2, "direction": "downstream"}).json()
    assert {n["id"]: n["distance"] for n in far["nodes"]}["risk/exposure"] == 2
    up = lineage_client.get("/api/v1/lineage/products/risk/exposure", {"depth": 3, "direction": "upstream"}).json()
    assert {n["id"] for n in up["nodes"]} == {"risk/exposure", "finance/forecast", "sales/orders"}
    assert {n["domain_name"] for n in up["nodes"]} == {"Risk", "Finance", "Sales"}


def test_max_nodes_keeps_the_nearest_and_says_so(lineage_client, products):
    body = lineage_client.get("/api/v1/lineage/products/sales/orders", {"maxNodes": 2}).json()
    assert body["truncated"] is True
    assert len(body["nodes"]) == 2 and "sales/orders" in {n["id"] for n in body["nodes"]}


def test_product_impact_follows_declared_and_observed_edges(lineage_client, products):
    body = lineage_client.get("/api/v1/lineage/products/sales/orders/impact").json()
    assert [p["id"] for p in body["products"]] == ["sales/churn", "finance/forecast", "finance/revenue"]
    declared = lineage_client.get("/api/v1/lineage/products/sales/orders/impact", {"kind": "declared"}).json()
    assert [p["id"] for p in declared["products"]] == ["finance/forecast", "finance/revenue"]
    assert [p.slug for p in product_impact(products["orders"], kind="observed")] == ["churn", "revenue"]


def test_a_declared_input_shows_without_any_lineage(lineage_client, world):
    """The issue's case: consumers that only declare their input ports are the product's lineage."""
    orders = ProductFactory(domain=world.domain, slug="orders", name="Orders")
    port = OutputPortFactory(product=orders, name="orders")  # no location: nothing can be observed
    for n in range(6):
        consumer = ProductFactory(domain=world.other_domain, slug=f"consumer-{n}")
        InputPort.objects.create(product=consumer, name="sales-orders", source_port=port)
    body = lineage_client.get("/api/v1/lineage/products/sales/orders").json()
    assert sorted(e["to"] for e in body["edges"]) == [f"finance/consumer-{n}" for n in range(6)]
    assert {e["kind"] for e in body["edges"]} == {"declared"}


def test_a_new_input_port_shows_without_a_graph_rebuild(lineage_client, products):
    graph = get_graph()
    builds = graph.full_builds
    InputPort.objects.create(
        product=products["churn"], name="orders-in", source_port=products["orders"].output_ports.get()
    )
    edges = edges_of(lineage_client.get("/api/v1/lineage/products/sales/orders").json())
    assert edges[("sales/orders", "sales/churn")]["kind"] == "both"
    assert get_graph().full_builds == builds


def test_the_mesh_map_groups_products_by_domain(lineage_client, products):
    body = lineage_client.get("/api/v1/lineage/products").json()
    assert {d["id"] for d in body["domains"]} == {"sales", "finance"}
    assert {n["id"] for n in body["nodes"]} == {"sales/orders", "finance/revenue", "finance/forecast", "sales/churn"}
    assert all(isinstance(n["x"], int) and isinstance(n["y"], int) for n in body["nodes"])
    assert len({(n["x"], n["y"]) for n in body["nodes"]}) == 4  # no two products drawn on one spot
    assert {e["kind"] for e in body["edges"]} == {"both", "declared", "observed"}
    observed = lineage_client.get("/api/v1/lineage/products", {"kind": "observed"}).json()
    assert {n["id"] for n in observed["nodes"]} == {"sales/orders", "finance/revenue", "sales/churn"}
    finance = lineage_client.get("/api/v1/lineage/products", {"domain": "finance", "kind": "declared"}).json()
    # A domain's products and their neighbours, whatever domain those are in.
    assert {n["id"] for n in finance["nodes"]} == {"finance/revenue", "finance/forecast", "sales/orders"}
    assert lineage_client.get("/api/v1/lineage/products", {"domain": "nowhere"}).status_code == 404


def test_the_mesh_map_of_my_products(world, products):
    client = APIClient()
    client.force_authenticate(world.outsider)  # owner in the finance team
    body = client.get("/api/v1/lineage/products", {"mine": "true"}).json()
    assert {n["id"] for n in body["nodes"]} == {"finance/revenue", "finance/forecast", "sales/orders"}


def _chain(world, n: int):
    """n consumers of one product, each declared, half of them also observed."""
    source = ProductFactory(domain=world.domain, slug="source", name="Source")
    port = OutputPortFactory(product=source, name="src", location=f"{WH}/sales.source")
    for i in range(n):
        consumer = ProductFactory(domain=world.other_domain, slug=f"c{n}-{i}")
        OutputPortFactory(product=consumer, name="out", location=f"{WH}/finance.c{n}_{i}")
        InputPort.objects.create(product=consumer, name="in", source_port=port)
    return source


@pytest.mark.parametrize("n", [2, 12])
def test_product_lineage_costs_the_same_queries_whatever_its_size(lineage_client, world, send, n,
                                                                  django_assert_num_queries):  # fmt: skip
    _chain(world, n)
    for i in range(0, n, 2):
        send(run_event(f"job{n}_{i}", [dataset(WH, "sales.source")], [dataset(WH, f"finance.c{n}_{i}")]))
    lineage_client.get("/api/v1/lineage/products/sales/source")  # the graph is built once per process
    # token, the product, freshness, the rows shown, input and output port names, dataset names
    with django_assert_num_queries(7):
        body = lineage_client.get("/api/v1/lineage/products/sales/source", {"depth": 2}).json()
    assert len(body["edges"]) == n
    with django_assert_num_queries(5):  # token, freshness, the rows shown, input and output port names
        lineage_client.get("/api/v1/lineage/products")


def test_the_product_page_marks_each_link_and_counts_real_disagreements(products, send):
    summary = product_lineage_summary(products["orders"])
    assert [(link.product.slug, link.kind, link.disagrees) for link in summary.consumers] == [
        ("churn", "observed", True),
        ("forecast", "declared", False),  # no lineage is reported for forecast: nothing could be seen
        ("revenue", "both", False),
    ]
    assert summary.differences == 1
    send(run_event("build_forecast", [dataset(WH, "finance.bookings")], [dataset(WH, "finance.forecast")]))
    summary = product_lineage_summary(products["orders"])
    assert summary.differences == 2
    html = Template("{% load lineage_tags %}{% product_lineage product %}").render(
        Context({"product": products["forecast"]})
    )
    assert "Declared, not observed" in html and "input port orders-feed" in html


def full_builds() -> int:
    graph = get_graph()
    with graph.lock:
        return mesh_graph(graph).full_builds


def _edges(mesh) -> dict:
    return {
        (u, v): (e.kind, e.declared, e.observed and (e.observed.via, e.observed.source_ports, e.observed.target_ports))
        for u, out in mesh.succ.items()
        for v, e in out.items()
    }


def test_new_lineage_updates_the_product_graph_without_a_rebuild(lineage_client, products, send):
    lineage_client.get("/api/v1/lineage/products/sales/orders")
    builds = full_builds()
    # forecast's pipeline now reads orders through a staging table: its declared edge becomes both.
    send(run_event("stage_forecast", [dataset(WH, "sales.orders")], [dataset(WH, "tmp.forecast_stage")]))
    send(run_event("build_forecast", [dataset(WH, "tmp.forecast_stage")], [dataset(WH, "finance.forecast")]))
    edges = edges_of(lineage_client.get("/api/v1/lineage/products/sales/orders").json())
    assert edges[("sales/orders", "finance/forecast")]["kind"] == "both"
    assert edges[("sales/orders", "finance/forecast")]["via"] == [
        {"from": f"dataset:{WH}:sales.orders", "to": f"dataset:{WH}:finance.forecast"}
    ]
    graph = get_graph()
    with graph.lock:
        incremental = _edges(mesh_graph(graph))
        assert mesh_graph(graph).full_builds == builds
        graph.remapped = True  # the same graph built from scratch
        rebuilt = _edges(mesh_graph(graph))
    assert incremental == rebuilt


def _same_edges(mesh) -> dict:
    """_edges with the via examples in order: a re-walk may find them in another order than a build."""
    return {
        (u, v): (e.kind, sorted(e.declared), e.observed and (sorted(e.observed.via), e.observed.source_ports,
                                                              e.observed.target_ports, e.observed.jobs))
        for u, out in mesh.succ.items()
        for v, e in out.items()
    }  # fmt: skip


def assert_as_if_built_again() -> None:
    graph = get_graph()
    with graph.lock:
        incremental = _same_edges(mesh_graph(graph))
        mapped = set(mesh_graph(graph).mapped_products)
        graph.remapped = True  # the same graph built from scratch
        rebuilt = mesh_graph(graph)
    assert incremental == _same_edges(rebuilt)
    assert mapped == rebuilt.mapped_products


def test_a_port_that_moves_re_walks_the_product_graph_without_a_rebuild(lineage_client, products):
    lineage_client.get("/api/v1/lineage/products/sales/orders")
    builds = full_builds()
    port = products["churn"].output_ports.get()
    port.location = f"{WH}/elsewhere.churn"
    port.save()
    edges = edges_of(lineage_client.get("/api/v1/lineage/products/sales/orders").json())
    assert ("sales/orders", "sales/churn") not in edges
    assert full_builds() == builds
    assert_as_if_built_again()


def test_ports_that_map_datasets_mid_walk_re_walk_like_a_rebuild(lineage_client, products, world, send):
    """A port at the staging table splits orders -> revenue in two; moving it back joins them again; a port at a
    table two products share, and one that leaves a dataset, change the walks both ways."""
    send(run_event("copy_orders", [dataset(WH, "sales.orders")], [dataset(WH, "stg.orders_copy")]))
    send(run_event("use_copy", [dataset(WH, "stg.orders_copy")], [dataset(WH, "finance.forecast")]))
    lineage_client.get("/api/v1/lineage/products/sales/orders")
    builds = full_builds()
    stage_table = "tmp.revenue_stage"  # the fixture's staging table between orders and revenue
    stage = ProductFactory(domain=world.domain, slug="stage", name="Stage")
    stage_port = OutputPortFactory(product=stage, name="stage", location=f"{WH}/{stage_table}")
    edges = edges_of(lineage_client.get("/api/v1/lineage/products/sales/orders").json())
    assert ("sales/orders", "finance/revenue") in edges and edges[("sales/orders", "finance/revenue")]["kind"] == (
        "declared"
    )
    assert ("sales/orders", "sales/stage") in edges
    assert full_builds() == builds
    assert_as_if_built_again()

    def move_stage(location: str) -> None:
        stage_port.location = location
        stage_port.save()

    steps = [
        lambda: OutputPortFactory(product=products["churn"], name="copy", location=f"{WH}/stg.orders_copy"),
        lambda: move_stage(f"{WH}/stg.orders_copy"),
        lambda: move_stage(f"{WH}/nowhere.stage"),
        lambda: OutputPortFactory(product=stage, name="second", location=f"{WH}/finance.revenue"),
    ]
    for step in steps:
        builds = full_builds()  # assert_as_if_built_again built one
        step()
        lineage_client.get("/api/v1/lineage/products/sales/orders")
        assert full_builds() == builds
        assert_as_if_built_again()


def test_a_removed_input_port_removes_its_declared_edge(lineage_client, products):
    lineage_client.get("/api/v1/lineage/products/sales/orders")
    InputPort.objects.filter(product=products["forecast"]).delete()
    InputPort.objects.filter(product=products["revenue"]).delete()
    edges = edges_of(lineage_client.get("/api/v1/lineage/products/sales/orders").json())
    assert ("sales/orders", "finance/forecast") not in edges
    assert edges[("sales/orders", "finance/revenue")]["kind"] == "observed"


def test_a_deleted_product_leaves_the_product_graph(lineage_client, products):
    lineage_client.get("/api/v1/lineage/products/sales/orders")
    products["forecast"].delete()  # its input port goes with it (counted by lineage.receivers)
    edges = edges_of(lineage_client.get("/api/v1/lineage/products/sales/orders").json())
    assert ("sales/orders", "finance/forecast") not in edges
    assert ("sales/orders", "finance/revenue") in edges


def declared_reads() -> int:
    graph = get_graph()
    with graph.lock:
        return mesh_graph(graph).declared_reads


def test_written_input_ports_update_the_declared_edges_without_reading_every_one(lineage_client, products, world):
    """A catalog change re-reads only the input ports written since the last look: at 100k products, reading
    every input port after each batch of writes was the product graph's largest cost. Each step's edges equal a
    build from scratch."""
    from catalog.api.product_input import parse_product
    from catalog.services.products import product_upsert
    from core.actors import Actor

    lineage_client.get("/api/v1/lineage/products/sales/orders")
    builds, reads = full_builds(), declared_reads()
    orders_port = products["orders"].output_ports.get()
    churn_port = products["churn"].output_ports.get()

    def new_input() -> None:
        InputPort.objects.create(product=products["churn"], name="orders-in", source_port=orders_port)

    def other_source() -> None:  # forecast reads churn now, not orders
        port = InputPort.objects.get(product=products["forecast"])
        port.source_port = churn_port
        port.save()

    def external() -> None:  # revenue's input points outside the mesh: its edge is observed only
        port = InputPort.objects.get(product=products["revenue"])
        port.source_port, port.external_source = None, "sap"
        port.save()

    def waiting_input_resolved() -> None:  # an input waiting for a product that is published later
        InputPort.objects.create(
            product=products["revenue"], name="later-in", source_product_ref="sales/later", source_port_ref="data"
        )
        lineage_client.get("/api/v1/lineage/products/sales/orders")  # the graph sees it waiting first
        spec = parse_product({"name": "Later", "output_ports": [{"name": "data"}]})
        product_upsert(actor=Actor(user=world.owner), domain_slug="sales", slug="later", spec=spec)

    expected = {
        new_input: ("sales/orders", "sales/churn", "both"),
        other_source: ("sales/churn", "finance/forecast", "declared"),
        external: ("sales/orders", "finance/revenue", "observed"),
        waiting_input_resolved: ("sales/later", "finance/revenue", "declared"),
    }
    for step, (producer, consumer, kind) in expected.items():
        step()
        body = lineage_client.get(f"/api/v1/lineage/products/{producer}").json()
        assert edges_of(body)[(producer, consumer)]["kind"] == kind, step.__name__
        assert (full_builds(), declared_reads()) == (builds, reads), step.__name__
        assert_as_if_built_again()  # builds the graph from scratch: one more build and full read each time
        builds, reads = full_builds(), declared_reads()
    body = lineage_client.get("/api/v1/lineage/products/sales/orders").json()
    assert ("sales/orders", "finance/forecast") not in edges_of(body)  # its only declared input moved away


def test_a_deleted_input_port_reads_every_input_port_again(lineage_client, products):
    lineage_client.get("/api/v1/lineage/products/sales/orders")
    reads = declared_reads()
    InputPort.objects.filter(product=products["forecast"]).delete()
    edges = edges_of(lineage_client.get("/api/v1/lineage/products/sales/orders").json())
    assert ("sales/orders", "finance/forecast") not in edges
    assert declared_reads() == reads + 1
    assert_as_if_built_again()
