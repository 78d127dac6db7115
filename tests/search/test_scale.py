"""What keeps the embedded engine fast on a large catalog, checked for the answers it gives: bounded counts on
PostgreSQL (exact up to SEARCH_EXACT_COUNT, estimated and flagged above), the narrow search_words table kept in
step with the index, suggestions answered from the top of the static-rank index, and prefixes that are English
stop words. Speed itself is measured by bench/search.py, not here."""

from __future__ import annotations

import pytest
from django.db import connection

from search import embedded, postgres
from search.base import SearchQuery
from search.embedded import EmbeddedBackend
from search.models import SearchDocument, SearchWords
from search.synonyms import expand
from search.text import parse_terms

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL engine only")


def test_a_prefix_that_is_a_stop_word_still_completes_names(backend):
    # "or" is an English stop word; as the start of "orders" it must not vanish and match every name.
    texts = [s.text for s in backend.suggest("or")]
    assert texts[0] in {"Orders", "Order Lines"}
    assert all("or" in text.lower() for text in texts)
    assert "Old Orders Archive" not in texts


def test_exact_totals_below_the_bound(backend, settings):
    settings.SEARCH_EXACT_COUNT = 1000
    results = backend.search(SearchQuery(text=""))
    assert results.total == 32 and not results.total_approximate


def test_above_the_bound_the_total_is_an_estimate_and_the_ranking_unchanged(backend, settings):
    settings.SEARCH_EXACT_COUNT = 1000
    exact = backend.search(SearchQuery(text="", page_size=10))
    settings.SEARCH_EXACT_COUNT = 5
    settings.SEARCH_FACET_SAMPLE = 4  # at most the bound, as the defaults are (1,000 and 2,000)
    bounded = backend.search(SearchQuery(text="", page_size=10))
    assert [h.key for h in bounded.hits] == [h.key for h in exact.hits]
    if backend.name == "postgresql":
        assert bounded.total_approximate and bounded.facets_approximate
        assert 5 < bounded.total <= 3 * exact.total
        assert bounded.pages >= 1
    else:  # SQLite counts every match: FTS5 answers counts from its index alone
        assert bounded.total == exact.total and not bounded.total_approximate


@on_postgres
def test_search_words_follow_index_and_delete(backend, mesh):
    assert SearchWords.objects.count() == SearchDocument.objects.count() > 30
    key = f"product:{mesh.products['orders'].pk}"
    doc = SearchDocument.objects.get(doc_type="product", object_id=str(mesh.products["orders"].pk))
    words = SearchWords.objects.get(document=doc)
    assert words.doc_type == "product" and words.status == doc.status and words.domain == doc.domain
    backend.delete([key])
    assert not SearchWords.objects.filter(document_id=doc.pk).exists()
    assert "Orders" not in [h.title for h in backend.search(SearchQuery(text="orders")).hits]
    backend.clear()
    assert SearchWords.objects.count() == 0


@on_postgres
def test_suggestions_are_the_same_whether_the_short_walk_finds_them_or_not(backend, monkeypatch):
    prefixes = ["ord", "or", "cu", "re", "sample", "pay", "customer li", "regi"]
    walked = {p: [s.text for s in backend.suggest(p)] for p in prefixes}
    monkeypatch.setattr(postgres, "FIRST_WALK", 0)  # never enough: always count and rank the whole set
    counted = {p: [s.text for s in backend.suggest(p)] for p in prefixes}
    monkeypatch.setattr(postgres, "FIRST_WALK", 100_000)  # always enough when there are `limit` matches
    walked_all = {p: [s.text for s in backend.suggest(p)] for p in prefixes}
    assert walked == counted == walked_all
    assert walked["sample"][:2] == ["Sample Dataset 01", "Sample Dataset 02"]


@on_postgres
def test_search_tables_are_kept_out_of_parallel_plans():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname IN ('search_document', 'search_text', "
            "'search_words') ORDER BY relname"
        )
        rows = cursor.fetchall()
    assert [(name, options) for name, options in rows] == [
        ("search_document", ["parallel_workers=0"]),
        ("search_text", ["parallel_workers=0"]),
        ("search_words", ["parallel_workers=0"]),
    ]


def _clauses(text: str):
    return expand(parse_terms(text)) if text else []


@on_postgres
def test_values_most_documents_have_are_filtered_on_columns_and_rare_ones_in_the_index(backend, monkeypatch, settings):
    settings.SEARCH_COLUMN_FILTER_SHARE = postgres.COLUMN_FILTER_SHARE
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_words")
    monkeypatch.setattr(embedded, "_kept", {})
    shares = postgres.token_shares("short_tsv")
    assert shares[postgres.filter_token("type", "product")] > postgres.COLUMN_FILTER_SHARE
    assert shares.get(postgres.filter_token("domain", "finance"), 0.0) < postgres.COLUMN_FILTER_SHARE
    filters: dict[str, tuple[str, ...]] = {"type": ("product",), "domain": ("finance",)}
    match = backend.match("short", _clauses("orders"), filters, show_retired=False)
    assert "doc_type = ANY(%s)" in match.condition and ["product"] in match.params
    assert postgres.filter_token("domain", "finance") in match.params
    assert postgres.filter_token("type", "product") not in match.params
    in_index = backend.match("full", _clauses("orders"), filters, show_retired=False)
    assert "doc_type" not in in_index.condition  # search_text has no facet columns: descriptions use the index


@on_postgres
@pytest.mark.parametrize("share", [0, 2])  # every filter on the columns / none
def test_a_tag_past_the_stored_tag_list_is_still_found_on_the_columns(backend, mesh, settings, share):
    from catalog.models import Tag

    product = mesh.products["stores"]
    many = [f"area-{i:04d}-shopfloor" for i in range(120)]  # 20 characters each: past the 2,000 stored
    for name in many:
        product.tags.add(Tag.objects.get_or_create(name=name)[0])
    backend.reindex()
    doc = SearchDocument.objects.get(doc_type="product", object_id=str(product.pk))
    assert len(doc.tags) == postgres.TAGS_STORED and f"|{many[-1]}|" not in doc.tags
    settings.SEARCH_COLUMN_FILTER_SHARE = share
    for tag in (many[0], many[-1]):
        hits = backend.search(SearchQuery(text="", filters={"tag": (tag,)})).hits
        assert [h.title for h in hits] == ["Stores"], tag
    assert backend.search(SearchQuery(text="", filters={"tag": ("area-9999-shopfloor",)})).total == 0


@on_postgres
@pytest.mark.parametrize("bound", [1000, 5])
def test_one_pass_count_and_sample_equal_counting_and_sampling_apart(backend, settings, bound):
    settings.SEARCH_EXACT_COUNT = bound
    for text, filters in [("", {}), ("orders", {}), ("region", {"domain": ("logistics",)}), ("nothing-like-it", {})]:
        match = backend.match("short", _clauses(text), filters, show_retired=False)
        total, sample = backend.count_and_sample(match, 4, ("domain", "kind", "tag"))
        assert total == backend.count_match(match)
        # The oracle: the generic sample, the first matches joined with search_document.
        assert sample == EmbeddedBackend._sample(backend, match, total, 4, ("domain", "kind", "tag"))


@on_postgres
def test_more_than_reads_only_as_far_as_it_needs(backend):
    match = backend.match("full", _clauses("orders"), {}, show_retired=False)
    count = backend.count_match(match)
    assert count > 2
    assert [backend.more_than(match, n) for n in (0, count - 1, count, count + 5)] == [True, True, False, False]
