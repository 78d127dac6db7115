"""Products per domain and status, kept by triggers on the product table whatever writes it (catalog/counts.py)."""

from __future__ import annotations

import pytest
from django.db import connection

from catalog import counts
from catalog.models import DataProduct, ProductCount
from catalog.selectors import domain_tree, home_summary

pytestmark = pytest.mark.django_db


def kept() -> dict[tuple[int, int, str], int]:
    rows = ProductCount.objects.values_list("domain_id", "owner_team_id", "status", "n")
    return {(d, t, s): n for d, t, s, n in rows if n}


def counted() -> dict[tuple[int, int, str], int]:
    pairs: dict[tuple[int, int, str], int] = {}
    for key in DataProduct.objects.values_list("domain_id", "owner_team_id", "status"):
        pairs[key] = pairs.get(key, 0) + 1
    return pairs


def make(world, slug: str, status: str = "published", domain=None) -> DataProduct:
    return DataProduct.objects.create(
        domain=domain or world.domain, slug=slug, name=slug, owner_team=world.team, status=status
    )


def test_the_triggers_are_installed_by_migrate():
    assert counts.installed() == set(counts.TRIGGERS)


def test_inserts_deletes_status_changes_and_moves_are_counted(world):
    a = make(world, "a")
    make(world, "b", status="draft")
    DataProduct.objects.bulk_create(
        [DataProduct(domain=world.other_domain, slug=f"bulk-{k}", name="b", owner_team=world.team) for k in range(5)]
    )
    assert kept() == counted()
    DataProduct.objects.filter(pk=a.pk).update(status="deprecated")
    assert kept() == counted()
    a.domain = world.other_domain
    a.save()
    assert kept() == counted()
    a.owner_team = world.other_team
    a.save()
    assert kept() == counted()
    DataProduct.objects.filter(domain=world.other_domain, slug__startswith="bulk-").delete()
    assert kept() == counted()
    a.summary = "an update that moves nothing"
    a.save()
    assert kept() == counted()
    with connection.cursor() as cursor:  # raw SQL goes through the triggers too
        cursor.execute("UPDATE catalog_dataproduct SET status = 'retired' WHERE slug = 'b'")
    assert kept() == counted()


def test_the_tree_and_the_home_page_read_the_counts(world):
    make(world, "p1")
    make(world, "p2")
    make(world, "d1", status="draft")
    make(world, "r1", status="retired")
    make(world, "o1", domain=world.other_domain)
    tree = domain_tree()
    assert tree.by_id[world.domain.pk].product_count == 3  # retired left out
    assert tree.by_id[world.other_domain.pk].product_count == 1
    assert home_summary().published_product_count == DataProduct.objects.published().count() == 3


def test_a_lost_trigger_is_installed_again_and_the_counts_recomputed(world):
    make(world, "before")
    with connection.cursor() as cursor:
        cursor.execute(
            f"DROP TRIGGER {counts.TRIGGERS[0]}"
            + (" ON catalog_dataproduct" if connection.vendor == "postgresql" else "")
        )
    make(world, "unseen")  # inserted while the trigger was missing: not counted
    assert kept() != counted()
    assert counts.install() is True
    assert counts.installed() == set(counts.TRIGGERS)
    assert kept() == counted()
    assert counts.install() is False  # nothing missing: nothing done


def test_without_the_count_table_the_triggers_are_dropped(world):
    """Migrated back to before the counts existed: writes to products must still work."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE catalog_productcount")
    assert counts.install() is False
    assert counts.installed() == set()
    make(world, "still-writable")
    assert DataProduct.objects.filter(slug="still-writable").exists()
