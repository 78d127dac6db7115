"""Mesh metrics: time to market, products over time, the cross-domain matrix and share; on /mesh/ and the API."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from access import services as access_services
from catalog.models import InputPort
from core.actors import Actor
from tests.factories import OutputPortFactory, ProductFactory
from usage import mesh
from usage.models import ProductMilestone
from usage.services import UsageIn, milestones_record, milestones_set_history, usage_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(world, product, port):
    """orders (sales) is granted to finance-team and read by finance's revenue product; finance's own ledger is
    used by nobody outside finance."""
    now = timezone.now()
    revenue = ProductFactory(domain=world.other_domain, slug="revenue", owner_team=world.other_team, status="published")
    ledger = ProductFactory(domain=world.other_domain, slug="ledger", owner_team=world.other_team, status="published")
    ledger_port = OutputPortFactory(product=ledger, name="t")
    InputPort.objects.create(product=revenue, name="orders", source_port=port)
    req = access_services.access_request_create(
        actor=Actor(user=world.outsider),
        port=port,
        purpose="Revenue reporting",
        duration_days=30,
        team=world.other_team,
    )
    access_services.access_request_approve(actor=Actor(user=world.owner), request_id=req.pk)
    usage_record(
        actor=Actor(user=world.staff),
        items=[
            UsageIn(
                day=now.date(),
                product="",
                port_id=port.pk,
                port_name="",
                team="finance-team",
                user="",
                queries=40,
                rows_read=0,
                bytes_read=0,
                compute_seconds=0.0,
                cost=Decimal(1),
                currency="EUR",
            ),
            UsageIn(
                day=now.date(),
                product="",
                port_id=ledger_port.pk,
                port_name="",
                team="finance-team",
                user="",
                queries=5,
                rows_read=0,
                bytes_read=0,
                compute_seconds=0.0,
                cost=Decimal(1),
                currency="EUR",
            ),
        ],
    )
    milestones_set_history(
        rows=[
            (product.pk, now - timedelta(days=10), now - timedelta(days=6)),
            (revenue.pk, now - timedelta(days=3), now - timedelta(days=1)),
            (ledger.pk, now - timedelta(days=5), now - timedelta(days=5)),
        ]
    )
    return revenue, ledger


def test_the_figures(world, product, network):
    m = mesh.mesh_metrics()
    cell = m.matrix[(world.other_domain.pk, world.domain.pk)]
    assert (cell.grants, cell.inputs, cell.queries) == (1, 1, 40)
    assert m.matrix[(world.other_domain.pk, world.other_domain.pk)].queries == 5
    # orders is consumed from outside sales; revenue by nobody; ledger only inside finance.
    assert (m.published_products, m.consumed_outside, m.consumed_at_all) == (3, 1, 2)
    sales = next(t for t in m.time_by_domain if t.slug == "sales")
    assert sales.draft_to_published_days == pytest.approx(4.0)
    # Its first consumer is today's usage (counted from midnight UTC, before the grant made now).
    now = timezone.now()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    expected = (midnight - (now - timedelta(days=6))).total_seconds() / 86400
    assert sales.to_first_consumer_days == pytest.approx(expected, abs=0.06)
    finance = next(t for t in m.time_by_domain if t.slug == "finance")
    assert finance.draft_to_published_days == pytest.approx(1.0)  # median of 2 and 0
    assert sum(m.published_by_month[world.other_domain.pk][-1:]) == 2


def test_milestones_follow_product_writes(world):
    draft = ProductFactory(domain=world.domain, slug="later", owner_team=world.team, status="draft")
    milestones_record(product_ids=[draft.pk])
    assert ProductMilestone.objects.get(pk=draft.pk).published_at is None
    draft.status = "published"
    draft.save()
    milestones_record(product_ids=[draft.pk])
    first = ProductMilestone.objects.get(pk=draft.pk).published_at
    assert first is not None
    milestones_record(product_ids=[draft.pk])  # seen again: the first publication stays
    assert ProductMilestone.objects.get(pk=draft.pk).published_at == first


def test_dashboard_and_api(client, world, network, user_client):
    client.force_login(world.member)
    page = client.get("/mesh/").content.decode()
    assert "Time to market" in page and "Who consumes whose data" in page and '<svg class="chart network"' in page
    body = user_client(world.member).get("/api/v1/mesh/metrics").json()
    assert body["consumed_outside_own_domain"]["consumed_outside"] == 1
    assert body["consumed_outside_own_domain"]["how"]
    edge = next(e for e in body["network"]["edges"] if e["producer_domain"] == "sales")
    assert edge == {
        "consumer_domain": "finance",
        "producer_domain": "sales",
        "grants": 1,
        "input_ports": 1,
        "queries": 40,
    }
    assert body["time_to_market"]["how"]["draft_to_published"]


def test_mesh_metrics_take_a_fixed_number_of_queries(world, product, port, network, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        mesh.mesh_metrics()
    for n in range(8):
        other = ProductFactory(domain=world.other_domain, slug=f"c{n}", owner_team=world.other_team, status="published")
        InputPort.objects.create(product=other, name="orders", source_port=port)
    with django_assert_max_num_queries(9):
        mesh.mesh_metrics()
