"""Queueing index work in a write's transaction: the keys go to the index outbox (search.outbox), which is
indexed in batches once the write has committed (by a worker, or after the response in the embedded profile)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from search import outbox


def _record(action: str, keys: Iterable[str]) -> None:
    keys = sorted(set(keys))
    if not keys:
        return
    # In the caller's transaction: the rows commit, or roll back, with the write they follow.
    outbox.record(action, keys)
    # robust: the write has committed and its rows are queued; if draining fails it is logged, not raised into
    # the request that made the write, and the rows stay for the next drain (or a search) to index.
    transaction.on_commit(outbox.after_commit, robust=True)


def on_commit_index_products(ids: Iterable[int]) -> None:
    """Queue these products for re-indexing. Apps announce a product change with
    `catalog.signals.announce_products_changed`, whose receiver calls this; call it directly only to re-index
    without telling the other apps (governance storing its own score, say)."""
    _record("index", (f"product:{i}" for i in ids))


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
