"""The provisioning webhook receiver down (connection refused), then up: the delivery is retried with backoff,
every attempt is in the delivery log, and it is delivered once the receiver listens again. On a real worker
(tests/worker_support.py); the receiver is tests/access/receiver.py. The approval itself never waits for it."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from access import services
from access.models import DeliveryStatus, Grant, GrantStatus, WebhookDelivery
from core.actors import Actor
from tests.access.receiver import Receiver

WORKER_ENV = {"ACCESS_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1/32", "ACCESS_WEBHOOK_BACKOFF_SECONDS": "1"}


def bring_up(receiver: Receiver) -> None:
    """Listen again on the receiver's old port (it was closed: connections were refused meanwhile)."""
    port = urlsplit(receiver.url).port or 0
    receiver.server = ThreadingHTTPServer(("127.0.0.1", port), receiver.server.RequestHandlerClass)
    receiver.thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    receiver.thread.start()


@pytest.mark.celery_worker
def test_webhook_is_retried_while_the_receiver_is_down_and_delivered_when_it_is_back(
    world,
    shop,
    celery_worker,
    settings,
):
    settings.ACCESS_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1/32"]
    celery_worker.start(extra_env=WORKER_ENV)
    receiver = Receiver()
    receiver.server.server_close()  # down: nothing listens on its port
    receiver.secret = services.access_settings_update(
        actor=Actor(user=world.owner), domain=world.domain, provisioning_url=receiver.url, stewards_may_decide=False
    ).signing_secret
    req = services.access_request_create(actor=Actor(user=world.outsider), port=shop.port, purpose="x", duration_days=5)
    services.access_request_approve(actor=Actor(user=world.owner), request_id=req.pk)
    assert Grant.objects.get(request=req).status == GrantStatus.ACTIVE  # the decision does not wait for delivery

    celery_worker.wait_for(
        lambda: WebhookDelivery.objects.filter(attempts__gte=2).exists(),
        timeout=40,
        message="the delivery was not retried while the receiver was down",
    )
    failed = WebhookDelivery.objects.get()
    assert failed.status != DeliveryStatus.DELIVERED
    assert failed.last_error  # the log says why: the connection was refused
    assert failed.last_status_code is None

    bring_up(receiver)
    try:
        celery_worker.wait_for(
            lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).exists(),
            timeout=40,
            message="the delivery did not succeed once the receiver was back",
        )
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts >= 3
    assert delivery.last_status_code == 200
    assert [r["status"] for r in receiver.received] == [200]  # one delivery, after the failed attempts
    assert receiver.received[0]["valid"]
    print(
        f"\nwebhook receiver down: {delivery.attempts - 1} failed attempts logged ({failed.last_error[:60]!r}), "
        f"delivered on attempt {delivery.attempts}"
    )
