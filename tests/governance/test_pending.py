"""Embedded profile: writes queue their products, evaluated in batches; readers evaluate what they show first."""

import pytest
import time_machine

from catalog.models import DataProduct
from catalog.signals import products_changed
from governance import pending, services
from governance.models import Finding, PendingEvaluation, ProductScore
from governance.tasks import evaluate_products

pytestmark = pytest.mark.django_db

BARE = {"name": "Bare", "status": "published", "description": ""}  # fails e.g. "At least one output port"


@pytest.fixture
def put(team_client, django_capture_on_commit_callbacks):
    """A one-product PUT whose after-commit work runs, as it would in production."""

    def put(slug: str) -> DataProduct:
        with django_capture_on_commit_callbacks(execute=True):
            response = team_client.put(f"/api/v1/products/sales/{slug}", {**BARE, "name": slug}, format="json")
        assert response.status_code in (200, 201), response.content
        return DataProduct.objects.get(domain__slug="sales", slug=slug)

    return put


def pending_ids() -> set[int]:
    return set(PendingEvaluation.objects.values_list("product_id", flat=True))


def test_writes_queue_their_products_until_a_batch_is_full(settings, world, put):
    settings.GOVERNANCE_BATCH = 3
    first, second = put("first"), put("second")
    assert pending_ids() == {first.pk, second.pk}
    assert not ProductScore.objects.exists() and not Finding.objects.exists()
    put("second")  # written again: still one row
    assert pending_ids() == {first.pk, second.pk}

    third = put("third")
    assert pending_ids() == set()
    assert set(ProductScore.objects.values_list("product_id", flat=True)) == {first.pk, second.pk, third.pk}
    assert Finding.objects.open().filter(product=third, policy_id="output-port").exists()


def test_the_oldest_row_waiting_long_enough_triggers_a_batch(settings, world, put):
    settings.GOVERNANCE_BATCH = 100
    settings.GOVERNANCE_MAX_AGE_SECONDS = 5
    with time_machine.travel("2026-03-02 10:00:00", tick=False) as clock:
        first = put("first")
        clock.shift(4)
        second = put("second")
        assert pending_ids() == {first.pk, second.pk}  # 4 s old: not due yet
        clock.shift(2)
        put("third")
    assert pending_ids() == set()
    assert ProductScore.objects.count() == 3


def test_the_product_page_shows_fresh_findings_right_after_a_write(client, world, put):
    other, product = put("other"), put("orders")
    assert product.pk in pending_ids()
    client.force_login(world.owner)
    html = client.get(product.get_tab_url("quality")).content.decode()
    assert "At least one output port" in html
    assert Finding.objects.open().filter(product=product, policy_id="output-port").exists()
    assert pending_ids() == {other.pk}  # the page evaluated its product only


def test_the_product_api_and_the_dashboard_read_through_the_queue(client, team_client, world, put):
    product, other = put("orders"), put("ledger")
    body = team_client.get("/api/v1/governance/products/sales/orders").json()
    assert "output-port" in {f["policy"] for f in body["findings"]}
    assert pending_ids() == {other.pk}
    client.force_login(world.owner)
    assert client.get("/mesh/").status_code == 200
    assert pending_ids() == set()
    assert set(ProductScore.objects.values_list("product_id", flat=True)) == {product.pk, other.pk}


def test_a_product_queued_again_during_a_drain_stays_pending(world, put, monkeypatch):
    product = put("orders")
    evaluate = services.governance_evaluate

    def write_meanwhile(*, product_ids, claim=None):
        def claim_after_a_write(ids):
            # another write to the product commits after the drain read it, before the drain writes
            pending.pending_record(product_ids=[product.pk])
            if claim is not None:
                claim(ids)

        return evaluate(product_ids=product_ids, claim=claim_after_a_write)

    monkeypatch.setattr(services, "governance_evaluate", write_meanwhile)
    result = pending.pending_evaluate()
    assert result.products == 1
    assert ProductScore.objects.filter(product=product).exists()
    assert pending_ids() == {product.pk}  # the later write is evaluated by the next drain


