"""What schemathesis found, pinned by plain tests (these run in both passes, unlike the fuzzing itself)."""

from __future__ import annotations

import jsonschema
import pytest
from django.test import Client

from access import services
from catalog.models import Domain
from core.actors import Actor
from tests.factories import OutputPortFactory, ProductFactory
from tests.glossary.conftest import propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def test_nullable_fields_say_so(schema):
    components = schema["components"]["schemas"]
    # A top-level domain has no parent; an undecided proposal has no decider: both are null in answers.
    # OpenAPI 3.1 says so with JSON Schema's type list.
    assert "null" in components["Domain"]["properties"]["parent"]["type"]
    assert "null" in components["Proposal"]["properties"]["decided_by"]["type"]


@pytest.mark.parametrize("path", ["/api/v1/glossary/synonyms", "/api/v1/lineage/search"])
def test_optional_q_is_documented_as_optional(schema, path):
    (q,) = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "q"]
    assert not q.get("required", False)


def test_every_operation_documents_the_shared_error_answers(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status in ("401", "403", "500", "503"):
                content = operation["responses"][status]["content"]
                assert "application/problem+json" in content, (method, path, status)


def test_a_page_size_that_is_not_a_number_is_refused(team_client):
    response = team_client.get("/api/v1/products", {"page_size": "true"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "/page_size"
    assert team_client.get("/api/v1/products", {"page_size": "2"}).status_code == 200


def test_an_api_address_matching_no_route_answers_problem_json(team_client):
    response = team_client.get("/api/v1/teams/%C2%B4")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["instance"] == "/api/v1/teams/\u00b4"


def test_pages_matching_no_route_keep_the_html_page(world):
    browser = Client()
    browser.force_login(world.member)
    response = browser.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_empty_suggestion_limit_is_refused(team_client):
    response = team_client.get("/api/v1/search/suggest", {"q": "ord", "limit": ""})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/limit"
    assert team_client.get("/api/v1/search/suggest", {"q": "ord"}).status_code == 200


@pytest.mark.parametrize("status", ["aproved", ""])
@pytest.mark.parametrize("path", ["/api/v1/access/grants", "/api/v1/access/requests"])
def test_an_unknown_access_status_filter_is_refused(team_client, path, status):
    """`status=` (empty) was still ignored, listing everything (found by a random run of the person pass)."""
    response = team_client.get(path, {"status": status})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/status"


def test_an_empty_page_number_is_refused(team_client):
    response = team_client.get("/api/v1/products", {"page": ""})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/page"


@pytest.mark.parametrize(("path", "flag"), [("/api/v1/access/grants", "active"), ("/api/v1/access/requests", "mine")])
def test_an_unreadable_yes_no_filter_is_refused(team_client, path, flag):
    response = team_client.get(path, {flag: "1.19e-07"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == f"/{flag}"
    assert team_client.get(path, {flag: "true"}).status_code == 200


@pytest.mark.parametrize("fmt", ["", "xml"])
def test_an_unknown_glossary_export_format_is_refused(world, user_client, fmt):
    """`format=` and `format=xml` answered the JSON file (found by the person pass, which reaches a glossary)."""
    propose(world.member, name="Order", definition="A customer's request to buy.")
    client = user_client(world.member)
    response = client.get("/api/v1/glossary/domains/sales/export", {"format": fmt})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/format"
    assert client.get("/api/v1/glossary/domains/sales/export", {"format": "csv"}).status_code == 200


@pytest.mark.parametrize(("component", "field"), [("ProposalDetail", "base_content"), ("QualityOut", "threshold")])
def test_nullable_json_fields_accept_null(schema, component, field):
    """A new term's proposal has no base content: null matched both branches of the schema's `oneOf`, so the
    answer violated it (found by the person pass deciding a proposal as a steward)."""
    jsonschema.validate(None, schema["components"]["schemas"][component]["properties"][field])
    jsonschema.validate({"name": "Order"}, schema["components"]["schemas"][component]["properties"][field])


def test_a_person_lists_active_grants(world, user_client):
    """`GET /access/grants?active=true` answered 500 to everyone but staff (a distinct() queryset combined with
    `&`); the person pass sends it as a signed-in person. Every filter combination: tests/access/test_list_filters."""
    port = OutputPortFactory(product=ProductFactory(domain=world.domain, slug="orders"), name="orders_table")
    req = services.access_request_create(actor=Actor(user=world.outsider), port=port, purpose="p", duration_days=5)
    services.access_request_approve(actor=Actor(user=world.owner), request_id=req.pk)
    for person in (world.outsider, world.owner):
        response = user_client(person).get("/api/v1/access/grants", {"active": "true"})
        assert response.status_code == 200
        assert [g["port"] for g in response.json()["results"]] == ["orders_table"]


@pytest.mark.parametrize("domain", ["sales", "insights"])  # with a glossary, and a domain without one
def test_glossary_terms_refuse_an_empty_or_unknown_status(world, domain, team_client):
    Domain.objects.get_or_create(slug="insights", defaults={"name": "Insights", "owner_team": world.team})
    for value in ("", "nonsense"):
        response = team_client.get(f"/api/v1/glossary/domains/{domain}/terms?status={value}")
        assert response.status_code == 400, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"][0]["pointer"] == "/status"


def test_the_mesh_map_refuses_a_mine_that_is_not_yes_or_no(team_client):
    """Found by the token pass once the mesh map endpoint existed: `mine=null` was read as "no"."""
    response = team_client.get("/api/v1/lineage/products?mine=null")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["pointer"] == "/mine"
    assert team_client.get("/api/v1/lineage/products?mine=true").status_code == 200
