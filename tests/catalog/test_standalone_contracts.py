"""Standalone ODCS contracts, the caller's target (?domain=&product=), dry runs and the bulk descriptor import."""

from pathlib import Path

import pytest
import yaml

from catalog.models import DataContract, DataProduct, OutputPort
from tests.factories import DomainFactory

pytestmark = pytest.mark.django_db

ODCS_DIR = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "odcs"
STANDALONE = sorted(p for p in ODCS_DIR.glob("dccli_*.odcs.yaml"))
CATALOG_2 = ODCS_DIR / "dccli_catalog_datacontract-2.odcs.yaml"


def post(client, body: bytes, query: str = ""):
    return client.generic("POST", f"/api/v1/descriptors{query}", body, content_type="application/yaml")


@pytest.mark.parametrize("path", STANDALONE, ids=lambda p: p.name)
def test_a_datacontract_cli_fixture_stores_unchanged_in_the_token_teams_registry(team_client, world, path):
    response = post(team_client, path.read_bytes())
    assert response.status_code == 201, response.content
    [result] = response.json()["results"]
    assert result["attached"] is False
    assert result["registry"] == world.team.slug
    assert "unattached" in result["detail"]
    contract = DataContract.objects.get(contract_id=result["id"])
    assert contract.document == yaml.safe_load(path.read_bytes())
    assert contract.domain is None and contract.team == world.team
    assert not DataProduct.objects.exists()


def test_resending_a_standalone_contract_changes_nothing(team_client):
    assert post(team_client, CATALOG_2.read_bytes()).status_code == 201
    response = post(team_client, CATALOG_2.read_bytes())
    assert response.status_code == 200
    assert response.json()["results"][0]["action"] == "unchanged"


def test_another_team_may_not_overwrite_a_standalone_contract(team_client, other_team_client):
    post(team_client, CATALOG_2.read_bytes())
    doc = yaml.safe_load(CATALOG_2.read_bytes())
    doc["version"] = "9.9.9"
    response = post(other_team_client, yaml.safe_dump(doc).encode())
    assert response.status_code == 403
    assert "registry" in response.json()["detail"]


def test_a_product_port_naming_its_id_attaches_it_later(team_client, world):
    [result] = post(team_client, CATALOG_2.read_bytes()).json()["results"]
    product = {
        "products": [
            {
                "domain": world.domain.slug,
                "slug": "orders",
                "name": "Orders",
                "output_ports": [{"name": "orders", "contract_id": result["id"]}],
            }
        ]
    }
    assert team_client.post("/api/v1/products/bulk", product, format="json").status_code == 201
    port = OutputPort.objects.get(product__slug="orders")
    assert port.fields.exists()  # the schema came from the contract
    again = post(team_client, CATALOG_2.read_bytes()).json()["results"][0]
    assert again["attached"] is True


def test_the_target_query_attaches_the_contract_to_a_product(team_client, world):
    response = post(team_client, CATALOG_2.read_bytes(), f"?domain={world.domain.slug}&product=Orders")
    assert response.status_code == 201, response.content
    assert response.json()["results"][0]["attached"] is True
    assert DataProduct.objects.get(slug="orders").output_ports.get().contract_ref == response.json()["results"][0]["id"]


def test_an_unknown_target_domain_is_a_404_naming_it(team_client):
    response = post(team_client, CATALOG_2.read_bytes(), "?domain=nowhere")
    assert response.status_code == 404
    assert response.json()["errors"][0]["pointer"] == "/domain"
    assert "nowhere" in response.json()["errors"][0]["detail"]
    assert not DataContract.objects.exists()


def test_the_invalid_fixture_is_refused_naming_status(team_client):
    response = post(team_client, (ODCS_DIR / "INVALID_dccli_missing_status.odcs.yaml").read_bytes())
    assert response.status_code == 400
    assert "/status" in [e["pointer"] for e in response.json()["errors"]]
    assert not DataContract.objects.exists()


def test_a_read_only_token_stores_no_standalone_contract(read_only_client):
    assert post(read_only_client, CATALOG_2.read_bytes()).status_code == 403
    assert not DataContract.objects.exists()


