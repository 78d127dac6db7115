"""The rules of rating: who may rate, one rating per person with its history, the verified mark, replies,
moderation, notifications, the rate limit, and bad input refused with nothing stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from access.services import access_request_create
from core.actors import Actor, Scope
from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.models import Notification
from ratings import selectors
from ratings.models import ModerationAction, Rating, RatingModeration, RatingVersion
from ratings.services import (
    RateLimited,
    rating_delete,
    rating_moderate,
    rating_reply,
    rating_upsert,
)
from tests.factories import ProductFactory
from tokens.services import token_create

pytestmark = pytest.mark.django_db


def test_a_consumer_rates_and_the_summary_counts_it(product, consumer, rate):
    rate(consumer, product, 4, dimensions={"accuracy": 5, "documentation": 2}, comment="Solid.")
    summary = selectors.rating_summary(product)
    assert summary.count == 1
    assert summary.mean == 4
    assert summary.distribution == {1: 0, 2: 0, 3: 0, 4: 1, 5: 0}
    assert summary.dimensions["accuracy"] == 5
    assert summary.dimensions["documentation"] == 2
    assert summary.dimensions["timeliness"] is None
    # the prior (3.0 x 5) pulls a single rating towards the middle
    assert summary.average == pytest.approx((3.0 * 5 + 4) / 6)


def test_rating_again_replaces_it_and_keeps_the_old_version(product, consumer, rate):
    first = rate(consumer, product, 2, comment="Late every Monday.")
    second = rate(consumer, product, 4, comment="Fixed now.")
    assert first.pk == second.pk
    assert Rating.objects.filter(product=product).count() == 1
    second.refresh_from_db()
    assert (second.stars, second.comment, second.version) == (4, "Fixed now.", 2)
    [old] = RatingVersion.objects.filter(rating=second)
    assert (old.number, old.stars, old.comment) == (1, 2, "Late every Monday.")
    assert selectors.rating_summary(product).mean == 4


def test_submitting_the_same_rating_again_writes_no_version(product, consumer, rate):
    rate(consumer, product, 3, comment="Fine.")
    rate(consumer, product, 3, comment="Fine.")
    assert RatingVersion.objects.count() == 0
    assert Rating.objects.get().version == 1


@pytest.mark.parametrize("who", ["owner", "steward", "member"])
def test_members_of_the_owning_team_cannot_rate_their_product(world, product, rate, who):
    with pytest.raises(PermissionDenied, match="owning team"):
        rate(getattr(world, who), product, 5)
    assert not Rating.objects.exists()


def test_members_of_the_team_owning_the_domain_cannot_rate_a_product_another_team_owns(world, rate):
    # finance-team's product sits in domain sales: sales-team owns the domain, so it produces it too
    product = ProductFactory(domain=world.domain, owner_team=world.other_team, status="published")
    with pytest.raises(PermissionDenied):
        rate(world.member, product, 5)
    with pytest.raises(PermissionDenied):
        rate(world.outsider, product, 5)  # oscar owns finance-team, the product's owner


def test_an_api_token_cannot_rate(world, product):
    issued = token_create(actor=None, team=world.other_team, name="bot", scopes=[Scope.READ, Scope.WRITE_PRODUCTS])
    with pytest.raises(PermissionDenied, match="tokens"):
        rating_upsert(actor=Actor(token=issued.token), product=product, data={"stars": 5})
    assert not Rating.objects.exists()


@pytest.mark.parametrize("status", ["retired", "draft"])
def test_retired_and_draft_products_take_no_ratings(world, consumer, rate, status):
    product = ProductFactory(domain=world.domain, status=status)
    with pytest.raises(Conflict, match=status):
        rate(consumer, product, 4)
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    ("data", "pointer"),
    [
        ({"stars": 0}, "/stars"),
        ({"stars": 6}, "/stars"),
        ({"stars": -1}, "/stars"),
        ({"stars": "five"}, "/stars"),
        ({"stars": 4.5}, "/stars"),
        ({"stars": True}, "/stars"),
        ({}, "/stars"),
        ({"stars": 4, "dimensions": {"accuracy": "high"}}, "/dimensions/accuracy"),
        ({"stars": 4, "dimensions": {"timeliness": 9}}, "/dimensions/timeliness"),
        ({"stars": 4, "dimensions": {"speed": 3}}, "/dimensions/speed"),
        ({"stars": 4, "dimensions": [4, 5]}, "/dimensions"),
        ({"stars": 4, "comment": "x" * 5001}, "/comment"),
        ({"stars": 4, "comment": 12}, "/comment"),
        ({"stars": 4, "mood": "great"}, "/mood"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(product, consumer, rate, data, pointer):
    with pytest.raises(ValidationFailed) as caught:
        rating_upsert(actor=Actor(user=consumer), product=product, data=data)
    assert pointer in [e.path for e in caught.value.errors]
    assert not Rating.objects.exists()
    assert not Notification.objects.exists()


def test_numbers_sent_as_text_by_forms_are_accepted(product, consumer):
    rating, _ = rating_upsert(
        actor=Actor(user=consumer), product=product, data={"stars": "4", "dimensions": {"usability": "2"}}
    )
    assert (rating.stars, rating.usability) == (4, 2)


def test_the_verified_mark_follows_a_grant_on_one_of_its_ports(product, consumer, rate):
    assert rate(consumer, product, 3).verified is False
    port = product.output_ports.get()
    access_request_create(actor=Actor(user=consumer), port=port, purpose="Churn model", duration_days=30)
    # the mark is decided when the rating is written: an edit refreshes it
    rating = rate(consumer, product, 4)
    assert rating.verified is True
    assert RatingVersion.objects.get(rating=rating).verified is False


def _review_mails() -> list:
    """The mails about reviews of Orders: a rating re-announces the product, and other apps (governance findings on
    a product nobody evaluated yet) may mail about it in the same commit."""
    return [m for m in mail.outbox if "review of Orders" in m.subject]


def test_low_ratings_are_mailed_to_the_owning_team_at_once(
    world, product, consumer, rate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rate(consumer, product, 1, comment="Half the rows are missing.")
    recipients = set(
        Notification.objects.filter(kind="ratings.review_new").values_list("recipient__username", flat=True)
    )
    assert recipients == {"olivia", "stefan", "mia"}
    mails = _review_mails()
    assert sorted(m.to[0] for m in mails) == ["mia@example.com", "olivia@example.com", "stefan@example.com"]
    assert "Half the rows are missing." in mails[0].body


def test_good_ratings_reach_the_inbox_without_mail(world, product, consumer, rate, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rate(consumer, product, 4)
    assert Notification.objects.filter(kind="ratings.review_new").count() == 3
    assert _review_mails() == []


def test_a_burst_from_one_account_is_refused_and_stores_nothing(settings, world, consumer, rate):
    settings.RATINGS_WRITES_PER_MINUTE = 2
    products = [ProductFactory(domain=world.other_domain, status="published") for _ in range(3)]
    with time_machine.travel("2026-03-02 10:00:05", tick=False):
        rate(consumer, products[0], 4)
        rate(consumer, products[1], 4)
        with pytest.raises(RateLimited) as caught:
            rate(consumer, products[2], 4)
        assert caught.value.status == 429
        assert 1 <= caught.value.retry_after <= 60
    assert not Rating.objects.filter(product=products[2]).exists()
    with time_machine.travel("2026-03-02 10:01:01", tick=False):
        rate(consumer, products[2], 4)  # a new minute, a new allowance
    assert Rating.objects.filter(product=products[2]).exists()


def test_the_limit_is_per_person(settings, world, consumer, other_team_member, rate):
    settings.RATINGS_WRITES_PER_MINUTE = 1
    rate(consumer, ProductFactory(domain=world.other_domain, status="published"), 4)
    rate(other_team_member, ProductFactory(domain=world.other_domain, status="published"), 4)
    assert Rating.objects.count() == 2


def test_only_the_author_deletes_a_rating(world, product, consumer, other_team_member, rate):
    rating = rate(consumer, product, 2)
    with pytest.raises(PermissionDenied):
        rating_delete(actor=Actor(user=other_team_member), rating=rating)
    rating_delete(actor=Actor(user=consumer), rating=rating)
    assert not Rating.objects.exists()


def test_the_owning_team_replies_and_the_author_is_told(world, product, consumer, rate):
    rating = rate(consumer, product, 2, comment="Late.")
    assert selectors.rating_summary(product).unanswered == 1
    rating_reply(actor=Actor(user=world.member), rating=rating, body="Fixed the scheduler; thanks.")
    assert selectors.rating_summary(product).unanswered == 0
    assert Notification.objects.filter(recipient=consumer, kind="ratings.reply").exists()
    # a changed review waits for an answer again
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        rate(consumer, product, 3, comment="Better, still late on Mondays.")
    assert selectors.rating_summary(product).unanswered == 1


@pytest.mark.parametrize("who", ["outsider", "consumer"])
def test_people_outside_the_owning_team_cannot_reply(world, product, consumer, rate, who):
    rating = rate(consumer, product, 2)
    user = consumer if who == "consumer" else world.outsider
    with pytest.raises(PermissionDenied):
        rating_reply(actor=Actor(user=user), rating=rating, body="Me too")


def test_an_empty_reply_is_refused(world, product, consumer, rate):
    rating = rate(consumer, product, 2)
    with pytest.raises(ValidationFailed) as caught:
        rating_reply(actor=Actor(user=world.owner), rating=rating, body="   ")
    assert caught.value.errors[0].path == "/body"


def test_a_steward_hides_an_abusive_review_with_a_reason_on_record(world, product, consumer, other_team_member, rate):
    rate(other_team_member, product, 4)
    abusive = rate(consumer, product, 1, comment="You are all idiots")
    rating_moderate(actor=Actor(user=world.steward), rating=abusive, hide=True, reason="Insults, no content.")
    summary = selectors.rating_summary(product)
    assert (summary.count, summary.mean) == (1, 4)
    event = RatingModeration.objects.get()
    assert (event.action, event.reason, event.actor, event.rating_author) == (
        ModerationAction.HIDE,
        "Insults, no content.",
        world.steward,
        "carla",
    )
    # gone for other readers, still there (marked) for its author and for the moderators
    assert abusive not in selectors.product_reviews(product, Actor(user=other_team_member))
    mine = selectors.product_reviews(product, Actor(user=consumer)).get(pk=abusive.pk)
    assert mine.is_hidden and mine.hidden_reason == "Insults, no content."
    assert selectors.product_reviews(product, Actor(user=world.owner)).filter(pk=abusive.pk).exists()
    rating_moderate(actor=Actor(user=world.owner), rating=abusive, hide=False, reason="Apologised.")
    assert selectors.rating_summary(product).count == 2
    assert RatingModeration.objects.count() == 2


def test_a_plain_member_cannot_hide_and_a_reason_is_required(world, product, consumer, rate):
    rating = rate(consumer, product, 1)
    with pytest.raises(PermissionDenied):
        rating_moderate(actor=Actor(user=world.member), rating=rating, hide=True, reason="Rude")
    with pytest.raises(PermissionDenied):
        rating_moderate(actor=Actor(user=world.outsider), rating=rating, hide=True, reason="Rude")
    with pytest.raises(ValidationFailed):
        rating_moderate(actor=Actor(user=world.steward), rating=rating, hide=True, reason="")
    assert not Rating.objects.get().is_hidden
    assert not RatingModeration.objects.exists()


def test_hiding_twice_is_a_conflict(world, product, consumer, rate):
    rating = rate(consumer, product, 1)
    rating_moderate(actor=Actor(user=world.steward), rating=rating, hide=True, reason="Spam")
    with pytest.raises(Conflict):
        rating_moderate(actor=Actor(user=world.steward), rating=rating, hide=True, reason="Spam")
