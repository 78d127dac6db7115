"""`meshportal` against a live portal: every command, every exit code, the example repository end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from catalog.models import DataContract, DataProduct, LifecycleStatus, ProductVersion
from lineage.models import LineageEvent
from meshportal_cli.app import app
from tests.cli.conftest import CONFORMANCE, EXAMPLE, ROOT, Portal
from tests.conftest import bearer_client
from tests.factories import DomainFactory, ProductFactory

ODCS = CONFORMANCE / "odcs"
INVALID = ODCS / "INVALID_dccli_missing_status.odcs.yaml"


# validate (offline) -------------------------------------------------------------------------------------------


def test_validate_accepts_the_example_repository(portal: Portal):
    result = portal.run("validate", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert "3 file(s), 0 invalid" in result.stdout
    assert "dataproduct.yaml: ok (DataProduct sales/orders)" in result.stdout


def test_validate_names_the_file_and_pointer_of_the_invalid_conformance_file(portal: Portal):
    result = portal.run("validate", str(INVALID))
    assert result.exit_code == 1
    assert f"{INVALID}: /status: is required" in result.stderr


def test_validate_gives_the_same_pointer_and_message_as_the_api(portal: Portal):
    api = bearer_client(portal.world.team, ["read", "write:products"])
    answer = api.generic("POST", "/api/v1/descriptors", INVALID.read_text(), content_type="application/yaml")
    offline = json.loads(portal.run("validate", "--format", "json", str(INVALID)).stdout)
    assert [(e["pointer"], e["detail"]) for e in offline["files"][0]["errors"]] == [
        (e["pointer"], e["detail"]) for e in answer.json()["errors"]
    ]


def test_validate_json_lists_every_file(portal: Portal):
    result = portal.run("validate", "--format", "json", str(ODCS))
    body = json.loads(result.stdout)
    assert result.exit_code == 1
    assert body["valid"] is False
    assert {Path(f["path"]).name: f["valid"] for f in body["files"]} == {
        p.name: not p.name.startswith("INVALID_") for p in ODCS.glob("*.yaml")
    }


def test_validate_of_a_missing_path_is_a_usage_error(portal: Portal):
    assert portal.run("validate", "/no/such/dir").exit_code == 2


def test_a_portal_product_json_file_is_checked_with_its_pointer(portal: Portal, tmp_path):
    bad = tmp_path / "product.json"
    product = {"domain": "sales", "slug": "orders", "name": "", "output_ports": [{"name": "x", "type": "tabel"}]}
    bad.write_text(json.dumps(product))
    result = portal.run("validate", str(bad))
    assert result.exit_code == 1
    assert f"{bad}: /name:" in result.stderr
    assert f"{bad}: /output_ports/0/type:" in result.stderr


def test_validate_runs_without_django_settings():
    """The installed console script's code path, in a fresh interpreter that has no portal settings."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | {"PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "meshportal_cli", "validate", str(INVALID)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, cwd="/")  # noqa: S603
    assert done.returncode == 1, done.stderr
    assert "/status: is required" in done.stderr


