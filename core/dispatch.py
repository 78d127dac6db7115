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

import logging
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from celery import Task, current_app
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import transaction

log = logging.getLogger(__name__)

# Work done after the response may enqueue more (a task's own write commits and hands work on): it joins the next
# round. The bound stops two receivers that keep re-announcing each other's writes from running forever.
MAX_ROUNDS = 5


class _Queue:
    """What the current request has asked to run once its response is out. Insertion-ordered; `late` jobs run
    after the tasks of their round (the search drain then indexes what those tasks wrote)."""

    def __init__(self) -> None:
        self.jobs: dict[Hashable, Callable[[], Any]] = {}
        self.late: dict[Hashable, Callable[[], Any]] = {}
        self.ids: dict[Hashable, set[int]] = {}

    def __bool__(self) -> bool:
        return bool(self.jobs or self.late)


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


def _request_finished(**kwargs) -> None:
    queue = _queue()
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


request_started.connect(_request_started, dispatch_uid="core.dispatch.request_started")
request_finished.connect(_request_finished, dispatch_uid="core.dispatch.request_finished")
