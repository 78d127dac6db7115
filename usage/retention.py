"""How long raw usage records are kept, and the daily prune. The pages read the monthly and daily rollups, which
the prune leaves alone, so show-back reaches back further than the raw records."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.checks import Error, register
from django.db import transaction
from django.utils import timezone

from usage.models import UsageRecord

# Active consumers (30 days) and the retirement policy (90 days) read raw records.
MINIMUM_RETENTION_DAYS = 91
DEFAULT_RETENTION_DAYS = 400
BATCH = 5000


def retention_days() -> int:
    return int(getattr(settings, "PORTAL_USAGE_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


@register()
def check_retention(app_configs=None, **kwargs) -> list[Error]:
    days = retention_days()
    if days < MINIMUM_RETENTION_DAYS:
        return [
            Error(
                f"PORTAL_USAGE_RETENTION_DAYS is {days}; the 90-day retirement check needs raw usage records of at "
                f"least {MINIMUM_RETENTION_DAYS} days.",
                id="usage.E001",
            )
        ]
    return []


def usage_prune(*, today: date | None = None) -> int:
    """Delete raw usage records older than the retention, in batches (short transactions); answers how many."""
    today = today or timezone.now().date()
    cutoff = today - timedelta(days=max(retention_days(), MINIMUM_RETENTION_DAYS))
    deleted = 0
    while True:
        with transaction.atomic():
            batch = list(UsageRecord.objects.filter(day__lt=cutoff).values_list("pk", flat=True)[:BATCH])
            if not batch:
                return deleted
            deleted += UsageRecord.objects.filter(pk__in=batch).delete()[0]