def test_a_product_queued_again_after_its_evaluation_stays_pending(world, put, monkeypatch):
    product = put("orders")
    evaluate = services.governance_evaluate

    def write_after(**kwargs):
        result = evaluate(**kwargs)
        pending.pending_record(product_ids=[product.pk])
        return result

    monkeypatch.setattr(services, "governance_evaluate", write_after)
    pending.pending_evaluate()
    assert pending_ids() == {product.pk}


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_a_drain_checks_the_policies_before_taking_the_write_lock(world, put, monkeypatch):
    """Real commits: the checks run outside any transaction; only the findings' writes take SQLite's lock."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL drains claim their rows with SELECT ... FOR UPDATE inside their transaction")
    product = put("orders")
    seen: list[bool] = []
    real = services.Batch.__init__

    def spy(self, *args, **kwargs):
        seen.append(connection.in_atomic_block)
        real(self, *args, **kwargs)

    monkeypatch.setattr(services.Batch, "__init__", spy)
    assert pending.pending_evaluate().products == 1
    assert seen == [False]
    assert pending_ids() == set() and ProductScore.objects.filter(product=product).exists()


def test_a_failed_drain_leaves_its_rows_pending(world, put, monkeypatch, caplog):
    product = put("orders")

    def broken(*, product_ids, claim=None):
        raise RuntimeError("policy crashed")

    monkeypatch.setattr(services, "governance_evaluate", broken)
    pending.catch_up_product(product.pk)  # logged, not raised into the read
    # The drain did run and fail (a catch-up that never tried would leave the row pending too).
    assert f"evaluating product {product.pk} before a read failed" in caplog.text
    assert pending_ids() == {product.pk}


def test_the_nightly_run_clears_what_it_evaluated(world, put):
    product = put("orders")
    services.governance_evaluate_all()
    assert pending_ids() == set()
    assert ProductScore.objects.filter(product=product).exists()


def test_with_a_broker_the_worker_evaluates_at_once(settings, world, put):
    product = put("orders")
    PendingEvaluation.objects.all().delete()
    settings.CELERY_TASK_ALWAYS_EAGER = False  # what a worker sees
    evaluate_products(product_ids=[product.pk])
    assert ProductScore.objects.filter(product=product).exists()
    assert pending_ids() == set()


def test_the_signal_queues_only_once_the_write_commits(world, put, django_capture_on_commit_callbacks):
    product = put("orders")
    PendingEvaluation.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        products_changed.send(sender=None, product_ids=[product.pk])
    assert pending_ids() == set()  # nothing inside the write's transaction
    for callback in callbacks:  # the commit
        callback()
    assert pending_ids() == {product.pk}


def test_ids_past_the_first_slice_are_evaluated_too(settings, world, put, monkeypatch):
    settings.GOVERNANCE_BATCH = 100
    monkeypatch.setattr(pending, "_CHUNK", 2)
    first, second, third = put("first"), put("second"), put("third")
    PendingEvaluation.objects.filter(product_id__in=[first.pk, second.pk]).delete()
    assert pending_ids() == {third.pk}

    # The first slice of the ids asked for holds nothing pending; the product in the next one is still evaluated.
    pending.pending_evaluate(product_ids=[first.pk, second.pk, third.pk])

    assert pending_ids() == set()
    assert ProductScore.objects.filter(product=third).exists()


def test_on_sqlite_two_background_drains_never_evaluate_the_same_products(world, put, monkeypatch):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL drains skip rows another drain holds with SKIP LOCKED")
    product = put("orders")
    evaluate = services.governance_evaluate
    second: list[int] = []

    def with_a_second_drain_meanwhile(**kwargs):
        second.append(pending.pending_evaluate().products)  # another worker's runner, while this one evaluates
        return evaluate(**kwargs)

    monkeypatch.setattr(services, "governance_evaluate", with_a_second_drain_meanwhile)
    assert pending.pending_evaluate().products == 1
    assert second == [0] and pending_ids() == set()
    assert ProductScore.objects.filter(product=product).exists()


def test_on_sqlite_a_failed_drain_gives_its_rows_back_after_the_lease(world, put, monkeypatch):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL drains claim rows inside their transaction")
    put("orders")
    evaluate = services.governance_evaluate

    def broken(**kwargs):
        raise RuntimeError("policy crashed")

    monkeypatch.setattr(services, "governance_evaluate", broken)
    with pytest.raises(RuntimeError):
        pending.pending_evaluate()
    monkeypatch.setattr(services, "governance_evaluate", evaluate)
    assert pending.pending_evaluate().products == 0  # leased: background drains leave it alone for a while
    with time_machine.travel(pending.timezone.now() + pending.LEASE * 2, tick=False):
        assert pending.pending_evaluate().products == 1
    assert pending_ids() == set()


def test_on_sqlite_a_leased_row_is_evaluated_by_a_reader_and_freed_by_a_new_write(world, put, monkeypatch):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL drains claim rows inside their transaction")
    product = put("orders")
    PendingEvaluation.objects.update(claimed_at=pending.timezone.now())  # a drain elsewhere is evaluating it
    assert pending.pending_evaluate().products == 0
    assert pending.pending_evaluate(product_ids=[product.pk], wait=True).products == 1  # a reader does not wait
    put("orders")
    PendingEvaluation.objects.update(claimed_at=pending.timezone.now())
    pending.pending_record(product_ids=[product.pk])  # queued again: the lease goes with the old token
    assert pending.pending_evaluate().products == 1
    assert pending_ids() == set()
