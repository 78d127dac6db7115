"""A mesh with consumers of every kind around the sales domain's 'orders' product (docs/notices.md):

- gina holds a personal grant on its port `orders_table`;
- team finance-team (oscar, its owner, and fiona) owns finance/ledger, which takes `orders_table` as an input port;
- team analytics-team (ana) owns analytics/report, which reads finance/ledger: downstream of orders by lineage;
- fred follows the sales domain.
Products are written through the API's service, so each has its versions.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User

from access import services as access
from catalog.api.product_input import parse_product
from catalog.models import DataProduct, TeamRole
from catalog.services.products import product_upsert
from core.actors import Actor
from notices.follows import follow_create
from tests.factories import DomainFactory, MembershipFactory, TeamFactory, UserFactory

ORDERS: dict[str, Any] = {
    "name": "Orders",
    "status": "published",
    "version": "1.0.0",
    "output_ports": [
        {
            "name": "orders_table",
            "type": "table",
            "access_mode": "on_request",
            "fields": [
                {"name": "order_id", "type": "string", "nullable": False},
                {"name": "amount", "type": "decimal(12,2)"},
                {"name": "note", "type": "string"},
            ],
        }
    ],
}


def orders_body(*, version: str = "1.0.0", drop: str = "") -> dict:
    body = copy.deepcopy(ORDERS)
    body["version"] = version
    port = body["output_ports"][0]
    port["fields"] = [f for f in port["fields"] if f["name"] != drop]
    return body


@dataclass
class Consumers:
    orders: DataProduct
    ledger: DataProduct
    report: DataProduct
    gina: User  # grant
    oscar: User  # finance-team owner: input port (and lineage)
    fiona: User  # finance-team member
    ana: User  # analytics-team: lineage
    fred: User  # follows the domain


def upsert(actor: Actor, domain: str, slug: str, body: dict) -> DataProduct:
    return product_upsert(actor=actor, domain_slug=domain, slug=slug, spec=parse_product(body)).product


@pytest.fixture
def consumers(world) -> Consumers:
    owner = Actor(user=world.owner)
    orders = upsert(owner, "sales", "orders", orders_body())
    ledger = upsert(
        Actor(user=world.outsider),
        "finance",
        "ledger",
        {
            "name": "Ledger",
            "status": "published",
            "output_ports": [{"name": "ledger_table", "fields": [{"name": "id", "type": "string"}]}],
            "input_ports": [{"name": "orders", "product": "sales/orders", "port": "orders_table"}],
        },
    )
    analytics_team = TeamFactory(slug="analytics-team", name="Analytics")
    DomainFactory(slug="analytics", name="Analytics", owner_team=analytics_team)
    ana = UserFactory(username="ana")
    MembershipFactory(team=analytics_team, user=ana, role=TeamRole.OWNER)
    report = upsert(
        Actor(user=ana),
        "analytics",
        "report",
        {"name": "Report", "status": "published", "input_ports": [{"name": "ledger", "product": "finance/ledger"}]},
    )
    fiona = UserFactory(username="fiona")
    MembershipFactory(team=world.other_team, user=fiona, role=TeamRole.MEMBER)
    gina = UserFactory(username="gina")
    port = orders.output_ports.get(name="orders_table")
    req = access.access_request_create(actor=Actor(user=gina), port=port, purpose="Dashboards", duration_days=90)
    access.access_request_approve(actor=owner, request_id=req.pk)
    fred = UserFactory(username="fred")
    follow_create(actor=Actor(user=fred), target=world.domain)
    return Consumers(orders, ledger, report, gina, world.outsider, fiona, ana, fred)


@pytest.fixture
def publish(world, django_capture_on_commit_callbacks):
    """Write sales/orders as its owner, running what the write hands on after commit (telling consumers)."""

    def write(body: dict, actor: Actor | None = None) -> DataProduct:
        with django_capture_on_commit_callbacks(execute=True):
            return upsert(actor or Actor(user=world.owner), "sales", "orders", body)

    return write
