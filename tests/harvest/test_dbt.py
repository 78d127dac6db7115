"""dbt harvests: the third-party manifests (tests/harvest/conformance/) and derived variants, over the API with a
pipeline token and from the command line."""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from catalog.models import DataContract, DataProduct, LifecycleStatus, OutputPort, QualityRule, SchemaField
from core.actors import Scope
from harvest.models import HarvestedModel, HarvestRun
from lineage.models import Dataset, Job, Run
from slo.models import Measurement, ServiceLevelObjective
from tests.conftest import bearer_client

HERE = Path(__file__).parent / "conformance"
JAFFLE = json.loads((HERE / "dccli_manifest_empty_columns.json").read_text())
VERSIONED = json.loads((HERE / "dccli_manifest_versioned_models.json").read_text())
URL = "/api/v1/harvest/dbt?domain=sales"


def jaffle(**meta_by_model) -> dict:
    """The jaffle_shop manifest with meta.data_product set on some models (and a column on orders)."""
    manifest = copy.deepcopy(JAFFLE)
    for name, meta in meta_by_model.items():
        manifest["nodes"][f"model.jaffle_shop.{name}"]["config"]["meta"] = meta
    return manifest


@pytest.fixture
def pipeline(world):
    return bearer_client(world.team, [Scope.READ, Scope.WRITE_PRODUCTS, Scope.WRITE_LINEAGE])


def test_the_jaffle_shop_manifest_harvests_into_products_ports_fields_and_lineage(pipeline):
    manifest = jaffle(orders={"data_product": "orders"}, customers={"data_product": "customers", "owner": "sales-team"})
    answer = pipeline.post(URL, manifest, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["project"] == "jaffle_shop"
    assert body["namespace"] == "duckdb://jaffle_shop"
    actions = {(i["kind"], i["ref"]): i["action"] for i in body["items"]}
    assert actions[("product", "sales/orders")] == "created"
    assert actions[("model", "model.jaffle_shop.stg_orders")] == "skipped"
    orders = DataProduct.objects.get(domain__slug="sales", slug="orders")
    port = OutputPort.objects.get(product=orders, name="orders")
    assert port.location == "duckdb://jaffle_shop/jaffle_shop.main.orders"
    assert [f.name for f in port.fields.all()][:3] == ["order_id", "customer_id", "order_date"]
    # A not_null test is a quality rule of the contract (the table does not enforce it): the field stays nullable.
    assert SchemaField.objects.get(port=port, name="order_id").nullable is True
    contract = DataContract.objects.get(contract_id=port.contract_ref)
    metrics = sorted(QualityRule.objects.filter(contract=contract).values_list("metric", flat=True))
    assert "nullValues" in metrics and "duplicateValues" in metrics and "invalidValues" in metrics
    # Every model and seed is a lineage dataset named database.schema.identifier, with its job.
    names = set(Dataset.objects.values_list("name", flat=True))
    assert {"jaffle_shop.main.orders", "jaffle_shop.main.stg_orders", "jaffle_shop.main.raw_orders"} <= names
    assert Job.objects.filter(name="model.jaffle_shop.orders").exists()


def test_the_same_manifest_twice_changes_nothing(pipeline):
    manifest = jaffle(orders={"data_product": "orders"})
    pipeline.post(URL, manifest, format="json")
    before = DataProduct.objects.get(slug="orders").updated_at
    again = pipeline.post(URL, manifest, format="json").json()
    assert again["counts"]["created"] == 0 and again["counts"]["changed"] == 0, again
    assert DataProduct.objects.get(slug="orders").updated_at == before
    assert HarvestRun.objects.count() == 2


def test_a_removed_model_is_reported_and_retired_only_with_the_flag(pipeline):
    pipeline.post(
        URL, jaffle(orders={"data_product": "orders"}, customers={"data_product": "customers"}), format="json"
    )
    without = jaffle(orders={"data_product": "orders"})
    body = pipeline.post(URL, without, format="json").json()
    removed = [i for i in body["items"] if i["action"] == "removed"]
    assert [i["ref"] for i in removed] == ["model.jaffle_shop.customers"]
    assert DataProduct.objects.get(slug="customers").status != LifecycleStatus.RETIRED
    HarvestedModel.objects.filter(unique_id="model.jaffle_shop.customers").update(removed_at=None)
    body = pipeline.post(URL + "&retire_removed=true", without, format="json").json()
    assert DataProduct.objects.get(slug="customers").status == LifecycleStatus.RETIRED
    assert any(i["action"] == "retired" for i in body["items"])


def test_versioned_models_become_port_versions(pipeline):
    manifest = copy.deepcopy(VERSIONED)
    for node in manifest["nodes"].values():
        node["meta"] = {"data_product": "mart"}
    assert pipeline.post(URL, manifest, format="json").status_code == 200
    versions = set(OutputPort.objects.filter(product__slug="mart").values_list("name", "version"))
    assert {("mart_orders", "1"), ("mart_orders", "2"), ("dim_customers", "")} == versions


def test_run_results_become_runs_and_test_pass_rates(pipeline):
    manifest = jaffle(orders={"data_product": "orders"})
    tests = [
        uid
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] == "test" and n.get("attached_node") == "model.jaffle_shop.orders"
    ]
    results = {
        "metadata": {"invocation_id": "11111111-2222-3333-4444-555555555555", "generated_at": "2026-12-01T10:00:00Z"},
        "results": [
            {
                "unique_id": "model.jaffle_shop.orders",
                "status": "success",
                "timing": [
                    {"name": "execute", "started_at": "2026-12-01T09:59:00Z", "completed_at": "2026-12-01T09:59:30Z"}
                ],
            },
            *({"unique_id": uid, "status": "fail" if i == 0 else "pass", "timing": []} for i, uid in enumerate(tests)),
        ],
    }
    body = pipeline.post(URL, {"manifest": manifest, "run_results": results}, format="json").json()
    assert Run.objects.filter(job__name="model.jaffle_shop.orders", state="COMPLETE").count() == 1
    slo = ServiceLevelObjective.objects.get(product__slug="orders", name="dbt tests")
    measured = Measurement.objects.get(slo=slo)
    assert measured.value == pytest.approx((len(tests) - 1) / len(tests))
    assert any(i["kind"] == "measurements" and i["action"] == "created" for i in body["items"])
    again = pipeline.post(URL, {"manifest": manifest, "run_results": results}, format="json").json()
    assert Measurement.objects.filter(slo=slo).count() == 1
    assert again["counts"]["created"] == 0


