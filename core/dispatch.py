"""Handing work to Celery tasks once a write has committed, without making a client wait for it.

With a broker (CELERY_BROKER_URL set), a call is sent to the broker when the transaction commits and the workers
do the work. Without one (the embedded profile: CELERY_TASK_ALWAYS_EAGER), `.delay()` runs the task in-process,
and doing that on commit would put every receiver's work into the latency of the request that made the write.
So, in the embedded profile:

- in a web request, committed calls are collected and run on `request_finished`, after the response has been
  sent; the same task with the same arguments runs once, and `enqueue_ids_on_commit` calls of one task are merged
  into one call carrying the union of their ids (a request that writes 50 products makes one call, not 50);
- outside a request (management commands, the shell, tests calling services directly), they run when the
  transaction commits, as `transaction.on_commit(lambda: task.delay(...))` would.

A call made inside a transaction that rolls back is never made: collecting happens in an on-commit hook.
Django's test client sends request_started and request_finished like a WSGI server (request_finished when it
closes the response), so tests see the effects of a request once the client call has returned.

Other after-the-response work (the search outbox drain) goes through `after_response`, so that there is one
queue and one place that runs it.

Tasks are named, not imported: a service says `enqueue_ids_on_commit("glossary.tasks.suggest_links_for_terms",
ids)`, so `services.py` never imports `tasks.py` (tasks import services, never the reverse). A task object is
accepted too, for callers that have one.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from celery import Task, current_app
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import transaction

from core import per_request

log = logging.getLogger(__name__)

# Work done after the response may enqueue more (a task's own write commits and hands work on): it joins the next
# round. The bound stops two receivers that keep re-announcing each other's writes from running forever.
MAX_ROUNDS = 5

# The background runner (below) waits up to this long for requests still being served before it starts a batch,
# and starts at once when the batch holds this many jobs and ids.
LINGER_SECONDS = 0.2
MAX_BATCH = 500
# Under a steady stream of writes, a batch starts no sooner than this after the previous one started, so that it
# holds more requests' work: each batch has a fixed cost (about 15 ms of task calls and queries) that is then
# shared by more products. After a quiet spell of as long, work starts at once.
GATHER_SECONDS = 0.3


class _Queue:
    """What the current request has asked to run once its response is out. Insertion-ordered; `late` jobs run
    after the tasks of their round (the search drain then indexes what those tasks wrote)."""

    def __init__(self) -> None:
        self.jobs: dict[Hashable, Callable[[], Any]] = {}
        self.late: dict[Hashable, Callable[[], Any]] = {}
        self.ids: dict[Hashable, set[int]] = {}

    def __bool__(self) -> bool:
        return bool(self.jobs or self.late)

    def absorb(self, other: _Queue) -> None:
        """Take `other`'s jobs in: a job already here keeps its place, and the ids of an `enqueue_ids_on_commit`
        task merge into the one call this queue makes."""
        for key, ids in other.ids.items():
            if key in self.ids:
                self.ids[key].update(ids)
            else:
                self.ids[key] = ids
                self.jobs[key] = other.jobs[key]
        for key, job in other.jobs.items():
            if key not in other.ids:
                self.jobs.setdefault(key, job)
        for key, job in other.late.items():
            self.late.setdefault(key, job)

    def size(self) -> int:
        return len(self.jobs) + len(self.late) + sum(len(ids) for ids in self.ids.values())


_local = threading.local()


def _queue() -> _Queue | None:
    """The current request's queue, or None outside a web request."""
    return getattr(_local, "queue", None)


def task_named(name: str) -> Task:
    """The registered Celery task of this name. Task modules are imported by the app's autodiscovery, which
    Celery runs lazily: a web process that has not imported one yet imports them all on the first miss."""
    tasks = current_app.tasks
    if name not in tasks:
        current_app.loader.import_default_modules()
    return tasks[name]


def _task(task: Task | str) -> Task:
    return task_named(task) if isinstance(task, str) else task