def test_a_dry_run_shows_a_removed_field_as_breaking_and_stores_nothing(team_client):
    post(team_client, CATALOG_2.read_bytes())
    doc = yaml.safe_load(CATALOG_2.read_bytes())
    removed = doc["schema"][0]["properties"].pop()
    response = post(team_client, yaml.safe_dump(doc).encode(), "?dry_run=true")
    assert response.status_code == 200, response.content
    [result] = response.json()["results"]
    assert result["action"] == "updated" and result["breaking"] is True
    [change] = [c for c in result["changes"] if c["breaking"]]
    assert change["reason"] == "field removed"
    assert change["path"].endswith(removed["name"])
    stored = DataContract.objects.get()
    assert len(stored.schema_fields) == len(doc["schema"][0]["properties"]) + 1


def test_a_dry_run_of_a_new_product_says_created(team_client, world):
    body = {"products": [{"domain": world.domain.slug, "slug": "new", "name": "New"}]}
    response = team_client.post("/api/v1/products/bulk?dry_run=true", body, format="json")
    assert response.status_code == 200
    assert response.json()["results"][0]["action"] == "created"
    assert not DataProduct.objects.exists()


def test_the_bulk_import_points_into_the_failing_document(team_client):
    good = yaml.safe_load(CATALOG_2.read_bytes())
    bad = yaml.safe_load((ODCS_DIR / "INVALID_dccli_missing_status.odcs.yaml").read_bytes())
    response = team_client.post("/api/v1/descriptors/bulk", {"documents": [good, bad]}, format="json")
    assert response.status_code == 400
    assert "/documents/1/status" in [e["pointer"] for e in response.json()["errors"]]
    assert not DataContract.objects.exists()


def test_whoami_names_the_tokens_team_scopes_and_domains(team_client, world):
    DomainFactory(slug="seller", owner_team=world.team)
    body = team_client.get("/api/v1/tokens/me").json()
    assert body["kind"] == "token"
    assert body["teams"] == [world.team.slug]
    assert body["scopes"] == ["read", "write:products"]
    assert body["domains"] == sorted([world.domain.slug, "seller"])


def test_whoami_without_credentials_is_401(client):
    assert client.get("/api/v1/tokens/me").status_code in (401, 403)


def test_the_odcs_v3_0_examples_current_status_is_taken_as_active(team_client):
    doc = yaml.safe_load(CATALOG_2.read_bytes())
    doc["status"] = "current"  # as ODCS v3.0's full example says
    response = post(team_client, yaml.safe_dump(doc).encode())
    assert response.status_code == 201, response.content
    contract = DataContract.objects.get()
    assert contract.status == "active"
    assert contract.document["status"] == "current"


def test_a_contract_naming_a_product_but_no_domain_waits_in_the_registry(team_client):
    doc = yaml.safe_load(CATALOG_2.read_bytes())
    doc["dataProduct"] = "my quantum"  # as ODCS v3.0's full example does, with no domain
    response = post(team_client, yaml.safe_dump(doc).encode())
    assert response.status_code == 201, response.content
    assert response.json()["results"][0]["attached"] is False
    assert not DataProduct.objects.exists()
    assert DataContract.objects.get().document["dataProduct"] == "my quantum"


def test_the_contract_api_shows_a_standalone_contracts_registry(team_client, world):
    [result] = post(team_client, CATALOG_2.read_bytes()).json()["results"]
    body = team_client.get(f"/api/v1/contracts/{result['id']}").json()
    assert body["domain"] is None
    assert body["registry"] == world.team.slug


def test_a_contract_naming_only_a_domain_is_in_that_domain_not_standalone(team_client, world):
    doc = yaml.safe_load(CATALOG_2.read_bytes())
    doc["domain"] = world.domain.slug
    [result] = post(team_client, yaml.safe_dump(doc).encode()).json()["results"]
    assert result["attached"] is True and "registry" not in result
    assert DataContract.objects.get().domain == world.domain
