"""core.bulk's statements against the ORM's own: what they store is what bulk_create would have stored.

Runs on both databases (the PostgreSQL pass of `make test` too): the ON CONFLICT clauses are written for both.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from core.bulk import insert_ignoring_conflicts, upsert
from governance.models import Finding, FindingStatus, ProductScore
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _finding(product, policy_id: str, message: str, now) -> Finding:
    return Finding(
        product=product, policy_id=policy_id, severity="warning", message=message, opened_at=now, last_seen_at=now
    )


def test_insert_ignoring_conflicts_skips_rows_a_partial_unique_constraint_refuses():
    now = timezone.now()
    product = ProductFactory()
    Finding.objects.create(
        product=product,
        policy_id="old",
        severity="info",
        message="resolved",
        status=FindingStatus.RESOLVED,
        opened_at=now,
        last_seen_at=now,
        resolved_at=now,
    )
    Finding.objects.create(
        product=product, policy_id="taken", severity="error", message="first", opened_at=now, last_seen_at=now
    )

    insert_ignoring_conflicts(
        Finding,
        [
            _finding(product, "taken", "second", now),
            _finding(product, "old", "reopened", now),
            _finding(product, "new", "n", now),
        ],
    )

    rows = sorted(Finding.objects.filter(product=product).values_list("policy_id", "status", "message", "severity"))
    assert rows == [
        ("new", "open", "n", "warning"),  # the default status is stored, as the ORM stores it
        ("old", "open", "reopened", "warning"),  # the constraint holds only for open rows
        ("old", "resolved", "resolved", "info"),
        ("taken", "open", "first", "error"),  # the open one stays as it was
    ]


def test_insert_ignoring_conflicts_of_nothing_writes_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        insert_ignoring_conflicts(Finding, [])


def _score(product, score: float, now) -> ProductScore:
    return ProductScore(
        product=product, domain_id=product.domain_id, score=score, checked=4, passed=3, evaluated_at=now
    )


def test_upsert_writes_the_key_of_a_model_whose_primary_key_is_not_generated():
    """ProductScore's key is its product: the INSERT must name it (an AutoField key is left to the database)."""
    now = timezone.now()
    kept, changed, added = ProductFactory(), ProductFactory(), ProductFactory()
    ProductScore.objects.create(product=kept, domain_id=kept.domain_id, score=10, checked=1, passed=0, evaluated_at=now)
    ProductScore.objects.create(
        product=changed, domain_id=changed.domain_id, score=20, checked=1, passed=0, evaluated_at=now
    )

    upsert(
        ProductScore,
        [_score(changed, 75.0, now), _score(added, 50.0, now)],
        unique=["product"],
        update=["score", "checked", "passed"],
    )

    assert dict(ProductScore.objects.values_list("product_id", "score")) == {
        kept.pk: 10,
        changed.pk: 75.0,
        added.pk: 50.0,
    }
    assert ProductScore.objects.get(product=changed).checked == 4
    assert ProductScore.objects.get(product=added).errors == 0  # a field's default is stored


def test_values_of_other_types_are_prepared_by_their_fields_as_the_orm_prepares_them():
    """str, int, bool and float values go in as they are; anything else (a lazy string, an int for a text
    column) goes through the field."""
    from django.utils.translation import gettext_lazy

    from governance.models import Severity

    now = timezone.now()
    product = ProductFactory()
    messages: list[Any] = [gettext_lazy("lazy text"), 42, "plain"]
    rows = [
        Finding(
            product_id=product.pk,
            policy_id=str(n),
            severity=Severity.ERROR,  # a str subclass, kept as it is (as CharField.to_python keeps it)
            message=message,
            opened_at=now,
            last_seen_at=now,
        )
        for n, message in enumerate(messages)
    ]
    insert_ignoring_conflicts(Finding, rows)

    stored = sorted(Finding.objects.filter(product=product).values_list("policy_id", "message", "severity"))
    assert stored == [("0", "lazy text", "error"), ("1", "42", "error"), ("2", "plain", "error")]
    assert [type(m) for _, m, _ in stored] == [str, str, str]
