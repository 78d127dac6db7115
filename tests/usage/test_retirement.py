"""Products nobody used for 90 days are retirement candidates: an info finding, and their owners are told."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.actors import Actor
from core.models import Notification
from governance import services
from governance.models import Finding
from tests.factories import ProductFactory
from usage.services import UsageIn, milestones_set_history, usage_record

pytestmark = pytest.mark.django_db
POLICY = "retirement-candidate"


def _use(port, days_ago: int, world):
    usage_record(
        actor=Actor(user=world.staff),
        items=[
            UsageIn(
                day=timezone.now().date() - timedelta(days=days_ago),
                product="",
                port_id=port.pk,
                port_name="",
                team="finance-team",
                user="",
                queries=3,
                rows_read=0,
                bytes_read=0,
                compute_seconds=0.0,
                cost=Decimal(0),
                currency="EUR",
            )
        ],
    )


def _finding(product):
    return Finding.objects.open().filter(product=product, policy_id=POLICY).first()


def test_an_old_unused_product_is_flagged_and_its_owners_told(world, product, port, django_capture_on_commit_callbacks):
    now = timezone.now()
    milestones_set_history(rows=[(product.pk, now - timedelta(days=200), now - timedelta(days=150))])
    _use(port, 120, world)
    with django_capture_on_commit_callbacks(execute=True):
        services.governance_evaluate(product_ids=[product.pk])
    finding = _finding(product)
    assert finding is not None and "last used on" in finding.message
    told = Notification.objects.filter(kind="governance.retirement_candidates", recipient=world.owner).get()
    assert "Orders" in told.body
    # Used again: the finding resolves.
    _use(port, 1, world)
    services.governance_evaluate(product_ids=[product.pk])
    assert _finding(product) is None


def test_a_young_or_used_product_is_not_flagged(world, product, port):
    services.governance_evaluate(product_ids=[product.pk])  # published just now
    assert _finding(product) is None
    now = timezone.now()
    milestones_set_history(rows=[(product.pk, now - timedelta(days=200), now - timedelta(days=150))])
    _use(port, 30, world)
    services.governance_evaluate(product_ids=[product.pk])
    assert _finding(product) is None


def test_a_run_over_many_candidates_counts_them_all_and_keeps_only_the_lines_it_shows(world, monkeypatch):
    monkeypatch.setattr(services, "NEWS_LINES", 2)
    products = [
        ProductFactory(domain=world.domain, slug=f"old-{i}", name=f"Old {i}", owner_team=world.team, status="published")
        for i in range(5)
    ]
    now = timezone.now()
    milestones_set_history(rows=[(p.pk, now - timedelta(days=200), now - timedelta(days=150)) for p in products])
    result = services.governance_evaluate_all(batch_size=2)  # three batches
    held = result.retiring[world.team.pk]
    assert held.count == 5 and len(held.lines) == 2  # a run over 1M unused products no longer holds 1M lines
    told = Notification.objects.filter(kind="governance.retirement_candidates", recipient=world.owner).get()
    assert told.title == "5 products of your team unused for 90 days"
    assert "Old 0" in told.body and "Old 1" in told.body and "Old 2" not in told.body
    assert "... and 3 more." in told.body
