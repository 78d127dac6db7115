"""core.statistics.analyze(), which seed_demo --scale runs after its load: fresh planner statistics, and on
PostgreSQL the dead row versions the counting triggers leave behind removed."""

from __future__ import annotations

import pytest
from django.db import connection

from catalog.models import DataProduct
from core.statistics import analyze
from tests.factories import ProductFactory


def _dead_and_analyzed(table: str) -> tuple[int, bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute(
            "SELECT n_dead_tup, last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s", [table]
        )
        dead, analyzed = cursor.fetchone()
    return dead, analyzed


@pytest.mark.skipif(connection.vendor != "postgresql", reason="VACUUM is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_it_vacuums_the_kept_counts(world):
    products = [ProductFactory(domain=world.domain) for _ in range(30)]
    DataProduct.objects.filter(pk__in=[p.pk for p in products]).delete()  # each delete updates a count row
    assert _dead_and_analyzed("catalog_productcount")[0] > 0
    analyze()
    assert _dead_and_analyzed("catalog_productcount") == (0, True)


@pytest.mark.django_db
def test_inside_a_transaction_it_only_analyzes(world):
    ProductFactory(domain=world.domain)
    analyze()  # VACUUM cannot run in a transaction; ANALYZE can, on both engines
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'catalog_dataproduct'")
            assert cursor.fetchone()[0] > 0
