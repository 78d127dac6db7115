"""Celery tasks of notices: tell consumers of new versions and deprecations, the daily timeline and digest,
saved-search alerts, and chat webhook deliveries (with retries). Each is safe to run twice."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from notices import deliveries, saved, services, timeline
from notices.models import DeliveryStatus


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@shared_task(acks_late=True)
def announce_versions(version_ids: list[int]) -> int:
    return services.versions_announce(version_ids=version_ids)


@shared_task(acks_late=True)
def announce_incidents(incident_ids: list[int]) -> int:
    return services.incidents_announce(incident_ids=incident_ids)


@shared_task(acks_late=True)
def announce_deprecations(deprecation_ids: list[int], today: str | None = None) -> int:
    return timeline.deprecations_announce(deprecation_ids=deprecation_ids, today=_day(today))


@shared_task(acks_late=True)
def deprecation_timeline(today: str | None = None) -> int:
    """Daily from beat; `today` (ISO date) lets a run stand for another day (tests, a missed day)."""
    return timeline.deprecations_tick(today=_day(today))


@shared_task(acks_late=True)
def send_digests() -> int:
    return services.digests_send()


@shared_task(acks_late=True)
def check_saved_searches() -> int:
    return saved.saved_searches_check()


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_chat(self, delivery_id: int) -> str:
    delivery = deliveries.chat_attempt(delivery_id=delivery_id)
    if delivery.status == DeliveryStatus.PENDING:
        if self.request.is_eager:
            return delivery.status  # in-process there is no one to wait for a retry
        raise self.retry(countdown=deliveries.backoff_seconds(delivery.attempts))
    return delivery.status
