"""How long raw SLI measurements are kept, and the daily prune.

Evaluation reads raw measurements only from today (or from the earliest day a late measurement touched) and keeps
the past as daily rollups (SloDay), so raw rows are needed for at most the 30-day window plus the day it starts
on. Older ones are deleted, except each objective's latest older measurement: it is the value that still stands
at the cutoff (a freshness objective measured 40 days ago is breached, not without data).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.checks import Error, register
from django.db import transaction
from django.utils import timezone

from slo.models import Measurement, ServiceLevelObjective

# The 30-day window starts at midnight UTC 30 days before today: up to 31 days back, and a day of slack.
MINIMUM_RETENTION_DAYS = 32
DEFAULT_RETENTION_DAYS = 45
BATCH = 5000


def retention_days() -> int:
    return int(getattr(settings, "PORTAL_SLO_MEASUREMENT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


@register()
def check_retention(app_configs=None, **kwargs) -> list[Error]:
    days = retention_days()
    if days < MINIMUM_RETENTION_DAYS:
        return [
            Error(
                f"PORTAL_SLO_MEASUREMENT_RETENTION_DAYS is {days}; compliance over 30 days needs raw measurements of "
                f"at least {MINIMUM_RETENTION_DAYS} days.",
                id="slo.E001",
            )
        ]
    return []


def measurements_prune(*, now: datetime | None = None) -> int:
    """Delete raw measurements older than the retention, keeping each objective's latest older one; answers how
    many were deleted. One objective at a time, in batches, so the lock on a busy objective is short."""
    cutoff = (now or timezone.now()) - timedelta(days=max(retention_days(), MINIMUM_RETENTION_DAYS))
    deleted = 0
    old = Measurement.objects.filter(measured_at__lt=cutoff)
    for slo_id in (
        ServiceLevelObjective.objects.filter(measurements__measured_at__lt=cutoff)
        .distinct()
        .values_list("pk", flat=True)
    ):
        keep = old.filter(slo_id=slo_id).order_by("-measured_at", "-pk").values_list("pk", flat=True).first()
        if keep is None:  # pruned meanwhile by another run: nothing old is left for this objective
            continue
        while True:
            with transaction.atomic():
                batch = list(
                    old.filter(slo_id=slo_id)
                    .exclude(pk=keep)
                    .order_by("measured_at")
                    .values_list("pk", flat=True)[:BATCH]
                )
                if not batch:
                    break
                deleted += Measurement.objects.filter(pk__in=batch).delete()[0]
    return deleted