def test_multipart_parts_are_read(pipeline):
    manifest = json.dumps(jaffle(orders={"data_product": "orders"})).encode()
    answer = pipeline.post(URL, {"manifest": SimpleUploadedFile("manifest.json", manifest)}, format="multipart")
    assert answer.status_code == 200, answer.content
    assert DataProduct.objects.filter(slug="orders").exists()


def test_bad_files_answer_problems_naming_the_field_and_store_nothing(pipeline):
    bad = copy.deepcopy(JAFFLE)
    bad["metadata"]["dbt_schema_version"] = "https://schemas.getdbt.com/dbt/manifest/v7.json"
    answer = pipeline.post(URL, bad, format="json")
    assert answer.status_code == 400
    assert answer["Content-Type"].startswith("application/problem+json")
    assert answer.json()["errors"][0]["pointer"] == "/manifest/metadata/dbt_schema_version"
    missing = pipeline.post("/api/v1/harvest/dbt", JAFFLE, format="json")
    assert missing.status_code == 400 and missing.json()["errors"][0]["pointer"] == "/domain"
    assert not DataProduct.objects.exists() and not HarvestRun.objects.exists()


def test_it_needs_both_scopes_and_the_domains_team(world):
    manifest = jaffle(orders={"data_product": "orders"})
    products_only = bearer_client(world.team, [Scope.WRITE_PRODUCTS])
    assert products_only.post(URL, manifest, format="json").status_code == 403
    outsider = bearer_client(world.other_team, [Scope.WRITE_PRODUCTS, Scope.WRITE_LINEAGE])
    assert outsider.post(URL, manifest, format="json").status_code == 403
    assert not DataProduct.objects.exists()


def test_the_command_harvests_with_progress(world, tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(jaffle(orders={"data_product": "orders"})))
    out, err = StringIO(), StringIO()
    call_command("harvest_dbt", "--domain", "sales", "--manifest", str(path), stdout=out, stderr=err)
    assert "created" in out.getvalue()
    assert "products" in err.getvalue() and "1/1" in err.getvalue()
    assert DataProduct.objects.filter(slug="orders").exists()


def test_another_projects_harvest_does_not_remove_this_ones_models(pipeline):
    pipeline.post(URL, jaffle(orders={"data_product": "orders"}), format="json")
    other = copy.deepcopy(VERSIONED)
    for node in other["nodes"].values():
        node["meta"] = {"data_product": "mart"}
    body = pipeline.post(URL, other, format="json").json()
    assert not [i for i in body["items"] if i["action"] == "removed"]
    assert HarvestedModel.objects.filter(removed_at__isnull=True).count() == 4
