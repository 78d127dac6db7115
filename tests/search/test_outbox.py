"""The index outbox: writes queue keys in their transaction; drains index them in batches; reads drain first."""

from __future__ import annotations

from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction

from catalog.models import DataProduct
from search import outbox
from search.backends import get_backend
from search.base import SearchQuery
from search.indexing import on_commit_index_domains, on_commit_index_products, on_commit_remove
from search.models import IndexOutbox
from search.outbox import caught_up_backend
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_index(db, settings):
    settings.SEARCH_OUTBOX_BATCH = 100
    settings.SEARCH_OUTBOX_MAX_AGE_SECONDS = 3600  # no drain by age unless a test asks for one
    settings.CELERY_TASK_ALWAYS_EAGER = True
    get_backend().clear()


def titles(text, backend=None):
    return [hit.title for hit in (backend or caught_up_backend()).search(SearchQuery(text=text)).hits]


def write(capture, world, name, slug):
    with capture(execute=True):
        product = ProductFactory(domain=world.domain, name=name, slug=slug)
        on_commit_index_products([product.pk])
    return product


def test_a_write_queues_a_row_and_a_search_indexes_it(world, django_capture_on_commit_callbacks):
    product = write(django_capture_on_commit_callbacks, world, "Churn Scores", "churn")
    assert list(IndexOutbox.objects.values_list("key", "action")) == [(f"product:{product.pk}", "index")]
    assert get_backend().count() == 0 and titles("churn", get_backend()) == []  # nothing indexed by the write
    assert titles("churn") == ["Churn Scores"]  # the search drained first
    assert not IndexOutbox.objects.exists()


def test_suggest_also_sees_committed_writes(world, django_capture_on_commit_callbacks):
    write(django_capture_on_commit_callbacks, world, "Churn Scores", "churn")
    assert "Churn Scores" in [s.text for s in caught_up_backend().suggest("chur")]


@pytest.fixture
def catalog_only():
    """Only the catalog's own indexing: the receivers of products_changed (governance, SLOs) also write after a
    product write commits, and their rows would blur the batch counts these tests are about (tests/governance and
    tests/slo cover them)."""
    from catalog.signals import products_changed

    with mock.patch.object(products_changed, "receivers", []):
        yield


def test_writes_drain_in_batches(world, django_capture_on_commit_callbacks, settings, catalog_only):
    settings.SEARCH_OUTBOX_BATCH = 10
    counts = []
    for i in range(100):
        write(django_capture_on_commit_callbacks, world, f"Batch Product {i}", f"batch-{i}")
        counts.append((get_backend().count(), outbox.pending()))
    # Every tenth write drains the ten pending; the nine before it leave their rows queued.
    assert counts[8] == (0, 9) and counts[9] == (10, 0) and counts[10] == (10, 1) and counts[99] == (100, 0)
    assert {indexed for indexed, _ in counts} == set(range(0, 101, 10))


def test_a_batch_of_100_is_indexed_with_few_queries(
    world, django_capture_on_commit_callbacks, django_assert_max_num_queries, catalog_only
):
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(99):
            on_commit_index_products([ProductFactory(domain=world.domain, slug=f"p-{i}").pk])
    assert outbox.pending() == 99 and get_backend().count() == 0
    last = ProductFactory(domain=world.domain, slug="p-last")
    with django_assert_max_num_queries(60), django_capture_on_commit_callbacks(execute=True):
        on_commit_index_products([last.pk])  # the 100th pending row: the commit drains all of them
    assert outbox.pending() == 0 and get_backend().count() == 100


def test_an_old_row_is_drained_by_the_next_write(world, django_capture_on_commit_callbacks, settings):
    write(django_capture_on_commit_callbacks, world, "Churn Scores", "churn")
    assert get_backend().count() == 0
    settings.SEARCH_OUTBOX_MAX_AGE_SECONDS = 0
    write(django_capture_on_commit_callbacks, world, "Order Lines", "lines")
    assert get_backend().count() == 2 and outbox.pending() == 0


