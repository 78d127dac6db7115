"""Raw usage records are pruned after the retention (daily beat task); the rollups stay. Milestones follow writes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.checks import run_checks
from django.utils import timezone

from usage.models import ProductMilestone, UsageMonth, UsageRecord
from usage.retention import usage_prune
from usage.services import UsageIn, usage_record
from usage.tasks import prune_usage

pytestmark = pytest.mark.django_db


def _item(port, days_ago: int) -> UsageIn:
    return UsageIn(
        day=timezone.now().date() - timedelta(days=days_ago), product="", port_id=port.pk, port_name="",
        team="finance-team", user="", queries=5, rows_read=1, bytes_read=1, compute_seconds=1.0,
        cost=Decimal("0.5"), currency="EUR",
    )  # fmt: skip


def test_old_records_are_pruned_and_the_rollups_stay(world, port):
    usage_record(actor=None, items=[_item(port, 10), _item(port, 200)])
    later = timezone.now().date() + timedelta(days=300)  # the first is 310 days old then, the second 500
    assert usage_prune(today=later) == 1
    assert UsageRecord.objects.count() == 1
    assert sum(m.queries for m in UsageMonth.objects.all()) == 10


def test_the_beat_schedule_runs_the_prune_daily(world, port, settings):
    assert settings.CELERY_BEAT_SCHEDULE["usage-prune-records"] == {
        "task": "usage.tasks.prune_usage",
        "schedule": 86400.0,
    }
    settings.PORTAL_USAGE_RETENTION_DAYS = 100
    usage_record(actor=None, items=[_item(port, 150), _item(port, 5)])
    assert prune_usage.delay().get() == 1


def test_a_retention_too_short_for_the_90_day_policy_is_a_system_error(settings):
    settings.PORTAL_USAGE_RETENTION_DAYS = 30
    assert "usage.E001" in {m.id for m in run_checks()}


def test_a_product_published_through_the_api_gets_its_milestone(world, team_client, django_capture_on_commit_callbacks):
    body = {"name": "Invoices", "summary": "Invoices.", "status": "draft"}
    with django_capture_on_commit_callbacks(execute=True):
        assert team_client.put("/api/v1/products/sales/invoices", body, format="json").status_code in (200, 201)
    milestone = ProductMilestone.objects.get(product__slug="invoices")
    assert milestone.published_at is None and not milestone.estimated
    with django_capture_on_commit_callbacks(execute=True):
        team_client.put("/api/v1/products/sales/invoices", {**body, "status": "published"}, format="json")
    milestone.refresh_from_db()
    assert milestone.published_at is not None
