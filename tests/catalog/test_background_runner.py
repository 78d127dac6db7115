"""The after-response runner of a server process: requests hand their follow-up work to one thread, which merges
what arrives while it works (the ids of one task into one call) and finishes what is pending when it stops."""

from __future__ import annotations

import threading
import time

import pytest

from core import dispatch
from core.dispatch import BackgroundRunner, enqueue_ids_on_commit, enqueue_on_commit
from tests.catalog.test_tasks_dispatch import FakeTask, web_request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def runner():
    started = dispatch.start_background_runner()
    yield started
    dispatch.stop_background_runner()


class GatedTask(FakeTask):
    """Holds the runner inside its first call until released, so that requests pile up behind it."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.entered, self.release = threading.Event(), threading.Event()

    def delay(self, *args) -> None:
        super().delay(*args)
        self.entered.set()
        assert self.release.wait(10)


def request(django_capture_on_commit_callbacks, *work) -> None:
    with web_request(), django_capture_on_commit_callbacks(execute=True):
        for task, ids in work:
            enqueue_ids_on_commit(task, ids)


def test_requests_served_while_the_runner_works_merge_into_one_call(runner, django_capture_on_commit_callbacks):
    gate, task, other = GatedTask("tests.gate"), FakeTask("tests.evaluate"), FakeTask("tests.sync")
    request(django_capture_on_commit_callbacks, (gate, [1]))
    assert gate.entered.wait(10)  # the runner is busy with the first request's work
    request(django_capture_on_commit_callbacks, (task, [3, 1]), (other, [5]))
    request(django_capture_on_commit_callbacks, (task, [2, 3]))
    request(django_capture_on_commit_callbacks, (task, [4]), (other, [6]))
    assert task.calls == [] and other.calls == []  # the requests returned without doing their work
    gate.release.set()
    assert runner.wait_idle(10)
    assert task.calls == [([1, 2, 3, 4],)]
    assert other.calls == [([5, 6],)]
    assert gate.calls == [([1],)]


def test_an_idle_runner_starts_a_request_s_work_at_once(runner, django_capture_on_commit_callbacks):
    task = FakeTask("tests.evaluate")
    request(django_capture_on_commit_callbacks, (task, [9]))
    assert runner.wait_idle(10)
    assert task.calls == [([9],)]


def test_the_same_call_from_several_requests_runs_once(runner, django_capture_on_commit_callbacks):
    gate, task = GatedTask("tests.gate"), FakeTask("tests.digest")
    request(django_capture_on_commit_callbacks, (gate, [1]))
    assert gate.entered.wait(10)
    for _ in range(3):
        with web_request(), django_capture_on_commit_callbacks(execute=True):
            enqueue_on_commit(task, 7, "weekly")
    gate.release.set()
    assert runner.wait_idle(10)
    assert task.calls == [(7, "weekly")]


def test_a_failing_job_is_logged_and_the_others_run(runner, django_capture_on_commit_callbacks, caplog):
    class Failing(FakeTask):
        def delay(self, *args) -> None:
            raise RuntimeError("boom")

    task = FakeTask("tests.after")
    request(django_capture_on_commit_callbacks, (Failing("tests.failing"), [1]), (task, [2]))
    assert runner.wait_idle(10)
    assert task.calls == [([2],)]
    assert "failed after the response" in caplog.text


def test_work_a_job_hands_on_runs_in_the_next_round_of_the_same_batch(runner, django_capture_on_commit_callbacks):
    second = FakeTask("tests.second")

    class First(FakeTask):
        def delay(self, *args) -> None:
            super().delay(*args)
            with django_capture_on_commit_callbacks(execute=True):
                enqueue_ids_on_commit(second, [a * 10 for a in args[0]])

    first = First("tests.first")
    request(django_capture_on_commit_callbacks, (first, [1, 2]))
    assert runner.wait_idle(10)
    assert first.calls == [([1, 2],)]
    assert second.calls == [([10, 20],)]
    assert runner.batches == 1


def test_stopping_runs_what_is_pending(django_capture_on_commit_callbacks):
    runner = dispatch.start_background_runner()
    gate, task = GatedTask("tests.gate"), FakeTask("tests.evaluate")
    request(django_capture_on_commit_callbacks, (gate, [1]))
    assert gate.entered.wait(10)
    request(django_capture_on_commit_callbacks, (task, [8]))
    threading.Timer(0.2, gate.release.set).start()
    dispatch.stop_background_runner()
    assert not runner.thread.is_alive()
    assert task.calls == [([8],)]
    # Stopped: a request's work runs in its own thread again, before the request returns.
    request(django_capture_on_commit_callbacks, (task, [9]))
    assert task.calls == [([8],), ([9],)]


def test_no_runner_with_a_broker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert dispatch.start_background_runner() is None
    assert dispatch._runner is None


def test_a_runner_is_one_per_process(runner):
    assert dispatch.start_background_runner() is runner
    assert isinstance(runner, BackgroundRunner)


def test_under_a_steady_stream_a_batch_gathers_from_the_previous_batch_s_start(
    runner, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(dispatch, "GATHER_SECONDS", 1.5)
    task = FakeTask("tests.evaluate")
    began = time.monotonic()
    request(django_capture_on_commit_callbacks, (task, [1]))
    assert runner.wait_idle(10)
    assert task.calls == [([1],)]  # the first write after a quiet spell is followed up at once
    request(django_capture_on_commit_callbacks, (task, [2]))
    time.sleep(0.2)
    request(django_capture_on_commit_callbacks, (task, [3]))
    assert not runner.wait_idle(0.2)  # still gathering
    assert task.calls == [([1],)]
    assert runner.wait_idle(10)
    assert task.calls == [([1],), ([2, 3],)]
    assert time.monotonic() - began >= 1.5


def test_stopping_does_not_wait_out_the_gathering(django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(dispatch, "GATHER_SECONDS", 60)
    runner = dispatch.start_background_runner()
    task = FakeTask("tests.evaluate")
    request(django_capture_on_commit_callbacks, (task, [1]))
    assert runner.wait_idle(10)
    request(django_capture_on_commit_callbacks, (task, [2]))
    began = time.monotonic()
    dispatch.stop_background_runner()
    assert time.monotonic() - began < 10
    assert task.calls == [([1],), ([2],)]
