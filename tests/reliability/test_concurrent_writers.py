"""Twenty pipelines publishing at the same moment to the embedded portal (SQLite) are all served.

A real server process (runserver, and gunicorn as config/gunicorn.py runs it) on a free loopback port serves the
session's SQLite test database; 20 threads, released together by a barrier, each send one PUT with a team token.
SQLite admits one writer at a time: a transaction that read first and then tried to write would be refused at once
("database is locked", answered 503) instead of waiting on the busy timeout. The portal's transactions take the
write lock when they begin (config/sqlite), so writers queue and every one gets 2xx, and the stored product is
exactly one of the bodies sent. bench/faults.py runs the same scenario on the demo mesh (`writers`).

SQLite only: the module skips itself in the PostgreSQL pass, as tests/test_sqlite_backend.py does.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from catalog.models import DataProduct, Domain
from catalog.models.org import BreakingChangePolicy
from core.actors import Scope
from tests.conftest import build_world
from tokens.services import token_create
from usage.models import ProductMilestone

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the embedded profile's SQLite write lock")

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def body(k: int) -> dict:
    return {
        "name": "Concurrent",
        "summary": f"Written by writer {k}.",
        "status": "published",
        "tags": [f"writer-{k}"],
        "output_ports": [{"name": f"port-{k}", "fields": [{"name": f"f{k}", "type": "string"}]}],
    }


@contextmanager
def server(kind: str, tmp_path: Path) -> Iterator[int]:
    port = free_port()
    bind = f"127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        SQLITE_PATH=str(connection.settings_dict["NAME"]),
        PORTAL_VAR_DIR=str(tmp_path),
        DEBUG="false",
        LOG_LEVEL="WARNING",
        CELERY_BROKER_URL="",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    if kind == "gunicorn":
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        command = [gunicorn, "-c", "python:config.gunicorn", "config.wsgi", "--bind", bind, "--workers", "2"]
    else:
        command = [sys.executable, "manage.py", "runserver", bind, "--noreload"]
    log = (tmp_path / f"{kind}.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own manage.py / gunicorn, fixed arguments
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / f"{kind}.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the server did not answer /healthz in 60 s"
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.2)
        yield port
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(5)
        log.close()


def put_at_once(port: int, token: str, slugs: list[str]) -> list[int]:
    """One thread per slug, all released together; answers each thread's HTTP status."""
    statuses = [0] * len(slugs)
    barrier = threading.Barrier(len(slugs))

    def send(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.connect()
            barrier.wait()
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            conn.request("PUT", f"/api/v1/products/sales/{slugs[k]}", json.dumps(body(k)), headers)
            response = conn.getresponse()
            response.read()
            statuses[k] = response.status
        finally:
            conn.close()

    threads = [threading.Thread(target=send, args=(k,)) for k in range(len(slugs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    return statuses


def stored(slug: str) -> dict:
    product = DataProduct.objects.get(domain__slug="sales", slug=slug)
    return {
        "summary": product.summary,
        "ports": list(product.output_ports.values_list("name", flat=True)),
        "fields": list(product.output_ports.values_list("fields__name", flat=True)),
        "tags": list(product.tags.values_list("name", flat=True)),
    }


def written_by(k: int) -> dict:
    return {"summary": f"Written by writer {k}.", "ports": [f"port-{k}"], "fields": [f"f{k}"], "tags": [f"writer-{k}"]}


@pytest.mark.parametrize("kind", ["runserver", "gunicorn"])
def test_twenty_concurrent_writers_of_one_product_are_all_served(kind, transactional_db, tmp_path):
    world = build_world()
    # Each writer replaces the port and its field, a breaking change against whichever body landed first: the
    # domain takes breaking changes with a warning, so this measures queueing, not the versioning rule (#17).
    Domain.objects.filter(pk=world.domain.pk).update(breaking_changes=BreakingChangePolicy.WARN)
    token = token_create(actor=None, team=world.team, name="ci", scopes=[Scope.READ, Scope.WRITE_PRODUCTS]).secret

    with server(kind, tmp_path) as port:
        statuses = put_at_once(port, token, ["conc"] * WRITERS)

    assert sorted(statuses) == sorted([201] + [200] * (WRITERS - 1)), statuses
    product = stored("conc")
    assert len([k for k in range(WRITERS) if product == written_by(k)]) == 1, product


@pytest.mark.parametrize("kind", ["runserver", "gunicorn"])
def test_twenty_concurrent_writers_of_different_products_are_all_served(kind, transactional_db, tmp_path):
    world = build_world()
    token = token_create(actor=None, team=world.team, name="ci", scopes=[Scope.READ, Scope.WRITE_PRODUCTS]).secret
    slugs = [f"conc-{k}" for k in range(WRITERS)]

    milestones = ProductMilestone.objects.filter(product__domain=world.domain, product__slug__in=slugs)

    with server(kind, tmp_path) as port:
        statuses = put_at_once(port, token, slugs)
        if kind == "runserver":
            # runserver's request threads do their follow-up work once their responses are out; it is lost if
            # the process stops first, so wait for it (gunicorn's workers finish theirs when they stop).
            deadline = time.monotonic() + 60
            while milestones.count() < WRITERS and time.monotonic() < deadline:
                time.sleep(0.2)

    assert statuses == [201] * WRITERS
    assert [stored(slug) for slug in slugs] == [written_by(k) for k in range(WRITERS)]
    # The work after the responses ran (on gunicorn merged by each worker's runner thread, and finished when the
    # workers stopped): every product has its publication milestone, a task with no durable queue of its own.
    assert milestones.count() == WRITERS
