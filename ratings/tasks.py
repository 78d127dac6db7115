"""Celery tasks of ratings: they take ids and call services."""

from __future__ import annotations

from celery import shared_task

from catalog.models import Domain
from ratings.services import weekly_digest_send


@shared_task
def send_weekly_rating_digests() -> int:
    """Beat, weekly: one task per domain, so that one failing domain does not stop the others."""
    ids = list(Domain.objects.order_by("pk").values_list("pk", flat=True))
    for domain_id in ids:
        send_weekly_rating_digest.delay(domain_id)
    return len(ids)


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_weekly_rating_digest(self, domain_id: int) -> int:
    domain = Domain.objects.filter(pk=domain_id).first()
    if domain is None:
        return 0
    return weekly_digest_send(domain=domain)
