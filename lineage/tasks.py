"""Celery tasks of the lineage app: thin, they call services."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from lineage.services.prune import lineage_edges_prune


@shared_task(name="lineage.prune_edges")
def prune_edges(days: int = 90) -> int:
    """For a beat schedule, e.g. daily: edges unreported for `days` days leave the graph."""
    return lineage_edges_prune(older_than=timedelta(days=days))
