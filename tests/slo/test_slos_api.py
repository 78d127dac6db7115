"""/api/v1/slos: objectives managed by owners, stewards and pipelines of the owning team."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.actors import Scope
from slo.models import Measurement, ServiceLevelObjective, SloSource
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

BODY = {"product": "urn:dataproduct:sales:orders", "name": "rows", "kind": "volume", "min_rows": 10, "max_rows": 100}


@pytest.fixture
def products_client(world):
    return bearer_client(world.team, [Scope.READ, Scope.WRITE_PRODUCTS])


def create(client, body, capture):
    with capture(execute=True):
        return client.post("/api/v1/slos", body, format="json")


def test_a_pipeline_token_defines_an_objective(products_client, product, port, django_capture_on_commit_callbacks):
    response = create(products_client, {**BODY, "port": "orders_table"}, django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["product"], body["port"], body["kind"], body["state"]) == (
        "sales/orders",
        "orders_table",
        "volume",
        "no_data",
    )
    listed = products_client.get("/api/v1/slos?product=sales/orders").json()
    assert [s["name"] for s in listed["results"]] == ["rows"]


def test_steward_may_member_may_not(world, user_client, product, django_capture_on_commit_callbacks):
    assert create(user_client(world.steward), BODY, django_capture_on_commit_callbacks).status_code == 201
    response = create(user_client(world.member), {**BODY, "name": "x"}, django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert "owners and stewards" in response.json()["detail"]


def test_it_rejects_outsider_and_token_of_another_team(world, user_client, product, django_capture_on_commit_callbacks):
    assert create(user_client(world.outsider), BODY, django_capture_on_commit_callbacks).status_code == 403
    other = bearer_client(world.other_team, [Scope.WRITE_PRODUCTS])
    assert create(other, BODY, django_capture_on_commit_callbacks).status_code == 403
    sli_only = bearer_client(world.team, [Scope.WRITE_SLI])
    assert create(sli_only, BODY, django_capture_on_commit_callbacks).status_code == 403
    assert not ServiceLevelObjective.objects.exists()


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"kind": "speed"}, "/kind"),
        ({"min_rows": None, "max_rows": None}, "/min_rows"),
        ({"min_rows": 10, "max_rows": 5}, "/max_rows"),
        ({"kind": "completeness", "threshold": 5}, "/threshold"),
        ({"kind": "freshness", "threshold": "1h"}, "/threshold"),
        ({"kind": "custom", "threshold": 1}, "/comparator"),
        ({"risk_margin": 1.5}, "/risk_margin"),
        ({"product": "sales"}, "/product"),
    ],
)
def test_bad_definitions_are_400_naming_the_field(
    products_client, product, change, pointer, django_capture_on_commit_callbacks
):
    response = create(products_client, {**BODY, **change}, django_capture_on_commit_callbacks)
    assert response.status_code == 400, response.content
    assert pointer in {e["pointer"] for e in response.json()["errors"]}


def test_unknown_product_and_port_are_404(products_client, product, django_capture_on_commit_callbacks):
    response = create(products_client, {**BODY, "product": "sales/nope"}, django_capture_on_commit_callbacks)
    assert response.status_code == 404
    response = create(products_client, {**BODY, "port": "nope"}, django_capture_on_commit_callbacks)
    assert response.status_code == 404
    assert response.json()["errors"][0]["pointer"] == "/port"


def test_a_name_is_unique_within_the_product(products_client, product, django_capture_on_commit_callbacks):
    assert create(products_client, BODY, django_capture_on_commit_callbacks).status_code == 201
    response = create(products_client, BODY, django_capture_on_commit_callbacks)
    assert response.status_code == 409
    assert response.json()["errors"][0]["pointer"] == "/name"


def test_a_new_threshold_re_evaluates_the_measurements(products_client, make_slo, django_capture_on_commit_callbacks):
    slo = make_slo("rows", "volume", min_rows=10, max_rows=100)
    Measurement.objects.create(slo=slo, value=50, measured_at=datetime.now(UTC), key="a")
    with django_capture_on_commit_callbacks(execute=True):
        response = products_client.put(f"/api/v1/slos/{slo.pk}", {**BODY, "min_rows": 60}, format="json")
    assert response.status_code == 200, response.content
    assert products_client.get(f"/api/v1/slos/{slo.pk}").json()["state"] == "breached"


def test_objectives_from_contracts_are_changed_through_the_contract(products_client, make_slo):
    slo = make_slo(source=SloSource.CONTRACT, contract_id="c-1", source_key="x")
    response = products_client.put(f"/api/v1/slos/{slo.pk}", {**BODY, "name": "freshness"}, format="json")
    assert response.status_code == 409
    assert "c-1" in response.json()["detail"]
    assert products_client.delete(f"/api/v1/slos/{slo.pk}").status_code == 409
    assert ServiceLevelObjective.objects.filter(pk=slo.pk).exists()


def test_delete(products_client, make_slo, other_team_client):
    slo = make_slo()
    assert other_team_client.delete(f"/api/v1/slos/{slo.pk}").status_code == 403
    assert products_client.delete(f"/api/v1/slos/{slo.pk}").status_code == 204
    assert products_client.get(f"/api/v1/slos/{slo.pk}").status_code == 404


def test_measurements_are_listed(read_only_client, make_slo):
    slo = make_slo()
    Measurement.objects.create(slo=slo, value=5, measured_at=datetime.now(UTC), key="a")
    rows = read_only_client.get(f"/api/v1/slos/{slo.pk}/measurements").json()
    assert [r["value"] for r in rows["results"]] == [5]


def test_objectives_are_paginated_in_a_fixed_number_of_queries(read_only_client, make_slo, django_assert_num_queries):
    for n in range(7):
        make_slo(f"rows {n}", "volume")
    with django_assert_num_queries(4):  # token + its last use, count, page (product, domain and port joined)
        first = read_only_client.get("/api/v1/slos?page_size=5").json()
    assert first["count"] == 7
    assert [s["name"] for s in first["results"]] == [f"rows {n}" for n in range(5)]
    assert first["next"] is not None
    second = read_only_client.get(first["next"]).json()
    assert [s["name"] for s in second["results"]] == ["rows 5", "rows 6"]
    bad = read_only_client.get("/api/v1/slos?page_size=lots")
    assert bad.status_code == 400
    assert bad["Content-Type"].startswith("application/problem+json")


def test_the_openapi_schema_documents_the_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert {"/api/v1/sli", "/api/v1/slos", "/api/v1/slos/{id}"} <= set(schema["paths"])
    assert "403" in schema["paths"]["/api/v1/sli"]["post"]["responses"]
