"""When a person last opened My data: "what changed since my last visit" counts from it."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from notices.models import Visit


def visit_record(*, user) -> datetime | None:
    """Note this visit; answers the previous one (None on the first)."""
    now = timezone.now()
    with transaction.atomic():
        visit = Visit.objects.select_for_update().filter(user=user).first()
        if visit is None:
            Visit.objects.create(user=user, seen_at=now)
            return None
        previous = visit.seen_at
        visit.seen_at = now
        visit.save(update_fields=["seen_at"])
    return previous
