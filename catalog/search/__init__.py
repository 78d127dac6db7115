"""Search: one interface (`SearchBackend`), an embedded backend per database, and Elasticsearch.

Callers use only what is here:
- `get_backend()` for the configured backend, then `.search(SearchQuery(...))` and `.suggest(prefix)`;
- `on_commit_index_products(ids)` (and the domain, team and removal variants) from services in a write's
  transaction: they queue the keys in the index outbox (catalog.search.outbox), which is indexed in batches
  after commit; searches and suggestions drain it first, so they see every committed write.
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
from catalog.signals import products_changed
from catalog.tasks_dispatch import after_response as _after_response  # noqa: F401  (connects request signals)

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
    "on_commit_index",
    "on_commit_index_domains",
    "on_commit_index_products",
    "on_commit_index_teams",
    "on_commit_remove",
    "raw_backend",
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


class FreshBackend(SearchBackend):
    """The configured backend, with reads that see every committed write: `search` and `suggest` first drain
    what the index outbox holds (see catalog.search.outbox.catch_up); everything else is passed through."""

    def __init__(self, inner: SearchBackend) -> None:
        self.inner = inner
        self.name = inner.name

    def __getattr__(self, attr: str):
        return getattr(self.inner, attr)

    def index(self, docs):
        return self.inner.index(docs)

    def delete(self, keys):
        return self.inner.delete(keys)

    def search(self, query: SearchQuery) -> SearchResults:
        from catalog.search.outbox import catch_up

        catch_up()
        return self.inner.search(query)

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        from catalog.search.outbox import catch_up

        catch_up()
        return self.inner.suggest(prefix, limit)

    def reindex(self, progress_callback=None, **kwargs) -> int:
        return self.inner.reindex(progress_callback, **kwargs)

    def clear(self) -> None:
        self.inner.clear()

    def count(self) -> int:
        return self.inner.count()


@lru_cache(maxsize=4)
def _fresh(inner: SearchBackend) -> FreshBackend:
    return FreshBackend(inner)


def raw_backend() -> SearchBackend:
    """The configured backend without draining the outbox before reads (for the drain itself)."""
    return _backend(backend_name(), getattr(settings, "ELASTICSEARCH_URL", ""))


def get_backend() -> SearchBackend:
    return _fresh(raw_backend())


def _record(action: str, keys: Iterable[str]) -> None:
    from catalog.search import outbox

    keys = sorted(set(keys))
    if not keys:
        return
    # In the caller's transaction: the rows commit, or roll back, with the write they follow.
    outbox.record(action, keys)

    def after_commit() -> None:
        outbox.after_commit()

    # robust: the write has committed and its rows are queued; if draining fails it is logged, not raised into
    # the request that made the write, and the rows stay for the next drain (or a search) to index.
    transaction.on_commit(after_commit, robust=True)


def on_commit_index_products(ids: Iterable[int]) -> None:
    """Queue these products for re-indexing (in the current transaction); indexed by a later drain.

    Also announces `catalog.signals.products_changed` once the write commits, for the apps that derive
    something from products (governance findings, for one)."""
    ids = sorted(set(ids))
    _record("index", (f"product:{i}" for i in ids))
    if ids:
        transaction.on_commit(lambda: products_changed.send(sender=None, product_ids=ids), robust=True)


def on_commit_index_domains(ids: Iterable[int]) -> None:
    """Queue these domains, and the products that show their name, for re-indexing."""
    _record("index", (f"domain:{i}" for i in ids))


def on_commit_index_teams(ids: Iterable[int]) -> None:
    """Queue these teams, and the products that show their name, for re-indexing."""
    _record("index", (f"team:{i}" for i in ids))


def on_commit_index(doc_type: str, ids: Iterable) -> None:
    """Queue documents of a registered source (e.g. 'glossary_term') for re-indexing."""
    _record("index", (f"{doc_type}:{i}" for i in ids))


def on_commit_remove(keys: Iterable[str]) -> None:
    """Queue documents for removal by key ('product:42'): for deletions, where the row and its id are gone by
    the time a drain runs."""
    _record("remove", keys)
