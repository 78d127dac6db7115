"""Aggregates: the Bayesian average, trends, domain scorecards, the mesh view, and the place in search."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ratings import selectors
from ratings.models import Rating
from search.backends import get_backend
from search.base import SearchQuery
from search.outbox import caught_up_backend
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def _bulk_ratings(product, stars: list[int], prefix: str) -> None:
    users = [UserFactory(username=f"{prefix}{i}") for i in range(len(stars))]
    now = timezone.now()
    Rating.objects.bulk_create(
        Rating(product=product, author=u, stars=s, edited_at=now) for u, s in zip(users, stars, strict=True)
    )


def test_one_five_star_rating_does_not_outrank_a_hundred_at_four_point_eight(world):
    lone = ProductFactory(domain=world.domain, status="published")
    popular = ProductFactory(domain=world.domain, status="published")
    _bulk_ratings(lone, [5], "lone")
    _bulk_ratings(popular, [5] * 80 + [4] * 20, "pop")
    summaries = selectors.rating_summaries([lone.pk, popular.pk])
    assert summaries[popular.pk].mean == pytest.approx(4.8)
    assert summaries[lone.pk].mean == 5
    assert summaries[popular.pk].average > summaries[lone.pk].average
    assert summaries[lone.pk].average == pytest.approx((3 * 5 + 5) / 6)


def test_the_prior_comes_from_the_search_settings(settings, world):
    product = ProductFactory(domain=world.domain, status="published")
    _bulk_ratings(product, [5], "p")
    settings.SEARCH_RANKING = {**settings.SEARCH_RANKING, "rating_prior_mean": 1.0, "rating_prior_weight": 1.0}
    assert selectors.rating_summary(product).average == pytest.approx(3.0)


def test_unrated_products_have_a_neutral_summary(product):
    summary = selectors.rating_summaries([product.pk])[product.pk]
    assert (summary.count, summary.mean, summary.average) == (0, None, 0.0)
    assert summary.histogram == [("5 stars", 0), ("4 stars", 0), ("3 stars", 0), ("2 stars", 0), ("1 star", 0)]


def test_summaries_take_three_queries_whatever_the_number_of_products(world, django_assert_num_queries):
    products = [ProductFactory(domain=world.domain, status="published") for _ in range(4)]
    for index, product in enumerate(products):
        _bulk_ratings(product, [index + 1, 5], f"q{index}-")
    with django_assert_num_queries(3):
        summaries = selectors.rating_summaries(p.pk for p in products)
    assert [summaries[p.pk].count for p in products] == [2, 2, 2, 2]


def test_the_weekly_trend_follows_ratings_as_they_come(product, consumers, rate):
    people = consumers(3)
    with time_machine.travel("2026-02-02 09:00Z", tick=False):  # a Monday
        rate(people[0], product, 5)
    with time_machine.travel("2026-02-11 09:00Z", tick=False):
        rate(people[1], product, 1)
        rate(people[2], product, 1)
    with time_machine.travel("2026-02-20 09:00Z", tick=False):
        trend = selectors.product_trend(product, weeks=4)
    assert [p.week.isoformat() for p in trend] == ["2026-01-26", "2026-02-02", "2026-02-09", "2026-02-16"]
    assert [p.written for p in trend] == [0, 1, 2, 0]
    assert trend[0].average is None
    assert trend[1].average == pytest.approx((15 + 5) / 6)
    assert trend[2].average == pytest.approx((15 + 7) / 8)
    assert trend[3].average == trend[2].average
    assert trend[2].week_mean == 1


def test_the_domain_scorecard(world, product, consumers, rate):
    other = ProductFactory(domain=world.domain, slug="returns", name="Returns", status="published")
    gone = ProductFactory(domain=world.domain, slug="gone", name="Gone", status="published")
    people = consumers(4)
    rate(people[0], product, 5, dimensions={"accuracy": 4})
    rate(people[1], other, 1, comment="Empty since May", dimensions={"accuracy": 2})
    rate(people[2], other, 2)
    rate(people[3], gone, 4, dimensions={"usability": 1})
    gone.status = "retired"
    gone.save(update_fields=["status"])
    card = selectors.domain_rating_summary(world.domain)
    assert [row.product.name for row in card.products] == ["Orders", "Returns"]  # retired ones are left out
    assert card.summary.count == 3
    assert card.summary.distribution == {1: 1, 2: 1, 3: 0, 4: 0, 5: 1}
    assert card.summary.mean == pytest.approx(8 / 3)
    assert card.summary.average == pytest.approx((15 + 8) / 8)
    assert card.summary.dimensions["accuracy"] == pytest.approx(3.0)
    assert card.summary.dimensions["usability"] is None  # only the retired product's rating had one
    assert card.rated_products == 2
    assert [row.product.name for row in card.lowest] == ["Returns", "Orders"]
    assert {r.comment for r in card.unanswered_reviews} == {"Empty since May", ""}
    assert card.summary.unanswered == 3
    assert card.trend[-1].written == 3


def test_the_mesh_view_puts_the_lowest_rated_domain_first(world, product, consumers, rate):
    finance = ProductFactory(domain=world.other_domain, status="published")
    people = consumers(2)
    rate(people[0], product, 5)
    rate(people[1], finance, 1)
    rows = selectors.mesh_rating_overview()
    assert [(r.domain.slug, r.summary.count) for r in rows] == [("finance", 1), ("sales", 1)]
    assert rows[0].trend[-1] == pytest.approx((15 + 1) / 6)
    assert rows[0].trend[0] is None


def titles(text: str) -> list[str]:
    return [hit.title for hit in caught_up_backend().search(SearchQuery(text=text, with_facets=False)).hits]


def test_a_rating_moves_the_product_in_search(world, consumers, rate, django_capture_on_commit_callbacks):
    get_backend().clear()
    with django_capture_on_commit_callbacks(execute=True):
        alpha = ProductFactory(domain=world.domain, slug="alpha", name="Invoices Alpha", status="published")
        beta = ProductFactory(domain=world.domain, slug="beta", name="Invoices Beta", status="published")
        from search.indexing import on_commit_index_products

        on_commit_index_products([alpha.pk, beta.pk])
    before = titles("invoices")
    assert set(before) == {"Invoices Alpha", "Invoices Beta"}
    low, high = (alpha, beta) if before[0] == "Invoices Alpha" else (beta, alpha)
    people = consumers(4)
    with django_capture_on_commit_callbacks(execute=True):
        for person in people[:2]:
            rate(person, low, 1)
        for person in people[2:]:
            rate(person, high, 5)
    assert titles("invoices") == [high.name, low.name]
    assert titles("invoices") != before
    # hiding the good ratings takes their weight out of the ranking again
    from core.actors import Actor
    from ratings.services import rating_moderate

    rated_score = scores("invoices")[high.name]
    with django_capture_on_commit_callbacks(execute=True):
        for rating in Rating.objects.filter(product=high):
            rating_moderate(actor=Actor(user=world.steward), rating=rating, hide=True, reason="Sock puppets")
    assert scores("invoices")[high.name] < rated_score


def scores(text: str) -> dict[str, float]:
    return {hit.title: hit.score for hit in caught_up_backend().search(SearchQuery(text=text, with_facets=False)).hits}


def test_the_search_document_carries_visible_ratings_only(world, product, consumers, rate):
    people = consumers(2)
    rate(people[0], product, 5)
    hidden = rate(people[1], product, 1)
    Rating.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now() - timedelta(minutes=1), hidden_reason="x")
    extras = selectors.search_enricher([product.pk])
    assert (extras[product.pk].rating_sum, extras[product.pk].rating_count) == (5.0, 1)


def test_the_demo_ratings_come_from_outside_the_owning_team(world, product, consumers):
    from demo.ratings import seed_demo_ratings

    consumers(8)
    written = seed_demo_ratings()
    assert written == Rating.objects.count() > 0
    producers = {world.owner.pk, world.steward.pk, world.member.pk}
    assert not Rating.objects.filter(author_id__in=producers).exists()
    answered = list(Rating.objects.filter(reply__isnull=False).select_related("reply"))
    assert answered  # else the check below would pass without looking at anything
    for rating in answered:
        assert rating.is_answered
