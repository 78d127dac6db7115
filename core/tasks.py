"""Celery tasks of the kernel: the inbox's mails. They take ids, fetch, and call the mail backend."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from core.models import Notification

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_notification_mails(self, notification_ids: list[int]) -> int:
    """Mail the notifications not mailed yet; safe to run twice (a redelivered task sends nothing again)."""
    pending = list(
        Notification.objects.filter(pk__in=notification_ids, mailed_at__isnull=True)
        .exclude(recipient__email="")
        .select_related("recipient")
    )
    if not pending:
        return 0
    base = settings.PORTAL_BASE_URL.rstrip("/")
    messages = [
        EmailMessage(
            subject=n.title,
            body=f"{n.body}\n\n{base}{n.url}" if n.url else n.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[n.recipient.email],
        )
        for n in pending
    ]
    with get_connection() as connection:
        connection.send_messages(messages)
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(mailed_at=timezone.now())
    log.info("mailed %d notifications", len(pending))
    return len(pending)
