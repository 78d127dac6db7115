"""Ratings fixtures: a published product of domain 'sales' (team sales-team), consumers outside that team."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from core.actors import Actor
from ratings.services import rating_upsert
from tests.factories import MembershipFactory, OutputPortFactory, ProductFactory, TeamFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The rate limit counts in the cache; locmem outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def product(world):
    product = ProductFactory(domain=world.domain, slug="orders", name="Orders", status="published")
    OutputPortFactory(product=product, name="orders_table", access_mode="open")
    return product


@pytest.fixture
def consumer(world):
    """Carla: in no team that owns anything in sales."""
    return UserFactory(username="carla", first_name="Carla", last_name="Consumer")


@pytest.fixture
def consumers(world):
    def make(n: int, prefix: str = "c"):
        return [UserFactory(username=f"{prefix}{i}") for i in range(n)]

    return make


@pytest.fixture
def rate():
    def rate(user, product, stars, **extra):
        data = {"stars": stars, **extra}
        rating, _ = rating_upsert(actor=Actor(user=user), product=product, data=data)
        return rating

    return rate


@pytest.fixture
def other_team_member(world):
    team = TeamFactory(slug="marketing-team")
    user = UserFactory(username="mark")
    MembershipFactory(team=team, user=user)
    return user
