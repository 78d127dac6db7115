"""POST /api/v1/descriptors with the real third-party documents in ../shared/conformance/."""

import json
from pathlib import Path

import pytest
import yaml

from catalog.models import DataContract, DataProduct, InputPort, OutputPort, SchemaField, SlaProperty
from tests.factories import DomainFactory

pytestmark = pytest.mark.django_db

CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "conformance"
ODPS = (CONFORMANCE / "odps" / "customer-data-product.odps.yaml").read_bytes()
ODCS = (CONFORMANCE / "odcs" / "bitol_full-example.odcs.yaml").read_bytes()
ODCS_ID = "53581432-6c55-4ba2-a65f-72344a91553a"


@pytest.fixture
def seller(world):
    """The conformance documents belong to domain 'seller'; the sales team owns it here."""
    return DomainFactory(slug="seller", name="Seller", owner_team=world.team)


def post(client, body: bytes, content_type="application/yaml"):
    return client.generic("POST", "/api/v1/descriptors", body, content_type=content_type)


def odps_linked_to_contract() -> bytes:
    """The ODPS example with its first output port honouring the ODCS example (a variant made here)."""
    doc = yaml.safe_load(ODPS)
    doc["outputPorts"][0]["contractId"] = ODCS_ID
    return yaml.safe_dump(doc).encode()


def test_odps_product_imports(team_client, seller):
    response = post(team_client, ODPS)
    assert response.status_code == 201, response.content
    [result] = response.json()["results"]
    assert result == {
        "kind": "DataProduct",
        "id": "seller/customer-data-product",
        "action": "created",
        "url": "/products/seller/customer-data-product/",
    }
    product = DataProduct.objects.get(slug="customer-data-product")
    assert product.name == "Customer Data Product"
    assert product.status == "draft"
    assert product.external_id == "fbe8d147-28db-4f1d-bedf-a3fe9f458427"
    assert product.source_format == "odps"
    assert product.summary == "Enterprise view of a customer."
    assert sorted(product.output_ports.values_list("name", "version")) == [
        ("consolidatedtransactions", "1.0.0"),
        ("fulltransactionswithreturns", "0.3.0"),
        ("rawtransactions", "1.0.0"),
        ("rawtransactions", "2.0.0"),
    ]
    assert product.input_ports.count() == 4
    assert list(product.tags.values_list("name", flat=True)) == ["customer"]


def test_odps_then_odcs_show_together_and_resending_changes_nothing(team_client, seller, client, world):
    assert post(team_client, odps_linked_to_contract()).status_code == 201
    response = post(team_client, ODCS)
    assert response.status_code == 201, response.content
    assert response.json()["results"][0] == {
        "kind": "DataContract",
        "id": ODCS_ID,
        "action": "created",
        "url": f"/api/v1/contracts/{ODCS_ID}",
        "attached": True,
    }
    port = OutputPort.objects.get(name="rawtransactions", version="1.0.0")
    assert port.schema_source == "contract"
    assert port.fields.count() == 7
    assert port.fields.get(object_name="tbl", name="rcvr_id").classification == "restricted"
    assert DataProduct.objects.count() == 1, "the contract attached to the port, it made no product"
    contract = DataContract.objects.get()
    assert contract.sla_properties.count() == 8
    assert contract.quality_rules.count() == 2

    counts = (
        DataProduct.objects.count(),
        OutputPort.objects.count(),
        SchemaField.objects.count(),
        SlaProperty.objects.count(),
    )
    stamps = (DataProduct.objects.get().updated_at, contract.updated_at)
    for body in (odps_linked_to_contract(), ODCS):
        again = post(team_client, body)
        assert again.status_code == 200
        assert {r["action"] for r in again.json()["results"]} == {"unchanged"}
    assert counts == (
        DataProduct.objects.count(),
        OutputPort.objects.count(),
        SchemaField.objects.count(),
        SlaProperty.objects.count(),
    )
    assert stamps == (DataProduct.objects.get().updated_at, DataContract.objects.get().updated_at)

    client.force_login(world.member)
    schema = client.get("/products/seller/customer-data-product/?tab=schema")
    contract = client.get("/products/seller/customer-data-product/?tab=contract")
    assert schema.status_code == contract.status_code == 200
    html = schema.content.decode()
    assert "Customer Data Product" in html and "rcvr_cntry_code" in html and ODCS_ID in html
    html = contract.content.decode()
    for text in ("Customer Data Product", "retention", "nullValues", ODCS_ID):
        assert text in html


