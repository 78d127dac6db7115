"""GET /api/v1/search and /api/v1/search/suggest over the SQLite or PostgreSQL engine."""

from __future__ import annotations

import pytest

from search.outbox import caught_up_backend

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def indexed(mesh):
    from search.backends import get_backend

    backend = get_backend()
    backend.clear()
    backend.reindex()
    return mesh


def test_search_answers_hits_total_facets(read_only_client, indexed):
    response = read_only_client.get("/api/v1/search", {"q": "orders", "domain": "sales", "page_size": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["hits"][0]["title"] == "Orders" and body["hits"][0]["url"] == "/products/sales/orders/"
    assert body["hits"][0]["highlight"]["title"] == "<mark>Orders</mark>"
    assert body["hits"][0]["domain"] == {"slug": "sales", "name": "Sales"}
    assert body["total"] >= 4 and body["page_size"] == 3 and len(body["hits"]) == 3
    assert {"value": "sales", "label": "Sales", "count": body["total"], "selected": True} in body["facets"]["domain"]
    assert body["did_you_mean"] is None and body["facets_approximate"] is False


def test_search_corrects_a_typo(read_only_client, indexed):
    body = read_only_client.get("/api/v1/search", {"q": "shipmnts"}).json()
    assert body["corrected_from"] == "shipmnts" and body["did_you_mean"] == "shipments"
    assert [hit["title"] for hit in body["hits"]] == ["Shipments"]


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"page": "0"}, "/page"),
        ({"page": "abc"}, "/page"),
        ({"page": "100000"}, "/page"),
        ({"page_size": "1000"}, "/page_size"),
        ({"sort": "random"}, "/sort"),
        ({"kind": "nonsense"}, "/kind"),
        ({"status": "gone"}, "/status"),
        ({"has_contract": "maybe"}, "/has_contract"),
        ({"type": "glossary"}, "/type"),
    ],
)
def test_bad_parameters_are_problems_with_a_pointer(read_only_client, indexed, params, pointer):
    response = read_only_client.get("/api/v1/search", {"q": "orders", **params})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [error["pointer"] for error in response.json()["errors"]] == [pointer]


def test_every_bad_parameter_is_named_at_once(read_only_client, indexed):
    response = read_only_client.get("/api/v1/search", {"page": "x", "sort": "y"})
    assert {e["pointer"] for e in response.json()["errors"]} == {"/page", "/sort"}


@pytest.mark.parametrize("q", ['"', "NEAR(a b)", "x" * 10_000, "*:*", "😀", "a AND OR NOT b", "-(", "\x00"])
def test_hostile_queries_answer_200(read_only_client, indexed, q):
    assert read_only_client.get("/api/v1/search", {"q": q}).status_code == 200
    assert read_only_client.get("/api/v1/search/suggest", {"q": q}).status_code == 200


def test_unknown_open_facet_values_find_nothing(read_only_client, indexed):
    body = read_only_client.get("/api/v1/search", {"q": "orders", "tag": "no-such-tag"}).json()
    assert body["total"] == 0 and body["hits"] == []


def test_a_page_past_the_end_is_empty(read_only_client, indexed):
    body = read_only_client.get("/api/v1/search", {"q": "sample", "page": "50", "page_size": "5"}).json()
    assert body["hits"] == [] and body["total"] == 12 and body["pages"] == 3


def test_suggest(read_only_client, indexed):
    body = read_only_client.get("/api/v1/search/suggest", {"q": "customer li"}).json()
    assert body["suggestions"] == [
        {
            "text": "Customer Lifetime Value",
            "html": "<mark>Customer</mark> <mark>Lifetime</mark> Value",
            "type": "product",
            "url": "/products/sales/customer-lifetime-value/",
        }
    ]
    assert read_only_client.get("/api/v1/search/suggest", {"q": "x", "limit": "99"}).status_code == 400


def test_it_rejects_anonymous_callers(client, indexed):
    assert client.get("/api/v1/search", {"q": "orders"}).status_code in {401, 403}


def test_schema_documents_search(read_only_client):
    schema = read_only_client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/search"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {
        "q",
        "domain",
        "kind",
        "status",
        "tag",
        "owner_team",
        "access_mode",
        "has_contract",
        "sort",
        "page",
        "page_size",
    } <= names
    assert "/api/v1/search/suggest" in schema["paths"]


def test_the_search_queries_stay_few(read_only_client, indexed, django_assert_max_num_queries):
    # The token lookup, then the engine's own statements: a fixed number, none per hit.
    with django_assert_max_num_queries(20):
        response = read_only_client.get("/api/v1/search", {"q": "sample", "page_size": "20"})
    assert len(response.json()["hits"]) == 12


def test_page_helpers_keep_the_state_in_the_url(indexed):
    from django.http import QueryDict

    from search.params import facet_groups, page_url, query_from_params, query_url, toggle_url

    params = QueryDict("q=orders&domain=sales&page=2")
    assert toggle_url(params, "domain", "sales") == "?q=orders"
    assert toggle_url(params, "kind", "aggregate") == "?q=orders&domain=sales&kind=aggregate"
    assert page_url(params, 3) == "?q=orders&domain=sales&page=3"
    assert query_url(params, "order") == "?q=order&domain=sales"
    groups = facet_groups(params, caught_up_backend().search(query_from_params(QueryDict("q=orders&domain=sales"))))
    domain = next(g for g in groups if g["name"] == "domain")
    assert domain["title"] == "Domain"
    assert {"value": "sales", "label": "Sales", "count": 4, "selected": True, "url": "?q=orders"} in domain["values"]
