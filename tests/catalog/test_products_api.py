"""Publishing products over REST: upsert by identifier, idempotency, permissions and problem+json errors."""

import copy
from typing import Any

import pytest

from catalog.models import DataProduct, InputPort, OutputPort, SchemaField
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

ORDERS: dict[str, Any] = {
    "name": "Orders",
    "summary": "Every order placed in the web shop.",
    "description": "## Orders\nOne row per order line.",
    "kind": "source-aligned",
    "status": "published",
    "version": "1.2.0",
    "tags": ["Sales", "orders"],
    "output_ports": [
        {
            "name": "orders_table",
            "type": "table",
            "location": "snowflake://acme/SALES/ORDERS",
            "format": "table",
            "access_mode": "on_request",
            "fields": [
                {"name": "order_id", "type": "string", "nullable": False, "primary_key": True},
                {"name": "customer_email", "type": "string", "classification": "PII"},
                {"name": "amount", "type": "decimal(12,2)", "description": "Gross amount in EUR"},
            ],
        }
    ],
}


def put(client, body, domain="sales", slug="orders"):
    return client.put(f"/api/v1/products/{domain}/{slug}", body, format="json")


def test_put_creates_then_the_same_body_changes_nothing(team_client):
    first = put(team_client, ORDERS)
    assert first.status_code == 201, first.content
    assert first.json()["action"] == "created"
    product = DataProduct.objects.get(domain__slug="sales", slug="orders")
    field_ids = sorted(SchemaField.objects.values_list("pk", flat=True))
    stamp = product.updated_at

    second = put(team_client, ORDERS)
    assert second.status_code == 200
    assert second.json()["action"] == "unchanged"
    assert DataProduct.objects.count() == 1
    assert OutputPort.objects.count() == 1
    assert sorted(SchemaField.objects.values_list("pk", flat=True)) == field_ids
    product.refresh_from_db()
    assert product.updated_at == stamp


def test_put_answers_with_the_stored_product(team_client):
    assert put(team_client, ORDERS).json()["urn"] == "urn:dataproduct:sales:orders"
    body = team_client.get("/api/v1/products/sales/orders").json()
    assert body["urn"] == "urn:dataproduct:sales:orders"
    assert body["owner_team"] == "sales-team"
    assert body["tags"] == ["orders", "sales"]
    fields = body["output_ports"][0]["fields"]
    assert [f["name"] for f in fields] == ["order_id", "customer_email", "amount"]
    assert fields[1]["classification"] == "pii"
    assert fields[0]["nullable"] is False and fields[0]["primary_key"] is True


def test_put_replaces_ports_and_fields_keeping_ids_of_those_that_stay(team_client):
    put(team_client, ORDERS)
    kept = SchemaField.objects.get(name="order_id").pk
    changed = copy.deepcopy(ORDERS)
    port = changed["output_ports"][0]
    port["fields"] = [port["fields"][0], {"name": "currency", "type": "string"}]
    changed["output_ports"].append({"name": "orders_stream", "type": "topic", "location": "kafka://orders"})
    changed["version"] = "2.0.0"  # fields go: a breaking change, published as a new major version
    response = put(team_client, changed)
    assert response.status_code == 200 and response.json()["action"] == "updated"
    assert SchemaField.objects.get(name="order_id").pk == kept
    assert set(SchemaField.objects.values_list("name", flat=True)) == {"order_id", "currency"}
    assert set(OutputPort.objects.values_list("name", flat=True)) == {"orders_table", "orders_stream"}


def test_input_ports_link_to_the_producing_products_port(team_client):
    put(team_client, ORDERS)
    revenue = {
        "name": "Daily revenue",
        "kind": "aggregate",
        "input_ports": [
            {"name": "orders", "product": "sales/orders", "port": "orders_table"},
            {"name": "fx", "external": "ecb-fx-rates"},
        ],
    }
    assert put(team_client, revenue, slug="daily-revenue").status_code == 201
    linked = InputPort.objects.get(name="orders")
    assert linked.source_port.name == "orders_table"
    assert InputPort.objects.get(name="fx").source_port is None


