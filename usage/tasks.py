"""Celery tasks of the usage app: they take ids and call services."""

from __future__ import annotations

from celery import shared_task

from usage.retention import usage_prune
from usage.services import milestones_record


@shared_task
def prune_usage() -> int:
    """From beat, daily: raw usage records older than PORTAL_USAGE_RETENTION_DAYS (the pages read rollups)."""
    return usage_prune()


@shared_task
def record_milestones(product_ids: list[int]) -> int:
    """After products changed: note the first time each was seen published (time to market)."""
    return milestones_record(product_ids=product_ids)
