"""Work handed to tasks: on commit with a broker; without one, after the response in a web request, coalesced."""

from __future__ import annotations

from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction

from catalog.models import DataProduct
from core.dispatch import enqueue_ids_on_commit, enqueue_on_commit
from search import outbox
from search.backends import get_backend

pytestmark = pytest.mark.django_db


class FakeTask:
    """Records `.delay()` calls, like a Celery task run eagerly would run them."""

    def __init__(self, name: str = "tests.fake") -> None:
        self.name = name
        self.calls: list[tuple] = []

    def delay(self, *args) -> None:
        self.calls.append(args)


@contextmanager
def web_request():
    """What a WSGI server and Django's handler do around a request (as the test client does: without closing
    the test's database connection)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
        yield
        request_finished.send(sender=None)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_in_a_request_calls_wait_for_the_response_and_merge_their_ids(django_capture_on_commit_callbacks):
    task, other = FakeTask("tests.evaluate"), FakeTask("tests.sync")
    with web_request():
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_ids_on_commit(task, [3, 1])
            enqueue_ids_on_commit(other, [1])
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_ids_on_commit(task, [2, 3])
        assert task.calls == [] and other.calls == []  # committed, but the response is not out yet
    assert task.calls == [([1, 2, 3],)]
    assert other.calls == [([1],)]


def test_in_a_request_the_same_call_runs_once(django_capture_on_commit_callbacks):
    task = FakeTask()
    with web_request(), django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(task, 7, "full")
        enqueue_on_commit(task, 7, "full")
        enqueue_on_commit(task, 8, "full")
    assert task.calls == [(7, "full"), (8, "full")]


def test_a_rolled_back_write_hands_nothing_on(django_capture_on_commit_callbacks):
    task = FakeTask()
    with web_request(), django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue_ids_on_commit(task, [1])
            raise RuntimeError
        enqueue_ids_on_commit(task, [2])
    assert task.calls == [([2],)]


def test_outside_a_request_calls_run_on_commit(django_capture_on_commit_callbacks):
    task = FakeTask()
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_ids_on_commit(task, [2, 1, 2])
        assert task.calls == []
    assert task.calls == [([1, 2],)]


def test_with_a_broker_calls_are_sent_on_commit_even_in_a_request(settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    task = FakeTask()
    with web_request():
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_ids_on_commit(task, [1])
        assert task.calls == [([1],)]  # the workers do the work: nothing to wait for


def test_a_failing_job_does_not_stop_the_others(django_capture_on_commit_callbacks, caplog):
    class Broken(FakeTask):
        def delay(self, *args) -> None:
            raise ValueError("boom")

    broken, task = Broken("tests.broken"), FakeTask()
    with web_request(), django_capture_on_commit_callbacks(execute=True):
        enqueue_ids_on_commit(broken, [1])
        enqueue_ids_on_commit(task, [1])
    assert task.calls == [([1],)]
    assert "failed after the response" in caplog.text


def test_work_a_deferred_task_hands_on_runs_in_a_later_round(django_capture_on_commit_callbacks):
    second = FakeTask("tests.second")

    class First(FakeTask):
        def delay(self, *args) -> None:
            super().delay(*args)
            with django_capture_on_commit_callbacks(execute=True):  # the task's own write commits
                enqueue_ids_on_commit(second, [9])
            assert second.calls == []  # joins the next round, still after the response

    first = First("tests.first")
    with web_request(), django_capture_on_commit_callbacks(execute=True):
        enqueue_ids_on_commit(first, [1])
    assert first.calls == [([1],)] and second.calls == [([9],)]


@pytest.mark.django_db(transaction=True)
def test_a_bulk_request_evaluates_governance_once_for_all_its_products(world, team_client, settings):
    """Real commits (transaction=True): the receivers of products_changed run after the response, once."""
    from governance.tasks import evaluate_products
    from slo.tasks import sync_contract_slos

    settings.SEARCH_OUTBOX_MAX_AGE_SECONDS = 0  # the search drain is due at once
    items = [{"domain": "sales", "slug": f"p-{i}", "name": f"Product {i}"} for i in range(5)]
    with (
        mock.patch.object(evaluate_products, "delay", wraps=evaluate_products.delay) as evaluate,
        mock.patch.object(sync_contract_slos, "delay", wraps=sync_contract_slos.delay) as sync,
    ):
        response = team_client.post("/api/v1/products/bulk", {"products": items}, format="json")
    assert response.status_code == 201, response.content
    ids = sorted(DataProduct.objects.filter(slug__startswith="p-").values_list("pk", flat=True))
    assert evaluate.call_args_list == [mock.call(ids)]
    assert sync.call_args_list == [mock.call(ids)]
    # and the search outbox was drained after the response too: the products are in the index
    assert outbox.pending() == 0 and get_backend().count() >= 5
