"""Search: one interface (`SearchBackend`), an embedded backend per database, and Elasticsearch.

Callers use only what is here:
- `get_backend()` for the configured backend, then `.search(SearchQuery(...))` and `.suggest(prefix)`;
- `on_commit_index_products(ids)` (and the domain, team and removal variants) from services after a write,
  so the index follows the database once the transaction has committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction

from catalog.search.base import (
    FACETS,
    SORTS,
    FacetValue,
    IndexDocument,
    SearchBackend,
    SearchHit,
    SearchQuery,
    SearchResults,
    Suggestion,
)

__all__ = [
    "FACETS",
    "SORTS",
    "FacetValue",
    "IndexDocument",
    "SearchBackend",
    "SearchHit",
    "SearchQuery",
    "SearchResults",
    "Suggestion",
    "backend_name",
    "get_backend",
    "on_commit_index_domains",
    "on_commit_index_products",
    "on_commit_index_teams",
    "on_commit_remove",
]


def backend_name() -> str:
    """'elasticsearch' when configured, else the embedded engine of the database: 'sqlite' or 'postgresql'."""
    configured = getattr(settings, "SEARCH_BACKEND", "embedded")
    if configured == "elasticsearch":
        return "elasticsearch"
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


@lru_cache(maxsize=4)
def _backend(name: str, url: str) -> SearchBackend:
    if name == "elasticsearch":
        from catalog.search.elastic import ElasticBackend

        return ElasticBackend(url)
    if name == "postgresql":
        from catalog.search.postgres import PostgresBackend

        return PostgresBackend()
    from catalog.search.sqlite import SqliteBackend

    return SqliteBackend()


def get_backend() -> SearchBackend:
    return _backend(backend_name(), getattr(settings, "ELASTICSEARCH_URL", ""))


def _on_commit(task_name: str, items: Iterable) -> None:
    items = sorted(set(items))
    if not items:
        return

    def send() -> None:
        from catalog.search import tasks

        getattr(tasks, task_name).delay(items)

    # robust: the write has committed; if indexing fails (eagerly, in-process) it is logged, not raised into
    # the request that made the write. `manage.py search_reindex` repairs what was missed.
    transaction.on_commit(send, robust=True)


def on_commit_index_products(ids: Iterable[int]) -> None:
    """Re-index these products once the current transaction commits (at once outside one)."""
    _on_commit("index_products", ids)


def on_commit_index_domains(ids: Iterable[int]) -> None:
    """Re-index these domains and the products that show their name."""
    _on_commit("index_domains", ids)


def on_commit_index_teams(ids: Iterable[int]) -> None:
    """Re-index these teams and the products that show their name."""
    _on_commit("index_teams", ids)


def on_commit_remove(keys: Iterable[str]) -> None:
    """Remove documents by key ('product:42') once the transaction commits: for deletions, where the row and
    its id are gone by then."""
    _on_commit("remove_documents", keys)
