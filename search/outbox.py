"""The index outbox: writes record what the index must catch up on, in their own transaction; drains index it.

`record()` runs inside the caller's transaction (an upsert of one row per key: cheap, and atomic with the write,
so a rolled-back write leaves nothing and a committed one is never lost, even if the process dies right after).
`drain()` claims pending rows, builds the documents for all of them in one batch, writes them to the backend and
deletes the rows, in one transaction (on SQLite the documents are built before that transaction, which then only
writes, so that other writers are not held up by the build; see _drain_built_before_locking). It is safe to run
twice or concurrently: documents are replaced by key, and a row is deleted only if no write touched it since it
was read (see IndexOutbox.token).

When drains run (search.on_commit_*):
- with a Celery broker, every committing write enqueues one `search.drain_outbox` task;
- in the embedded (eager) profile, a committing write drains only when SEARCH_OUTBOX_BATCH rows are pending or the
  oldest is SEARCH_OUTBOX_MAX_AGE_SECONDS old, so writes usually pay one small insert and one count; in a web
  request that check and the drain run after the response has been sent (core.dispatch.after_response),
  so no client waits for a batch of other writers' documents;
- a search or suggestion drains what is pending first (`catch_up`), so readers see every committed write.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone

from core.bulk import upsert
from core.dispatch import after_response, eager, send
from search.backends import get_backend
from search.base import SearchBackend
from search.documents import build, product_ids_for
from search.models import IndexOutbox
from search.registry import sources

log = logging.getLogger(__name__)

DRAIN_LIMIT = 5_000  # rows per drain: bounds the work (and the transaction) one drain, or one search, may do
BUILD_BATCH = 1_000  # ids per document build
_CHUNK = 900  # ids per IN (...) list


def batch_size() -> int:
    return int(getattr(settings, "SEARCH_OUTBOX_BATCH", 100))


def max_age() -> float:
    return float(getattr(settings, "SEARCH_OUTBOX_MAX_AGE_SECONDS", 2))


def record(action: str, keys: Iterable[str]) -> int:
    """Queue keys ('product:42') in the current transaction. A key already pending is coalesced into its row:
    the action is replaced and the row gets a new token (so a drain under way keeps it), its age is kept."""
    keys = sorted(set(keys))
    if not keys:
        return 0
    # Upsert, not INSERT … ON CONFLICT DO NOTHING: "nothing" would leave the old token, and a drain that read
    # the row before this write committed would then delete it without having indexed this write.
    upsert(
        IndexOutbox, [IndexOutbox(key=key, action=action) for key in keys], unique=["key"], update=["action", "token"]
    )
    return len(keys)


def pending() -> int:
    return IndexOutbox.objects.count()


def due() -> bool:
    """Eager profile: is it time to drain? Enough rows pending, or the oldest one old enough."""
    stats = IndexOutbox.objects.aggregate(n=Count("id"), oldest=Min("created_at"))
    if not stats["n"]:
        return False
    return stats["n"] >= batch_size() or stats["oldest"] <= timezone.now() - timedelta(seconds=max_age())


def _object_id(raw: str) -> Any:
    return int(raw) if raw.isdigit() else raw


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def drain(limit: int = DRAIN_LIMIT) -> int:
    """Index up to `limit` pending rows, oldest first; returns how many rows were drained. Anything beyond
    `limit` stays pending for the next drain."""
    if not connection.features.has_select_for_update_skip_locked:
        drained = _drain_built_before_locking(limit)
        if drained is not None:
            return drained
    return _drain_locked(limit)


def _claimed(rows, limit: int) -> list[tuple[str, str, Any]]:
    return list(rows.order_by("created_at", "id").values_list("key", "action", "token")[:limit])


def _documents(claimed: list[tuple[str, str, Any]]) -> tuple[list, set[str]]:
    """The documents the claimed rows ask for (per source, in batches) and the keys to remove."""
    to_index: dict[str, set] = defaultdict(set)
    to_remove: set[str] = set()
    known = sources()
    for key, action, _token in claimed:
        doc_type, _, raw_id = key.partition(":")
        if action == IndexOutbox.REMOVE or doc_type not in known:
            to_remove.add(key)
        else:
            to_index[doc_type].add(_object_id(raw_id))
    # Product documents show their domain's and team's names: a renamed domain or team re-indexes them.
    if to_index.get("domain") or to_index.get("team"):
        to_index["product"].update(
            product_ids_for(domain_ids=to_index.get("domain", ()), team_ids=to_index.get("team", ()))
        )
    batches = []
    for doc_type, ids in to_index.items():
        for batch in _chunks(sorted(ids, key=str), BUILD_BATCH):
            docs, gone = build(doc_type, batch)
            batches.append(docs)
            to_remove.update(gone)
    return batches, to_remove


def _apply(claimed: list[tuple[str, str, Any]], batches: list, to_remove: set[str]) -> None:
    backend = get_backend()
    for docs in batches:
        backend.index(docs)
    if to_remove:
        backend.delete(sorted(to_remove))
    tokens = [token for _key, _action, token in claimed]
    for chunk in _chunks(tokens, _CHUNK):
        IndexOutbox.objects.filter(token__in=chunk).delete()


def _drain_locked(limit: int) -> int:
    with transaction.atomic():
        rows = IndexOutbox.objects.all()
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: concurrent drains take disjoint rows.
            rows = rows.select_for_update(skip_locked=True)
        claimed = _claimed(rows, limit)
        if not claimed:
            return 0
        batches, to_remove = _documents(claimed)
        _apply(claimed, batches, to_remove)
    return len(claimed)


def _drain_built_before_locking(limit: int) -> int | None:
    """SQLite has one writer at a time and a transaction takes the write lock when it begins, so building the
    documents inside it would hold every other writer up for the whole build. Here the rows are read and the
    documents built first, outside any transaction; then, holding the lock only to write, the documents of the
    rows that did not change meanwhile are applied (same token: no write touched that key since, and no other
    drain took it). A row that changed stays pending, and its document is not written: one built from the older
    row never overwrites a newer one. If a domain or team row changed (its products' documents were built from
    it), None: the caller drains the locked way."""
    if connection.in_atomic_block:
        return None  # inside the caller's transaction the lock is held already
    claimed = _claimed(IndexOutbox.objects.all(), limit)
    if not claimed:
        return 0
    batches, to_remove = _documents(claimed)
    tokens = [token for _key, _action, token in claimed]
    with transaction.atomic():
        live: set = set()
        for chunk in _chunks(tokens, _CHUNK):
            live.update(IndexOutbox.objects.filter(token__in=chunk).values_list("token", flat=True))
        changed = {key for key, _action, token in claimed if token not in live}
        if changed:
            if any(key.partition(":")[0] in ("domain", "team") for key in changed):
                return None
            claimed = [row for row in claimed if row[2] in live]
            batches = [[doc for doc in docs if doc.key not in changed] for docs in batches]
            to_remove -= changed
        _apply(claimed, batches, to_remove)
    return len(claimed)


def catch_up() -> None:
    """Before a read: index what committed writes left pending, so that the read sees them. Bounded by
    DRAIN_LIMIT rows (one drain); if more are pending (a bulk load in progress), the rest is left for the next
    drain and this read may miss it. On PostgreSQL, rows another drain is indexing at this moment are skipped:
    they are visible as soon as that drain commits. A failure is logged, never raised into the read."""
    try:
        if not IndexOutbox.objects.exists():
            return
        drain(DRAIN_LIMIT)
    except Exception:
        log.exception("search: draining the index outbox before a read failed")


def caught_up_backend() -> SearchBackend:
    """The backend once `catch_up` has run: for the search page and API, so that a person who has just published
    a product finds it."""
    catch_up()
    return get_backend()


def drain_if_due() -> int:
    return drain(DRAIN_LIMIT) if due() else 0


_held = threading.local()


@contextmanager
def held() -> Iterator[None]:
    """Leave the rows the block's writes queue in the outbox instead of draining them after each commit: for a
    bulk job that rebuilds the whole index right after (`seed_demo`'s governance evaluation, which changes
    every product's document, is followed by search_reindex, which forgets what was pending when it began)."""
    depth = getattr(_held, "depth", 0)
    _held.depth = depth + 1
    try:
        yield
    finally:
        _held.depth = depth


def after_commit() -> None:
    """Run once a write with outbox rows has committed."""
    if getattr(_held, "depth", 0):
        return
    if not eager():
        send("search.drain_outbox")
        return
    # In a web request: once per request, after the response has been sent and after the tasks the request
    # handed on (their writes queue rows too), so no client waits for a batch of documents. A failure there is
    # logged by core.dispatch, like any job run after the response.
    if after_response("search.drain_outbox", drain_if_due, late=True):
        return
    drain_if_due()


def snapshot() -> list:
    """Tokens of the rows pending now: `manage.py search_reindex` forgets them once it has rebuilt the index."""
    return list(IndexOutbox.objects.values_list("token", flat=True))


def forget(tokens: list) -> int:
    deleted = 0
    for chunk in _chunks(tokens, _CHUNK):
        deleted += IndexOutbox.objects.filter(token__in=chunk).delete()[0]
    return deleted
