"""Elasticsearch: the index definition and the queries, as elasticsearch.dsl objects (no server needed).

The ranking mirrors the embedded engine (ranking.py): a dis_max over constant-score tiers (exact name 1000,
name prefix 100, every word in the name 10, short fields 1, descriptions 0.1), multiplied by a function_score
computing the quality formula from the stored signals with the weights of settings.SEARCH_RANKING (so weights
apply without reindexing here), and by the lifecycle factor. Facets are aggregations, each filtered by every
selected facet but its own, with the selections themselves applied as a post_filter.
"""

from __future__ import annotations

from typing import Any

from elasticsearch.dsl import (
    A,
    Date,
    Document,
    Float,
    Index,
    Integer,
    Keyword,
    Object,
    Q,
    Search,
    Text,
    analyzer,
    normalizer,
    token_filter,
)
from elasticsearch.dsl.query import Query

from search.base import FACETS, IndexDocument, SearchQuery
from search.facets import MAX_VALUES
from search.ranking import SLO_SCORES as SLO
from search.ranking import (
    TIER_EXACT,
    TIER_LONG,
    TIER_NAME,
    TIER_PREFIX,
    TIER_SHORT,
    Weights,
    consumer_score,
    rating_score,
)
from search.synonyms import Clause
from search.text import name_norm

# Synonyms are expanded by the portal's provider before a query is sent; this filter is where an operator can
# add engine-side synonyms too (updateable: reloaded without reindexing, search analyzers only).
synonyms = token_filter("portal_synonyms", "synonym_graph", synonyms=[], updateable=True, lenient=True)
edge_ngram = token_filter("portal_edge_ngram", "edge_ngram", min_gram=1, max_gram=20)
text_analyzer = analyzer("portal_text", tokenizer="standard", filter=["lowercase", "asciifolding", "porter_stem"])
search_analyzer = analyzer(
    "portal_search", tokenizer="standard", filter=["lowercase", "asciifolding", synonyms, "porter_stem"]
)
prefix_analyzer = analyzer("portal_prefix", tokenizer="standard", filter=["lowercase", "asciifolding", edge_ngram])
prefix_search_analyzer = analyzer("portal_prefix_search", tokenizer="standard", filter=["lowercase", "asciifolding"])
spell_analyzer = analyzer("portal_spell", tokenizer="standard", filter=["lowercase", "asciifolding"])
lower = normalizer("portal_lower", filter=["lowercase", "asciifolding"])

SHORT_FIELDS = ["name^3", "tags.text^2", "ports^2", "fields^2", "context"]
LONG_FIELDS = [*SHORT_FIELDS, "summary", "description", "details"]


def _text(**kwargs: Any) -> Text:
    return Text(analyzer=text_analyzer, search_analyzer=search_analyzer, **kwargs)


class SearchEntry(Document):
    key = Keyword()
    doc_type = Keyword()
    object_id = Keyword()
    name = _text(
        copy_to="spell",
        fields={
            "exact": Keyword(normalizer=lower),
            "prefix": Text(analyzer=prefix_analyzer, search_analyzer=prefix_search_analyzer),
        },
    )
    name_norm = Keyword()  # " daily orders ": exact and prefix tiers, as in the embedded engine
    name_length = Integer()
    url = Keyword(index=False)
    summary = _text()
    description = _text()
    details = _text()
    tags = Keyword(fields={"text": _text()}, copy_to="spell")
    ports = _text(copy_to="spell")
    fields = _text(copy_to="spell")
    context = _text(copy_to="spell")
    spell = Text(analyzer=spell_analyzer)  # words for the "did you mean" term suggester
    # facets
    type = Keyword()
    domain = Keyword()
    kind = Keyword()
    status = Keyword()
    owner_team = Keyword()
    access_mode = Keyword()
    has_contract = Keyword()
    tag = Keyword()
    slo_health = Keyword()
    rating_band = Keyword()
    health_band = Keyword()
    # signals
    rating = Float()
    rating_count = Integer()
    consumers = Integer()
    rating_score = Float()
    consumer_score = Float()
    slo_score = Float()
    health = Float()  # product health 0-100; absent when unknown (sorted last)
    updated_at = Date()
    display = Object(enabled=False)


def index_definition(name: str) -> Index:
    index = Index(name)
    index.settings(number_of_shards=1, number_of_replicas=0, max_result_window=10_000)
    index.document(SearchEntry)
    return index


def source(doc: IndexDocument, weights: Weights) -> dict[str, Any]:
    """The document as Elasticsearch stores it."""
    body: dict[str, Any] = {
        "key": doc.key,
        "doc_type": doc.doc_type,
        "object_id": doc.object_id,
        "name": doc.name,
        "name_norm": name_norm(doc.name),
        "name_length": len(doc.name),
        "url": doc.url,
        "summary": doc.summary,
        "description": doc.description,
        "details": list(doc.details),
        "tags": list(doc.tags),
        "ports": list(doc.ports),
        "fields": list(doc.fields),
        "context": list(doc.context),
        "rating": doc.rating,
        "rating_count": doc.rating_count,
        "consumers": doc.consumers,
        "rating_score": rating_score(doc.rating, doc.rating_count),
        "consumer_score": consumer_score(doc.consumers, weights),
        "slo_score": SLO.get(doc.slo_health, 0.5),
        "health": doc.health,
        "updated_at": doc.updated_at.isoformat() if doc.updated_at else None,
        "display": doc.display,
    }
    for facet in FACETS:
        body[facet] = list(doc.facets.get(facet, ()))
    return body


