"""Real contract files through POST /api/v1/descriptors: the Data Contract Specification, lenient ODCS status,
DPDS references (inside the document, in a multipart upload, in a zip) and domains, the contract API's schema,
the export in either standard, and the product page."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from catalog.descriptors.dcs import parse_dcs
from catalog.descriptors.loading import load_document
from catalog.descriptors.odcs import parse_odcs
from catalog.models import DataContract, DataProduct, Domain
from core.actors import Scope
from tests.conftest import bearer_client
from tests.factories import TeamFactory

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
ORDERS_LATEST = CORPUS / "datacontract-specification/examples/orders-latest/datacontract.yaml"
SODACL = CORPUS / "datacontract-cli/dcs/databricks-sql/datacontract.yaml"
ODCS_CURRENT = CORPUS / "datacontract-cli/odcs/odcs_v3/full-example.odcs.yaml"
ODM = CORPUS / "odm-platform/dpd/references"


def _post_yaml(client, path: Path, query: str = ""):
    return client.post(f"/api/v1/descriptors{query}", path.read_bytes(), content_type="application/yaml")


def _contract(client, contract_id: str) -> dict:
    response = client.get(f"/api/v1/contracts/{contract_id}")
    assert response.status_code == 200, response.content
    return response.json()


def _prop(schema: list[dict], obj: str, name: str) -> dict:
    found = next(o for o in schema if o["name"] == obj)
    return next(p for p in found["properties"] if p["name"] == name)


# ---- Data Contract Specification ------------------------------------------------------------------------


def test_a_datacontract_yaml_stores_its_models_fields_service_levels_and_quality(team_client):
    response = _post_yaml(team_client, ORDERS_LATEST)
    assert response.status_code == 201, response.content
    [result] = response.json()["results"]
    assert (result["kind"], result["id"], result["action"]) == ("DataContract", "orders-latest", "created")

    contract = _contract(team_client, "orders-latest")
    assert (contract["source_format"], contract["api_version"], contract["version"]) == ("dcs", "1.2.0", "2.0.0")
    assert contract["status"] == "active" and contract["name"] == "Orders Latest"
    assert [o["name"] for o in contract["schema"]] == ["orders", "line_items"]
    # order_id comes from #/definitions/order_id, with the field's own required/unique/primaryKey on top.
    order_id = _prop(contract["schema"], "orders", "order_id")
    assert order_id["type"] == "text" and order_id["classification"] == "restricted"
    assert (order_id["required"], order_id["unique"], order_id["primary_key"]) == (True, True, True)
    email = _prop(contract["schema"], "orders", "customer_email_address")
    assert email["classification"] == "sensitive" and email["required"] is True
    line_items = next(o for o in contract["schema"] if o["name"] == "line_items")
    assert {"type": "foreignKey", "from": "line_items.order_id", "to": "orders.order_id"} in line_items["relationships"]
    # The model-level composite primary key marks both fields.
    assert _prop(contract["schema"], "line_items", "line_item_id")["primary_key"] is True

    sla = {s["property"]: s for s in contract["sla_properties"]}
    assert sla["availability"]["value"] == "99.9%"
    assert sla["retention"]["value"] == "P1Y"
    assert (sla["latency"]["value"], sla["latency"]["element"]) == ("25h", "orders.order_timestamp")
    assert (sla["frequency"]["value"], sla["frequency"]["value_ext"]) == ("daily", "batch")
    [total] = [q for q in contract["quality_rules"] if q["element"] == "orders.order_total"]
    assert (total["type"], total["operator"], total["threshold"]) == ("sql", "mustBeBetween", [1000, 49900])
    assert any(q["element"] == "orders" and q["operator"] == "mustBeGreaterThan" for q in contract["quality_rules"])
    assert contract["servers"][0]["server"] == "production" and contract["servers"][0]["type"] == "s3"
    # The document as published is kept.
    assert contract["document"] == load_document(ORDERS_LATEST.read_bytes())


def test_a_datacontract_json_is_read_like_its_yaml(team_client):
    document = load_document(ORDERS_LATEST.read_bytes())
    response = team_client.post("/api/v1/descriptors", json.dumps(document), content_type="application/json")
    assert response.status_code == 201, response.content
    assert len(_contract(team_client, "orders-latest")["schema"]) == 2


def test_a_dcs_0_9_quality_object_is_one_rule_of_its_engine(team_client):
    assert _post_yaml(team_client, SODACL).status_code == 201
    contract_id = load_document(SODACL.read_bytes())["id"]
    [rule] = [q for q in _contract(team_client, contract_id)["quality_rules"] if q["element"] == ""]
    assert rule["type"] == "SodaCL"


def test_a_dcs_field_ref_that_cannot_be_followed_is_a_warning_not_a_refusal():
    doc = load_document(ORDERS_LATEST.read_bytes())
    doc["models"]["orders"]["fields"]["order_id"]["$ref"] = "https://example.com/definitions.yaml#/order_id"
    spec = parse_dcs(doc)
    assert any("/models/orders/fields/order_id" in w and "network" in w for w in spec.warnings)


def test_a_dcs_without_id_is_refused_naming_it(team_client):
    response = _post_yaml(team_client, CORPUS / "datacontract-cli/dcs/lint/invalid_datacontract.yaml")
    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["/id"]
    assert not DataContract.objects.exists()


# ---- ODCS status ----------------------------------------------------------------------------------------


def test_odcs_status_current_is_kept_as_written_and_active(team_client):
    response = _post_yaml(team_client, ODCS_CURRENT, "?domain=sales")
    assert response.status_code == 201, response.content
    [result] = response.json()["results"]
    assert "warnings" not in result
    contract = _contract(team_client, result["id"])
    assert (contract["status"], contract["status_as_written"]) == ("active", "current")


def test_odcs_unknown_status_is_stored_as_draft_with_a_warning_in_the_answer(team_client):
    text = ODCS_CURRENT.read_text().replace("status: current", "status: under-review-by-legal")
    response = team_client.post("/api/v1/descriptors?domain=sales", text, content_type="application/yaml")
    assert response.status_code == 201, response.content
    [result] = response.json()["results"]
    assert result["warnings"][0].startswith("/status: 'under-review-by-legal'")
    contract = _contract(team_client, result["id"])
    assert (contract["status"], contract["status_as_written"]) == ("draft", "under-review-by-legal")


def test_odcs_without_status_is_still_refused(team_client):
    text = "\n".join(line for line in ODCS_CURRENT.read_text().splitlines() if not line.startswith("status:"))
    response = team_client.post("/api/v1/descriptors?domain=sales", text, content_type="application/yaml")
    assert response.status_code == 400
    assert "/status" in [e["pointer"] for e in response.json()["errors"]]


def test_the_contract_api_serves_odcs_properties_and_relationships(team_client):
    path = CORPUS / "open-data-contract-standard/examples/all/full-example.odcs.yaml"
    assert _post_yaml(team_client, path, "?domain=sales").status_code == 201
    contract = _contract(team_client, load_document(path.read_bytes())["id"])
    rcvr = _prop(contract["schema"], "tbl", "rcvr_id")
    assert (rcvr["type"], rcvr["physical_type"], rcvr["primary_key"], rcvr["classification"]) == (
        "string",
        "varchar(18)",
        True,
        "restricted",
    )
    relationships = contract["schema"][0]["relationships"]
    assert {"type": "foreignKey", "from": "tbl.rcvr_id", "to": "receivers.id"} in relationships
    assert {
        "type": "foreignKey",
        "from": ["tbl.rcvr_id", "tbl.rcvr_cntry_code"],
        "to": ["receivers.id", "receivers.country_code"],
    } in relationships


# ---- export ---------------------------------------------------------------------------------------------


def test_a_dcs_contract_exports_as_odcs_that_the_odcs_parser_reads(team_client):
    _post_yaml(team_client, ORDERS_LATEST)
    response = team_client.get("/api/v1/contracts/orders-latest?format=odcs")
    assert response.status_code == 200, response.content
    exported = parse_odcs(response.json())
    assert [o["name"] for o in exported.objects] == ["orders", "line_items"]
    assert {s.name for s in exported.sla} >= {"availability", "retention", "latency"}
    order_id = next(p for p in exported.objects[0]["properties"] if p["name"] == "order_id")
    assert (order_id["type"], order_id["unique"], order_id["required"]) == ("string", True, True)


def test_an_odcs_contract_exports_as_dcs_that_the_dcs_parser_reads_in_yaml(team_client):
    path = CORPUS / "open-data-contract-standard/examples/all/full-example.odcs.yaml"
    _post_yaml(team_client, path, "?domain=sales")
    contract_id = load_document(path.read_bytes())["id"]
    response = team_client.get(f"/api/v1/contracts/{contract_id}?format=dcs", HTTP_ACCEPT="application/yaml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")
    exported = parse_dcs(yaml.safe_load(response.content))
    assert exported.contract_id == contract_id and exported.objects[0]["name"] == "tbl"
    assert any(p["name"] == "rcvr_id" and p["primary_key"] for p in exported.objects[0]["properties"])


def test_an_unknown_export_format_names_the_parameter(team_client):
    _post_yaml(team_client, ORDERS_LATEST)
    response = team_client.get("/api/v1/contracts/orders-latest?format=avro")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/format"


# ---- DPDS -----------------------------------------------------------------------------------------------


def _dpds_multipart(client, folder: Path, query: str = "", *, leave_out: str = ""):
    descriptor = next(p for p in folder.iterdir() if p.suffix == ".json" and p.name.startswith("d"))
    parts = {"descriptor": SimpleUploadedFile(descriptor.name, descriptor.read_bytes(), "application/json")}
    for other in folder.rglob("*.json"):
        name = other.relative_to(folder).as_posix()
        if other != descriptor and name != leave_out:
            parts[name] = SimpleUploadedFile(other.name, other.read_bytes())
    return client.post(f"/api/v1/descriptors{query}", parts, format="multipart")


def test_dpds_internal_references_are_followed(team_client):
    path = ODM / "dpd-core-internal/dpd-core.json"
    response = team_client.post("/api/v1/descriptors?domain=sales", path.read_bytes(), content_type="application/json")
    assert response.status_code == 201, response.content
    product = DataProduct.objects.get(domain__slug="sales", slug="dpdcore")
    assert [p.name for p in product.output_ports.all()] == ["outputPortA"]
    assert [p.name for p in product.input_ports.all()] == ["inputPortA"]


def test_dpds_unknown_domain_is_a_404_naming_it(team_client):
    path = ODM / "dpd-core-internal/dpd-core.json"
    response = team_client.post("/api/v1/descriptors", path.read_bytes(), content_type="application/json")
    assert response.status_code == 404
    body = response.json()
    assert body["errors"][0]["pointer"] == "/info/domain"
    assert "'testdomain'" in body["detail"] and "'testDomain'" in body["detail"]
    assert not DataProduct.objects.exists()


def test_dpds_referenced_files_come_in_a_multipart_upload(team_client):
    response = _dpds_multipart(team_client, ODM / "dpd-core-external", "?domain=sales")
    assert response.status_code == 201, response.content
    product = DataProduct.objects.get(domain__slug="sales", slug="dpdcore")
    assert [p.name for p in product.output_ports.all()] == ["outputPortA"]


def test_dpds_a_referenced_file_left_out_is_refused_naming_the_port(team_client):
    response = _dpds_multipart(
        team_client, ODM / "dpd-core-external", "?domain=sales", leave_out="ports/outputPortA.json"
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["pointer"] == "/interfaceComponents/outputPorts/0"
    assert "ports/outputPortA.json" in error["detail"]
    assert not DataProduct.objects.exists()


def _zip(folder: Path, prefix: str = "bundle/") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.writestr(prefix + path.relative_to(folder).as_posix(), path.read_bytes())
        archive.writestr("../outside.json", b"{}")  # a name that climbs out is left out
    return buffer.getvalue()


def test_dpds_referenced_files_come_in_a_zip(team_client):
    body = _zip(CORPUS / "odm-specification-dpdescriptor/examples/tripexecution")
    response = team_client.post("/api/v1/descriptors?domain=sales", body, content_type="application/zip")
    assert response.status_code == 201, response.content
    product = DataProduct.objects.get(domain__slug="sales", slug="tripexecution")
    assert sorted(p.name for p in product.output_ports.all()) == ["tripEvents", "tripStatus"]


def test_a_body_that_looks_like_a_zip_but_is_not_is_refused(team_client):
    response = team_client.post("/api/v1/descriptors", b"PK\x03\x04garbage", content_type="application/zip")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")


@pytest.fixture
def platform_client(world, settings):
    platform = TeamFactory(slug="platform-team")
    settings.PORTAL_PLATFORM_TEAMS = ["platform-team"]
    return bearer_client(platform, [Scope.READ, Scope.WRITE_PRODUCTS])


def test_a_platform_token_creates_the_unknown_domain_under_a_parent(platform_client, world):
    path = ODM / "dpd-core-internal/dpd-core.json"
    response = platform_client.post(
        "/api/v1/descriptors?create_domain=true&parent=sales", path.read_bytes(), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    domain = Domain.objects.get(slug="testdomain")
    assert (domain.name, domain.parent, domain.owner_team.slug) == ("testDomain", world.domain, "platform-team")
    assert DataProduct.objects.filter(domain=domain, slug="dpdcore").exists()


def test_create_domain_needs_a_parent(platform_client):
    path = ODM / "dpd-core-internal/dpd-core.json"
    response = platform_client.post(
        "/api/v1/descriptors?create_domain=true", path.read_bytes(), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/parent"
    assert not Domain.objects.filter(slug="testdomain").exists()


def test_create_domain_is_refused_to_a_team_token(team_client):
    path = ODM / "dpd-core-internal/dpd-core.json"
    response = team_client.post(
        "/api/v1/descriptors?create_domain=true&parent=sales", path.read_bytes(), content_type="application/json"
    )
    assert response.status_code == 403
    assert not Domain.objects.filter(slug="testdomain").exists()


def test_staff_create_the_domain_owned_by_the_parents_team(world):
    client = APIClient()
    client.force_authenticate(world.staff)
    path = ODM / "dpd-core-internal/dpd-core.json"
    response = client.post(
        "/api/v1/descriptors?create_domain=true&parent=sales", path.read_bytes(), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert Domain.objects.get(slug="testdomain").owner_team == world.team


# ---- the product page -----------------------------------------------------------------------------------


def test_the_product_page_shows_the_contract_schema(team_client, client, world):
    assert _post_yaml(team_client, ORDERS_LATEST, "?domain=sales&product=orders").status_code == 201
    client.force_login(world.member)
    page = client.get("/products/sales/orders/?tab=contract").content.decode()
    assert "contract-schema-table" in page
    assert "<code>customer_email_address</code>" in page
    assert "<code>line_items.order_id</code> → <code>orders.order_id</code>" in page
    assert "?format=dcs" in page


def test_the_bulk_endpoint_takes_dcs_documents_with_the_others(team_client):
    documents = [
        load_document(ORDERS_LATEST.read_bytes()),
        load_document((CORPUS / "open-data-contract-standard/examples/all/full-example.odcs.yaml").read_bytes()),
    ]
    response = team_client.post("/api/v1/descriptors/bulk?domain=sales", {"documents": documents}, format="json")
    assert response.status_code == 201, response.content
    assert sorted(DataContract.objects.values_list("source_format", flat=True)) == ["dcs", "odcs"]