def test_version(portal: Portal):
    result = portal.run("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("meshportal ")


# publish ------------------------------------------------------------------------------------------------------


def test_the_example_repository_publishes_and_a_second_run_changes_nothing(portal: Portal):
    first = portal.run("publish", str(EXAMPLE))
    assert first.exit_code == 0, first.output
    assert "3 created" in first.stdout
    product = DataProduct.objects.get(domain__slug="sales", slug="orders")
    port = product.output_ports.get(name="orders")
    assert sorted(port.fields.values_list("name", flat=True)) == [
        "amount_eur",
        "line_no",
        "order_id",
        "quantity",
        "sku",
    ]
    assert DataContract.objects.get(contract_id="urn:contract:sales:orders").domain.slug == "sales"
    stamps = sorted(DataContract.objects.values_list("updated_at", flat=True))

    second = portal.run("publish", str(EXAMPLE), "--format", "json")
    assert second.exit_code == 0, second.output
    assert {r["action"] for r in json.loads(second.stdout)["results"]} == {"unchanged"}
    assert sorted(DataContract.objects.values_list("updated_at", flat=True)) == stamps


def test_publish_dry_run_stores_nothing(portal: Portal):
    result = portal.run("publish", "--dry-run", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert "Dry run: 3 created" in result.stdout
    assert "standalone" not in result.stdout  # the product in the same run names both contracts
    assert not DataProduct.objects.exists()
    assert not DataContract.objects.exists()


def test_publish_refuses_a_bad_file_before_sending_anything(portal: Portal, repo: Path):
    (repo / "contracts" / "broken.yaml").write_bytes(INVALID.read_bytes())
    result = portal.run("publish", str(repo))
    assert result.exit_code == 1
    assert f"{repo / 'contracts' / 'broken.yaml'}: /status: is required" in result.stderr
    assert not DataProduct.objects.exists()


def test_an_unknown_domain_is_named_with_the_file(portal: Portal, repo: Path):
    doc = yaml.safe_load((repo / "dataproduct.yaml").read_text())
    doc["domain"] = "nowhere"
    (repo / "dataproduct.yaml").write_text(yaml.safe_dump(doc))
    result = portal.run("publish", str(repo))
    assert result.exit_code == 1
    assert f"{repo / 'dataproduct.yaml'}: /domain: Unknown domain 'nowhere'." in result.stderr
    assert not DataContract.objects.exists()


@pytest.mark.parametrize("path", [*sorted(ODCS.glob("dccli_*.odcs.yaml")), ODCS / "bitol_full-example.odcs.yaml"])
def test_real_odcs_files_store_unchanged(portal: Portal, path: Path):
    if path.name.startswith("bitol"):
        DomainFactory(slug="seller", owner_team=portal.world.team)  # the one conformance contract that names a domain
    result = portal.run("publish", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    [answer] = json.loads(result.stdout)["results"]
    contract = DataContract.objects.get(contract_id=answer["id"])
    assert contract.document == yaml.safe_load(path.read_bytes())


def test_a_standalone_contract_is_said_to_be_unattached(portal: Portal):
    result = portal.run("publish", str(ODCS / "dccli_catalog_datacontract-2.odcs.yaml"))
    assert result.exit_code == 0, result.output
    assert "standalone, in team sales-team's registry" in result.stdout


def test_domain_and_product_flags_attach_a_standalone_contract(portal: Portal):
    path = ODCS / "dccli_catalog_datacontract-2.odcs.yaml"
    result = portal.run("publish", "--domain", "sales", "--product", "test-product", str(path))
    assert result.exit_code == 0, result.output
    assert DataProduct.objects.get(slug="test-product").output_ports.get().contract_ref == "urn:datacontract:test"


def test_prune_retires_the_teams_products_missing_from_the_repository(portal: Portal):
    gone = ProductFactory(domain=portal.world.domain, owner_team=portal.world.team, slug="gone")
    other = ProductFactory(domain=portal.world.other_domain, owner_team=portal.world.other_team, slug="theirs")

    asked = portal.run("publish", "--prune", str(EXAMPLE), input="n\n")
    assert asked.exit_code == 0, asked.output
    assert "sales/gone" in asked.stderr and "Nothing retired." in asked.stderr
    gone.refresh_from_db()
    assert gone.status != LifecycleStatus.RETIRED

    dry = portal.run("publish", "--prune", "--dry-run", str(EXAMPLE))
    assert "would retire DataProduct sales/gone" in dry.stdout

    result = portal.run("publish", "--prune", "--yes", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert "retired DataProduct sales/gone" in result.stdout
    gone.refresh_from_db()
    other.refresh_from_db()
    assert gone.status == LifecycleStatus.RETIRED
    assert other.status != LifecycleStatus.RETIRED
    assert DataProduct.objects.get(slug="orders").status != LifecycleStatus.RETIRED


# diff ---------------------------------------------------------------------------------------------------------


def test_diff_of_a_new_repository_lists_what_would_be_created(portal: Portal):
    result = portal.run("diff", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert "3 to create, 0 to change, 0 unchanged; no breaking change" in result.stdout


def test_diff_flags_a_removed_field_as_breaking(portal: Portal, repo: Path):
    assert portal.run("publish", str(repo)).exit_code == 0
    path = repo / "contracts" / "orders.odcs.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["schema"][0]["properties"] = [p for p in doc["schema"][0]["properties"] if p["name"] != "quantity"]
    doc["slaProperties"][0]["value"] = 4  # latency 1 h -> 4 h
    doc["description"]["purpose"] = "One row per order line, returns included."
    path.write_text(yaml.safe_dump(doc))

    result = portal.run("diff", str(repo))
    assert result.exit_code == 1, result.output
    assert (
        "updated   DataContract urn:contract:sales:orders  BREAKING (refused: no major version bump)" in result.stdout
    )
    assert '/schema/order_lines.quantity: "order_lines.quantity" -> null  [breaking: field removed]' in result.stdout
    assert '/slaProperties/latency: "1 h" -> "4 h"  [breaking: SLA weakened]' in result.stdout
    assert "/purpose:" in result.stdout
    assert "0 to create, 1 to change, 2 unchanged; BREAKING changes found" in result.stdout
    assert len(DataContract.objects.get(contract_id="urn:contract:sales:orders").schema_fields) == 5


def test_diff_json_has_the_servers_verdict(portal: Portal, repo: Path):
    assert portal.run("publish", str(repo)).exit_code == 0
    doc = yaml.safe_load((repo / "dataproduct.yaml").read_text())
    doc["outputPorts"].pop()  # the customers port
    (repo / "dataproduct.yaml").write_text(yaml.safe_dump(doc))
    body = json.loads(portal.run("diff", "--format", "json", str(repo)).stdout)
    assert body["breaking"] is True
    [product] = [r for r in body["results"] if r["kind"] == "DataProduct"]
    assert [(c["path"], c["reason"]) for c in product["changes"] if c["breaking"]] == [
        ("/outputPorts/customers@1.0.0", "output port removed")
    ]


# auth, whoami -------------------------------------------------------------------------------------------------


def test_a_wrong_token_exits_3_with_a_clear_message(portal: Portal):
    result = portal.run("publish", str(EXAMPLE), token="mp_nosuchkey_secret")
    assert result.exit_code == 3
    assert "The portal refused the token (401): Unknown token." in result.stderr
    assert not DataProduct.objects.exists()


def test_a_read_only_token_exits_3_naming_the_missing_scope(portal: Portal):
    result = portal.run("publish", str(EXAMPLE), token=portal.read_only_token)
    assert result.exit_code == 3
    assert "lacks the 'write:products' scope" in result.stderr
    assert not DataProduct.objects.exists()


def test_whoami(portal: Portal):
    result = portal.run("whoami")
    assert result.exit_code == 0, result.output
    assert "teams:   sales-team" in result.stdout
    assert "scopes:  read, write:lineage, write:products, write:sli" in result.stdout
    assert "domains: sales" in result.stdout


def test_whoami_without_a_token_exits_3(portal: Portal):
    assert portal.run("whoami", token="").exit_code == 3


def test_no_portal_url_is_a_usage_error(portal: Portal):
    result = CliRunner().invoke(app, ["--token", portal.token, "diff", str(EXAMPLE)], env={"MESHPORTAL_URL": ""})
    assert result.exit_code == 2
    assert "No portal URL" in result.stderr


def test_an_unreachable_portal_exits_4(portal: Portal):
    result = portal.run("--url", "http://127.0.0.1:9", "whoami")
    assert result.exit_code == 4
    assert "Cannot reach the portal" in result.stderr


# lineage, sli -------------------------------------------------------------------------------------------------


def test_lineage_emit_from_a_file_and_from_stdin(portal: Portal):
    event = CONFORMANCE / "openlineage" / "marquez_job_event.json"
    assert portal.run("lineage", "emit", str(event)).exit_code == 0
    batch = json.dumps([json.loads((CONFORMANCE / "openlineage" / "marquez_dataset_event.json").read_text())])
    result = portal.run("lineage", "emit", "-", input=batch)
    assert result.exit_code == 0, result.output
    assert LineageEvent.objects.count() == 2


def test_lineage_emit_of_an_invalid_event_exits_1_with_its_pointer(portal: Portal):
    result = portal.run("lineage", "emit", str(CONFORMANCE / "openlineage" / "INVALID_event_no_run_id.json"))
    assert result.exit_code == 1
    assert "/run/runId" in result.stderr


def test_sli_push_of_an_unknown_objective_is_refused(portal: Portal):
    result = portal.run("sli", "push", "-", input=json.dumps({"slo": 999999, "value": 1}))
    assert result.exit_code == 1
    assert "404" in result.stderr


def test_harvest_dbt_sends_a_target_directory(portal: Portal, tmp_path):
    manifest = json.loads((CONFORMANCE / "dbt" / "dccli_manifest_empty_columns.json").read_text())
    manifest["nodes"]["model.jaffle_shop.orders"]["config"]["meta"] = {"data_product": "orders"}
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text(json.dumps(manifest))
    result = portal.run("harvest", "dbt", "--domain", "sales", str(target))
    assert result.exit_code == 0, result.output + result.stderr
    assert "created" in result.output and "sales/orders" in result.output
    again = portal.run("harvest", "dbt", "--domain", "sales", str(target), "--format", "json")
    assert json.loads(again.stdout)["counts"]["created"] == 0
    missing = portal.run("harvest", "dbt", "--domain", "sales", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and "manifest.json" in missing.stderr


def test_diff_of_a_breaking_change_with_a_major_bump_passes(portal: Portal, repo: Path):
    assert portal.run("publish", str(repo)).exit_code == 0
    path = repo / "contracts" / "orders.odcs.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["schema"][0]["properties"] = [p for p in doc["schema"][0]["properties"] if p["name"] != "quantity"]
    doc["version"] = "2.0.0"
    path.write_text(yaml.safe_dump(doc))
    result = portal.run("diff", str(repo))
    assert result.exit_code == 0, result.output
    assert "BREAKING changes found, with a major version bump" in result.stdout
    published = portal.run("publish", str(repo))
    assert published.exit_code == 0, published.output
    assert len(DataContract.objects.get(contract_id="urn:contract:sales:orders").schema_fields) == 4


def test_publishing_a_breaking_change_without_a_bump_is_refused_naming_the_field(portal: Portal, repo: Path):
    assert portal.run("publish", str(repo)).exit_code == 0
    path = repo / "contracts" / "orders.odcs.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["schema"][0]["properties"] = [p for p in doc["schema"][0]["properties"] if p["name"] != "quantity"]
    path.write_text(yaml.safe_dump(doc))
    result = portal.run("publish", str(repo))
    assert result.exit_code == 1, result.output
    assert "/schema/order_lines.quantity" in result.stderr + result.stdout
    assert len(DataContract.objects.get(contract_id="urn:contract:sales:orders").schema_fields) == 5
    version = ProductVersion.objects.filter(contract_id="urn:contract:sales:orders").latest("number")
    assert version.channel == "cli"
