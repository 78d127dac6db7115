"""SLO fixtures: a published product of the sales team with a port, objectives of each kind, API clients."""

from __future__ import annotations

import pytest

from core.actors import Scope
from slo.models import ServiceLevelObjective, SloKind
from tests.conftest import bearer_client
from tests.factories import OutputPortFactory, ProductFactory


@pytest.fixture
def product(world):
    return ProductFactory(domain=world.domain, slug="orders", name="Orders", owner_team=world.team)


@pytest.fixture
def port(product):
    return OutputPortFactory(product=product, name="orders_table", location="postgres://db.example:5432/shop.orders")


@pytest.fixture
def make_slo(product):
    def make(name: str = "freshness", kind: str = SloKind.FRESHNESS, **fields) -> ServiceLevelObjective:
        by_kind: dict[str, dict] = {
            SloKind.FRESHNESS: {"threshold": 3600.0},
            SloKind.LATENCY: {"threshold": 2.0},
            SloKind.COMPLETENESS: {"threshold": 0.99},
            SloKind.AVAILABILITY: {"threshold": 0.999},
            SloKind.VOLUME: {"min_rows": 1000, "max_rows": 5000},
            SloKind.CUSTOM: {"threshold": 5.0, "comparator": "lte", "metric": "errors"},
        }
        defaults = by_kind[kind]
        return ServiceLevelObjective.objects.create(
            product=fields.pop("product", product), name=name, kind=kind, **{**defaults, **fields}
        )

    return make


@pytest.fixture
def sli_client(world):
    """A pipeline token of the sales team (owner of domain 'sales') with the write:sli scope."""
    return bearer_client(world.team, [Scope.READ, Scope.WRITE_SLI])


@pytest.fixture
def post_sli(sli_client, django_capture_on_commit_callbacks):
    def post(body, *, client=None, expect: int | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            response = (client or sli_client).post("/api/v1/sli", body, format="json")
        if expect is not None:
            assert response.status_code == expect, response.content
        return response

    return post
