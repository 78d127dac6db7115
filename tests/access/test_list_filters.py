"""Every combination of the documented filters of the grants and requests lists, for a requester, a decider and
staff: each answers 200 with exactly the rows that person may see and the filters keep, each row once.

`GET /access/grants?active=true` answered 500 for everyone but staff: the visible grants were a `distinct()`
queryset, and `&` with the active ones raised "Cannot combine a unique query with a non-unique query".
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from access import services
from access.models import AccessRequest, Grant
from catalog.models import AccessMode, TeamRole
from core.actors import Actor
from tests.factories import MembershipFactory, OutputPortFactory, ProductFactory, TeamFactory

API = "/api/v1/access"
ROLES = ["requester", "decider", "staff"]


@dataclass
class Row:
    pk: int
    product: str
    status: str
    seen_by: set[str]
    active: bool = False  # grants: active and not past expiry
    mine_of: str = ""  # requests: the role that made it


@dataclass
class Scene:
    grants: list[Row]
    requests: list[Row]


def _on_request_port(domain, slug: str):
    product = ProductFactory(domain=domain, slug=slug, name=slug.title())
    return OutputPortFactory(product=product, name=f"{slug}_table", access_mode=AccessMode.ON_REQUEST)


@pytest.fixture
def scene(world, shop) -> Scene:
    """Mia (a member of sales-team, who decides nothing) requests; Olivia (owner of sales-team) decides the sales
    products; Oscar decides finance's; Sam is staff. The rows are listed with who of the three sees them."""
    mia, olivia, oscar, stefan, sam = (
        Actor(user=u) for u in (world.member, world.owner, world.outsider, world.steward, world.staff)
    )
    customers = _on_request_port(world.domain, "customers")
    ledger = _on_request_port(world.other_domain, "ledger")

    def ask(actor, port, team=None):
        return services.access_request_create(actor=actor, port=port, team=team, purpose="p", duration_days=10)

    def approve(decider, req):
        services.access_request_approve(actor=decider, request_id=req.pk)
        return Grant.objects.get(request=req)

    r1 = ask(mia, shop.port)
    mine = approve(olivia, r1)
    # A team both Mia and Olivia belong to: Olivia sees its grant as a member and as the decider, once.
    insights = TeamFactory(slug="insights-team")
    for person in (world.member, world.owner):
        MembershipFactory(team=insights, user=person, role=TeamRole.MEMBER)
    r2 = ask(mia, shop.open_port, team=insights)  # an open port: granted at once, to the team
    team_grant = Grant.objects.get(request=r2)
    services.grant_revoke(actor=olivia, grant_id=team_grant.pk, reason="Ended")
    # Granted for ten days twenty days ago, and the expiry task has not run: "active" in status, but not active.
    with time_machine.travel(timezone.now() - timedelta(days=20)):
        r3 = ask(mia, customers)
        lapsed = approve(olivia, r3)
    r4 = ask(mia, ledger)
    r5 = ask(oscar, shop.port)
    r6 = ask(stefan, ledger)
    finance = approve(oscar, r6)
    r7 = ask(oscar, shop.open_port, team=world.other_team)
    finance_team = Grant.objects.get(request=r7)
    r8 = ask(sam, customers)
    r9 = ask(olivia, ledger)

    everyone = {"requester", "decider", "staff"}
    grants = [
        Row(mine.pk, "sales/orders", "active", everyone, active=True),
        Row(team_grant.pk, "sales/orders", "revoked", everyone),
        Row(lapsed.pk, "sales/customers", "active", everyone),
        Row(finance.pk, "finance/ledger", "active", {"staff"}, active=True),
        Row(finance_team.pk, "sales/orders", "active", {"decider", "staff"}, active=True),
    ]
    requests = [
        Row(r1.pk, "sales/orders", "approved", everyone, mine_of="requester"),
        Row(r2.pk, "sales/orders", "approved", everyone, mine_of="requester"),
        Row(r3.pk, "sales/customers", "approved", everyone, mine_of="requester"),
        Row(r4.pk, "finance/ledger", "pending", {"requester", "staff"}, mine_of="requester"),
        Row(r5.pk, "sales/orders", "pending", {"decider", "staff"}),
        Row(r6.pk, "finance/ledger", "approved", {"staff"}),
        Row(r7.pk, "sales/orders", "approved", {"decider", "staff"}),
        Row(r8.pk, "sales/customers", "pending", {"decider", "staff"}, mine_of="staff"),
        Row(r9.pk, "finance/ledger", "pending", {"decider", "staff"}, mine_of="decider"),
    ]
    # The scene is what the rows say it is (so a wrong expectation fails here, not as a puzzling list below).
    assert {g.pk: (g.status, g.is_active) for g in Grant.objects.all()} == {r.pk: (r.status, r.active) for r in grants}
    assert dict(AccessRequest.objects.values_list("pk", "status")) == {r.pk: r.status for r in requests}
    return Scene(grants, requests)


def _combinations(filters: dict[str, str]):
    """Every subset of the filters, from none to all of them."""
    for n in range(len(filters) + 1):
        for names in itertools.combinations(filters, n):
            yield {name: filters[name] for name in names}


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


def _person(world, role: str):
    return {"requester": world.member, "decider": world.owner, "staff": world.staff}[role]


@pytest.mark.parametrize("role", ROLES)
def test_grants_list_answers_every_filter_combination(world, scene, user_client, role):
    client = user_client(_person(world, role))
    wrong = {}
    for params in _combinations({"product": "sales/orders", "status": "active", "active": "true"}):
        expected = sorted(
            row.pk
            for row in scene.grants
            if role in row.seen_by
            and params.get("product", row.product) == row.product
            and params.get("status", row.status) == row.status
            and (row.active or "active" not in params)
        )
        got = _ids(client.get(f"{API}/grants", params))
        if got != expected:
            wrong[str(params)] = (got, expected)
    assert wrong == {}


@pytest.mark.parametrize("role", ROLES)
def test_requests_list_answers_every_filter_combination(world, scene, user_client, role):
    client = user_client(_person(world, role))
    wrong = {}
    for params in _combinations({"product": "sales/orders", "status": "approved", "mine": "true"}):
        expected = sorted(
            row.pk
            for row in scene.requests
            if role in row.seen_by
            and params.get("product", row.product) == row.product
            and params.get("status", row.status) == row.status
            and (row.mine_of == role or "mine" not in params)
        )
        got = _ids(client.get(f"{API}/requests", params))
        if got != expected:
            wrong[str(params)] = (got, expected)
    assert wrong == {}
