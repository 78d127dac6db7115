"""The batched write path: what a product costs in statements, and that batching keeps every outcome right.

Ingestion speed comes from writing table by table (all products, all ports, all fields of a request at once), so
the number of statements must not grow with the number of fields or of products in a bulk. `bench/ingest.py`
measures the speed; these tests keep the statement counts from creeping back up.
"""

from dataclasses import asdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.api.product_input import parse_bulk, parse_product
from catalog.models import DataProduct, InputPort, SchemaField
from catalog.services.products import product_upsert, products_bulk_upsert
from catalog.specs import ProductSpec, fingerprint
from core.actors import Actor
from search.models import IndexOutbox

pytestmark = pytest.mark.django_db


def product(index: int, fields: int = 20, source: str = "sales/upstream") -> dict:
    return {
        "name": f"Order Facts {index}",
        "summary": "Daily order facts.",
        "status": "published",
        "tags": ["orders", f"batch-{index % 3}"],
        "output_ports": [
            {
                "name": "data",
                "location": f"snowflake://acme/SALES/ORDER_FACTS_{index}",
                "fields": [
                    {"name": f"col_{k:02d}", "type": "string", "nullable": k != 0, "primary_key": k == 0}
                    for k in range(fields)
                ],
            }
        ],
        "input_ports": [{"name": "upstream", "product": source, "port": "data"}],
    }


@pytest.fixture
def upstream(world, team_client):
    body = {"name": "Upstream", "output_ports": [{"name": "data", "fields": [{"name": "id"}]}]}
    assert team_client.put("/api/v1/products/sales/upstream", body, format="json").status_code == 201
    return DataProduct.objects.get(slug="upstream")


def bulk_items(count: int) -> list:
    return parse_bulk({"products": [{"domain": "sales", "slug": f"facts-{i}", **product(i)} for i in range(count)]})


# Counted: the product write itself. Not counted: what runs after commit (search outbox drain, glossary link
# suggestions, the receivers of catalog.signals.products_changed), which other apps own and measure.


def test_a_new_product_with_20_fields_takes_a_fixed_number_of_queries(world, upstream, django_assert_num_queries):
    spec = parse_product(product(1))
    # domain, the person's teams, current product, tags (+ insert of the new ones, a re-read), then in one transaction
    # (a savepoint here, inside the test's): product, tag links, port, all fields in one statement, waiting
    # inputs, input source, input port, its version, outbox row
    with django_assert_num_queries(17):
        result = product_upsert(actor=Actor(user=world.owner), domain_slug="sales", slug="facts-1", spec=spec)
    assert result.action == "created"
    assert SchemaField.objects.filter(port__product__slug="facts-1").count() == 20
    assert InputPort.objects.get(product__slug="facts-1").source_port.product == upstream


def test_more_fields_take_no_more_queries(world, upstream, django_assert_num_queries):
    actor = Actor(user=world.owner)
    product_upsert(actor=actor, domain_slug="sales", slug="warm", spec=parse_product(product(0)))  # tags exist now
    spec = parse_product(product(2, fields=400))
    with django_assert_num_queries(16):
        product_upsert(actor=actor, domain_slug="sales", slug="wide", spec=spec)
    assert SchemaField.objects.filter(port__product__slug="wide").count() == 400


def test_a_bulk_of_50_takes_as_many_queries_as_one_product(world, upstream, django_assert_num_queries):
    items = bulk_items(50)
    with django_assert_num_queries(17):
        results = products_bulk_upsert(actor=Actor(user=world.owner), items=items)
    assert [r.action for r in results] == ["created"] * 50
    assert SchemaField.objects.filter(port__product__slug__startswith="facts-").count() == 50 * 20
    assert InputPort.objects.filter(source_port__product=upstream).count() == 50
    # one outbox row per product and one for the upstream product, whose consumers changed
    assert IndexOutbox.objects.count() == 51


def test_a_bulk_of_50_updates_with_few_queries(world, upstream, django_assert_max_num_queries):
    actor = Actor(user=world.owner)
    products_bulk_upsert(actor=actor, items=bulk_items(50))
    items = bulk_items(50)
    for _domain, _slug, spec in items:
        spec.output_ports[0].fields[1].description = "Changed."
        spec.output_ports[0].fields.pop()  # breaking: the major version goes up with it
        spec.version = "2.0.0"
        spec.tags = ["orders"]
    # versions add three: the stored snapshots, the last version numbers, the new versions
    with django_assert_max_num_queries(25):
        results = products_bulk_upsert(actor=actor, items=items)
    assert [r.action for r in results] == ["updated"] * 50
    fields = SchemaField.objects.filter(port__product__slug="facts-7")
    assert fields.count() == 19 and fields.get(name="col_01").description == "Changed."
    assert list(DataProduct.objects.get(slug="facts-7").tags.values_list("name", flat=True)) == ["orders"]


