"""Provisioning webhook deliveries: queued in the decision's transaction, attempted after commit by a Celery task,
retried with backoff, swept when a task was lost, and sent again by hand. A delivery never changes a decision.

The wire format (signature, headers, allow-list) lives in `access.webhooks`; this module keeps the rows.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from access import selectors
from access.models import DeliveryStatus, DomainAccessSettings, Grant, WebhookDelivery
from access.webhooks import post_signed
from core.actors import Actor
from core.dispatch import enqueue_on_commit
from core.errors import Conflict, NotFound, PermissionDenied

log = logging.getLogger(__name__)


def _payload(grant: Grant, event: str, event_id: str, extra: dict | None = None) -> dict:
    grantee: dict
    if grant.team is not None:
        grantee = {
            "type": "team",
            "slug": grant.team.slug,
            "members": sorted(grant.team.memberships.values_list("user__username", flat=True)),
        }
    elif grant.user is not None:
        grantee = {"type": "user", "username": grant.user.get_username(), "email": grant.user.email}
    else:  # the grant_one_grantee constraint rules it out
        raise ValueError(f"Grant {grant.pk} has no grantee.")
    port = grant.port
    return {
        "id": event_id,
        "type": event,
        "occurred_at": timezone.now().isoformat(),
        "grant": {
            "id": grant.pk,
            "status": grant.status,
            "starts_at": grant.starts_at.isoformat(),
            "expires_at": grant.expires_at.isoformat(),
            "request_id": grant.request_id,
            "grantee": grantee,
        },
        "product": {"urn": grant.product.urn, "identifier": grant.product.identifier, "name": grant.product.name},
        "port": {
            "id": port.pk,
            "name": port.name,
            "version": port.version,
            "type": port.port_type,
            "location": port.location,
        },
        **(extra or {}),
    }


def delivery_queue(grant: Grant, event: str, extra: dict | None = None) -> WebhookDelivery | None:
    """In the caller's transaction: the row commits with the decision; the task is sent after commit."""
    row = DomainAccessSettings.objects.filter(domain_id=grant.product.domain_id).first()
    if row is None or not row.provisioning_url:
        return None
    delivery = WebhookDelivery(
        domain_id=grant.product.domain_id, grant=grant, event=event, url=row.provisioning_url, payload={}
    )
    delivery.payload = _payload(grant, event, str(delivery.event_id), extra)
    delivery.next_attempt_at = timezone.now()
    delivery.save()
    enqueue_delivery(delivery.pk)
    return delivery


def enqueue_delivery(delivery_id: int) -> None:
    # With a broker the send is robust (a broker that is down must not turn a committed decision into an error;
    # the sweeper resends it); without one the attempt runs after the response.
    enqueue_on_commit("access.tasks.deliver_webhook", delivery_id)


def webhook_attempt(*, delivery_id: int) -> WebhookDelivery:
    """One delivery attempt, recorded on the row. Answers the row: `status` pending with `next_attempt_at` set
    means the caller should try again then; delivered or failed is final."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("domain__access_settings")
            .get(pk=delivery_id)
        )
        if delivery.status != DeliveryStatus.PENDING:
            return delivery  # a redelivered task: nothing to do
        delivery.attempts += 1
        delivery.save(update_fields=["attempts", "updated_at"])
    # The POST happens outside the transaction: a slow receiver must not hold a row lock or a connection busy.
    secret = delivery.domain.access_settings.signing_secret
    result = post_signed(
        url=delivery.url, secret=secret, event_id=str(delivery.event_id), event=delivery.event, payload=delivery.payload
    )
    now = timezone.now()
    delivery.last_status_code = result.status_code
    delivery.last_error = result.error[:500]
    if result.ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif not result.retryable or delivery.attempts >= settings.ACCESS_WEBHOOK_MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(delivery.attempts))
    delivery.save(
        update_fields=[
            "status",
            "last_status_code",
            "last_error",
            "delivered_at",
            "next_attempt_at",
            "updated_at",
        ]
    )
    log.info(
        "webhook %s %s to domain %s: attempt %d -> %s %s",
        delivery.event,
        delivery.event_id,
        delivery.domain_id,
        delivery.attempts,
        delivery.status,
        result.status_code or result.error[:80],
    )
    return delivery


def backoff_seconds(attempts: int) -> int:
    """Exponential: base, 2 x base, 4 x base... capped at ACCESS_WEBHOOK_BACKOFF_MAX_SECONDS."""
    base = settings.ACCESS_WEBHOOK_BACKOFF_SECONDS
    return int(min(base * 2 ** max(attempts - 1, 0), settings.ACCESS_WEBHOOK_BACKOFF_MAX_SECONDS))


def webhook_redeliver(*, actor: Actor, delivery_id: int) -> WebhookDelivery:
    """A domain owner (or staff, operating the platform) sends a delivery again, after the endpoint is fixed:
    a failed one, or a pending one whose retry is overdue (its task was lost, or no worker runs retries, as in the
    embedded profile); attempts start over. Who may not see the domain's delivery log is told it does not exist."""
    user = actor.user
    if user is None:  # a pipeline token is nobody in person
        raise PermissionDenied("Sign in as a person to send webhooks again.")
    with transaction.atomic():
        try:
            delivery = (
                WebhookDelivery.objects.select_for_update(of=("self",)).select_related("domain").get(pk=delivery_id)
            )
        except WebhookDelivery.DoesNotExist:
            delivery = None
        if delivery is None or not selectors.can_operate_webhooks(user, delivery.domain):
            raise NotFound(f"Delivery {delivery_id} does not exist.")
        if not delivery.can_send_again:
            raise Conflict("Only failed deliveries, and pending ones past their next attempt, are sent again.")
        current = DomainAccessSettings.objects.filter(domain=delivery.domain).first()
        if current is None or not current.provisioning_url:
            # Sending to the endpoint the owners removed would go where they no longer want anything sent.
            raise Conflict("The domain has no provisioning endpoint now; set one before sending again.")
        delivery.url = current.provisioning_url
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["url", "status", "attempts", "next_attempt_at", "updated_at"])
        enqueue_delivery(delivery.pk)
    return delivery


def deliveries_due(*, now=None, limit: int = 200) -> list[int]:
    """Pending deliveries whose next attempt is past (a lost task, a broker that was down, the embedded profile)."""
    now = now or timezone.now()
    grace = now - timedelta(seconds=settings.ACCESS_WEBHOOK_SWEEP_GRACE_SECONDS)
    return list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=grace)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
