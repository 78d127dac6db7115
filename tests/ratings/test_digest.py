"""The weekly digest per domain: what changed in the week and what waits for an answer, sent by Celery beat."""

from __future__ import annotations

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail

from core.models import Notification
from ratings.tasks import send_weekly_rating_digests
from tests.factories import ProductFactory

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
        from core.actors import Actor
        from ratings.services import rating_reply

        rating_reply(actor=Actor(user=world.owner), rating=rating, body="Thanks")
    Notification.objects.all().delete()
    with time_machine.travel("2026-03-16 07:00Z", tick=False), django_capture_on_commit_callbacks(execute=True):
        send_weekly_rating_digests.delay()
    assert not Notification.objects.filter(kind="ratings.weekly_digest").exists()


def _digest_bodies() -> list[str]:
    return list(Notification.objects.filter(kind="ratings.weekly_digest").values_list("body", flat=True))


def test_an_edited_review_moves_the_average_from_what_it_was(world, product, consumers, rate):
    """Before: 5 and 4 stars as they stood last Monday, (15 + 9) / 7; now the 5 became a 1: (15 + 5) / 7."""
    first, second = consumers(2)
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        rate(first, product, 5)
        rate(second, product, 4)
    with time_machine.travel("2026-03-12 09:00Z", tick=False):
        rate(first, product, 1, comment="Broke on Tuesday")
    Notification.objects.all().delete()
    with time_machine.travel("2026-03-16 07:00Z", tick=False):
        send_weekly_rating_digests.delay()
    [body] = set(_digest_bodies())
    assert "Orders: 1 new or changed, Bayesian average 3.43 → 2.86" in body


def test_each_review_counts_in_one_week_only_and_a_second_run_sends_nothing(
    world, product, consumers, rate, django_capture_on_commit_callbacks
):
    with time_machine.travel("2026-03-16 07:00Z", tick=False):  # at the very moment of a run
        rating = rate(consumers(1)[0], product, 2, comment="Boundary")
        from core.actors import Actor
        from ratings.services import rating_reply

        rating_reply(actor=Actor(user=world.owner), rating=rating, body="Thanks")
    Notification.objects.all().delete()
    with time_machine.travel("2026-03-16 07:00Z", tick=False):
        send_weekly_rating_digests.delay()
    assert _digest_bodies() == []  # written at the run's moment: next week's news
    with time_machine.travel("2026-03-23 07:00Z", tick=False), django_capture_on_commit_callbacks(execute=True):
        send_weekly_rating_digests.delay()
    assert len(_digest_bodies()) == 3 and "1 review written or changed" in _digest_bodies()[0]
    mailed = len(mail.outbox)
    with time_machine.travel("2026-03-23 07:05Z", tick=False), django_capture_on_commit_callbacks(execute=True):
        send_weekly_rating_digests.delay()  # a retry, or a second beat
    assert len(_digest_bodies()) == 3 and len(mail.outbox) == mailed
    with time_machine.travel("2026-03-30 07:00Z", tick=False):
        send_weekly_rating_digests.delay()
    assert len(_digest_bodies()) == 3  # a quiet week: the answered review is no news


def test_the_digest_goes_to_each_domain_with_news_only(world, product, consumers, rate):
    finance = ProductFactory(domain=world.other_domain, slug="ledger", name="Ledger", status="published")
    with time_machine.travel("2026-03-10 09:00Z", tick=False):
        rate(consumers(1)[0], finance, 1, comment="Wrong totals")
    Notification.objects.all().delete()
    with time_machine.travel("2026-03-16 07:00Z", tick=False):
        send_weekly_rating_digests.delay()
    digests = Notification.objects.filter(kind="ratings.weekly_digest")
    assert set(digests.values_list("recipient__username", flat=True)) == {"oscar"}
    body = digests.get().body
    assert body.startswith("Ratings of Finance, week to 16 Mar 2026")
    assert "Lowest rated: Ledger (2.67 from 1)." in body