def test_repeated_writes_of_one_product_coalesce(world, django_capture_on_commit_callbacks):
    product = write(django_capture_on_commit_callbacks, world, "Churn Scores", "churn")
    first = IndexOutbox.objects.get()
    for name in ("Churn Risk", "Churn Model", "Churn Forecast"):
        with django_capture_on_commit_callbacks(execute=True):
            DataProduct.objects.filter(pk=product.pk).update(name=name)
            on_commit_index_products([product.pk, product.pk])
    row = IndexOutbox.objects.get()  # still one row, as old as the first write, with a new token
    assert row.pk == first.pk and row.created_at == first.created_at and row.token != first.token
    assert titles("forecast") == ["Churn Forecast"] and titles("scores") == []


def test_a_rolled_back_write_leaves_no_row(world, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        product = ProductFactory(domain=world.domain, name="Churn Scores", slug="churn")
        on_commit_index_products([product.pk])
        raise RuntimeError("rolled back")
    assert callbacks == [] and not IndexOutbox.objects.exists() and titles("churn") == []


def test_remove_entries_delete_documents(world, django_capture_on_commit_callbacks):
    product = write(django_capture_on_commit_callbacks, world, "Churn Scores", "churn")
    assert titles("churn") == ["Churn Scores"]
    key = f"product:{product.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        on_commit_index_products([product.pk])  # an index entry pending for the key...
        product.delete()
        on_commit_remove([key])  # ...becomes a removal
    assert list(IndexOutbox.objects.values_list("key", "action")) == [(key, "remove")]
    assert titles("churn") == [] and get_backend().count() == 0


def test_an_index_entry_for_a_deleted_row_removes_its_document(world, django_capture_on_commit_callbacks):
    product = write(django_capture_on_commit_callbacks, world, "Churn Scores", "churn")
    assert titles("churn") == ["Churn Scores"]
    with django_capture_on_commit_callbacks(execute=True):
        pk = product.pk
        product.delete()
        on_commit_index_products([pk])
    assert titles("churn") == []


def test_a_domain_entry_reindexes_its_products(world, django_capture_on_commit_callbacks):
    write(django_capture_on_commit_callbacks, world, "Churn Scores", "churn")
    assert titles("churn") == ["Churn Scores"]
    world.domain.name = "Commerce"
    world.domain.save()
    with django_capture_on_commit_callbacks(execute=True):
        on_commit_index_domains([world.domain.pk])
    assert "Churn Scores" in titles("commerce")


def test_draining_twice_is_safe(world, django_capture_on_commit_callbacks):
    write(django_capture_on_commit_callbacks, world, "Churn Scores", "churn")
    assert outbox.drain() == 1 and outbox.drain() == 0
    assert get_backend().count() == 1 and titles("churn") == ["Churn Scores"]


def test_a_write_during_a_drain_stays_pending(world, django_capture_on_commit_callbacks):
    product = write(django_capture_on_commit_callbacks, world, "Churn Scores", "churn")
    read_by_a_drain = outbox.snapshot()
    on_commit_index_products([product.pk])  # written again after the drain read the row
    assert outbox.forget(read_by_a_drain) == 0 and outbox.pending() == 1


def test_a_drain_takes_at_most_its_limit(world, django_capture_on_commit_callbacks):
    for i in range(5):
        write(django_capture_on_commit_callbacks, world, f"Limit Product {i}", f"limit-{i}")
    assert outbox.drain(limit=3) == 3 and outbox.pending() == 2 and get_backend().count() == 3


def test_with_a_broker_each_commit_enqueues_one_drain(world, django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with mock.patch("search.tasks.drain_outbox.delay") as delay:
        write(django_capture_on_commit_callbacks, world, "Churn Scores", "churn")
    delay.assert_called_once_with()
    assert outbox.pending() == 1 and get_backend().count() == 0


def test_reindex_command_clears_the_outbox(world, django_capture_on_commit_callbacks):
    write(django_capture_on_commit_callbacks, world, "Churn Scores", "churn")
    call_command("search_reindex", "--no-progress", stdout=StringIO())
    assert outbox.pending() == 0 and titles("churn", get_backend()) == ["Churn Scores"]


def test_the_drain_task_is_registered(world, django_capture_on_commit_callbacks):
    from search.tasks import drain_outbox

    write(django_capture_on_commit_callbacks, world, "Churn Scores", "churn")
    assert drain_outbox.name == "search.drain_outbox" and drain_outbox.delay().get() == 1


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_a_drain_builds_documents_before_taking_the_write_lock(world):
    """Real commits: the documents are built outside any transaction (other writers are not held up), then
    written in a short one."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL drains claim rows with SKIP LOCKED inside their transaction")
    product = ProductFactory(domain=world.domain, name="Churn Scores", slug="churn")
    on_commit_index_products([product.pk])
    built_in_transaction = []
    real = outbox._documents

    def spy(claimed):
        built_in_transaction.append(connection.in_atomic_block)
        return real(claimed)

    with mock.patch.object(outbox, "_documents", side_effect=spy):
        assert outbox.drain() == 1
    assert built_in_transaction == [False]
    assert outbox.pending() == 0 and titles("scores", get_backend()) == ["Churn Scores"]


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_a_write_during_the_build_is_not_overwritten_by_older_documents(world):
    """The row a writer touched while the documents were built stays pending; the others are applied."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL drains build inside their transaction")
    product = ProductFactory(domain=world.domain, name="Churn Scores", slug="churn")
    other = ProductFactory(domain=world.domain, name="Order Facts", slug="orders")
    on_commit_index_products([product.pk, other.pk])
    real = outbox._documents
    calls: list[object] = []

    def build_then_rename(claimed):
        built = real(claimed)
        if not calls:  # a writer commits while the first build runs
            with transaction.atomic():
                DataProduct.objects.filter(pk=product.pk).update(name="Churn Forecast")
                on_commit_index_products([product.pk])
        calls.append(claimed)
        return built

    with mock.patch.object(outbox, "_documents", side_effect=build_then_rename):
        assert outbox.drain() == 1  # the unchanged row; the renamed product's stays pending
    assert len(calls) == 1 and outbox.pending() == 1
    assert titles("facts", get_backend()) == ["Order Facts"] and titles("scores", get_backend()) == []
    assert outbox.drain() == 1
    assert titles("forecast", get_backend()) == ["Churn Forecast"] and titles("scores", get_backend()) == []


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_a_renamed_domain_during_the_build_drains_the_locked_way(world):
    """Product documents built from a domain row that changed meanwhile: everything is built again in the lock."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL drains build inside their transaction")
    ProductFactory(domain=world.domain, name="Churn Scores", slug="churn")
    on_commit_index_domains([world.domain.pk])
    real = outbox._documents
    calls: list[bool] = []

    def build_then_touch(claimed):
        built = real(claimed)
        if not calls:
            with transaction.atomic():
                on_commit_index_domains([world.domain.pk])
        calls.append(connection.in_atomic_block)
        return built

    with mock.patch.object(outbox, "_documents", side_effect=build_then_touch):
        assert outbox.drain() == 1
    assert calls == [False, True] and outbox.pending() == 0


def test_held_leaves_the_rows_for_a_rebuild_and_drains_again_after(world, settings, django_capture_on_commit_callbacks):
    settings.SEARCH_OUTBOX_MAX_AGE_SECONDS = 0  # every commit's drain is due
    with outbox.held():
        held = write(django_capture_on_commit_callbacks, world, "Churn Scores", "churn")
    assert list(IndexOutbox.objects.values_list("key", flat=True)) == [f"product:{held.pk}"]
    assert get_backend().count() == 0
    call_command("search_reindex", "--no-progress", stdout=StringIO())  # what seed_demo runs after a held block
    assert not IndexOutbox.objects.exists() and titles("churn", get_backend()) == ["Churn Scores"]
    write(django_capture_on_commit_callbacks, world, "Churn Forecast", "forecast")
    assert not IndexOutbox.objects.exists()  # drained after its commit, as before
    assert sorted(titles("churn", get_backend())) == ["Churn Forecast", "Churn Scores"]
