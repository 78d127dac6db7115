"""A domain's chat webhook: Slack-compatible JSON, signed like the provisioning webhook, each delivery logged;
checked by a real local HTTP receiver that verifies every signature."""

from __future__ import annotations

import pytest

from core.actors import Actor
from core.errors import PermissionDenied, ValidationFailed
from notices.models import ChatDelivery, ChatWebhook, DeliveryStatus
from notices.services import chat_webhook_set
from tests.access.receiver import Receiver
from tests.notices.conftest import orders_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def allowed(settings):
    settings.ACCESS_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1/32"]


def test_a_breaking_change_is_posted_signed_to_the_domains_chat(consumers, world, publish, allowed):
    with Receiver() as receiver:
        hook = chat_webhook_set(actor=Actor(user=world.owner), domain=world.domain, url=receiver.url)
        receiver.secret = hook.signing_secret
        publish(orders_body(version="2.0.0", drop="note"))
    [call] = receiver.received
    assert call["valid"] and call["status"] == 200
    body = call["body"]
    assert body["text"].startswith("*Breaking change to Orders 2.0.0*")
    assert body["blocks"][0]["type"] == "section"
    assert body["portal"]["kind"] == "breaking_change" and body["portal"]["product"] == "sales/orders"
    delivery = ChatDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 1, 200)
    assert call["event_id"] == str(delivery.event_id)


def test_a_wrong_secret_fails_the_receivers_check_and_the_log_says_so(consumers, world, publish, allowed):
    with Receiver(secret="not-the-secret") as receiver:
        chat_webhook_set(actor=Actor(user=world.owner), domain=world.domain, url=receiver.url)
        publish(orders_body(version="2.0.0", drop="note"))
    assert [c["valid"] for c in receiver.received] == [False]
    delivery = ChatDelivery.objects.get()
    # In-process nobody waits for the retry (the worker test retries); the log keeps the refusal.
    assert (delivery.last_status_code, delivery.attempts, delivery.status) == (401, 1, DeliveryStatus.PENDING)


def test_only_kinds_chosen_are_posted(consumers, world, publish, allowed):
    with Receiver() as receiver:
        chat_webhook_set(actor=Actor(user=world.owner), domain=world.domain, url=receiver.url, kinds=["deprecation"])
        publish(orders_body(version="2.0.0", drop="note"))
    assert receiver.received == [] and not ChatDelivery.objects.exists()


def test_only_domain_owners_set_it_and_only_to_allowed_hosts(world, settings):
    settings.ACCESS_WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(PermissionDenied):
        chat_webhook_set(actor=Actor(user=world.member), domain=world.domain, url="http://127.0.0.1:9/x")
    with pytest.raises(ValidationFailed) as refused:
        chat_webhook_set(actor=Actor(user=world.owner), domain=world.domain, url="http://127.0.0.1:9/x")
    assert refused.value.errors[0].path == "/url"


def test_the_api_sets_it_and_shows_the_delivery_log_to_owners(consumers, world, publish, allowed, user_client):
    owner = user_client(world.owner)
    with Receiver() as receiver:
        response = owner.put("/api/v1/domains/sales/chat-webhook", {"url": receiver.url}, format="json")
        assert response.status_code == 200, response.content
        receiver.secret = response.json()["signing_secret"]
        publish(orders_body(version="2.0.0", drop="note"))
    log = owner.get("/api/v1/domains/sales/chat-webhook").json()["deliveries"]
    assert [(d["kind"], d["status"]) for d in log] == [("breaking_change", "delivered")]
    assert user_client(world.member).get("/api/v1/domains/sales/chat-webhook").status_code == 403


def test_a_body_of_the_wrong_shape_is_refused_and_leaves_the_webhook_as_it_was(world, allowed, user_client):
    # Read as an empty object, any of these bodies used to remove the webhook (an empty url removes it).
    owner = user_client(world.owner)
    hook = chat_webhook_set(actor=Actor(user=world.owner), domain=world.domain, url="http://127.0.0.1:9/x")
    for body, pointer in [
        (["http://127.0.0.1:9/y"], ""),
        ("http://127.0.0.1:9/y", ""),
        ({"url": 5}, "/url"),
        ({"url": "http://127.0.0.1:9/y", "kinds": "incident"}, "/kinds"),
        ({"url": "http://127.0.0.1:9/y", "kinds": ["incident", 7]}, "/kinds/1"),
    ]:
        refused = owner.put("/api/v1/domains/sales/chat-webhook", body, format="json")
        assert refused.status_code == 400, body
        assert refused["Content-Type"] == "application/problem+json"
        assert [e["pointer"] for e in refused.json()["errors"]] == [pointer], body
    stored = ChatWebhook.objects.get(domain=world.domain)
    assert (stored.url, stored.kinds, stored.signing_secret) == (hook.url, hook.kinds, hook.signing_secret)
    # The form a browser sends works too: kinds as a repeated field.
    form = "url=http%3A%2F%2F127.0.0.1%3A9%2Fz&kinds=incident&kinds=deprecation"
    done = owner.put("/api/v1/domains/sales/chat-webhook", form, content_type="application/x-www-form-urlencoded")
    assert done.status_code == 200, done.content
    assert done.json()["kinds"] == ["incident", "deprecation"]
