"""The health sort and the health band facet, on every available backend (as test_contract.py), and what the
Elasticsearch backend sends for them. Health comes from a product enricher (the governance app's in production);
here a stand-in gives three products a health score."""

from __future__ import annotations

import pytest

from search import elastic_query as eq
from search import registry
from search.base import IndexDocument, SearchQuery
from search.extensions import ProductExtras
from search.ranking import Weights
from tests.search.test_contract import facet, search, titles

pytestmark = pytest.mark.django_db

HEALTH = {"revenue": (71.0, "fair"), "orders": (92.5, "good"), "stores": (30.0, "poor")}


@pytest.fixture
def healthy(backend, mesh, monkeypatch):
    by_pk = {mesh.products[slug].pk: value for slug, value in HEALTH.items()}

    def enricher(ids):
        return {pk: ProductExtras(health=by_pk[pk][0], health_band=by_pk[pk][1]) for pk in ids if pk in by_pk}

    monkeypatch.setattr(registry, "_PRODUCT_ENRICHERS", [*registry._PRODUCT_ENRICHERS, enricher])
    backend.reindex()
    return backend


def test_sort_by_health_puts_the_healthiest_first_and_unknown_last(healthy):
    results = search(healthy, "", sort="health", filters={"type": "product"}, page_size=50)
    assert titles(results)[:3] == ["Orders", "Revenue", "Stores"]
    assert results.hits[0].data["health"] == 92.5
    # Products without a health score follow, all of them, still in the answer.
    assert len(titles(results)) == results.total > 3
    assert all(hit.data.get("health") is None for hit in results.hits[3:])


def test_sort_by_health_within_a_text_query(healthy):
    # Revenue (71, "region" only in its description) and Stores (30, a field) outrank the exact name "Region",
    # which has no score: the sort, not the match tier, decides.
    found = titles(search(healthy, "region", sort="health"))
    assert found[:2] == ["Revenue", "Stores"]
    assert set(found[2:]) == {"Region", "Region Codes", "Daily Orders by Region"}


def test_health_band_facet_counts_and_filters(healthy):
    results = search(healthy, "", filters={"type": "product"})
    bands = facet(results, "health_band")
    assert {k: bands[k] for k in ("good", "fair", "poor")} == {"good": 1, "fair": 1, "poor": 1}
    assert bands["unknown"] == facet(results, "type")["product"] - 3
    labels = {v.value: v.label for v in results.facets["health_band"]}
    assert labels["good"] == "Good health" and labels["unknown"] == "Not enough data"

    good = search(healthy, "", filters={"health_band": "good"})
    assert titles(good) == ["Orders"]
    either = search(healthy, "", filters={"health_band": ["fair", "poor"]}, sort="health")
    assert titles(either) == ["Revenue", "Stores"]
    # The band's own selection does not narrow its counts, so another band can be added.
    assert facet(good, "health_band")["fair"] == 1


def test_unknown_band_when_no_enricher_knows_the_health(backend):
    results = search(backend, "", filters={"health_band": "unknown", "type": "product"}, page_size=50)
    assert results.total == facet(search(backend, "", filters={"type": "product"}), "type")["product"]


# ---- Elasticsearch, without a server ---------------------------------------------------------------------


def test_elastic_mapping_source_sort_and_facet():
    definition = eq.index_definition("meshportal-search-1").to_dict()
    props = definition["mappings"]["properties"]
    assert props["health"]["type"] == "float"
    assert props["health_band"]["type"] == "keyword"

    doc = IndexDocument(
        doc_type="product", object_id="1", name="Orders", url="/p/1", health=88.0, facets={"health_band": ("good",)}
    )
    source = eq.source(doc, Weights())
    assert source["health"] == 88.0 and source["health_band"] == ["good"]
    assert eq.source(IndexDocument(doc_type="team", object_id="2", name="Ops", url="/t"), Weights())["health"] is None

    body = eq.search_body(
        SearchQuery(text="", sort="health", filters={"health_band": ("good", "fair")}), [], [], Weights()
    ).to_dict()
    assert body["sort"][0] == {"health": {"order": "desc", "missing": "_last"}}
    assert {"terms": {"health_band": ["good", "fair"]}} in body["post_filter"]["bool"]["filter"]
    assert body["aggs"]["health_band"]["aggs"]["values"]["terms"]["field"] == "health_band"


def test_search_api_accepts_the_health_sort_and_band(client, world, backend):
    client.force_login(world.member)
    ok = client.get("/api/v1/search", {"sort": "health", "health_band": "good"})
    assert ok.status_code == 200, ok.content
    bad = client.get("/api/v1/search", {"health_band": "excellent"})
    assert bad.status_code == 400 and "health_band" in bad.content.decode()


def test_search_page_offers_the_health_sort_and_facet(client, world, healthy):
    if healthy.name == "elasticsearch":
        pytest.skip("the page reads the configured backend, the database's own in tests")
    client.force_login(world.member)
    html = client.get("/search/", {"sort": "health", "health_band": "good"}).content.decode()
    assert '<option value="health" selected>Best health</option>' in html
    assert "Good health" in html and "Fair health" in html  # the band facet, its other values still offered
    hits = html.split('class="search-hits"')[1]
    assert "1 result" in html and ">Orders<" in hits and "Revenue" not in hits