def test_contract_first_then_product_links_the_port(team_client, seller):
    contract_only = yaml.safe_load(ODCS)
    del contract_only["dataProduct"]
    assert post(team_client, yaml.safe_dump(contract_only).encode()).status_code == 201
    assert not DataProduct.objects.exists()
    assert post(team_client, odps_linked_to_contract()).status_code == 201
    port = OutputPort.objects.get(name="rawtransactions", version="1.0.0")
    assert port.fields.count() == 7


def test_odcs_alone_creates_the_product_it_names(team_client, seller):
    response = post(team_client, ODCS)
    assert response.status_code == 201
    product = DataProduct.objects.get(domain=seller)
    assert product.slug == "my-quantum" and product.status == "draft"
    port = product.output_ports.get()
    assert port.contract_ref == ODCS_ID
    assert port.location.startswith("postgres://localhost:5432")
    assert port.fields.count() == 7


def test_json_documents_are_accepted_too(team_client, seller):
    body = json.dumps(yaml.safe_load(ODPS)).encode()
    assert post(team_client, body, content_type="application/json").status_code == 201


def test_invalid_odcs_is_refused_naming_status_and_nothing_is_stored(team_client, seller):
    response = post(team_client, (CONFORMANCE / "odcs" / "INVALID_dccli_missing_status.odcs.yaml").read_bytes())
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/status"]
    assert not DataContract.objects.exists()


def test_malformed_yaml_is_refused(team_client, seller):
    response = post(team_client, b"kind: DataContract\n  id: [unclosed\n")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert not DataContract.objects.exists()


def test_an_unknown_format_is_named(team_client, seller):
    response = post(team_client, b"kind: Spaceship\nid: x\n")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/kind"


def test_unknown_domain_is_named(team_client, world):
    response = post(team_client, ODPS)
    assert response.status_code == 404
    assert response.json()["errors"][0]["pointer"] == "/domain"
    assert not DataProduct.objects.exists()


def test_it_rejects_a_token_of_another_team(other_team_client, seller):
    for body in (ODPS, ODCS):
        response = post(other_team_client, body)
        assert response.status_code == 403
    assert not DataProduct.objects.exists()
    assert not DataContract.objects.exists()


def test_a_contract_of_another_teams_port_is_refused(team_client, other_team_client, seller, world):
    post(team_client, odps_linked_to_contract())
    doc = yaml.safe_load(ODCS)
    doc["domain"] = "finance"  # the finance team claims the contract that sales' port honours
    response = post(other_team_client, yaml.safe_dump(doc).encode())
    assert response.status_code == 403
    assert not DataContract.objects.exists()


def test_a_dpds_product_imports_with_its_port_promises_as_a_contract(team_client, seller):
    port = json.loads((CONFORMANCE / "dpds" / "tripexecution_trip-status-oport.json").read_text())
    descriptor = {
        "dataProductDescriptor": "1.0.0",
        "info": {
            "fullyQualifiedName": "urn:dpds:com.company-xyz:dataproducts:tripExecution:1",
            "domain": "seller",
            "name": "tripExecution",
            "version": "1.2.0",
        },
        "interfaceComponents": {
            "outputPorts": [port],
            "inputPorts": [{"name": "x", "fullyQualifiedName": "urn:x"}],
        },
    }
    response = post(team_client, json.dumps(descriptor).encode(), content_type="application/json")
    assert response.status_code == 201, response.content
    assert [r["kind"] for r in response.json()["results"]] == ["DataProduct", "DataContract"]
    product = DataProduct.objects.get(slug="tripexecution")
    assert product.source_format == "dpds"
    port_row = product.output_ports.get(name="tripStatus")
    contract = DataContract.objects.get(contract_id=port_row.contract_ref)
    assert {s.name for s in contract.sla_properties.all()} >= {"availability", "freshness"}
    # A DPDS input port names no source the portal can resolve: it is kept, unresolved.
    [input_port] = InputPort.objects.filter(product=product)
    assert input_port.source_port is None
