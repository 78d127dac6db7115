"""Celery tasks of access: deliver one webhook (with retries), expire grants, remind holders, sweep deliveries.

Each is safe to run twice: deliveries are re-checked under a row lock, expiry and reminders re-check each grant.
"""

from __future__ import annotations

from celery import shared_task

from access import deliveries, services
from access.models import DeliveryStatus


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_webhook(self, delivery_id: int) -> str:
    """One attempt; on a retryable failure, retry with exponential backoff until ACCESS_WEBHOOK_MAX_ATTEMPTS
    (the count lives on the delivery row, so a redelivered task does not reset it)."""
    delivery = deliveries.webhook_attempt(delivery_id=delivery_id)
    if delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at is not None:
        if self.request.is_eager:
            # In-process (embedded profile, unit tests) there is no one to wait: the sweeper resends it later.
            return delivery.status
        raise self.retry(countdown=deliveries.backoff_seconds(delivery.attempts))
    return delivery.status


@shared_task(acks_late=True)
def expire_grants() -> int:
    return services.grants_expire()


@shared_task(acks_late=True)
def remind_expiring_grants() -> int:
    return services.grants_remind()


@shared_task(acks_late=True)
def sweep_webhook_deliveries() -> int:
    """Send again the pending deliveries whose task was lost (broker down at commit, worker killed)."""
    ids = deliveries.deliveries_due()
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    return len(ids)
