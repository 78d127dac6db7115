"""Scorecards at scale: a domain of many products and thousands of ratings costs the same number of queries as a
domain of one rated product, on the selectors, the pages and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import DataProduct
from ratings import selectors
from ratings.models import Rating, RatingReply
from tests.factories import DomainFactory

pytestmark = pytest.mark.django_db

PRODUCTS = 120
RATERS = 30  # every rater rates every product: 3,600 ratings in the busy domain


def _count(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def _seed(domain, *, products: int, raters: int, prefix: str) -> list[Rating]:
    """Products with ratings spread over the last twenty weeks, a third of them answered, some hidden."""
    DataProduct.objects.bulk_create(
        DataProduct(
            domain=domain, owner_team=domain.owner_team, slug=f"{prefix}-{i}", name=f"{prefix} {i}", status="published"
        )
        for i in range(products)
    )
    items = list(DataProduct.objects.filter(domain=domain, slug__startswith=f"{prefix}-"))
    people = get_user_model().objects.bulk_create(
        get_user_model()(username=f"{prefix}-rater-{i}") for i in range(raters)
    )
    people = list(get_user_model().objects.filter(username__startswith=f"{prefix}-rater-"))
    now = timezone.now()
    Rating.objects.bulk_create(
        Rating(
            product=product,
            author=person,
            stars=1 + (p + r) % 5,
            accuracy=1 + r % 5,
            comment=f"review {p}/{r}",
            edited_at=now - timedelta(days=(p * 7 + r * 3) % 140),
            hidden_at=now if (p + r) % 50 == 0 else None,
            hidden_reason="spam" if (p + r) % 50 == 0 else "",
        )
        for p, product in enumerate(items)
        for r, person in enumerate(people)
    )
    ratings = list(Rating.objects.filter(product__in=items))
    RatingReply.objects.bulk_create(
        RatingReply(rating=rating, team=domain.owner_team, body="Thanks", author=None) for rating in ratings[::3]
    )
    return ratings


def test_the_domain_scorecard_and_the_mesh_view_do_not_grow_with_products_or_ratings(world, product, consumer, rate):
    rate(consumer, product, 3, comment="small")
    small_domain = _count(lambda: selectors.domain_rating_summary(world.domain))
    small_mesh = _count(selectors.mesh_rating_overview)

    ratings = _seed(world.domain, products=PRODUCTS, raters=RATERS, prefix="busy")
    for index in range(20):  # more domains for the mesh-wide view
        _seed(DomainFactory(slug=f"extra-{index}"), products=3, raters=2, prefix=f"x{index}")
    assert len(ratings) == PRODUCTS * RATERS

    assert _count(lambda: selectors.domain_rating_summary(world.domain)) == small_domain
    assert _count(selectors.mesh_rating_overview) == small_mesh

    card = selectors.domain_rating_summary(world.domain)
    visible = [r for r in ratings if r.hidden_at is None]
    assert card.summary.count == len(visible) + 1  # the busy products and the small one
    assert len(card.products) == PRODUCTS + 1
    assert len(card.lowest) == selectors.LOWEST_LIMIT
    assert len(card.unanswered_reviews) == selectors.UNANSWERED_LIMIT
    rows = {row.domain.slug: row for row in selectors.mesh_rating_overview()}
    assert len(rows) == 2 + 20
    assert rows["sales"].summary.count == card.summary.count


@pytest.mark.parametrize(
    "url",
    [
        "/domains/sales/scorecard/",
        "/scorecards/",
        "/feedback/",
        "/api/v1/ratings/scorecards/sales",
        "/api/v1/ratings/scorecards",
        "/api/v1/ratings/feedback",
    ],
)
def test_scorecard_pages_and_endpoints_do_not_grow_with_ratings(world, product, consumer, rate, url):
    rate(consumer, product, 3, comment="small")
    client = Client()
    client.force_login(world.owner)
    client.get(url)  # warm per-process caches (content types, the session)
    small = _count(lambda: client.get(url))
    _seed(world.domain, products=40, raters=25, prefix="busy")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert len(captured.captured_queries) <= small, url
