"""Output ports keep their location's lineage key in the database, and the graph holds only the ports it matches."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from catalog.locations import stored_location_key
from catalog.models import InputPort, OutputPort
from lineage import graph as graph_module
from lineage.graph import get_graph
from lineage.models import Dataset
from tests.factories import OutputPortFactory, ProductFactory
from tests.lineage.conftest import dataset, run_event

pytestmark = [pytest.mark.django_db]
WH = "postgres://wh:5432"


def test_the_key_is_stored_by_save_and_bulk_create(world):
    product = ProductFactory(domain=world.domain, slug="orders")
    saved = OutputPortFactory(product=product, name="a", location="Snowflake://ACME/Sales/Orders")
    (bulk,) = OutputPort.objects.bulk_create([OutputPort(product=product, name="b", location="warehouse.Sales.x")])
    empty = OutputPortFactory(product=product, name="c", location="")

    stored = dict(OutputPort.objects.values_list("name", "location_key"))
    assert stored == {"a": "=snowflake://acme|sales.orders", "b": "~warehouse.sales.x", "c": ""}
    assert saved.location_key == stored["a"] and bulk.location_key == stored["b"] and empty.location_key == ""


def test_a_changed_location_moves_the_key_when_a_product_is_published_again(world, team_client):
    def publish(location: str) -> str:
        body = {"name": "Orders", "output_ports": [{"name": "data", "location": location, "fields": [{"name": "id"}]}]}
        assert team_client.put("/api/v1/products/sales/orders", body, format="json").status_code in (200, 201)
        return OutputPort.objects.get(product__slug="orders").location_key

    assert publish(f"{WH}/shop.orders") == f"={WH}|shop.orders"
    assert publish("s3://bucket/Orders/") == "=s3://bucket|Orders"
    assert publish("") == ""


def test_the_migration_fills_the_keys_of_ports_stored_before_it(world, monkeypatch):
    product = ProductFactory(domain=world.domain, slug="orders")
    ports = [OutputPortFactory(product=product, name=f"p{i}", location=f"{WH}/shop.t{i}") for i in range(5)]
    OutputPortFactory(product=product, name="none", location="")
    OutputPort.objects.update(location_key="")  # as the column is when it is added
    migration = importlib.import_module("catalog.migrations.0013_output_port_location_key")

    monkeypatch.setattr(migration, "BATCH", 2)  # several batches
    migration.fill_location_keys(django_apps, None)

    stored = dict(OutputPort.objects.values_list("name", "location_key"))
    assert stored == {**{p.name: stored_location_key(p.location) for p in ports}, "none": ""}
    assert stored["p3"] == f"={WH}|shop.t3"


@pytest.mark.parametrize("read_whole", [50_000, 0], ids=["ports-read-whole", "ports-looked-up"])
def test_the_graph_holds_only_the_ports_its_datasets_map_to(world, send, monkeypatch, read_whole):
    monkeypatch.setattr(graph_module, "PORTS_READ_WHOLE", read_whole)
    product = ProductFactory(domain=world.domain, slug="orders")
    mapped = OutputPortFactory(product=product, name="orders", location=f"{WH}/shop.orders")
    for i in range(30):  # ports no dataset names: they stay in the database
        OutputPortFactory(product=ProductFactory(domain=world.domain, slug=f"p{i}"), location=f"{WH}/shop.t{i}")
    send(run_event("load", [dataset(WH, "raw.orders")], [dataset(WH, "shop.orders")]))

    graph = get_graph()
    graph.refresh()

    assert {d: [m.port_id for m in ms] for d, ms in graph.port_matches.items()} == {
        Dataset.objects.get(name="shop.orders").pk: [mapped.pk]
    }
    assert graph.ports.product_of == {mapped.pk: product.pk}
    assert graph.ports.name_of == {mapped.pk: "orders"}
    later = OutputPortFactory(product=ProductFactory(domain=world.domain, slug="late"), location=f"{WH}/raw.orders")
    graph.refresh()  # a new port re-maps the datasets
    assert set(graph.ports.product_of) == {mapped.pk, later.pk}


def test_declared_consumers_of_a_product_lineage_never_mapped_are_named_in_its_observed_impact(
    world, lineage_client, send
):
    source = ProductFactory(domain=world.domain, slug="orders")
    port = OutputPortFactory(product=source, name="orders", location="")  # nothing lineage could map
    consumer = ProductFactory(domain=world.other_domain, slug="revenue", name="Revenue")
    InputPort.objects.create(product=consumer, name="orders-in", source_port=port)
    send(run_event("unrelated", [dataset(WH, "raw.a")], [dataset(WH, "raw.b")]))

    body = lineage_client.get("/api/v1/lineage/products/sales/orders/impact", {"kind": "observed"}).json()

    assert body["products"] == []  # nothing observed downstream; the declared reader is still a consumer
    assert [(c["kind"], c["label"], c["via"]) for c in body["consumers"]] == [
        ("product", "Revenue", "input port orders-in")
    ]
