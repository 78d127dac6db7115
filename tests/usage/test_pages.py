"""Show-back pages and the product page's usage part: what each viewer sees, cost hidden from others, flat
queries, CSV export guarded."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.actors import Actor
from tests.factories import OutputPortFactory, ProductFactory, TeamFactory, UserFactory
from usage.permissions import cost_viewer
from usage.selectors import product_showback, team_showback
from usage.services import UsageIn, usage_record

pytestmark = pytest.mark.django_db


def _records(port, team, days: int = 20, cost: str = "2.50", user=None):
    today = timezone.now().date()
    return [
        UsageIn(
            day=today - timedelta(days=n),
            product="",
            port_id=port.pk,
            port_name="",
            team=team.slug if team else "",
            user=user.username if user else "",
            queries=10 + n,
            rows_read=100,
            bytes_read=2_000_000,
            compute_seconds=60.0,
            cost=Decimal(cost),
            currency="EUR",
        )
        for n in range(days)
    ]


@pytest.fixture
def used(world, port):
    usage_record(actor=Actor(user=world.staff), items=_records(port, world.other_team))
    return port


def test_product_page_shows_consumers_and_cost_only_to_who_may_see_it(client, world, used, product):
    url = "/usage/products/sales/orders/"
    client.force_login(world.member)  # the owning team
    page = client.get(url).content.decode()
    assert "Finance Team" in page and "EUR" in page
    client.force_login(world.outsider)  # owner of the consuming team: sees its own cost
    page = client.get(url).content.decode()
    assert "EUR" in page
    stranger = UserFactory(username="nobody")
    client.force_login(stranger)
    page = client.get(url).content.decode()
    assert "Finance Team" in page  # usage is public to the signed-in
    assert "EUR" not in page and "hidden" in page


def test_selectors_hide_cost(world, used, product):
    stranger = UserFactory(username="nobody")
    board = product_showback(product, cost_viewer(Actor(user=stranger)))
    assert not board.cost_visible and board.total.cost == {}
    assert all(not line.totals.cost_visible and not line.totals.cost for line in board.lines)
    assert board.total.queries > 0 and board.active_consumers == 1
    owner = product_showback(product, cost_viewer(Actor(user=world.owner)))
    assert owner.cost_visible and sum(owner.total.cost.values()) == 50
    team = team_showback(world.other_team, cost_viewer(Actor(user=stranger)))
    assert not team.cost_visible and team.lines and not team.lines[0].totals.cost
    # The producing team's owner sees the cost on its own product in the consumer's show-back, not the whole bill.
    producer_view = team_showback(world.other_team, cost_viewer(Actor(user=world.owner)))
    assert not producer_view.cost_visible and producer_view.lines[0].totals.cost
    assert team_showback(world.other_team, cost_viewer(Actor(user=world.outsider))).cost_visible
    assert team_showback(world.other_team, cost_viewer(Actor(user=world.staff))).cost_visible


def test_a_person_sees_their_own_cost_only(world, port, product):
    reader = UserFactory(username="reader")
    usage_record(actor=Actor(user=world.staff), items=_records(port, None, days=3, user=reader))
    usage_record(actor=Actor(user=world.staff), items=_records(port, world.other_team, days=3))
    board = product_showback(product, cost_viewer(Actor(user=reader)))
    seen = {line.kind: bool(line.totals.cost) for line in board.lines}
    assert seen == {"user": True, "team": False}


def test_team_page_and_csv(client, world, used):
    client.force_login(world.outsider)
    page = client.get("/usage/teams/finance-team/").content.decode()
    assert "Orders" in page and "Sales" in page and "EUR" in page
    csv = client.get("/usage/teams/finance-team/showback.csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert "sales/orders" in csv.content.decode()
    client.force_login(UserFactory(username="nobody"))
    hidden = client.get("/usage/teams/finance-team/showback.csv").content.decode()
    assert "EUR" not in hidden


def test_csv_cells_that_look_like_formulas_are_quoted(client, world):
    product = ProductFactory(domain=world.domain, slug="evil", name="=HYPERLINK(1)", owner_team=world.team)
    port = OutputPortFactory(product=product, name="t")
    team = TeamFactory(slug="minus-team", name="-2+3")
    usage_record(actor=Actor(user=world.staff), items=_records(port, team, days=1))
    client.force_login(world.owner)
    body = client.get("/usage/products/sales/evil/usage.csv").content.decode()
    assert "'-2+3" in body and "\n-2+3" not in body


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_pages_take_a_flat_number_of_queries(client, rf, world, product):
    """More consumers of a product, and more products a team consumes: the same number of queries."""

    def add(n: int):
        for i in range(n):
            team = TeamFactory(slug=f"consumer-{n}-{i}")
            port = OutputPortFactory(product=product, name=f"o{n}{i}")
            usage_record(actor=Actor(user=world.staff), items=_records(port, team, days=2))
            other = ProductFactory(domain=world.domain, slug=f"p-{n}-{i}", owner_team=world.team)
            usage_record(
                actor=Actor(user=world.staff),
                items=_records(OutputPortFactory(product=other, name="t"), world.other_team, days=2),
            )

    client.force_login(world.outsider)
    request = rf.get("/")
    request.user = world.outsider
    tag = Template("{% load usage_tags %}{% product_usage product %}")

    def measure() -> list[int]:
        return [
            _count(lambda: client.get("/usage/products/sales/orders/")),
            _count(lambda: client.get("/usage/teams/finance-team/")),
            _count(lambda: client.get("/usage/teams/finance-team/showback.csv")),
            _count(lambda: client.get("/usage/products/sales/orders/usage.csv")),
            _count(lambda: tag.render(Context({"product": product, "request": request}))),
        ]

    add(2)
    few = measure()
    add(10)
    assert measure() == few
