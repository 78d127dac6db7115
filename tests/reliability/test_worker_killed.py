"""A Celery worker killed mid-task (SIGKILL, no shutdown): the task is redelivered and the index converges.

Tasks are acknowledged late (CELERY_TASK_ACKS_LATE) and a worker lost mid-task is not an acknowledgement
(CELERY_TASK_REJECT_ON_WORKER_LOST), so the broker still holds the message; Redis hands it out again after the
visibility timeout (CELERY_VISIBILITY_TIMEOUT_SECONDS, 2 s for this test's workers). The drain it runs had not
committed, so the outbox rows are still there for the redelivered task.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from celery import Celery

from catalog.models import DataProduct
from catalog.services.products import product_upsert_from_payload
from core.actors import Actor, Scope
from search.backends import get_backend
from search.base import SearchQuery
from search.models import IndexOutbox
from tests.worker_support import database_env, redis_up
from tokens.services import token_create

# A Redis database of its own: the Redis transport keeps unacknowledged messages, and the lock that guards
# restoring them, in keys shared by every queue of a database, so other tests' workers on database 0 could hold
# back the redelivery this test waits for.
BROKER_URL = os.environ.get("CELERY_TEST_REDELIVERY_BROKER_URL", "redis://127.0.0.1:6379/14")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {seconds:.0f}s waiting for {what}")
        time.sleep(0.1)


class Worker:
    def __init__(self, queue: str, log: Path):
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH"}}
        env.update(
            database_env(),
            CELERY_BROKER_URL=BROKER_URL,
            CELERY_TASK_DEFAULT_QUEUE=queue,
            CELERY_VISIBILITY_TIMEOUT_SECONDS="2",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            PYTHONUNBUFFERED="1",
        )
        command = [
            sys.executable,
            *("-m", "celery", "-A", "tests.reliability.worker_app", "worker", "--loglevel", "INFO"),
            *("--pool", "prefork", "--concurrency", "1", "--queues", queue),
            *("--hostname", f"{queue}-{uuid.uuid4().hex[:6]}@%h", "--without-gossip", "--without-mingle"),
        ]
        self.log_path = log
        self.log = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def text(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_ready(self) -> None:
        wait_for(lambda: " ready." in self.text() or self.process.poll() is not None, 60, "the worker to start")
        assert self.process.poll() is None, self.text()

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once: a crash, not a shutdown."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.log.close()


@pytest.fixture
def queue():
    if not redis_up(BROKER_URL):
        pytest.skip(f"no Redis at {BROKER_URL}")
    name = f"reliability-{uuid.uuid4().hex[:10]}"
    yield name
    import redis

    redis.Redis.from_url(BROKER_URL).delete(name)


@pytest.fixture
def workers(queue, tmp_path):
    started: list[Worker] = []

    def start() -> Worker:
        worker = Worker(queue, tmp_path / f"worker-{len(started) + 1}.log")
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()


def test_a_worker_killed_mid_task_gets_its_task_redelivered_and_the_index_converges(
    world, queue, workers, tmp_path, settings
):
    settings.SEARCH_OUTBOX_MAX_AGE_SECONDS = 3600  # the test process must not drain the outbox itself
    token = token_create(actor=None, team=world.team, name="pipeline", scopes=[Scope.WRITE_PRODUCTS])
    actor = Actor(token=token.token)
    for slug in ("alpha-orders", "beta-orders", "gamma-orders"):
        body = {"name": slug.replace("-", " ").title(), "output_ports": [{"name": "data"}]}
        product_upsert_from_payload(actor=actor, domain_slug="sales", slug=slug, payload=body)
    keys = {f"product:{pk}" for pk in DataProduct.objects.values_list("pk", flat=True)}
    assert keys <= set(IndexOutbox.objects.values_list("key", flat=True))

    gate = tmp_path / "gate"
    gate.mkdir()
    (gate / "hold").touch()
    first = workers()
    # Not the current app (that would take over the portal app's tasks for the rest of this process), and kept
    # referenced for the whole test: a collected app closes the connection its message went out on.
    sender = Celery(broker=BROKER_URL, set_as_current=False)
    sender.send_task("reliability.held_drain", args=[str(gate)], queue=queue)
    wait_for(lambda: (gate / "attempt-1").exists(), 30, "the first worker to start the task")

    first.kill()
    # Nothing half-done: the drain never ran, so every row is still waiting.
    assert keys <= set(IndexOutbox.objects.values_list("key", flat=True))

    (gate / "hold").unlink()
    # Redis hands an unacknowledged message out again once it is older than the visibility timeout (2 s here),
    # and a worker restores such messages when it starts: start the second one after that, not before.
    time.sleep(2.5)
    second = workers()
    wait_for(lambda: not IndexOutbox.objects.exists(), 60, "the redelivered task to drain the outbox")

    assert (gate / "attempt-2").exists(), second.text()
    hits = get_backend().search(SearchQuery(text="orders", with_facets=False)).hits
    assert {hit.key for hit in hits} >= keys
    print(f"\nworker killed mid-task: redelivered (attempts: {len(list(gate.glob('attempt-*')))}), index converged")
    sender.close()
