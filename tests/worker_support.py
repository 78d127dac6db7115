"""A REAL Celery worker on Redis for tests marked `celery_worker` (registered by tests/conftest.py).

Unit tests run tasks eagerly in-process; a handful of integration tests need what only a worker shows: tasks
sent through the broker after commit, retries with countdowns, acks. Use it like this:

    @pytest.mark.celery_worker
    def test_something(celery_worker):            # implies transactional_db: the worker must see committed rows
        celery_worker.start(extra_env={"SOME_SETTING": "value"})   # optional: env the worker's settings read
        ... write through services; tasks go to the worker ...
        celery_worker.wait_for(lambda: Model.objects.filter(...).exists(), timeout=30)

How it stays out of everyone's way:
- Each test session (each xdist process) gets its own queue, `test-<uuid>`, set in the test process's Celery app
  and passed to the worker (`CELERY_TASK_DEFAULT_QUEUE`, `-Q`), so parallel runs on one Redis never take each
  other's tasks.
- The worker uses the session's test database: the SQLite file or the PostgreSQL test database name is taken
  from `connection.settings_dict` and passed through `SQLITE_PATH` / `DATABASE_URL`.
- A worker is started by the test (`.start(extra_env=...)`) and stopped when the test ends, before its database
  is flushed (SIGTERM: a warm shutdown that finishes the running tasks; then SIGKILL), and the queue is deleted
  from Redis. One runs at a time.
- Without Redis at CELERY_TEST_BROKER_URL (default redis://127.0.0.1:6379/0) the tests are skipped, not failed.
- Settings: `--pool threads -c 2`, mail to locmem; the worker's log is printed when it fails to start.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest

BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/0")
START_TIMEOUT_SECONDS = 60
ROOT = Path(__file__).resolve().parent.parent


def redis_up(url: str = BROKER_URL) -> bool:
    """Whether a Redis answers at `url` (tests needing one skip otherwise)."""
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


def database_env() -> dict[str, str]:
    """Point the worker at the database this test session uses."""
    from django.db import connection

    sd = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"SQLITE_PATH": str(sd["NAME"]), "DATABASE_URL": ""}
    if connection.vendor == "postgresql":
        auth = quote(sd.get("USER") or "")
        if sd.get("PASSWORD"):
            auth += ":" + quote(sd["PASSWORD"])
        host = sd.get("HOST") or "127.0.0.1"
        port = sd.get("PORT") or "5432"
        return {"DATABASE_URL": f"postgres://{auth}@{host}:{port}/{sd['NAME']}", "DB_CONN_MAX_AGE": "0"}
    raise RuntimeError(f"worker_support does not know how to share a {connection.vendor} database")


class Worker:
    def __init__(self, queue: str, extra_env: dict[str, str]):
        self.queue = queue
        self.name = f"{queue}@%h"
        self.log = Path(tempfile.mkstemp(prefix=f"celery-{queue}-", suffix=".log")[1])
        env = {
            **os.environ,
            "CELERY_BROKER_URL": BROKER_URL,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            **database_env(),
            **extra_env,
        }
        if not env.get("DATABASE_URL"):
            env.pop("DATABASE_URL", None)
        celery = Path(sys.executable).with_name("celery")
        command = [
            str(celery),
            "-A",
            "config",
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            "2",
            "-Q",
            queue,
            "-n",
            self.name,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ]
        self._log_handle = self.log.open("w")
        self.process = subprocess.Popen(  # noqa: S603 -- our own venv's celery, fixed arguments
            command, cwd=ROOT, env=env, stdout=self._log_handle, stderr=subprocess.STDOUT
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if " ready." in self.log.read_text(errors="replace"):
                return
            time.sleep(0.2)
        output = self.log.read_text(errors="replace")[-4000:]
        self.stop()
        pytest.fail(f"the Celery worker did not start:\n{output}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log_handle.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class WorkerPool:
    """Session-wide: one queue for the test process and at most one worker on it (the last `extra_env` asked
    for), stopped at the end."""

    def __init__(self) -> None:
        self.queue = f"test-{uuid.uuid4().hex[:12]}"
        self.workers: dict[tuple, Worker] = {}

    def start(self, extra_env: dict[str, str] | None = None) -> Worker:
        key = tuple(sorted((extra_env or {}).items()))
        if key not in self.workers:
            # Differently configured workers must not share a queue, or either could take the other's tasks.
            for other in self.workers.values():
                other.stop()
            self.workers.clear()
            self.workers[key] = Worker(self.queue, dict(key))
        return self.workers[key]

    def close(self) -> None:
        for worker in self.workers.values():
            worker.stop()
        self.workers.clear()
        try:
            from kombu import Connection

            with Connection(BROKER_URL, connect_timeout=2) as conn:
                conn.default_channel.client.delete(self.queue)
        except Exception:  # noqa: S110 -- best-effort cleanup of a test queue
            pass


def _point_app_at(queue: str | None) -> Callable[[], None]:
    """Send this process's tasks to the broker and the session's queue; answers the undo."""
    from config.celery import app

    saved = {key: app.conf.get(key) for key in ("task_always_eager", "broker_url", "task_default_queue")}

    def reset_clients() -> None:
        # The app caches its broker pool and queue table from the configuration it saw first. The pools live on
        # in kombu's registry (keyed by broker URL) and are reused; closing them would break the next test.
        app._pool = None
        app.__dict__.pop("amqp", None)

    app.conf.task_always_eager = False
    app.conf.broker_url = BROKER_URL
    app.conf.task_default_queue = queue
    reset_clients()

    def undo() -> None:
        for key, value in saved.items():
            app.conf[key] = value
        reset_clients()

    return undo


@pytest.fixture(scope="session")
def _celery_worker_pool():
    pool = WorkerPool()
    yield pool
    pool.close()


class CeleryWorkerHandle:
    def __init__(self, pool: WorkerPool):
        self.pool = pool
        self.worker: Worker | None = None

    def start(self, extra_env: dict[str, str] | None = None) -> Worker:
        self.worker = self.pool.start(extra_env)
        return self.worker

    def wait_for(self, condition: Callable[[], bool], *, timeout: float = 30, message: str = "") -> None:
        """Poll `condition` (a database read, usually) until it holds; fail with the worker's log otherwise."""
        from django.db import connection

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            connection.close()  # a fresh connection sees the worker's latest commits on every backend
            time.sleep(0.1)
        log = self.worker.output()[-4000:] if self.worker else ""
        pytest.fail(f"{message or 'condition not met'} within {timeout}s; worker log:\n{log}")