def send(task: Task | str, *args: Any) -> None:
    """`task.delay(*args)` now, by name or task."""
    _task(task).delay(*args)


def eager() -> bool:
    """No broker: `.delay()` runs the task in this process."""
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))


def after_response(key: Hashable, job: Callable[[], Any], *, late: bool = False) -> bool:
    """In a web request: run `job` once the response has been sent, once per `key`; answers True. Outside a
    request nothing is queued and the answer is False (the caller does the work now)."""
    queue = _queue()
    if queue is None:
        return False
    (queue.late if late else queue.jobs).setdefault(key, job)
    return True


def enqueue_on_commit(task: Task | str, *args: Any, key: Hashable | None = None) -> None:
    """`task.delay(*args)` (the task by name or object) once the current transaction commits (at once if none
    is open). In the embedded profile inside a web request: after the response, once per distinct (task, key);
    the key is the arguments themselves unless given (arguments that cannot be hashed, such as a list of dicts,
    need one)."""
    task = _task(task)
    if not eager():
        # robust: the write has committed; a broker that is down must not turn it into an error response.
        transaction.on_commit(lambda: task.delay(*args), robust=True)
        return

    def committed() -> None:
        if not after_response(("call", task.name, args if key is None else key), lambda: task.delay(*args)):
            task.delay(*args)

    transaction.on_commit(committed, robust=True)  # as above: the write has committed


