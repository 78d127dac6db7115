"""Provisioning webhooks: the allow-list, signatures checked by a real local receiver, failures that never undo
a decision (tasks eager here; tests/access/test_worker.py runs them on a real worker)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from access import deliveries, services
from access.models import DeliveryStatus, Grant, WebhookDelivery
from access.webhooks import sign, verify
from core.actors import Actor
from core.errors import PermissionDenied, ValidationFailed
from tests.access.receiver import Receiver


@pytest.fixture
def allow_localhost(settings):
    settings.ACCESS_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1/32"]


def configure(world, url):
    return services.access_settings_update(
        actor=Actor(user=world.owner), domain=world.domain, provisioning_url=url, stewards_may_decide=False
    )


def test_signature_round_trip():
    body = b'{"a":1}'
    import time

    now = int(time.time())
    assert verify("s3cret", str(now), body, sign("s3cret", now, body))
    assert not verify("other", str(now), body, sign("s3cret", now, body))
    assert not verify("s3cret", str(now - 3600), body, sign("s3cret", now - 3600, body))  # stale


def test_endpoints_must_be_allowed(world, settings):
    settings.ACCESS_WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(ValidationFailed) as off:
        configure(world, "http://127.0.0.1:9/hook")
    assert off.value.errors[0].path == "/provisioning_url" and "disabled" in off.value.errors[0].message
    settings.ACCESS_WEBHOOK_ALLOWED_HOSTS = ["hooks.example.com", "10.1.0.0/16"]
    for url in ("http://127.0.0.1:9/hook", "http://169.254.169.254/latest", "ftp://10.1.2.3/x", "http://u:p@10.1.2.3/"):
        with pytest.raises(ValidationFailed):
            configure(world, url)
    assert configure(world, "https://10.1.2.3/provision").provisioning_url == "https://10.1.2.3/provision"
    with pytest.raises(PermissionDenied):
        services.access_settings_update(
            actor=Actor(user=world.steward), domain=world.domain, provisioning_url="", stewards_may_decide=True
        )


def test_grant_and_revoke_arrive_signed(world, shop, allow_localhost, django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        row = configure(world, receiver.url)
        receiver.secret = row.signing_secret
        oscar, olivia = Actor(user=world.outsider), Actor(user=world.owner)
        with django_capture_on_commit_callbacks(execute=True):
            req = services.access_request_create(actor=oscar, port=shop.port, purpose="x", duration_days=5)
            services.access_request_approve(actor=olivia, request_id=req.pk)
        grant = Grant.objects.get(request=req)
        with django_capture_on_commit_callbacks(execute=True):
            services.grant_revoke(actor=olivia, grant_id=grant.pk, reason="done")
    assert [(r["valid"], r["body"]["type"]) for r in receiver.received] == [
        (True, "grant.created"),
        (True, "grant.revoked"),
    ]
    created = receiver.received[0]["body"]
    assert created["grant"]["grantee"] == {"type": "user", "username": "oscar", "email": world.outsider.email}
    assert created["port"]["name"] == "orders_table" and created["product"]["urn"] == "urn:dataproduct:sales:orders"
    assert receiver.received[0]["event_id"] == created["id"]
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.DELIVERED, 1)}


def test_failing_or_redirecting_endpoint_never_undoes_the_decision(
    world, shop, allow_localhost, settings, django_capture_on_commit_callbacks
):
    settings.ACCESS_WEBHOOK_MAX_ATTEMPTS = 2
    with Receiver(statuses=[503, 302]) as receiver:
        receiver.secret = configure(world, receiver.url).signing_secret
        with django_capture_on_commit_callbacks(execute=True):
            req = services.access_request_create(
                actor=Actor(user=world.outsider), port=shop.open_port, purpose="x", duration_days=5
            )
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 503)
        assert delivery.next_attempt_at is not None and delivery.next_attempt_at > timezone.now()
        # The sweeper resends what is due (the embedded profile has no worker to wait for the countdown).
        assert deliveries.deliveries_due(now=delivery.next_attempt_at + timedelta(minutes=5)) == [delivery.pk]
        deliveries.webhook_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 2, 302)
    assert "Redirects are not followed" in delivery.last_error
    assert len(receiver.received) == 2  # the redirect target was never called
    assert Grant.objects.get(request=req).status == "active"


def test_a_target_no_longer_allowed_is_refused_at_delivery(world, shop, allow_localhost, settings):
    with Receiver() as receiver:
        configure(world, receiver.url)
        settings.ACCESS_WEBHOOK_ALLOWED_HOSTS = ["hooks.example.com"]  # the operator narrowed the list since
        services.access_request_create(
            actor=Actor(user=world.outsider), port=shop.open_port, purpose="x", duration_days=5
        )
        delivery = WebhookDelivery.objects.get()
        deliveries.webhook_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "not allowed" in delivery.last_error
    assert receiver.received == []
