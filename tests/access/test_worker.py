"""On a real Celery worker (Redis): webhooks delivered signed and retried with backoff when the receiver fails,
and the expiry task ending grants. Marked `celery_worker`; see tests/worker_support.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from access import services
from access.models import DeliveryStatus, Grant, GrantStatus, WebhookDelivery
from access.tasks import expire_grants
from core.actors import Actor
from tests.access.receiver import Receiver

WORKER_ENV = {"ACCESS_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1/32", "ACCESS_WEBHOOK_BACKOFF_SECONDS": "1"}


@pytest.fixture
def webhook_world(world, shop, settings):
    settings.ACCESS_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1/32"]
    return world, shop


@pytest.mark.celery_worker
def test_webhook_is_retried_until_the_receiver_accepts(webhook_world, celery_worker):
    world, shop = webhook_world
    celery_worker.start(extra_env=WORKER_ENV)
    with Receiver(statuses=[500, 503]) as receiver:
        receiver.secret = services.access_settings_update(
            actor=Actor(user=world.owner), domain=world.domain, provisioning_url=receiver.url, stewards_may_decide=False
        ).signing_secret
        req = services.access_request_create(
            actor=Actor(user=world.outsider), port=shop.port, purpose="x", duration_days=5
        )
        services.access_request_approve(actor=Actor(user=world.owner), request_id=req.pk)  # commits: autocommit
        celery_worker.wait_for(
            lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).exists(),
            timeout=40,
            message="the delivery did not succeed",
        )
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.last_status_code) == (3, 200)
    assert [r["status"] for r in receiver.received] == [500, 503, 200]
    assert all(r["valid"] for r in receiver.received)
    assert {r["event_id"] for r in receiver.received} == {str(delivery.event_id)}  # one event, three attempts
    assert Grant.objects.get(request=req).status == GrantStatus.ACTIVE


@pytest.mark.celery_worker
def test_expiry_task_on_the_worker(webhook_world, celery_worker):
    world, shop = webhook_world
    celery_worker.start(extra_env=WORKER_ENV)
    with Receiver() as receiver:
        receiver.secret = services.access_settings_update(
            actor=Actor(user=world.owner), domain=world.domain, provisioning_url=receiver.url, stewards_may_decide=False
        ).signing_secret
        req = services.access_request_create(
            actor=Actor(user=world.outsider), port=shop.open_port, purpose="x", duration_days=1
        )
        grant = Grant.objects.get(request=req)
        past = timezone.now() - timedelta(days=1)
        Grant.objects.filter(pk=grant.pk).update(starts_at=past, expires_at=past + timedelta(hours=23))
        expire_grants.delay()
        celery_worker.wait_for(
            lambda: WebhookDelivery.objects.filter(event="grant.expired", status=DeliveryStatus.DELIVERED).exists(),
            timeout=40,
            message="the grant did not expire with a delivered webhook",
        )
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.EXPIRED
    assert [r["body"]["type"] for r in receiver.received] == ["grant.created", "grant.expired"]