def enqueue_ids_on_commit(task: Task | str, ids: Iterable[int]) -> None:
    """`task.delay(sorted_ids)` once the current transaction commits, for a task whose one argument is a list
    of ids. In the embedded profile inside a web request, every call of this task made by the request is merged
    into one call with all the ids, run after the response."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return
    task = _task(task)
    if not eager():
        transaction.on_commit(lambda: task.delay(ids), robust=True)
        return

    def committed() -> None:
        queue = _queue()
        if queue is None:
            task.delay(ids)
            return
        key = ("ids", task.name)
        merged = queue.ids.get(key)
        if merged is None:
            merged = queue.ids[key] = set()
            queue.jobs[key] = lambda: task.delay(sorted(merged))
        merged.update(ids)

    transaction.on_commit(committed, robust=True)  # as above: the write has committed


def _run(queue: _Queue) -> None:
    for key, job in [*queue.jobs.items(), *queue.late.items()]:
        try:
            job()
        except Exception:
            # The response is out and the write committed: log, and let the other jobs run.
            log.exception("deferred job %r failed after the response", key)


def _request_started(**kwargs) -> None:
    _local.queue = _Queue()
    if _runner is not None:
        _runner.request_began()


def _request_finished(**kwargs) -> None:
    per_request.end()  # the work below reads afresh, as in any task
    queue = _queue()
    runner = _runner
    if runner is not None:
        _local.queue = None
        if queue:
            runner.submit(queue)
        runner.request_ended()
        return
    _run_rounds(queue)


def _run_rounds(queue: _Queue | None) -> None:
    """Run `queue`, then what its jobs hand on, round after round (at most MAX_ROUNDS)."""
    rounds = 0
    while queue:
        rounds += 1
        if rounds >= MAX_ROUNDS:
            _local.queue = None  # last round: whatever it enqueues runs on its own commit
        else:
            _local.queue = _Queue()
        _run(queue)
        queue = _queue()
    _local.queue = None


@contextmanager
def deferred() -> Iterator[None]:
    """Outside a web request (a management command, a scheduled harvest): collect the work the block's commits
    hand to tasks and run it once the block ends, merged as after a response. Inside a request, or with a broker,
    it changes nothing."""
    if _queue() is not None or not eager():
        yield
        return
    _request_started()
    try:
        yield
    finally:
        _request_finished()


class BackgroundRunner:
    """The after-response work of every request of this process, merged and run by one thread of its own.

    Without it, each request runs its own follow-up work in the thread that served it, once its response is out:
    a one-product PUT pays for a one-product governance evaluation, SLO sync and search drain, and (on gunicorn's
    gthread workers) the connection waits for that work before its next request is read. With it, a request hands
    its queue over and its thread is free at once; while the runner works through one batch, the queues of the
    requests served meanwhile merge into the next (the ids of one task into one call), so the busier the process,
    the larger and cheaper per product each batch. Idle, a request's work starts at once, as before.

    Started by the server (config/gunicorn.py's post_worker_init); tests and commands keep running the work in the
    thread that made it, where a caller sees its effects as soon as the call returns. What is pending when the
    worker stops is run by `stop` (gunicorn's worker_exit hook, and at interpreter exit). The durable queues
    (search outbox, governance's pending evaluations) cover work lost in a crash, as they do for a request's own.
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._pending = _Queue()
        self._busy = False
        self._stopping = False
        self._in_flight = 0  # requests of this process being served now
        self._started = self._finished = float("-inf")  # when the last batch began and ended (monotonic)
        self.batches = 0
        self.thread = threading.Thread(target=self._loop, name="after-response", daemon=True)

    def submit(self, queue: _Queue) -> None:
        with self._lock:
            self._pending.absorb(queue)
            self._lock.notify_all()

    def _take(self) -> _Queue | None:
        with self._lock:
            if self._busy:
                self._finished = time.monotonic()
            self._busy = False
            self._lock.notify_all()
            while not self._pending and not self._stopping:
                self._lock.wait()
            if not self._pending:
                return None
            # Requests still being served will hand work on in a moment: wait for them (a little), so that it
            # joins this batch rather than the next; and while writes keep coming, gather for GATHER_SECONDS
            # from the previous batch's start. A lone request's work starts at once.
            now = time.monotonic()
            linger_until = now + LINGER_SECONDS
            steady = now - self._finished < GATHER_SECONDS
            gather_until = self._started + GATHER_SECONDS if steady else now
            while not self._stopping and self._pending.size() < MAX_BATCH:
                until = max(gather_until, linger_until if self._in_flight else now)
                left = until - time.monotonic()
                if left <= 0:
                    break
                self._lock.wait(left)
            batch, self._pending = self._pending, _Queue()
            self._busy = True
            self._started = time.monotonic()
            return batch

    def request_began(self) -> None:
        with self._lock:
            self._in_flight += 1

    def request_ended(self) -> None:
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            self._lock.notify_all()

    def _loop(self) -> None:
        from django.db import close_old_connections

        while (batch := self._take()) is not None:
            close_old_connections()  # as a request does: a connection past CONN_MAX_AGE or broken is replaced
            try:
                _run_rounds(batch)
            except Exception:  # _run logs each job's failure; this is a failure of the loop itself
                log.exception("after-response batch failed")
            finally:
                _local.queue = None
                self.batches += 1

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is pending or running (True), or `timeout` seconds passed (False)."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._pending and not self._busy, timeout)

    def stop(self, timeout: float = 30) -> None:
        """Finish what is pending, then end the thread."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        self.thread.join(timeout)


_runner: BackgroundRunner | None = None


def start_background_runner() -> BackgroundRunner | None:
    """Run after-response work on this process's own thread from now on (embedded profile only: with a broker
    the workers do it). Called once per server process; answers the runner, or None with a broker."""
    global _runner
    if not eager():
        return None
    if _runner is None:
        _runner = BackgroundRunner()
        _runner.thread.start()
        atexit.register(stop_background_runner)
    return _runner


def stop_background_runner(timeout: float = 30) -> None:
    """Run what is pending and stop the thread; after-response work runs in the request's thread again."""
    global _runner
    runner, _runner = _runner, None
    if runner is not None:
        runner.stop(timeout)


request_started.connect(_request_started, dispatch_uid="core.dispatch.request_started")
request_finished.connect(_request_finished, dispatch_uid="core.dispatch.request_finished")
