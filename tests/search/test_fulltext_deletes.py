"""SQLite's full-text tables follow the documents they index, whatever deletes them: `manage.py flush` (what tests
that commit run after each test) once left their rows behind, and a search's total counted documents that were
gone (five products published, seven results said)."""

from __future__ import annotations

import pytest
from django.db import connection

from catalog.models import DataProduct
from search import outbox
from search.base import SearchQuery
from search.indexing import on_commit_index_products
from search.outbox import caught_up_backend
from tests.factories import ProductFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 tables only"),
]
FULLTEXT = ("search_fts_name", "search_fts_short", "search_fts_full")


def _publish(world, names: list[str]) -> None:
    products = [ProductFactory(domain=world.domain, name=name, slug=name.lower().replace(" ", "-")) for name in names]
    on_commit_index_products([p.pk for p in products])
    outbox.drain()


def _rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 -- a constant of this test
        return cursor.fetchone()[0]


def test_documents_deleted_behind_the_index_take_their_full_text_rows_with_them(world):
    _publish(world, ["Sample One", "Sample Two", "Sample Three"])
    assert [_rows(t) for t in FULLTEXT] == [3, 3, 3]
    assert _rows("search_fts_terms") > 0

    with connection.cursor() as cursor:  # as flush deletes: the whole table, not through the index code
        cursor.execute("DELETE FROM search_text")
        cursor.execute("DELETE FROM search_document")
        cursor.execute("DELETE FROM search_term")

    assert [_rows(t) for t in FULLTEXT] == [0, 0, 0]
    assert _rows("search_fts_terms") == 0
    _publish(world, ["Sample Four", "Sample Five"])
    results = caught_up_backend().search(SearchQuery(text="sample"))
    assert results.total == 2
    assert sorted(hit.title for hit in results.hits) == ["Sample Five", "Sample Four"]


def test_a_product_removed_from_the_index_leaves_no_full_text_row(world):
    _publish(world, ["Sample One", "Sample Two"])
    backend = caught_up_backend()

    assert backend.delete([f"product:{DataProduct.objects.get(slug='sample-one').pk}"]) == 1

    assert [_rows(t) for t in FULLTEXT] == [1, 1, 1]
    assert backend.search(SearchQuery(text="sample")).total == 1
