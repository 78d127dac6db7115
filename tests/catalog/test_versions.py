"""Product versions: every accepted change recorded (who, when, which path, the diff), and breaking changes held
to a major version bump, on the API, its dry run and the page's History part."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from catalog.models import DataContract, ProductVersion, SchemaField
from catalog.services.contracts import contract_upsert
from catalog.specs import ContractSpec, FieldSpec
from catalog.versioning import BreakingChangeRefused
from core.actors import Actor

pytestmark = pytest.mark.django_db

ORDERS: dict[str, Any] = {
    "name": "Orders",
    "status": "published",
    "version": "1.2.0",
    "output_ports": [
        {
            "name": "orders_table",
            "type": "table",
            "access_mode": "open",
            "fields": [
                {"name": "order_id", "type": "string", "nullable": False},
                {"name": "amount", "type": "decimal(12,2)"},
                {"name": "note", "type": "string"},
            ],
        }
    ],
}
URL = "/api/v1/products/sales/orders"


def put(client, body, *, query: str = "", **headers):
    return client.put(URL + query, body, format="json", **headers)


def without_note(version: str = "1.3.0") -> dict:
    body = copy.deepcopy(ORDERS)
    body["version"] = version
    body["output_ports"][0]["fields"].pop()
    return body


def test_each_accepted_change_is_a_version_with_author_path_and_diff(team_client):
    assert put(team_client, ORDERS).status_code == 201
    changed = copy.deepcopy(ORDERS)
    changed["output_ports"][0]["fields"].append({"name": "currency", "type": "string"})
    assert put(team_client, changed).status_code == 200
    assert put(team_client, changed).json()["action"] == "unchanged"  # nothing new: no version
    first, second = ProductVersion.objects.order_by("number")
    assert (first.number, first.changes, first.channel) == (1, [], "api")
    assert first.author_label == "token 'test' of team 'sales-team'"
    assert second.changes == [
        {
            "path": "/outputPorts/orders_table/fields/currency",
            "before": None,
            "after": "currency",
            "breaking": False,
            "reason": "field added",
        }
    ]
    assert not second.breaking
    assert [f["name"] for f in second.snapshot["output_ports"][0]["fields"]] == [
        "order_id",
        "amount",
        "note",
        "currency",
    ]


def test_a_breaking_change_without_a_major_bump_is_refused_naming_the_field(team_client):
    put(team_client, ORDERS)
    response = put(team_client, without_note())
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/breaking-change"
    assert [(e["pointer"], e["detail"]) for e in body["errors"]] == [
        ("/outputPorts/orders_table/fields/note", "Breaking: field removed."),
        ("/version", "Raise the major version to publish a breaking change."),
    ]
    assert SchemaField.objects.filter(name="note").exists()  # nothing half-written
    assert ProductVersion.objects.count() == 1


def test_the_dry_run_answers_the_same_verdict_and_stores_nothing(team_client):
    put(team_client, ORDERS)
    body = put(team_client, without_note(), query="?dry_run=true").json()
    [result] = body["results"]
    assert result["verdict"] == "refused" and result["breaking"] is True
    assert result["breakingPaths"] == ["/outputPorts/orders_table/fields/note"]
    bumped = put(team_client, without_note("2.0.0"), query="?dry_run=true").json()["results"][0]
    assert (bumped["verdict"], bumped["majorBumped"]) == ("accepted", True)
    assert SchemaField.objects.filter(name="note").exists()
    assert ProductVersion.objects.count() == 1


def test_with_a_major_bump_the_breaking_change_is_accepted_and_recorded(team_client):
    put(team_client, ORDERS)
    response = put(team_client, without_note("2.0.0"))
    assert response.status_code == 200, response.content
    assert not SchemaField.objects.filter(name="note").exists()
    latest = ProductVersion.objects.latest("number")
    assert latest.breaking and not latest.warned and latest.version == "2.0.0"
    assert [c["path"] for c in latest.breaking_changes] == ["/outputPorts/orders_table/fields/note"]


def test_a_domain_that_warns_lets_the_change_through_with_a_warning(team_client, world):
    world.domain.breaking_changes = "warn"
    world.domain.save()
    put(team_client, ORDERS)
    response = put(team_client, without_note())
    assert response.status_code == 200
    assert [w["path"] for w in response.json()["warnings"]] == ["/outputPorts/orders_table/fields/note"]
    assert ProductVersion.objects.latest("number").warned
    assert put(team_client, ORDERS, query="?dry_run=true").json()["results"][0]["verdict"] == "accepted"


def test_a_bulk_refusal_names_the_product_and_its_field(team_client):
    put(team_client, ORDERS)
    response = team_client.post(
        "/api/v1/products/bulk", {"products": [{"domain": "sales", "slug": "orders", **without_note()}]}, format="json"
    )
    assert response.status_code == 409
    assert [e["pointer"] for e in response.json()["errors"]] == [
        "/products/0/outputPorts/orders_table/fields/note",
        "/products/0/version",
    ]


def test_the_cli_user_agent_and_the_harvest_header_name_the_path(team_client):
    put(team_client, ORDERS, HTTP_USER_AGENT="meshportal-cli/0.1")
    changed = copy.deepcopy(ORDERS)
    changed["summary"] = "Harvested."
    put(team_client, changed, HTTP_X_PORTAL_CHANNEL="harvest")
    assert list(ProductVersion.objects.order_by("number").values_list("channel", flat=True)) == ["cli", "harvest"]


def contract_spec(version: str, *fields: str) -> ContractSpec:
    return ContractSpec(
        contract_id="urn:c:orders",
        version=version,
        status="active",
        domain="sales",
        data_product="orders",
        fields=[FieldSpec(name, "string") for name in fields],
    )


def test_a_contract_change_is_a_version_of_its_products_and_is_held_to_its_own_major(world):
    actor = Actor(user=world.owner)
    contract_upsert(actor=actor, spec=contract_spec("1.0.0", "id", "email"))
    with pytest.raises(BreakingChangeRefused) as refused:
        contract_upsert(actor=actor, spec=contract_spec("1.1.0", "id"))
    assert refused.value.status == 409
    assert [e.path for e in refused.value.errors] == ["/schema/email", "/version"]
    assert len(DataContract.objects.get().schema_fields) == 2
    contract_upsert(actor=actor, spec=contract_spec("2.0.0", "id"))
    latest = ProductVersion.objects.latest("number")
    assert (latest.subject, latest.contract_id, latest.breaking) == ("contract", "urn:c:orders", True)


def test_the_versions_api_lists_and_shows_one_with_its_diff(team_client, client, world):
    put(team_client, ORDERS)
    put(team_client, without_note("2.0.0"))
    listing = team_client.get(URL + "/versions").json()
    assert [v["number"] for v in listing["results"]] == [2, 1]
    assert listing["results"][0]["breaking"] is True and "snapshot" not in listing["results"][0]
    detail = team_client.get(URL + "/versions/2").json()
    assert detail["changes"][0]["reason"] == "field removed"
    assert detail["snapshot"]["version"] == "2.0.0"
    assert team_client.get(URL + "/versions/9").status_code == 404


def test_the_product_page_shows_the_history_with_breaking_changes_marked(team_client, client, world):
    put(team_client, ORDERS)
    put(team_client, without_note("2.0.0"))
    client.force_login(world.member)
    html = client.get("/products/sales/orders/?tab=history").content.decode()
    assert 'id="versions"' in html
    assert "<code>/outputPorts/orders_table/fields/note</code> field removed <strong>(breaking)</strong>" in html
