"""The domain scorecard page lists its products 25 to a page, in as many queries at 3 products as at 40, while the
figures above the table (ratings, rated products, lowest rated) still cover every product of the domain."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.actors import Actor
from ratings.services import rating_upsert
from tests.factories import ProductFactory, UserFactory

URL = "/domains/sales/scorecard/"


@pytest.fixture
def signed_in(client, world):
    client.force_login(world.member)
    return client


def rows(response) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]*#reviews">(.*?)</a>', response.content.decode())


def make_products(world, start: int, n: int, *, rater=None) -> None:
    for i in range(start, start + n):
        product = ProductFactory(domain=world.domain, slug=f"p-{i:03}", name=f"P {i:03}", status="published")
        if rater is not None and i % 10 == 0:
            rating_upsert(actor=Actor(user=rater), product=product, data={"stars": 1 + i % 5})


def test_the_scorecard_shows_25_products_a_page_and_figures_over_all(signed_in, world, settings):
    settings.RATINGS_WRITES_PER_MINUTE = 0
    make_products(world, 0, 30, rater=UserFactory(username="rater"))

    first = signed_in.get(URL)
    page = first.content.decode()
    assert rows(first) == [f"P {i:03}" for i in range(25)]
    assert "3 ratings, on 3 of 30 products" in page  # P 000, P 010 and P 020
    assert "Page 1 of 2" in page
    assert rows(signed_in.get(f"{URL}?page=2")) == [f"P {i:03}" for i in range(25, 30)]


def test_the_scorecard_takes_as_many_queries_at_3_products_as_at_40(
    signed_in, world, settings, django_assert_num_queries
):
    settings.RATINGS_WRITES_PER_MINUTE = 0
    rater = UserFactory(username="rater")
    make_products(world, 0, 3, rater=rater)
    with CaptureQueriesContext(connection) as few:
        assert signed_in.get(URL).status_code == 200
    make_products(world, 3, 37, rater=rater)

    with django_assert_num_queries(len(few.captured_queries)):
        response = signed_in.get(URL)
    assert len(rows(response)) == 25
