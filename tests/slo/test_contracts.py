"""Objectives derived from the real ODCS and DPDS files' SLA properties, kept in step with the contracts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from slo.contracts import derive
from slo.models import ServiceLevelObjective, SloSource
from tests.factories import DomainFactory

pytestmark = pytest.mark.django_db

CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "conformance"
ODCS = (CONFORMANCE / "odcs" / "bitol_full-example.odcs.yaml").read_text()
DPDS_PORT = json.loads((CONFORMANCE / "dpds" / "tripexecution_trip-status-oport.json").read_text())


@pytest.fixture
def seller(world):
    return DomainFactory(slug="seller", name="Seller", owner_team=world.team)


@pytest.fixture
def import_doc(team_client, django_capture_on_commit_callbacks):
    def post(body: str, content_type: str = "application/yaml"):
        with django_capture_on_commit_callbacks(execute=True):
            response = team_client.generic("POST", "/api/v1/descriptors", body, content_type=content_type)
        assert response.status_code in (200, 201), response.content
        return response

    return post


def test_the_odcs_example_gives_a_freshness_objective_and_ignores_the_rest(import_doc, seller):
    import_doc(ODCS)
    [slo] = ServiceLevelObjective.objects.all()
    assert slo.product.identifier == "seller/my-quantum"
    assert slo.kind == "freshness"
    assert slo.threshold == 4 * 86400
    assert slo.source == SloSource.CONTRACT
    assert slo.contract_id == "53581432-6c55-4ba2-a65f-72344a91553a"
    assert slo.element == "tab1.txn_ref_dt"
    assert slo.port is not None and slo.port.contract_ref == slo.contract_id
    assert slo.name == "latency tab1.txn_ref_dt"
    assert slo.state == "no_data"  # evaluated, nothing measured yet


def test_a_changed_property_updates_and_a_removed_one_removes_manual_ones_stay(import_doc, seller):
    import_doc(ODCS)
    original = ServiceLevelObjective.objects.get()
    manual = ServiceLevelObjective.objects.create(
        product=original.product, name="rows", kind="volume", min_rows=1, source=SloSource.MANUAL
    )
    doc = yaml.safe_load(ODCS)
    doc["slaProperties"][0]["value"] = 2  # a weaker latency: breaking, so a new major version
    doc["version"] = "2.0.0"
    import_doc(yaml.safe_dump(doc))
    updated = ServiceLevelObjective.objects.get(source=SloSource.CONTRACT)
    assert updated.pk == original.pk
    assert updated.threshold == 2 * 86400

    doc["slaProperties"] = [p for p in doc["slaProperties"] if p["property"] != "latency"]
    doc["version"] = "3.0.0"
    import_doc(yaml.safe_dump(doc))
    assert list(ServiceLevelObjective.objects.all()) == [manual]


def test_dpds_promises_give_availability_latency_and_freshness(import_doc, seller):
    descriptor = {
        "dataProductDescriptor": "1.0.0",
        "info": {
            "fullyQualifiedName": "urn:dpds:com.company-xyz:dataproducts:tripExecution:1",
            "domain": "seller",
            "name": "tripExecution",
            "version": "1.2.0",
        },
        "interfaceComponents": {"outputPorts": [DPDS_PORT]},
    }
    import_doc(json.dumps(descriptor), content_type="application/json")
    found = {s.name: (s.kind, s.threshold) for s in ServiceLevelObjective.objects.all()}
    # The promised SLOs and the agreed (looser) SLAs are both kept, told apart by their driver.
    assert found == {
        "availability (slo)": ("availability", pytest.approx(0.99999)),
        "responsetime (slo)": ("latency", 1.0),
        "freshness (slo)": ("freshness", 300.0),
        "availability (sla)": ("availability", pytest.approx(0.999)),
        "responsetime (sla)": ("latency", 5.0),
        "freshness (sla)": ("freshness", 600.0),
    }


@pytest.mark.parametrize(
    ("args", "kind", "threshold"),
    [
        (("latency", "4", "", "d"), "freshness", 345600),
        (("latency", "90", "", "min"), "freshness", 5400),
        (("freshness", "5m"), "freshness", 300),
        (("availability", "99.9", "", "%"), "availability", 0.999),
        (("availability", "0.995"), "availability", 0.995),
        (("responseTime", "250ms"), "latency", 0.25),
        (("completeness", "98", "", "percent"), "completeness", 0.98),
    ],
)
def test_mapping(args, kind, threshold):
    derived = derive(*args)
    assert not isinstance(derived, str)
    assert derived.kind == kind
    assert derived.threshold == pytest.approx(threshold)


def test_volume_bounds_from_value_and_value_ext():
    derived = derive("volume", "1000", "50000")
    assert not isinstance(derived, str)
    assert (derived.min_rows, derived.max_rows) == (1000, 50000)


@pytest.mark.parametrize(
    "args",
    [
        ("retention", "3", "", "y"),
        ("frequency", "1", "1", "d"),
        ("timeOfAvailability", "09:00-08:00"),
        ("generalAvailability", "2022-05-12T09:30:10-08:00"),
        ("latency", "soon"),
        ("latency", "3", "", "fortnights"),
        ("availability", "150", "", "%"),
    ],
)
def test_what_is_not_an_objective_is_ignored_with_a_reason(args):
    assert isinstance(derive(*args), str)


def test_a_sync_with_nothing_changed_costs_four_queries_for_any_number_of_products(
    import_doc, seller, django_assert_num_queries
):
    from catalog.models import DataProduct
    from slo.services import slos_sync_from_contracts

    import_doc(ODCS)
    ids = list(DataProduct.objects.values_list("pk", flat=True)) + list(range(10_000, 10_050))
    with django_assert_num_queries(4):  # ports, contracts + their SLA properties, objectives
        result = slos_sync_from_contracts(product_ids=ids)
    assert (result.created, result.updated, result.removed) == (0, 0, 0)