@pytest.fixture
def celery_worker(request, transactional_db, _celery_worker_pool, settings):
    """A real worker on Redis for this test: call `.start(extra_env=...)` first (workers are reused across tests
    that ask for the same env)."""
    if request.node.get_closest_marker("celery_worker") is None:
        pytest.fail("tests using the celery_worker fixture must be marked @pytest.mark.celery_worker")
    if not redis_up(BROKER_URL):
        pytest.skip(f"needs Redis at {BROKER_URL}")
    # The app's configuration is a live view of Django's settings: point the app first, so what it saves for
    # the undo are the values from before this test, not the ones set here.
    undo = _point_app_at(_celery_worker_pool.queue)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = BROKER_URL
    settings.CELERY_TASK_DEFAULT_QUEUE = _celery_worker_pool.queue
    handle = CeleryWorkerHandle(_celery_worker_pool)
    try:
        yield handle
    finally:
        # Stop the worker before the database is flushed: a warm shutdown finishes the tasks it is running, and
        # the follow-up tasks a test's last step handed on (a sunset retiring ports writes products, which
        # queues governance, search and SLO work) would otherwise hold row locks while the flush truncates the
        # tables (a deadlock on PostgreSQL). The next test starts a fresh worker on an empty queue.
        _celery_worker_pool.close()
        undo()