def _clauses_query(clauses: list[Clause], fields: list[str], *, fuzzy: bool = False) -> Query:
    """Every clause must match; a clause matches if any of its alternatives has all its words."""
    extra = {"fuzziness": "AUTO", "prefix_length": 1} if fuzzy else {}
    must = []
    for clause in clauses:
        options = [
            Q("multi_match", query=" ".join(words), fields=fields, type="cross_fields", operator="and", **extra)
            if not fuzzy
            else Q("multi_match", query=" ".join(words), fields=fields, type="best_fields", operator="and", **extra)
            for words in clause.alternatives
        ]
        must.append(options[0] if len(options) == 1 else Q("bool", should=options, minimum_should_match=1))
    return Q("bool", must=must)


def relevance_query(terms: list[str], clauses: list[Clause], *, fuzzy: bool = False) -> Query:
    if not clauses:
        return Q("match_all")
    phrase = name_norm(" ".join(terms))
    tiers = [
        Q("constant_score", filter=Q("term", name_norm=phrase), boost=TIER_EXACT),
        Q("constant_score", filter=Q("prefix", name_norm=phrase), boost=TIER_PREFIX),
        Q("constant_score", filter=_clauses_query(clauses, ["name"]), boost=TIER_NAME),
        Q("constant_score", filter=_clauses_query(clauses, SHORT_FIELDS, fuzzy=fuzzy), boost=TIER_SHORT),
        Q("constant_score", filter=_clauses_query(clauses, LONG_FIELDS, fuzzy=fuzzy), boost=TIER_LONG),
    ]
    return Q("dis_max", queries=tiers, tie_breaker=0.0)


def quality(query: Query, weights: Weights) -> Query:
    """score x (1 + rating x (r - 0.5) + consumers x c + slo x (s - 0.5)) x lifecycle factor."""
    inner = Q(
        "function_score",
        query=query,
        functions=[
            {"weight": 1.0 - 0.5 * weights.rating - 0.5 * weights.slo},
            {"field_value_factor": {"field": "rating_score", "factor": weights.rating, "missing": 0.5}},
            {"field_value_factor": {"field": "consumer_score", "factor": weights.consumers, "missing": 0.0}},
            {"field_value_factor": {"field": "slo_score", "factor": weights.slo, "missing": 0.5}},
        ],
        score_mode="sum",
        boost_mode="multiply",
    )
    demotions = [
        {"filter": {"term": {"status": status}}, "weight": factor}
        for status, factor in sorted(weights.status.items())
        if factor != 1.0
    ]
    return Q("function_score", query=inner, functions=demotions, score_mode="multiply", boost_mode="multiply")


SORTS: dict[str, list[Any]] = {
    "relevance": ["_score", {"name_length": "asc"}, {"key": "asc"}],
    "rating": [{"rating": "desc"}, "_score", {"key": "asc"}],
    "consumers": [{"consumers": "desc"}, "_score", {"key": "asc"}],
    "health": [{"health": {"order": "desc", "missing": "_last"}}, "_score", {"key": "asc"}],
    "updated": [{"updated_at": {"order": "desc", "missing": "_last"}}, {"key": "asc"}],
}


def _filters(filters: dict[str, tuple[str, ...]], *, skip: str = "") -> list[Query]:
    return [Q("terms", **{facet: list(values)}) for facet, values in sorted(filters.items()) if facet != skip]


def search_body(
    query: SearchQuery, terms: list[str], clauses: list[Clause], weights: Weights, *, fuzzy: bool = False
) -> Search:
    filters = {f: v for f, v in query.filters.items() if v and f in FACETS}
    base = Q(
        "bool",
        must=[relevance_query(terms, clauses, fuzzy=fuzzy)],
        must_not=[] if query.shows_retired() else [Q("term", status="retired")],
    )
    search = Search().query(quality(base, weights)).sort(*SORTS.get(query.sort, SORTS["relevance"]))
    search = search.extra(track_total_hits=True, from_=query.offset, size=query.page_size)
    if filters:
        search = search.post_filter(Q("bool", filter=_filters(filters)))
    if query.with_facets:
        for facet in FACETS:
            others = _filters(filters, skip=facet)
            bucket = A("filter", filter=Q("bool", filter=others) if others else Q("match_all"))
            bucket.bucket("values", "terms", field=facet, size=MAX_VALUES)
            search.aggs.bucket(facet, bucket)
    search = search.highlight("description", "details", fragment_size=180, number_of_fragments=1)
    search = search.highlight_options(encoder="html", pre_tags=["<mark>"], post_tags=["</mark>"])
    if terms:
        search = search.suggest(
            "did_you_mean", " ".join(terms), term={"field": "spell", "suggest_mode": "popular", "min_word_length": 3}
        )
    return search.source(excludes=["spell"])


def suggest_body(terms: list[str], limit: int) -> Search:
    """Names with words starting with what was typed (edge n-grams), names that start with it first."""
    typed = " ".join(terms)
    phrase = name_norm(typed).rstrip()
    query = Q(
        "bool",
        must=[Q("match", **{"name.prefix": {"query": typed, "operator": "and"}})],
        should=[Q("constant_score", filter=Q("prefix", name_norm=phrase), boost=TIER_PREFIX)],
        must_not=[Q("term", status="retired")],
    )
    weights = Weights.from_settings()
    return (
        Search()
        .query(quality(query, weights))
        .sort(*SORTS["relevance"])
        .extra(size=limit)
        .source(["name", "url", "doc_type"])
    )
