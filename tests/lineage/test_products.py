"""Datasets mapped to output ports, and the product lineage derived from them."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from catalog.locations import dataset_key, location_key
from catalog.models import InputPort, OutputPort
from lineage.graph import get_graph
from lineage.naming import parse_node_id
from lineage.selectors import product_lineage_summary
from tests.factories import OutputPortFactory, ProductFactory
from tests.lineage.conftest import conformance, dataset, run_event

pytestmark = [pytest.mark.django_db]


@pytest.mark.parametrize(
    ("location", "namespace", "name"),
    [
        ("snowflake://acme/SALES/ORDERS", "snowflake://ACME", "sales.orders"),
        ("postgres://db:5432/shop.public.orders", "postgres://db:5432", "shop.public.orders"),
        ("s3://bucket/orders/2024/", "s3://bucket", "orders/2024"),
        ("file:///tmp/cll_test/cll_source1", "file", "/tmp/cll_test/cll_source1"),  # noqa: S108
        ('bigquery://proj/"Dataset"/`Table`', "bigquery://proj", "dataset.table"),
    ],
)
def test_port_locations_and_dataset_names_normalise_alike(location, namespace, name):
    key = location_key(location)
    assert key is not None and not key.bare
    assert key.key == dataset_key(namespace, name)


def test_paths_keep_their_case():
    assert dataset_key("s3://bucket", "Orders/A") != dataset_key("s3://bucket", "orders/a")


def test_node_ids_with_colons_in_the_namespace_have_every_reading():
    ref = parse_node_id("dataset:postgres://db:5432:shop.orders")
    assert ref is not None
    assert ("postgres://db:5432", "shop.orders") in ref.candidates
    field = parse_node_id("datasetField:db:report:total")
    assert field is not None and field.field == "total" and field.candidates == (("db", "report"),)


@pytest.fixture
def mesh(world, send):
    """orders (sales) --[enrich]--> staging (unmapped) --[aggregate]--> revenue (finance) --[publish]--> board."""
    orders = ProductFactory(domain=world.domain, slug="orders", name="Orders")
    OutputPortFactory(product=orders, name="orders_table", location="warehouse.sales.orders")  # a bare name
    revenue = ProductFactory(domain=world.other_domain, slug="revenue", name="Revenue")
    OutputPortFactory(product=revenue, name="revenue", location="postgres://wh:5432/finance.revenue")
    board = ProductFactory(domain=world.other_domain, slug="board", name="Board pack")
    OutputPortFactory(product=board, name="pack", location="hive://metastore/reports.board")  # via a symlink
    send(
        run_event(
            "enrich",
            [dataset("postgres://wh:5432", "warehouse.sales.orders")],
            [dataset("postgres://wh:5432", "tmp.staging")],
        )
    )
    send(
        run_event(
            "aggregate",
            [dataset("postgres://wh:5432", "tmp.staging")],
            [dataset("postgres://wh:5432", "finance.revenue")],
        )
    )
    symlinked = dataset(
        "s3://reports",
        "board/pack.parquet",
        symlinks={"identifiers": [{"namespace": "hive://metastore", "name": "reports.board", "type": "TABLE"}]},
    )
    send(run_event("publish", [dataset("postgres://wh:5432", "finance.revenue")], [symlinked]))
    return orders, revenue, board


def test_datasets_map_to_ports_by_location_name_or_symlink(mesh):
    _orders, _revenue, _board = mesh
    graph = get_graph()
    by_port = {
        OutputPort.objects.get(pk=port).product.slug: (
            datasets,
            {m.matched_by for d in datasets for m in graph.port_matches[d]},
        )
        for port, datasets in graph.datasets_of_port.items()
        if datasets
    }
    assert {slug: how for slug, (_, how) in by_port.items()} == {
        "orders": {"name"},
        "revenue": {"location"},
        "board": {"symlink"},
    }


def test_product_lineage_is_derived_through_unmapped_datasets(lineage_client, mesh):
    body = lineage_client.get("/api/v1/lineage/products/finance/revenue", {"depth": 1}).json()
    assert {n["id"] for n in body["nodes"]} == {"sales/orders", "finance/revenue", "finance/board"}
    edges = {(e["from"], e["to"]): e["via"] for e in body["edges"]}
    assert set(edges) == {("sales/orders", "finance/revenue"), ("finance/revenue", "finance/board")}
    assert edges[("sales/orders", "finance/revenue")] == [
        {
            "from": "dataset:postgres://wh:5432:warehouse.sales.orders",
            "to": "dataset:postgres://wh:5432:finance.revenue",
        }
    ]


def test_a_chain_of_products_gives_direct_edges_only(lineage_client, mesh):
    body = lineage_client.get("/api/v1/lineage/products/sales/orders", {"depth": 5}).json()
    assert ("sales/orders", "finance/board") not in {(e["from"], e["to"]) for e in body["edges"]}
    assert {n["id"]: n["distance"] for n in body["nodes"]} == {
        "sales/orders": 0,
        "finance/revenue": 1,
        "finance/board": 2,
    }


def test_product_impact(lineage_client, mesh):
    body = lineage_client.get("/api/v1/lineage/products/sales/orders/impact").json()
    assert [p["id"] for p in body["products"]] == ["finance/board", "finance/revenue"]
    assert body["teams"] == ["finance-team"]


def test_the_product_page_summary_tells_discovered_from_declared_inputs(mesh):
    _orders, revenue, board = mesh
    InputPort.objects.create(product=board, name="revenue-in", source_port=revenue.output_ports.get())
    summary = product_lineage_summary(revenue)
    assert [(link.product.slug, link.kind) for link in summary.inputs] == [("orders", "observed")]
    assert [(link.product.slug, link.kind) for link in summary.consumers] == [("board", "both")]
    assert summary.port_datasets == {"revenue": ["dataset:postgres://wh:5432:finance.revenue"]}


def test_the_template_tag_renders_the_product_section(mesh, django_assert_max_num_queries):
    _orders, revenue, _board = mesh
    get_graph()  # built once per process, not per page
    with django_assert_max_num_queries(7):
        html = Template("{% load lineage_tags %}{% product_lineage product %}").render(Context({"product": revenue}))
    assert 'id="lineage"' in html
    assert "Inputs" in html
    assert "Orders" in html and "Observed, not declared" in html
    assert "Board pack" in html
    assert "/lineage/products/finance/revenue/" in html


def test_changing_a_port_location_remaps_without_a_rebuild(mesh):
    _orders, revenue, _board = mesh
    graph = get_graph()
    builds = graph.full_builds
    port = revenue.output_ports.get()
    port.location = "postgres://elsewhere/finance.revenue"
    port.save()
    assert not product_lineage_summary(revenue).inputs
    assert get_graph().full_builds == builds


def test_a_port_added_later_maps_datasets_already_reported(world, send):
    send(conformance("spark_create_table_complete_symlinks_lifecycle.json"))
    product = ProductFactory(domain=world.domain, slug="cll", name="CLL")
    OutputPortFactory(product=product, name="source1", location="file:///tmp/cll_test/cll_source1")
    assert product_lineage_summary(product).port_datasets == {"source1": ["dataset:file:/tmp/cll_test/cll_source1"]}
