"""Shared helpers for the benchmark and fault scripts: start the portal's processes on loopback, wait until they
are ready, and stop them cleanly (the whole process group, so gunicorn's and Celery's children go too).

    env = portal_env(workdir, database_url=url, broker_url="redis://127.0.0.1:6379/11", queue="load-1234")
    manage(env, "migrate", "--no-input")
    with Server("gunicorn", env, workdir) as server, Worker(env, workdir, queue="load-1234") as worker:
        server.wait_healthy(); worker.wait_ready()
        ...

Nothing here binds anything but 127.0.0.1, and every process started is stopped in `stop()` / on `__exit__`.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stat_fields(stat: Path) -> list[str]:
    # The command name may hold spaces; the fields after its closing parenthesis do not.
    return stat.read_text().rsplit(")", 1)[1].split()


def process_tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(_stat_fields(stat)[1])
        except (OSError, IndexError, ValueError):
            continue
    found = [root]
    for pid in found:
        found += [child for child, parent in sorted(parents.items()) if parent == pid]
    return found


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds each of these processes has used so far (utime and stime in /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    spent = {}
    for pid in pids:
        try:
            fields = _stat_fields(Path(f"/proc/{pid}/stat"))
            spent[pid] = (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            continue
    return spent


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min, {os.cpu_count()} cores)"


def portal_env(
    workdir: Path,
    *,
    database_url: str | None = None,
    broker_url: str = "",
    queue: str = "celery",
    production: bool = False,
    **extra: str,
) -> dict[str, str]:
    """The environment of a portal living in `workdir`: its own SQLite file (or `database_url`), its own broker
    queue, DEBUG off. `production=True` selects PORTAL_PROFILE=production (gunicorn, WhiteNoise, a secret key)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH", "CELERY_BROKER_URL"}}
    env.update(
        PORTAL_VAR_DIR=str(workdir),
        DEBUG="false",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="config.settings",
        CELERY_BROKER_URL=broker_url,
        CELERY_TASK_DEFAULT_QUEUE=queue,
        STATIC_ROOT=str(workdir / "static"),
    )
    if production:
        env.update(PORTAL_PROFILE="production", SECRET_KEY=secrets.token_urlsafe(40))
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env["SQLITE_PATH"] = str(workdir / "portal.sqlite3")
    env.update(extra)
    return env


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    """Run `manage.py` with `env`; stop the script with its output if it fails."""
    done = subprocess.run(  # noqa: S603 - our own manage.py with arguments from the scripts
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args[:2])} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def last_json(output: str) -> dict:
    """The last JSON object line of a `manage.py shell -c` run's output (apps may print banners before it)."""
    return json.loads([line for line in output.splitlines() if line.startswith("{")][-1])


class PostgresDatabase:
    """A database of its own on the given server, dropped on exit unless `keep`. Its name must be new or one of
    ours: an existing database of that name is dropped first, so runs start empty."""

    def __init__(self, admin_url: str, name: str, *, keep: bool = False, template: str | None = None):
        import psycopg

        self.psycopg = psycopg
        self.template = template  # an existing database to copy (CREATE DATABASE ... TEMPLATE), or empty
        self.admin_url = admin_url
        self.name = name
        self.keep = keep
        parts = urllib.parse.urlsplit(admin_url)
        self.url = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))

    def _run(self, sql: str) -> None:
        with self.psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)

    def __enter__(self) -> PostgresDatabase:
        self._run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        template = f' TEMPLATE "{self.template}"' if self.template else ""
        self._run(f'CREATE DATABASE "{self.name}"{template}')
        return self

    def __exit__(self, *exc) -> None:
        if not self.keep:
            self._run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class _Process:
    """A child process in a session of its own, logging to a file; stopped with its whole group."""

    label = "process"

    def __init__(self, command: list[str], env: dict, log_path: Path):
        self.log_path = log_path
        self.log: IO[str] = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - fixed command lines built in this module
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL the whole group at once: a crash, not a shutdown (the fault scripts use this)."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self, grace: float = 15) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        if not self.log.closed:
            self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def pids(self) -> list[int]:
        """This process and its descendants (gunicorn's or Celery's workers), from /proc."""
        return process_tree(self.process.pid)

    def peak_rss_mb(self) -> dict[int, float]:
        """VmHWM (peak resident memory) of this process and each descendant, in MB, where /proc tells."""
        peaks = {}
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[pid] = int(line.split()[1]) / 1024
            except OSError:
                continue
        return peaks


class Server(_Process):
    """gunicorn (`config.wsgi` with config/gunicorn.py, gthread workers) or `runserver --noreload` on a free
    loopback port."""

    def __init__(self, kind: str, env: dict, workdir: Path, *, workers: int = 2, threads: int = 4, port: int = 0):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        bind = f"127.0.0.1:{self.port}"
        if kind == "gunicorn":
            command = [
                str(BIN / "gunicorn"),
                *("-c", "python:config.gunicorn"),  # the portal's own settings, as `make prod` runs it
                "config.wsgi",
                *("--bind", bind, "--workers", str(workers), "--threads", str(threads)),
                *("--worker-class", "gthread", "--keep-alive", "5", "--timeout", "60"),
                *("--error-logfile", "-", "--log-level", "warning"),
            ]
            self.label = f"gunicorn {workers} workers x {threads} threads"
        else:
            command = [PYTHON, "manage.py", "runserver", bind, "--noreload"]
            self.label = "runserver (threaded)"
        super().__init__(command, env, workdir / f"server-{self.port}.log")

    def wait_healthy(self, seconds: float = 60) -> None:
        """Until /healthz answers 200 (the database is reachable too)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self.alive():
                raise SystemExit(f"the server exited with {self.process.returncode}:\n{self.tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.2)
        raise SystemExit(f"the server did not answer /healthz within {seconds:.0f}s:\n{self.tail()}")


class Worker(_Process):
    """A Celery worker (`-A config`) consuming only `queue`, prefork with `concurrency` children."""

    def __init__(self, env: dict, workdir: Path, *, queue: str, concurrency: int = 1, name: str = "w"):
        self.queue = queue
        self.label = f"celery worker {name} on queue {queue}"
        hostname = f"{name}-{os.getpid()}@%h"
        command = [
            str(BIN / "celery"),
            *("-A", "config", "worker", "--loglevel", "INFO", "--pool", "prefork"),
            *("--concurrency", str(concurrency), "--queues", queue, "--hostname", hostname),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ]
        super().__init__(command, env, workdir / f"worker-{name}-{queue}.log")

    def wait_ready(self, seconds: float = 60) -> None:
        """Until the worker logs that it is ready (it has connected to the broker and declared its queue)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self.alive():
                raise SystemExit(f"the worker exited with {self.process.returncode}:\n{self.tail()}")
            self.log.flush()
            if " ready." in self.log_path.read_text(errors="replace"):
                return
            time.sleep(0.2)
        raise SystemExit(f"the worker was not ready within {seconds:.0f}s:\n{self.tail()}")

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")
