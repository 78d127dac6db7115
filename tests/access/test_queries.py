"""Lists cost the same number of queries however many rows they show (no query per request, grant or delivery)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access import services
from access.models import DomainAccessSettings, Grant, WebhookDelivery
from catalog.models import AccessMode, TeamRole
from core.actors import Actor
from tests.factories import MembershipFactory, OutputPortFactory, UserFactory

API = "/api/v1/access"


def _grow(world, shop, n: int, start: int) -> None:
    """n more people, each with an approved request on a port of their own and a pending one on the shop's port,
    half of them for a team, and a delivery for each grant."""
    for i in range(start, start + n):
        person = UserFactory(username=f"consumer{i}")
        team = world.other_team if i % 2 else None
        if team is not None:
            MembershipFactory(team=team, user=person, role=TeamRole.MEMBER)
        port = OutputPortFactory(
            product=shop.product, name=f"extra_{i}", access_mode=AccessMode.ON_REQUEST, position=i + 2
        )
        approved = services.access_request_create(
            actor=Actor(user=person), port=port, team=team, purpose="p", duration_days=5
        )
        services.access_request_approve(actor=Actor(user=world.owner), request_id=approved.pk)
        services.access_request_create(actor=Actor(user=person), port=shop.port, purpose="q", duration_days=5)
        WebhookDelivery.objects.create(
            domain=world.domain,
            grant=Grant.objects.get(request=approved),
            event="grant.created",
            url="https://hooks.example/x",
            payload={},
        )


def _count(fetch) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = fetch()
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("owner", f"{API}/requests"),
        ("owner", f"{API}/approvals"),
        ("owner", f"{API}/grants"),
        ("owner", f"{API}/domains/sales/deliveries"),
        ("staff", f"{API}/requests?status=approved"),
        ("owner", "/access/approvals/"),
        ("owner", "/access/domains/sales/"),
        ("owner", "PRODUCT"),
    ],
)
def test_lists_do_not_grow_queries_with_rows(world, shop, client, who, url):
    DomainAccessSettings.objects.create(domain=world.domain)
    client.force_login(getattr(world, who))
    target = shop.product.get_absolute_url() if url == "PRODUCT" else url
    _grow(world, shop, 2, 0)
    few = _count(lambda: client.get(target))
    _grow(world, shop, 4, 2)
    many = _count(lambda: client.get(target))
    # Not more (other apps' sections of the product page may even need fewer once their caches are warm).
    assert many <= few, f"{target}: {few} queries for 2 consumers, {many} for 6"


def test_my_requests_page_does_not_grow_queries(world, shop, client):
    person = UserFactory(username="carla")
    MembershipFactory(team=world.other_team, user=person, role=TeamRole.MEMBER)
    client.force_login(person)

    def add(i: int) -> None:
        port = OutputPortFactory(product=shop.product, name=f"p{i}", access_mode=AccessMode.OPEN, position=i + 2)
        services.access_request_create(
            actor=Actor(user=person), port=port, team=world.other_team if i % 2 else None, purpose="p", duration_days=3
        )

    for i in range(2):
        add(i)
    few = _count(lambda: client.get("/access/requests/"))
    for i in range(2, 6):
        add(i)
    assert _count(lambda: client.get("/access/requests/")) <= few
