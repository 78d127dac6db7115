"""On a real Celery worker (Redis): the deprecation timeline (announcement, the 14- and 3-day reminders, the
sunset ending grants) and chat webhook retries. Marked `celery_worker`; see tests/worker_support.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from access.models import Grant, GrantStatus
from catalog.models import Deprecation
from catalog.services.deprecations import deprecation_set
from core.actors import Actor
from notices.models import ChatDelivery, DeliveryStatus, DeprecationNotice, Notice
from notices.services import chat_webhook_set
from notices.tasks import deprecation_timeline
from tests.access.receiver import Receiver
from tests.notices.conftest import orders_body, upsert

WORKER_ENV = {"ACCESS_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1/32", "ACCESS_WEBHOOK_BACKOFF_SECONDS": "1"}
CONSUMERS = {"gina", "oscar", "fiona", "ana", "fred"}


def _told(stage: str) -> set[str]:
    return set(Notice.objects.filter(key__endswith=f":{stage}").values_list("user__username", flat=True))


@pytest.mark.celery_worker
def test_the_deprecation_timeline_runs_on_the_worker(consumers, world, celery_worker, settings):
    settings.ACCESS_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1/32"]
    celery_worker.start(extra_env=WORKER_ENV)
    today = timezone.localdate()
    deprecation = deprecation_set(
        actor=Actor(user=world.owner),
        product=consumers.orders,
        port=consumers.orders.output_ports.get(name="orders_table"),
        sunset_on=today + dt.timedelta(days=30),
        reason="Moved to orders v2.",
    )  # autocommit: the announcement goes to the worker
    celery_worker.wait_for(lambda: _told("announced") == CONSUMERS, timeout=40, message="no announcement")
    for days_before, stage in ((14, "14d"), (3, "3d")):
        day = deprecation.sunset_on - dt.timedelta(days=days_before)
        deprecation_timeline.delay(day.isoformat())
        deprecation_timeline.delay(day.isoformat())  # twice: told once all the same
        celery_worker.wait_for(lambda stage=stage: _told(stage) == CONSUMERS, timeout=40, message=f"no {stage}")
    deprecation_timeline.delay(deprecation.sunset_on.isoformat())
    celery_worker.wait_for(
        lambda: Deprecation.objects.get(pk=deprecation.pk).retired_at is not None, timeout=40, message="no sunset"
    )
    assert _told("sunset") == CONSUMERS
    assert Grant.objects.get(user=consumers.gina).status == GrantStatus.REVOKED
    stages = DeprecationNotice.objects.filter(deprecation=deprecation)
    assert sorted(stages.values_list("stage", flat=True)) == ["14d", "3d", "announced", "sunset"]
    assert Notice.objects.filter(user=consumers.gina, kind="deprecation").count() == 4


@pytest.mark.celery_worker
def test_a_chat_delivery_is_retried_until_the_receiver_accepts(consumers, world, celery_worker, settings):
    settings.ACCESS_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1/32"]
    celery_worker.start(extra_env=WORKER_ENV)
    with Receiver(statuses=[500, 503]) as receiver:
        receiver.secret = chat_webhook_set(
            actor=Actor(user=world.owner), domain=world.domain, url=receiver.url
        ).signing_secret
        upsert(Actor(user=world.owner), "sales", "orders", orders_body(version="2.0.0", drop="note"))
        celery_worker.wait_for(
            lambda: ChatDelivery.objects.filter(status=DeliveryStatus.DELIVERED).exists(),
            timeout=60,
            message="the chat delivery did not succeed",
        )
    delivery = ChatDelivery.objects.get()
    assert delivery.attempts == 3
    assert [r["status"] for r in receiver.received] == [500, 503, 200]
    assert all(r["valid"] for r in receiver.received)
