"""Full-text syntax and SQL fragments in every search box, and odd identifiers in URLs and bodies: never a 5xx."""

import json

import pytest

from catalog.models import DataProduct
from core.actors import Scope
from tests.conftest import bearer_client
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

NASTY_QUERIES = [
    "' OR 1=1 --",
    "'; DROP TABLE catalog_dataproduct; --",
    '"',
    '"unterminated',
    "*",
    "orders*",
    "NEAR(",
    "NEAR(a b, 2)",
    "AND OR NOT",
    "a AND (b OR",
    "%",
    "_",
    "%_%",
    "\\",
    "\x00",
    "ord\x00ers",
    "x" * 10_000,
    "名前 😀 Müller",
    "\u202eevil\u200b",
    "col:val ^ ~ {} []",
    "<script>alert(1)</script>",
]


@pytest.fixture
def mesh(world):
    ProductFactory(domain=world.domain, slug="orders", name="Orders", summary="Every order.")
    ProductFactory(domain=world.domain, slug="order-lines", name="Order lines", summary="Lines.")


@pytest.fixture
def person(world, client):
    client.force_login(world.owner)
    return client


@pytest.mark.parametrize("q", NASTY_QUERIES)
def test_search_pages_answer_every_query(mesh, person, q):
    for path in ("/search/", "/search/suggest/", "/products/", "/lineage/", "/glossary/"):
        response = person.get(path, {"q": q})
        assert response.status_code == 200, (path, response.status_code)


@pytest.mark.parametrize("q", NASTY_QUERIES)
def test_search_apis_answer_every_query_without_a_server_error(mesh, world, q):
    client = bearer_client(world.team, [Scope.READ])
    for path in ("/api/v1/search", "/api/v1/search/suggest", "/api/v1/lineage/search", "/api/v1/glossary/terms"):
        response = client.get(path, {"q": q})
        assert response.status_code < 500, (path, response.status_code)
        if response.status_code >= 400:
            assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("value", ["' OR 1=1 --", "%", "\x00", "x" * 5000])
def test_search_filters_answer_every_value(mesh, person, value):
    for params in ({"q": "orders", "tag": value}, {"q": "orders", "domain": value}, {"team": value, "kind": value}):
        assert person.get("/search/", params).status_code == 200
        assert person.get("/products/", params).status_code == 200


@pytest.mark.parametrize("q", ["%", "_", "' OR 1=1 --"])
def test_like_wildcards_and_sql_are_searched_for_literally(mesh, person, q):
    # The control: a plain search lists the product, so its absence below is the query's doing.
    assert "/products/sales/orders/" in person.get("/products/", {"q": "orders"}).content.decode()
    response = person.get("/products/", {"q": q})
    assert response.status_code == 200
    assert "/products/sales/orders/" not in response.content.decode()  # no product has these characters in it


ODD_SEGMENTS = [
    "..",
    "%2e%2e",
    "..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f",
    "%00",
    "a%00b",
    "%E2%80%AEevil",  # right-to-left override
    "zero%E2%80%8Bwidth",
    "%F0%9F%98%80",
    "%C0%AE%C0%AE",  # overlong UTF-8 dot, invalid
    "%FF",
    "x" * 5000,
]


@pytest.mark.parametrize("segment", ODD_SEGMENTS)
def test_odd_identifiers_in_page_urls_answer_a_clean_not_found(world, person, segment):
    for template in (
        "/products/sales/{}/",
        "/products/{}/orders/",
        "/domains/{}/",
        "/teams/{}/",
        "/teams/sales-team/tokens/{}/revoke/",
        "/glossary/domains/sales/terms/{}/",
        "/glossary/domains/sales/export.{}",
        "/lineage/products/sales/{}/",
    ):
        path = template.format(segment)
        response = person.post(path) if "revoke" in path else person.get(path)
        assert response.status_code in (400, 404, 405), (path, response.status_code)


@pytest.mark.parametrize("segment", ODD_SEGMENTS)
def test_odd_identifiers_in_api_urls_answer_a_clean_not_found(world, team_client, segment):
    for template in (
        "/api/v1/products/sales/{}",
        "/api/v1/domains/{}",
        "/api/v1/teams/{}",
        "/api/v1/contracts/{}",
        "/api/v1/lineage/products/sales/{}",
    ):
        response = team_client.get(template.format(segment))
        assert response.status_code in (400, 404), (template, segment, response.status_code)
        assert response["Content-Type"] == "application/problem+json"
    put = team_client.put(f"/api/v1/products/sales/{segment}", {"name": "x"}, format="json")
    assert put.status_code in (400, 404), put.status_code


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("Orders\x00", 400),
        ("x" * 10_000, 400),
        ("\ud800", 400),  # a lone surrogate cannot be stored
        ("\u202eOrders", 201),  # odd but storable: kept, and shown escaped
        ("Or\u200bders", 201),
    ],
)
def test_odd_text_in_api_bodies_is_stored_or_refused_by_field(world, team_client, name, status):
    response = team_client.generic(
        "PUT",
        "/api/v1/products/sales/odd",
        json.dumps({"name": name}),
        content_type="application/json",
    )
    assert response.status_code == status, response.content
    if status == 400:
        assert response["Content-Type"] == "application/problem+json"
        assert any(e["pointer"] in ("/name", "") for e in response.json()["errors"])
        assert not DataProduct.objects.filter(slug="odd").exists()


def test_nul_in_a_lineage_event_is_refused_by_field(world):
    from tests.lineage.conftest import run_event

    client = bearer_client(world.team, [Scope.WRITE_LINEAGE])
    body = json.dumps(run_event("job\x00name"))
    response = client.generic("POST", "/api/v1/lineage", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/job/name"


def test_a_slug_longer_than_the_column_is_refused(world, team_client):
    response = team_client.put("/api/v1/products/sales/" + "x" * 101, {"name": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/slug"


def test_a_nul_in_the_query_string_is_dropped_not_searched(mesh, person):
    html = person.get("/products/", {"q": "ord\x00ers"}).content.decode()
    assert "/products/sales/orders/" in html  # searched as "orders"


def test_a_nul_in_an_api_path_is_a_problem_404(world, team_client):
    response = team_client.get("/api/v1/products/sales/a%00b")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
