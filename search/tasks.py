"""Keeping the index fresh.

Services queue keys in the index outbox inside their transaction (search.on_commit_*); `drain_outbox`
indexes what is pending, in batches. With a broker every committing write enqueues one `search.drain_outbox`;
in the embedded (eager) profile writes drain in-process once enough rows are pending or the oldest is old
enough, and searches drain first (see search.outbox). The id-taking tasks below index at once and stay
for callers that want that (repairs, scripts). Tasks retry when the search engine is unreachable
(Elasticsearch restarting); `manage.py search_reindex` repairs anything else.
"""

from __future__ import annotations

from celery import shared_task
from django.db import IntegrityError, OperationalError
from elastic_transport import TransportError

from search import outbox
from search.backends import get_backend
from search.documents import build, product_ids_for

# Retried: the engine unreachable, SQLite busy, or two writers indexing the same new document at once.
RETRY = {
    "autoretry_for": (ConnectionError, TimeoutError, TransportError, OperationalError, IntegrityError),
    "retry_backoff": True,
    "max_retries": 5,
}


def _index(doc_type: str, ids: list) -> int:
    docs, gone = build(doc_type, list(ids))
    backend = get_backend()
    written = backend.index(docs)
    if gone:
        backend.delete(gone)
    return written


@shared_task(name="search.index_products", **RETRY)
def index_products(ids: list[int]) -> int:
    return _index("product", ids)


@shared_task(name="search.index_domains", **RETRY)
def index_domains(ids: list[int]) -> int:
    # Product documents show their domain's name and its parents' slugs.
    written = _index("domain", ids)
    products = product_ids_for(domain_ids=ids)
    for start in range(0, len(products), 1000):
        written += _index("product", products[start : start + 1000])
    return written


@shared_task(name="search.index_teams", **RETRY)
def index_teams(ids: list[int]) -> int:
    written = _index("team", ids)
    products = product_ids_for(team_ids=ids)
    for start in range(0, len(products), 1000):
        written += _index("product", products[start : start + 1000])
    return written


@shared_task(name="search.remove_documents", **RETRY)
def remove_documents(keys: list[str]) -> int:
    return get_backend().delete(keys)


@shared_task(name="search.drain_outbox", **RETRY)
def drain_outbox(limit: int = outbox.DRAIN_LIMIT) -> int:
    """Index what the outbox holds (up to `limit` rows; a further task or search takes the rest)."""
    return outbox.drain(limit)