def test_input_port_declared_before_its_source_links_when_the_source_arrives(team_client):
    put(
        team_client,
        {"name": "Revenue", "input_ports": [{"name": "orders", "contract_id": "c-orders"}]},
        slug="revenue",
    )
    assert InputPort.objects.get().source_port is None
    with_contract = copy.deepcopy(ORDERS)
    with_contract["output_ports"][0]["contract_id"] = "c-orders"
    put(team_client, with_contract)
    assert InputPort.objects.get().source_port.name == "orders_table"


def test_it_rejects_a_token_of_another_team(other_team_client):
    response = put(other_team_client, ORDERS)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "sales" in response.json()["detail"]
    assert not DataProduct.objects.exists()


def test_it_rejects_a_token_without_the_write_scope(read_only_client):
    response = put(read_only_client, ORDERS)
    assert response.status_code == 403
    assert "write:products" in response.json()["detail"]
    assert not DataProduct.objects.exists()


def test_it_rejects_anonymous_writes(client, world):
    response = client.put("/api/v1/products/sales/orders", ORDERS, content_type="application/json")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert not DataProduct.objects.exists()


def test_a_bad_token_is_refused(world):
    client = bearer_client(world.team, ["write:products"])
    client.credentials(HTTP_AUTHORIZATION="Bearer mp_abc_wrong")
    assert put(client, ORDERS).status_code == 401


def test_a_revoked_token_is_refused(world):
    from tokens.models import ApiToken

    client = bearer_client(world.team, ["write:products"])
    ApiToken.objects.update(revoked_at="2020-01-01T00:00:00Z")
    response = put(client, ORDERS)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


@pytest.mark.parametrize("role", ["owner", "steward", "member"])
def test_team_members_may_publish_through_the_api(world, user_client, role):
    response = put(user_client(getattr(world, role)), ORDERS)
    assert response.status_code == 201


def test_it_rejects_outsider(world, user_client):
    assert put(user_client(world.outsider), ORDERS).status_code == 403
    assert not DataProduct.objects.exists()


def test_sub_domain_is_writable_by_the_parent_domains_team(world, team_client):
    from tests.factories import DomainFactory, TeamFactory

    DomainFactory(slug="sales-emea", parent=world.domain, owner_team=TeamFactory(slug="emea-team"))
    assert put(team_client, ORDERS, domain="sales-emea").status_code == 201


def test_unknown_domain_is_a_404_naming_it(team_client):
    response = put(team_client, ORDERS, domain="nowhere")
    assert response.status_code == 404
    assert response.json()["errors"][0]["pointer"] == "/domain"
    assert "nowhere" in response.json()["detail"]


def test_wrong_types_are_named_by_json_pointer_and_nothing_is_stored(team_client):
    bad = copy.deepcopy(ORDERS)
    bad["kind"] = "wonderful"
    bad["output_ports"][0]["fields"][2]["nullable"] = "perhaps"
    bad["output_ports"][0]["access_mode"] = 7
    response = put(team_client, bad)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and problem["type"] == "/problems/validation-error"
    pointers = {e["pointer"]: e for e in problem["errors"]}
    assert set(pointers) == {"/kind", "/output_ports/0/fields/2/nullable", "/output_ports/0/access_mode"}
    assert pointers["/output_ports/0/fields/2/nullable"]["path"] == "$.output_ports[0].fields[2].nullable"
    assert not DataProduct.objects.exists()


def test_missing_name_and_duplicate_port_are_refused(team_client):
    bad = copy.deepcopy(ORDERS)
    del bad["name"]
    bad["output_ports"].append(copy.deepcopy(bad["output_ports"][0]))
    response = put(team_client, bad)
    assert response.status_code == 400
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert "/name" in pointers


def test_duplicate_ports_are_named(team_client):
    bad = copy.deepcopy(ORDERS)
    bad["output_ports"].append(copy.deepcopy(bad["output_ports"][0]))
    response = put(team_client, bad)
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/output_ports/1/name"


