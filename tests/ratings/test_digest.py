"""The weekly digest per domain: what changed in the week and what waits for an answer, sent by Celery beat."""

from __future__ import annotations

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail

from catalog.models import Notification
from ratings.tasks import send_weekly_rating_digests

pytestmark = pytest.mark.django_db


def test_beat_sends_the_digest_weekly():
    entry = django_settings.CELERY_BEAT_SCHEDULE["ratings-weekly-digest"]
    assert entry["task"] == "ratings.tasks.send_weekly_rating_digests"
    assert entry["schedule"].day_of_week == {1}


def test_the_digest_summarises_the_week_for_the_owning_team(
    world, product, consumers, rate, django_capture_on_commit_callbacks
):
    old, new = consumers(2)
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        rate(old, product, 5, comment="Great")
    with time_machine.travel("2026-03-12 09:00Z", tick=False):
        rate(new, product, 1, comment="Broken")
    mail.outbox.clear()
    Notification.objects.all().delete()
    with time_machine.travel("2026-03-16 07:00Z", tick=False), django_capture_on_commit_callbacks(execute=True):
        send_weekly_rating_digests.delay()
    digests = Notification.objects.filter(kind="ratings.weekly_digest")
    assert set(digests.values_list("recipient__username", flat=True)) == {"olivia", "stefan", "mia"}
    body = digests.first().body
    assert "1 review written or changed" in body
    assert "Orders: 1 new or changed, Bayesian average 3.33 → 3.00" in body
    assert "2 reviews wait for an answer." in body
    assert len(mail.outbox) == 3
    assert mail.outbox[0].subject == "Weekly ratings digest: Sales"


def test_a_quiet_week_sends_nothing(world, product, consumers, rate, django_capture_on_commit_callbacks):
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        rating = rate(consumers(1)[0], product, 4)
        from catalog.actors import Actor
        from ratings.services import rating_reply

        rating_reply(actor=Actor(user=world.owner), rating=rating, body="Thanks")
    Notification.objects.all().delete()
    with time_machine.travel("2026-03-16 07:00Z", tick=False), django_capture_on_commit_callbacks(execute=True):
        send_weekly_rating_digests.delay()
    assert not Notification.objects.filter(kind="ratings.weekly_digest").exists()
