"""The broker unavailable: writes still succeed, their index work is kept, and the index catches up later.

The web process is pointed at a Redis port where nothing listens (the machine's own Redis is left alone). A
write commits its rows and its index outbox rows in one transaction; enqueueing the drain task after commit
fails, is logged, and is not raised into the request (search._record uses a robust on_commit). The kept
outbox rows are indexed by the next search (it drains first) or by the next drain a worker runs.
"""

from __future__ import annotations

import logging
import socket
import time

import pytest

from catalog.models import DataProduct
from config.celery import app as celery_app
from search.backends import get_backend
from search.base import SearchQuery
from search.models import IndexOutbox
from search.tasks import drain_outbox

pytestmark = pytest.mark.django_db(transaction=True)

PRODUCT = {
    "name": "Refunds Ledger",
    "summary": "Every refund booked.",
    "status": "published",
    "output_ports": [{"name": "refunds", "fields": [{"name": "refund_id", "type": "string"}]}],
}


def closed_port() -> int:
    """A loopback port nobody listens on: bound, then released."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reset_broker_pools() -> None:
    # The app keeps its broker connections and producers; drop them so the next publish uses the new URL. They
    # are dropped, not closed: kombu keeps pools in a registry keyed by broker URL and hands the same pool to the
    # next app that asks, so closing one here broke later tests in this process ("Acquire on closed pool").
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)  # a cached property holding the producer pool and queue table


@pytest.fixture
def broker_down(settings):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    # Read before the settings change: the app's configuration is a live view of Django's settings, so read
    # afterwards it would "restore" the outage for every later test in this process.
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # Only a broker would drain: the eager profile's "drain when due" must not hide the outage.
    settings.SEARCH_OUTBOX_MAX_AGE_SECONDS = 3600
    celery_app.conf.update(broker_url=url, task_always_eager=False)
    reset_broker_pools()
    yield url
    celery_app.conf.update(saved)
    reset_broker_pools()


def indexed(product: DataProduct) -> bool:
    hits = get_backend().search(SearchQuery(text="refunds ledger", with_facets=False)).hits
    return any(hit.key == f"product:{product.pk}" for hit in hits)


def test_writes_succeed_and_keep_their_index_work_while_the_broker_is_down(broker_down, team_client, caplog):
    began = time.monotonic()
    with caplog.at_level(logging.ERROR):
        response = team_client.put("/api/v1/products/sales/refunds", PRODUCT, format="json")
    took = time.monotonic() - began

    assert response.status_code == 201, response.content
    product = DataProduct.objects.get(domain__slug="sales", slug="refunds")
    assert product.output_ports.get().fields.count() == 1
    assert IndexOutbox.objects.filter(key=f"product:{product.pk}").exists()
    assert not indexed(product)
    # The failed enqueue is logged, not swallowed silently.
    assert any("on_commit" in record.getMessage() for record in caplog.records), caplog.text
    print(f"\nbroker down: PUT answered {response.status_code} in {took:.2f}s; outbox rows kept: 1")


def test_the_next_search_catches_the_index_up(broker_down, team_client):
    assert team_client.put("/api/v1/products/sales/refunds", PRODUCT, format="json").status_code == 201
    product = DataProduct.objects.get(slug="refunds")

    found = team_client.get("/api/v1/search", {"q": "refunds ledger"})

    assert found.status_code == 200
    assert [hit["url"] for hit in found.json()["hits"]][:1] == [product.get_absolute_url()]
    assert not IndexOutbox.objects.exists()
    assert indexed(product)


def test_a_worker_drain_catches_the_index_up_once_the_broker_is_back(broker_down, team_client, settings):
    assert team_client.put("/api/v1/products/sales/refunds", PRODUCT, format="json").status_code == 201
    product = DataProduct.objects.get(slug="refunds")
    assert not indexed(product)

    # The broker is back: the next drain task (here run in-process, as a worker would) indexes what was kept.
    # apply() has already run it; get() only reads the result, so it cannot block. Celery's "inside a task" flag
    # is process-wide and another test in this xdist process can leave it set, which makes a plain get() refuse.
    drained = drain_outbox.apply().get(disable_sync_subtasks=False)

    assert drained >= 1
    assert not IndexOutbox.objects.exists()
    assert indexed(product)
