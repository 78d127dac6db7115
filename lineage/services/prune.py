"""Forgetting lineage nobody reports any more: edges accumulate (the union of what runs said), so a job that
stopped reading a table keeps its edge until it is pruned here."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from lineage.models import JobDataset
from lineage.state import bump_version


def lineage_edges_prune(*, older_than: timedelta) -> int:
    """Delete job/dataset edges no event has reported for `older_than`; returns how many went.

    Every process rebuilds its graph afterwards (a new generation): rows that leave cannot be applied as an
    increment.
    """
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        deleted, _ = JobDataset.objects.filter(last_seen_at__lt=cutoff).delete()
        if deleted:
            bump_version(new_generation=True)
    return deleted
