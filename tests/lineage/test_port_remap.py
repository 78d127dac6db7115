"""A change of output ports matches again only the datasets it can move, found by their stored key digests."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps as django_apps
from django.db import connection

from catalog.locations import dataset_lookup_keys, key_digest
from catalog.models import OutputPort
from lineage import graph as graph_module
from lineage.graph import get_graph
from lineage.models import Dataset, DatasetSymlink
from lineage.ports import datasets_named
from tests.factories import OutputPortFactory, ProductFactory
from tests.lineage.conftest import dataset, run_event

pytestmark = [pytest.mark.django_db]
WH = "postgres://wh:5432"
HIVE = "hive://metastore"


def mapped(graph) -> dict[str, list[int]]:
    names = dict(Dataset.objects.values_list("pk", "name"))
    return {names[d]: [m.port_id for m in ms] for d, ms in graph.port_matches.items()}


@pytest.fixture
def reported(world, send):
    """Three tables the lineage reports (one also known by a Hive symlink) and a graph built over them."""
    symlinked = dataset(WH, "raw.events", symlinks={"identifiers": [{"namespace": HIVE, "name": "lake.events"}]})
    send(run_event("load", [dataset(WH, "raw.orders"), symlinked], [dataset(WH, "shop.orders")]))
    graph = get_graph()
    graph.refresh()
    return graph


def new_port(world, slug: str, location: str) -> OutputPort:
    return OutputPortFactory(product=ProductFactory(domain=world.domain, slug=slug), name="data", location=location)


def test_datasets_and_symlinks_store_the_digests_of_their_keys(reported):
    row = Dataset.objects.get(name="raw.events")
    exact, bare = dataset_lookup_keys(WH, "raw.events")
    assert (row.exact_digest, row.bare_digest) == (key_digest(exact), key_digest(bare))
    link = DatasetSymlink.objects.get(dataset=row)
    assert link.exact_digest == key_digest(dataset_lookup_keys(HIVE, "lake.events")[0])
    (made,) = Dataset.objects.bulk_create([Dataset(namespace=WH, name="x.y")])
    assert made.exact_digest == key_digest(f"={WH}|x.y") and len(made.bare_digest) == 16


def test_datasets_named_finds_them_by_own_name_symlink_and_bare_name(reported):
    by_name = dict(Dataset.objects.values_list("name", "pk"))
    assert datasets_named([f"={WH}|shop.orders"]) == {by_name["shop.orders"]}
    assert datasets_named([f"={HIVE}|lake.events"]) == {by_name["raw.events"]}  # through the symlink
    assert datasets_named(["~raw.orders"]) == {by_name["raw.orders"]}  # a location without a scheme
    assert datasets_named(["=nowhere|x", ""]) == set()


def test_a_new_port_maps_the_dataset_it_names_without_matching_every_dataset(world, reported):
    full_map_at = reported.full_map_at
    port = new_port(world, "orders", f"{WH}/shop.orders")
    lake = new_port(world, "events", f"{HIVE}/lake.events")
    bare = new_port(world, "raw", "raw.orders")
    nothing = new_port(world, "none", f"{WH}/not.reported")

    reported.refresh()

    assert mapped(reported) == {"shop.orders": [port.pk], "raw.events": [lake.pk], "raw.orders": [bare.pk]}
    assert nothing.pk not in reported.ports.product_of
    assert reported.full_map_at == full_map_at  # only the datasets the new ports name were matched again


def test_a_moved_port_leaves_its_old_dataset_and_maps_the_new_one(world, reported):
    port = new_port(world, "orders", f"{WH}/shop.orders")
    reported.refresh()
    reported.remapped = False  # as after the product graph was built
    full_map_at = reported.full_map_at

    port.location = f"{WH}/raw.orders"
    port.save()
    reported.refresh()

    assert mapped(reported) == {"raw.orders": [port.pk]}
    by_name = dict(Dataset.objects.values_list("name", "pk"))
    # Both datasets' ports changed: the product graph re-walks from them, without a rebuild.
    assert reported.remapped_datasets == {by_name["shop.orders"], by_name["raw.orders"]}
    assert not reported.remapped
    assert reported.full_map_at == full_map_at


def test_a_port_change_that_moves_no_dataset_keeps_the_product_graph(world, reported):
    new_port(world, "orders", f"{WH}/shop.orders")
    reported.refresh()
    reported.remapped = False

    reported.remapped_datasets = set()
    new_port(world, "none", f"{WH}/not.reported")
    reported.refresh()

    assert not reported.remapped and not reported.remapped_datasets


def test_a_late_commit_stamped_before_the_newest_change_is_still_found(world, reported, monkeypatch):
    """On PostgreSQL a transaction may commit after another that stamped its rows later: look back for it."""
    monkeypatch.setitem(graph_module.PORTS_LOOK_BACK, connection.vendor, timedelta(seconds=30))
    first = new_port(world, "first", f"{WH}/not.reported")
    late = new_port(world, "late", f"{WH}/elsewhere")
    reported.refresh()
    stamped = first.updated_at - timedelta(seconds=5)  # written before `first`, committed only now
    OutputPort.objects.filter(pk=late.pk).update(location=f"{WH}/shop.orders", location_key=f"={WH}|shop.orders",
                                                 updated_at=stamped)  # fmt: skip
    trigger = new_port(world, "trigger", f"{WH}/raw.orders")

    reported.refresh()

    assert mapped(reported) == {"shop.orders": [late.pk], "raw.orders": [trigger.pk]}


def test_ports_looked_at_already_are_not_matched_again(world, reported, django_assert_num_queries):
    new_port(world, "orders", f"{WH}/shop.orders")
    reported.refresh()
    new_port(world, "none", f"{WH}/not.reported")
    # the freshness check, the changed ports, the datasets the one new key names (own names, symlinks)
    with django_assert_num_queries(4):
        reported.refresh()


def test_a_deleted_port_or_a_large_change_matches_every_dataset(world, reported, monkeypatch):
    port = new_port(world, "orders", f"{WH}/shop.orders")
    reported.refresh()
    full_map_at = reported.full_map_at

    port.delete()
    reported.refresh()
    assert mapped(reported) == {}
    assert reported.full_map_at > full_map_at

    monkeypatch.setattr(graph_module, "REMAP_PORTS_AT_MOST", 1)
    full_map_at = reported.full_map_at
    new_port(world, "a", f"{WH}/shop.orders")
    new_port(world, "b", f"{WH}/raw.orders")
    reported.refresh()
    assert set(mapped(reported)) == {"shop.orders", "raw.orders"}
    assert reported.full_map_at > full_map_at


def test_every_dataset_is_matched_again_once_the_last_full_match_is_old(world, reported):
    reported.full_map_at -= graph_module.FULL_REMAP_SECONDS + 1
    full_map_at = reported.full_map_at
    new_port(world, "orders", f"{WH}/shop.orders")
    reported.refresh()
    assert reported.full_map_at > full_map_at


def test_the_migration_fills_the_digests_of_rows_stored_before_it(reported, monkeypatch):
    expected = dict(Dataset.objects.values_list("pk", "exact_digest"))
    expected_links = dict(DatasetSymlink.objects.values_list("pk", "bare_digest"))
    Dataset.objects.update(exact_digest="", bare_digest="")  # as the columns are when they are added
    DatasetSymlink.objects.update(exact_digest="", bare_digest="")
    migration = importlib.import_module("lineage.migrations.0004_dataset_key_digests")

    monkeypatch.setattr(migration, "BATCH", 2)  # several batches
    migration.fill_digests(django_apps, None)

    assert dict(Dataset.objects.values_list("pk", "exact_digest")) == expected
    assert dict(DatasetSymlink.objects.values_list("pk", "bare_digest")) == expected_links
    assert all(expected.values()) and len(expected) == 3


def test_the_newest_change_reads_as_an_aware_datetime_on_both_engines():
    expected = datetime(2026, 12, 7, 10, 0, 0, 500000, tzinfo=UTC)
    assert graph_module._as_datetime("2026-12-07 10:00:00.500000") == expected  # SQLite's stored text
    assert graph_module._as_datetime(expected) is expected  # PostgreSQL's timestamptz