def test_a_bulk_may_hold_a_product_and_its_consumer(team_client, upstream):
    items = [
        {"domain": "sales", "slug": "consumer", **product(1, source="sales/producer")},
        {"domain": "sales", "slug": "producer", **product(2)},
    ]
    response = team_client.post("/api/v1/products/bulk", {"products": items}, format="json")
    assert response.status_code == 201, response.content
    assert InputPort.objects.get(product__slug="consumer").source_port.product.slug == "producer"


def test_a_bulk_naming_one_product_twice_is_refused(team_client, upstream):
    items = [{"domain": "sales", "slug": "same", **product(i)} for i in range(2)]
    response = team_client.post("/api/v1/products/bulk", {"products": items}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/products/1/slug"
    assert not DataProduct.objects.filter(slug="same").exists()


def test_a_bulk_error_in_a_later_item_names_it_and_stores_nothing(team_client, upstream):
    items = [{"domain": "sales", "slug": f"facts-{i}", **product(i)} for i in range(5)]
    items[3]["input_ports"][0]["product"] = "sales/nowhere"
    response = team_client.post("/api/v1/products/bulk", {"products": items}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/products/3/input_ports/0/product"
    assert not DataProduct.objects.filter(slug__startswith="facts-").exists()


def asdict_fingerprint(spec: ProductSpec, *extra: str) -> str:
    """How fingerprints were made before (dataclasses.asdict): stored ones must stay valid."""
    return fingerprint({"spec": asdict(spec), "extra": list(extra)})


def test_the_fast_fingerprint_equals_the_asdict_one(world):
    spec = parse_product(product(1))
    assert spec.fingerprint("7", "portal") == asdict_fingerprint(spec, "7", "portal")
    assert ProductSpec(name="x").fingerprint() == asdict_fingerprint(ProductSpec(name="x"))


def test_a_product_written_before_the_fast_fingerprint_is_still_unchanged(world):
    actor = Actor(user=world.owner)
    spec = parse_product({**product(1), "input_ports": []})
    first = product_upsert(actor=actor, domain_slug="sales", slug="facts", spec=spec)
    DataProduct.objects.filter(pk=first.product.pk).update(fingerprint=spec.fingerprint(str(world.team.pk), "portal"))
    assert product_upsert(actor=actor, domain_slug="sales", slug="facts", spec=spec).action == "unchanged"


def test_a_bulk_is_checked_against_the_actor_for_every_domain(world, other_team_client):
    items = [{"domain": "finance", "slug": "mine", **product(1, source="")}]
    items[0]["input_ports"] = []
    items.append({"domain": "sales", "slug": "theirs", "name": "Theirs"})
    response = other_team_client.post("/api/v1/products/bulk", {"products": items}, format="json")
    assert response.status_code == 403
    assert response.json()["errors"][0]["pointer"] == "/products/1"
    assert not DataProduct.objects.filter(slug__in=["mine", "theirs"]).exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_the_look_up_of_waiting_inputs_uses_their_partial_indexes_among_many_external_ones(world, upstream):
    """At 100k products, 30k external inputs (no ref, never resolved) in the waiting-inputs index made SQLite's
    statistics prefer the source_port index: the look-up walked all of them in every PUT's write transaction."""
    consumer = DataProduct.objects.get(slug="upstream")
    InputPort.objects.bulk_create(
        [InputPort(product=consumer, name=f"ext-{i}", external_source=f"erp-{i}") for i in range(300)]
    )
    InputPort.objects.create(
        product=consumer, name="later-in", source_product_ref="sales/later", source_port_ref="data"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as captured:
        spec = parse_product({"name": "Later", "output_ports": [{"name": "data"}]})
        product_upsert(actor=Actor(user=world.owner), domain_slug="sales", slug="later", spec=spec)
    assert InputPort.objects.get(name="later-in").source_port.product.slug == "later"
    (look_up,) = [q["sql"] for q in captured.captured_queries if 'FROM "catalog_inputport" WHERE (' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {look_up}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "inputport_waiting_ref" in plan, plan
    assert "source_port_id" not in plan, plan
