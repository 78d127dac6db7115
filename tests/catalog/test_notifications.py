"""The inbox and its mails: what glossary, access and rating workflows use to tell people things."""

import pytest
from django.core import mail
from django.db import transaction

from core.models import Notification
from core.notifications import notify

pytestmark = pytest.mark.django_db


def test_notify_fills_the_inbox_and_mails_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[world.owner, world.steward, world.owner],
            kind="test.ping",
            title="Please review",
            body="A proposal waits.",
            url="/inbox/",
        )
    assert Notification.objects.filter(recipient=world.owner).count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["olivia@example.com", "stefan@example.com"]
    assert "/inbox/" in mail.outbox[0].body
    assert Notification.objects.filter(mailed_at__isnull=True).count() == 0


def test_a_rolled_back_write_announces_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[world.owner], kind="test.ping", title="Never")
        raise RuntimeError("the write failed")
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_resending_the_mail_task_sends_nothing_twice(world, django_capture_on_commit_callbacks):
    from core.tasks import send_notification_mails

    with django_capture_on_commit_callbacks(execute=True):
        rows = notify(recipients=[world.owner], kind="test.ping", title="Once")
    assert send_notification_mails([r.pk for r in rows]) == 0
    assert len(mail.outbox) == 1


def test_inbox_page_shows_unread_with_a_count_and_marks_read(client, world):
    notify(recipients=[world.member], kind="test.ping", title="<b>Review</b> me", url="/domains/", mail=False)
    notify(recipients=[world.outsider], kind="test.ping", title="Not for mia", mail=False)
    client.force_login(world.member)
    page = client.get("/inbox/")
    html = page.content.decode()
    assert "&lt;b&gt;Review&lt;/b&gt; me" in html
    assert "Not for mia" not in html
    assert 'aria-label="1 unread"' in html
    response = client.post("/inbox/read/")
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=world.member, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=world.outsider, read_at__isnull=True).exists()
    assert 'aria-label="1 unread"' not in client.get("/inbox/").content.decode()
