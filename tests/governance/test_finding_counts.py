"""Open findings per policy, kept by triggers on the findings table (governance/counts.py), and the policies
page's pass rates read from them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from catalog.models import DataProduct
from governance import counts
from governance.models import Finding, OpenFindingCount
from governance.selectors import policy_rates

pytestmark = pytest.mark.django_db


def kept() -> dict[str, int]:
    return {p: n for p, n in OpenFindingCount.objects.values_list("policy_id", "n") if n}


def counted() -> dict[str, int]:
    out: dict[str, int] = {}
    for policy_id in Finding.objects.open().values_list("policy_id", flat=True):
        out[policy_id] = out.get(policy_id, 0) + 1
    return out


def finding(product, policy_id: str, **fields) -> Finding:
    now = timezone.now()
    return Finding.objects.create(
        product=product, policy_id=policy_id, severity="error", message="m", opened_at=now, last_seen_at=now, **fields
    )


def test_opened_resolved_reopened_and_deleted_findings_are_counted(world):
    a = DataProduct.objects.create(domain=world.domain, slug="a", name="a", owner_team=world.team, status="published")
    b = DataProduct.objects.create(domain=world.domain, slug="b", name="b", owner_team=world.team, status="published")
    one = finding(a, "owner-team")
    finding(b, "owner-team")
    finding(a, "has-description")
    finding(b, "has-description", status="resolved", resolved_at=timezone.now())
    assert kept() == counted() == {"owner-team": 2, "has-description": 1}
    Finding.objects.filter(pk=one.pk).update(status="resolved", resolved_at=timezone.now())
    assert kept() == counted()
    Finding.objects.filter(pk=one.pk).update(status="open", resolved_at=None)
    assert kept() == counted()
    b.delete()  # its findings go by cascade
    assert kept() == counted()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM governance_finding")
    assert kept() == counted() == {}


def test_mesh_pass_rates_read_the_kept_counts(world):
    products = [
        DataProduct.objects.create(
            domain=world.domain, slug=f"p{k}", name=f"p{k}", owner_team=world.team, status="published"
        )
        for k in range(4)
    ]
    DataProduct.objects.create(domain=world.domain, slug="d", name="d", owner_team=world.team, status="draft")
    finding(products[0], "owner-team")
    rates = {r.policy.id: r for r in policy_rates()}
    assert rates["owner-team"].applicable == DataProduct.objects.published().count()
    assert rates["owner-team"].failing == 1
    domain_rates = {r.policy.id: r for r in policy_rates(world.domain)}
    assert domain_rates["owner-team"].applicable == 4
    assert domain_rates["owner-team"].failing == 1


def test_lost_triggers_are_installed_again_and_the_counts_recomputed(world):
    product = DataProduct.objects.create(domain=world.domain, slug="a", name="a", owner_team=world.team)
    suffix = " ON governance_finding" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER governance_finding_count_insert{suffix}")
    finding(product, "owner-team")
    assert kept() != counted()
    assert counts.TRIGGER_SET.install() is True
    assert kept() == counted()
