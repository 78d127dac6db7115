"""Open findings per policy, kept by triggers on the findings table (governance/counts.py), and the policies
page's pass rates read from them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from catalog.models import DataProduct
from governance import counts, selectors
from governance.models import Finding, OpenFindingCount, ProductScore
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


def scores_by_domain() -> dict[int, dict]:
    """The dashboards' aggregates (selectors._AGGREGATES, every kept column) computed the slow way, from every score."""
    rows = ProductScore.objects.values("domain_id").annotate(**selectors._AGGREGATES).order_by()
    return {row["domain_id"]: {k: v for k, v in row.items() if k != "domain_id"} for row in rows}


def assert_totals_match() -> None:
    expected = scores_by_domain()
    kept_totals = counts.score_totals()
    assert set(kept_totals) == set(expected)
    for domain_id, want in expected.items():
        got = kept_totals[domain_id]
        for key, value in want.items():
            if value is None:  # SUM of nothing: the kept sum is 0, with a count of 0
                assert not got[key] or key == "evaluated_at", (key, got[key])
            elif isinstance(value, float):
                assert got[key] == pytest.approx(value), key
            else:
                assert got[key] == value, key


def score(product, **fields) -> ProductScore:
    values = {"score": 80.0, "checked": 5, "passed": 4, "errors": 1, "evaluated_at": timezone.now(), **fields}
    return ProductScore.objects.create(product=product, domain=product.domain, **values)


def test_domain_score_totals_follow_every_write(world):
    made = [
        DataProduct.objects.create(
            domain=world.domain if k % 2 else world.other_domain, slug=f"s{k}", name="s", owner_team=world.team
        )
        for k in range(4)
    ]
    score(made[0])
    score(made[1], score=55.5, slo_compliance=0.97, consumers=3, health=61.25, health_at=timezone.now())
    score(made[2], score=100.0, errors=0, health=90.0)
    assert_totals_match()
    ProductScore.objects.filter(product=made[0]).update(score=42.0, health=10.0, slo_compliance=0.5)
    assert_totals_match()
    ProductScore.objects.filter(product=made[1]).update(domain=world.other_domain)  # a product moved
    assert_totals_match()
    ProductScore.objects.filter(product=made[2]).delete()
    assert_totals_match()
    made[0].delete()  # its score goes by cascade
    assert_totals_match()


def test_dashboard_rows_read_the_totals(world, django_assert_max_num_queries):
    from governance.selectors import domain_figures

    product = DataProduct.objects.create(domain=world.domain, slug="x", name="x", owner_team=world.team)
    score(product, score=70.0, health=65.0, health_at=timezone.now())
    figures = domain_figures([world.domain.pk])[world.domain.pk]
    assert figures.products == 1 and figures.governance == 70.0 and figures.health == 65.0
    assert counts.SCORE_TRIGGERS.installed() == set(counts.SCORE_TRIGGERS.names)
