"""Telling people: a row in each recipient's inbox, and a mail sent by a task once the write has committed."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from core.dispatch import enqueue_ids_on_commit
from core.models import Notification


def notify(
    *, recipients: Iterable, kind: str, title: str, body: str = "", url: str = "", mail: bool = True
) -> list[Notification]:
    """Queue a notification for each distinct recipient; call it inside the write it announces.

    The mail goes out after commit, so a failing mail server never undoes or delays the decision it announces,
    and a rolled-back write announces nothing.
    """
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not people:
        return []
    rows = Notification.objects.bulk_create(
        Notification(recipient_id=pk, kind=kind, title=title[:300], body=body, url=url[:500]) for pk in people
    )
    if mail:
        enqueue_ids_on_commit("core.tasks.send_notification_mails", [row.pk for row in rows])
    return rows


def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark some (or, with ids=None, all) of the user's unread notifications read; answers how many."""
    query = Notification.objects.for_user(user).unread()
    if ids is not None:
        query = query.filter(pk__in=list(ids))
    return query.update(read_at=timezone.now())