def test_malformed_json_is_a_problem(team_client):
    response = team_client.put("/api/v1/products/sales/orders", b'{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "JSON" in response.json()["detail"]


def test_an_oversized_body_is_refused_with_413(team_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = copy.deepcopy(ORDERS)
    body["description"] = "x" * 5000
    response = put(team_client, body)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert not DataProduct.objects.exists()


def test_unknown_owner_team_is_named(team_client):
    response = put(team_client, {**ORDERS, "owner_team": "ghosts"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/owner_team"


def test_an_input_from_an_unknown_product_is_named(team_client):
    response = put(team_client, {"name": "X", "input_ports": [{"name": "a", "product": "sales/missing"}]}, slug="x")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/input_ports/0/product"
    assert not DataProduct.objects.exists()


def test_bulk_upsert_is_all_or_nothing(team_client):
    good = {**ORDERS, "domain": "sales", "slug": "orders"}
    foreign = {**ORDERS, "domain": "finance", "slug": "ledger"}
    response = team_client.post("/api/v1/products/bulk", {"products": [good, foreign]}, format="json")
    assert response.status_code == 403
    problem = response.json()
    assert problem["errors"][0]["pointer"] == "/products/1"
    assert "Nothing was stored" in problem["detail"]
    assert not DataProduct.objects.exists()


def test_bulk_upsert_validation_errors_name_the_item(team_client):
    bad = {**ORDERS, "domain": "sales", "slug": "b", "status": "gone"}
    response = team_client.post(
        "/api/v1/products/bulk",
        {"products": [{**ORDERS, "domain": "sales", "slug": "a"}, bad]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/products/1/status"
    assert not DataProduct.objects.exists()


def test_bulk_upsert_stores_all_and_reports_each(team_client):
    items = [{**ORDERS, "domain": "sales", "slug": f"orders-{i}"} for i in range(3)]
    response = team_client.post("/api/v1/products/bulk", {"products": items}, format="json")
    assert response.status_code == 201
    assert [r["action"] for r in response.json()["results"]] == ["created"] * 3
    again = team_client.post("/api/v1/products/bulk", {"products": items}, format="json")
    assert again.status_code == 200
    assert [r["action"] for r in again.json()["results"]] == ["unchanged"] * 3


def test_retire_then_delete(team_client, other_team_client):
    put(team_client, ORDERS)
    assert other_team_client.post("/api/v1/products/sales/orders/retire").status_code == 403
    response = team_client.post("/api/v1/products/sales/orders/retire")
    assert response.status_code == 200 and response.json()["status"] == "retired"
    listed = team_client.get("/api/v1/products").json()
    assert listed["count"] == 0
    assert team_client.get("/api/v1/products?status=retired").json()["count"] == 1
    assert other_team_client.delete("/api/v1/products/sales/orders").status_code == 403
    assert team_client.delete("/api/v1/products/sales/orders").status_code == 204
    assert team_client.get("/api/v1/products/sales/orders").status_code == 404


def test_list_filters_and_paginates(team_client, django_assert_max_num_queries):
    for i in range(7):
        put(
            team_client,
            {**ORDERS, "name": f"Orders {i}", "kind": "aggregate" if i % 2 else "source-aligned"},
            slug=f"orders-{i}",
        )
    with django_assert_max_num_queries(6):
        page = team_client.get("/api/v1/products?page_size=3&kind=aggregate").json()
    assert page["count"] == 3
    assert len(page["results"]) == 3
    assert team_client.get("/api/v1/products?tag=orders&domain=sales").json()["count"] == 7
    assert team_client.get("/api/v1/products?domain=finance").json()["count"] == 0


def test_read_endpoints(team_client):
    put(team_client, ORDERS)
    assert team_client.get("/api/v1/domains").json()["count"] == 2
    assert team_client.get("/api/v1/domains/sales").json()["owner_team"] == "sales-team"
    team = team_client.get("/api/v1/teams/sales-team").json()
    assert {m["role"] for m in team["members"]} == {"owner", "steward", "member"}
    assert team_client.get("/api/v1/products/sales/orders").json()["name"] == "Orders"


def test_reads_need_authentication(client, world):
    response = client.get("/api/v1/products")
    assert response.status_code == 401


def test_openapi_schema_and_docs_are_served(client, world):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/products/{domain}/{slug}" in schema.content
    assert b"bearerToken" in schema.content and b"scheme: bearer" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
