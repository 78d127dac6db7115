"""The Elasticsearch backend without a server: the mapping and the queries it sends (`.to_dict()`), the
alias swap of a reindex, and how answers become results. The live suite is test_contract.py, which also runs
on Elasticsearch when ELASTICSEARCH_URL is set, and test_elastic_live.py."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from elasticsearch import NotFoundError

from search import elastic
from search import elastic_query as eq
from search.base import SearchQuery
from search.hits import engine_fragment
from search.ranking import Weights
from search.synonyms import Clause, expand


def body(text="orders", **kwargs) -> dict:
    from search.text import parse_terms

    terms = parse_terms(text)
    return eq.search_body(SearchQuery(text=text, **kwargs), terms, expand(terms), Weights()).to_dict()


def test_mapping_has_prefix_exact_synonym_and_facet_fields():
    definition = eq.index_definition("meshportal-search-1").to_dict()
    analysis = definition["settings"]["analysis"]
    assert analysis["filter"]["portal_edge_ngram"] == {"type": "edge_ngram", "min_gram": 1, "max_gram": 20}
    assert analysis["filter"]["portal_synonyms"]["type"] == "synonym_graph"
    assert analysis["filter"]["portal_synonyms"]["updateable"] is True
    assert "portal_synonyms" in analysis["analyzer"]["portal_search"]["filter"]
    assert analysis["analyzer"]["portal_prefix"]["filter"][-1] == "portal_edge_ngram"
    props = definition["mappings"]["properties"]
    assert props["name"]["fields"]["exact"] == {"type": "keyword", "normalizer": "portal_lower"}
    assert props["name"]["fields"]["prefix"]["analyzer"] == "portal_prefix"
    assert props["name"]["search_analyzer"] == "portal_search"
    for facet in ("type", "domain", "kind", "status", "owner_team", "access_mode", "has_contract", "tag"):
        assert props[facet]["type"] == "keyword"
    assert props["display"] == {"type": "object", "enabled": False}
    assert props["updated_at"]["type"] == "date"


def test_query_ranks_by_tier_then_quality_and_demotes_by_status():
    query = body("orders")["query"]["function_score"]
    demotions = {f["filter"]["term"]["status"]: f["weight"] for f in query["functions"]}
    assert demotions == {"deprecated": 0.5, "draft": 0.9, "retired": 0.2}
    inner = query["query"]["function_score"]
    assert inner["score_mode"] == "sum" and inner["boost_mode"] == "multiply"
    assert {"weight": pytest.approx(0.7)} in inner["functions"]
    assert {"field_value_factor": {"field": "rating_score", "factor": 0.4, "missing": 0.5}} in inner["functions"]
    assert {"field_value_factor": {"field": "consumer_score", "factor": 0.3, "missing": 0.0}} in inner["functions"]
    boolean = inner["query"]["bool"]
    assert boolean["must_not"] == [{"term": {"status": "retired"}}]
    tiers = boolean["must"][0]["dis_max"]["queries"]
    assert [tier["constant_score"]["boost"] for tier in tiers] == [1000.0, 100.0, 10.0, 1.0, 0.1]
    assert tiers[0]["constant_score"]["filter"] == {"term": {"name_norm": " orders "}}
    assert tiers[1]["constant_score"]["filter"] == {"prefix": {"name_norm": " orders "}}
    short = tiers[3]["constant_score"]["filter"]["bool"]["must"][0]["multi_match"]
    assert short["fields"] == ["name^3", "tags.text^2", "ports^2", "fields^2", "context"]
    assert short["operator"] == "and" and short["query"] == "orders"


def test_retired_shown_when_filtered_for():
    inner = body("orders", filters={"status": ("retired",)})["query"]["function_score"]["query"]["function_score"]
    assert inner["query"]["bool"].get("must_not", []) == []


def test_filters_are_a_post_filter_and_each_facet_ignores_its_own():
    query = body("orders", filters={"domain": ("sales", "finance"), "kind": ("aggregate",)})
    assert query["post_filter"] == {
        "bool": {"filter": [{"terms": {"domain": ["sales", "finance"]}}, {"terms": {"kind": ["aggregate"]}}]}
    }
    aggs = query["aggs"]
    assert aggs["domain"]["filter"] == {"bool": {"filter": [{"terms": {"kind": ["aggregate"]}}]}}
    assert aggs["kind"]["filter"] == {"bool": {"filter": [{"terms": {"domain": ["sales", "finance"]}}]}}
    assert aggs["tag"]["aggs"]["values"] == {"terms": {"field": "tag", "size": 25}}
    assert query["track_total_hits"] is True


def test_sort_page_highlight_and_spelling():
    query = body("orders", sort="updated", page=3, page_size=10)
    assert query["sort"] == [{"updated_at": {"order": "desc", "missing": "_last"}}, {"key": "asc"}]
    assert query["from"] == 20 and query["size"] == 10
    assert query["highlight"]["encoder"] == "html" and query["highlight"]["pre_tags"] == ["<mark>"]
    assert set(query["highlight"]["fields"]) == {"description", "details"}
    assert query["suggest"]["did_you_mean"]["term"]["field"] == "spell"


def test_fuzzy_fallback_allows_edits():
    terms = ["shipmnts"]
    query = eq.search_body(SearchQuery(text="shipmnts"), terms, expand(terms), Weights(), fuzzy=True).to_dict()
    tiers = query["query"]["function_score"]["query"]["function_score"]["query"]["bool"]["must"][0]["dis_max"]
    short = tiers["queries"][3]["constant_score"]["filter"]["bool"]["must"][0]["multi_match"]
    assert short["fuzziness"] == "AUTO" and short["prefix_length"] == 1


def test_synonyms_become_alternatives():
    clauses = [Clause(("clv",), (("clv",), ("customer", "lifetime", "value")))]
    query = eq.relevance_query(["clv"], clauses).to_dict()
    should = query["dis_max"]["queries"][3]["constant_score"]["filter"]["bool"]["must"][0]["bool"]["should"]
    assert [s["multi_match"]["query"] for s in should] == ["clv", "customer lifetime value"]


def test_empty_query_matches_everything():
    inner = body("")["query"]["function_score"]["query"]["function_score"]["query"]
    assert inner["bool"]["must"] == [{"match_all": {}}]
    assert "suggest" not in body("")


def test_suggest_query_uses_edge_ngrams_and_hides_retired():
    query = eq.suggest_body(["customer", "lif"], 5).to_dict()
    boolean = query["query"]["function_score"]["query"]["function_score"]["query"]["bool"]
    assert boolean["must"] == [{"match": {"name.prefix": {"query": "customer lif", "operator": "and"}}}]
    assert boolean["must_not"] == [{"term": {"status": "retired"}}]
    assert boolean["should"][0]["constant_score"]["filter"] == {"prefix": {"name_norm": " customer lif"}}
    assert query["size"] == 5


def test_engine_highlights_are_rebuilt_safely():
    assert engine_fragment("a <mark>b</mark> &lt;i&gt;") == "a <mark>b</mark> &lt;i&gt;"
    assert engine_fragment("<script>x</script><mark>y") == "&lt;script&gt;x&lt;/script&gt;<mark>y</mark>"
    assert engine_fragment("</mark>z<mark><mark>w</mark>") == "z<mark>w</mark>"


class FakeIndices:
    def __init__(self):
        self.aliases: dict[str, set[str]] = {}
        self.created: list[str] = []
        self.deleted: list[str] = []
        self.alias_updates: list[list[dict]] = []

    def create(self, index, body=None, **kwargs):
        self.created.append(index)
        self.aliases[index] = set()

    def get_alias(self, name):
        found: dict[str, dict] = {index: {} for index, names in self.aliases.items() if name in names}
        if not found:
            # A stand-in for elastic_transport's ApiResponseMeta: the client reads only its status.
            raise NotFoundError("missing", SimpleNamespace(status=404), {})  # type: ignore[arg-type]
        return found

    def update_aliases(self, actions):
        self.alias_updates.append(actions)
        for action in actions:
            ((verb, spec),) = action.items()
            (self.aliases[spec["index"]].add if verb == "add" else self.aliases[spec["index"]].discard)(spec["alias"])

    def delete(self, index):
        self.deleted.append(index)
        self.aliases.pop(index, None)

    def refresh(self, index):
        pass


@pytest.fixture
def fake(monkeypatch):
    client = SimpleNamespace(indices=FakeIndices())
    sent: list[dict] = []

    def bulk(client_, actions, **kwargs):
        actions = list(actions)
        sent.extend(actions)
        return len(actions), []

    monkeypatch.setattr(elastic.helpers, "bulk", bulk)
    return client, sent


@pytest.mark.django_db
def test_reindex_builds_a_new_index_and_swaps_the_alias(fake, world):
    client, sent = fake
    backend = elastic.ElasticBackend("http://unused:9200", alias="portal", client=client)
    backend.reindex()
    first = client.indices.created[0]
    assert client.indices.aliases[first] == {"portal"}
    sent.clear()
    backend.reindex()
    second = client.indices.created[1]
    assert {a["_index"] for a in sent} == {second}  # documents went to the new index, not the live one
    assert client.indices.alias_updates[-1] == [
        {"remove": {"index": first, "alias": "portal"}},
        {"add": {"index": second, "alias": "portal"}},
    ]
    assert client.indices.deleted == [first]
    assert {a["_id"] for a in sent} >= {"domain:" + str(world.domain.pk), "team:" + str(world.team.pk)}


def test_answers_become_results(monkeypatch):
    response = {
        "hits": {
            "total": {"value": 1},
            "hits": [
                {
                    "_score": 12.5,
                    "_source": {
                        "doc_type": "product",
                        "object_id": "7",
                        "name": "Orders",
                        "url": "/products/sales/orders/",
                        "summary": "Every <b>order</b>.",
                        "description": "",
                        "details": [],
                        "rating": 0.0,
                        "consumers": 2,
                        "slo_health": ["unknown"],
                        "display": {"tags": ["orders"]},
                    },
                }
            ],
        },
        "aggregations": {"kind": {"doc_count": 1, "values": {"buckets": [{"key": "aggregate", "doc_count": 1}]}}},
    }
    client = SimpleNamespace(indices=FakeIndices(), search=lambda index, body: SimpleNamespace(body=response))
    client.indices.aliases["portal-1"] = {"portal"}
    backend = elastic.ElasticBackend("http://unused:9200", alias="portal", client=client)
    monkeypatch.setattr(elastic.facet_labels, "_names", lambda domains, teams: ({}, {}))
    results = backend.search(SearchQuery(text="orders"))
    hit = results.hits[0]
    assert results.total == 1 and hit.key == "product:7" and hit.title_html == "<mark>Orders</mark>"
    assert hit.summary_html == "Every &lt;b&gt;<mark>order</mark>&lt;/b&gt;."
    assert hit.matched == ["tag <mark>orders</mark>"]
    assert results.facets["kind"][0].label == "Aggregate" and results.facets["kind"][0].count == 1
