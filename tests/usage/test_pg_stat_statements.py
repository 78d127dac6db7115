"""docs/examples/pg_stat_statements_usage.py against a real PostgreSQL with pg_stat_statements loaded.

The machine's shared server does not preload the extension (shared_preload_libraries is empty, and it is not ours
to restart), so the test starts a private cluster of its own on a free 127.0.0.1 port with the extension
preloaded, runs queries there as two consuming roles, turns the statistics into usage records with the script,
posts them to the portal with a write:usage token, and stops the cluster. Skipped, saying why, where PostgreSQL's
server binaries or the `postgres` system user are missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from usage.models import UsageRecord

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docs" / "examples" / "pg_stat_statements_usage.py"
BIN = (
    next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)
    if Path("/usr/lib/postgresql").exists()
    else None
)


def _script():
    spec = importlib.util.spec_from_file_location("pg_stat_statements_usage", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def private_pg():
    if BIN is None or not (BIN / "initdb").exists():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("no 'postgres' system user to run a private cluster as")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    base = Path(tempfile.mkdtemp(prefix="pgss-"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    port = _free_port()
    subprocess.run(  # noqa: S603 -- PostgreSQL's own binaries, arguments built here
        [*as_postgres, str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements"
    subprocess.run(  # noqa: S603 -- PostgreSQL's own binaries, arguments built here
        [*as_postgres, str(BIN / "pg_ctl"), "-D", str(data), "-o", options, "-w", "start", "-l", str(base / "log")],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(  # noqa: S603 -- PostgreSQL's own binaries, arguments built here
            [*as_postgres, str(BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


def _run_workload(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("CREATE TABLE orders (id int primary key, amount numeric)")
        conn.execute("INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 5000) g")
        for role in ("finance_reader", "stray_role"):
            conn.execute(f"CREATE ROLE {role} LOGIN")
            conn.execute(f"GRANT SELECT ON orders TO {role}")
        conn.execute("SELECT pg_stat_statements_reset()")
    reader = dsn.replace("postgres@", "finance_reader@")
    with psycopg.connect(reader, autocommit=True) as conn:
        for n in range(7):
            conn.execute("SELECT sum(amount) FROM orders WHERE id > %s", (n,)).fetchall()
        conn.execute("SELECT 1").fetchall()  # reads no table: left out
    with psycopg.connect(dsn.replace("postgres@", "stray_role@"), autocommit=True) as conn:
        conn.execute("SELECT count(*) FROM orders").fetchall()  # an unmapped role: left out


def test_statements_become_usage_records_the_portal_stores(private_pg, world, port, usage_client, tmp_path):
    _run_workload(private_pg)
    script = _script()
    mapping = {
        "tables": {"public.orders": {"product": "sales/orders", "port": "orders_table"}},
        "roles": {"finance_reader": {"team": "finance-team"}},
    }
    now, block_size = script.snapshot(private_pg)
    state: dict = {}
    today = date.today()
    grown = script.since_baseline(now, script.baseline_for(state, today, now))
    body, skipped = script.records(
        grown, mapping, day=today, block_size=block_size, price_per_hour=Decimal("1.50"), currency="EUR"
    )
    assert skipped >= 2
    assert len(body) == 1
    record = body[0]
    assert record["team"] == "finance-team" and record["queries"] == 7 and record["rows_read"] == 7
    assert record["bytes_read"] > 0 and record["compute_seconds"] > 0

    response = usage_client.post("/api/v1/usage", {"records": body}, format="json")
    assert response.status_code == 201, response.content
    stored = UsageRecord.objects.get()
    assert (stored.queries, stored.team_id, stored.currency) == (7, world.other_team.pk, "EUR")

    # A later run the same day reports the day so far: it replaces the record (same day, port and consumer).
    with psycopg.connect(private_pg.replace("postgres@", "finance_reader@"), autocommit=True) as conn:
        conn.execute("SELECT sum(amount) FROM orders WHERE id > %s", (99,)).fetchall()
    now, _ = script.snapshot(private_pg)
    grown = script.since_baseline(now, script.baseline_for(state, today, now))
    again, _ = script.records(
        grown, mapping, day=today, block_size=block_size, price_per_hour=Decimal("1.50"), currency="EUR"
    )
    assert again[0]["queries"] == 8
    assert usage_client.post("/api/v1/usage", {"records": again}, format="json").json()["updated"] == 1
    assert UsageRecord.objects.get().queries == 8

    # The command line: prints the body the portal takes, and keeps its state for the next run.
    (tmp_path / "map.json").write_text(json.dumps(mapping))
    args = ["--dsn", private_pg, "--map", str(tmp_path / "map.json"), "--state", str(tmp_path / "state.json")]
    assert script.main(args) == 0
    assert json.loads((tmp_path / "state.json").read_text())["baselines"]
