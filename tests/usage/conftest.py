"""Usage fixtures: a product of the sales team with a port, consumed by the finance team; a write:usage client."""

from __future__ import annotations

import pytest

from core.actors import Scope
from tests.conftest import bearer_client
from tests.factories import OutputPortFactory, ProductFactory


@pytest.fixture
def product(world):
    return ProductFactory(domain=world.domain, slug="orders", name="Orders", owner_team=world.team, status="published")


@pytest.fixture
def port(product):
    return OutputPortFactory(product=product, name="orders_table", location="postgres://db.example:5432/shop.orders")


@pytest.fixture
def usage_client(world):
    """A pipeline token of the sales team (owner of domain 'sales') with the write:usage scope."""
    return bearer_client(world.team, [Scope.READ, Scope.WRITE_USAGE])


def record(day: str = "2025-03-01", **fields) -> dict:
    return {
        "day": day,
        "product": "sales/orders",
        "port": "orders_table",
        "team": "finance-team",
        "queries": 10,
        "rows_read": 1000,
        "bytes_read": 5_000_000,
        "compute_seconds": 12.5,
        "cost": "1.25",
        "currency": "EUR",
        **fields,
    }


@pytest.fixture
def post_usage(usage_client, django_capture_on_commit_callbacks):
    def post(body, *, client=None, expect: int | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            response = (client or usage_client).post("/api/v1/usage", body, format="json")
        if expect is not None:
            assert response.status_code == expect, response.content
        return response

    return post
