"""Chat webhook deliveries: one attempt at a time, recorded on the row (the delivery log), retried by the task.

The wire format is the provisioning webhook's (`access.webhooks`): the same signature headers and allow-list
(`ACCESS_WEBHOOK_ALLOWED_HOSTS`), signed with the chat webhook's own secret.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from access.webhooks import post_signed
from notices.models import ChatDelivery, DeliveryStatus


def chat_attempt(*, delivery_id: int) -> ChatDelivery:
    """One POST. Answers the row: still pending means try again (the task retries with backoff)."""
    with transaction.atomic():
        delivery = ChatDelivery.objects.select_for_update(of=("self",)).select_related("webhook").get(pk=delivery_id)
        if delivery.status != DeliveryStatus.PENDING:
            return delivery
        delivery.attempts += 1
        delivery.save(update_fields=["attempts", "updated_at"])
    hook = delivery.webhook
    result = post_signed(
        url=hook.url,
        secret=hook.signing_secret,
        event_id=str(delivery.event_id),
        event=f"notice.{delivery.kind}",
        payload=delivery.payload,
    )
    delivery.last_status_code = result.status_code
    delivery.last_error = result.error[:500]
    if result.ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = timezone.now()
    elif not result.retryable or delivery.attempts >= settings.ACCESS_WEBHOOK_MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
    delivery.save(update_fields=["status", "last_status_code", "last_error", "delivered_at", "updated_at"])
    return delivery


def backoff_seconds(attempts: int) -> int:
    base = settings.ACCESS_WEBHOOK_BACKOFF_SECONDS
    return int(min(base * 2 ** max(attempts - 1, 0), settings.ACCESS_WEBHOOK_BACKOFF_MAX_SECONDS))
