from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from audit.services import audit_entries_purge


@shared_task
def audit_purge_expired() -> int:
    """Beat runs this daily: entries past AUDIT_RETENTION_DAYS go."""
    return audit_entries_purge(older_than=timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS))
