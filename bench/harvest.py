"""Harvest benchmark: a generated dbt manifest of N models (F columns each, two tests per model, run results for
all of them) and a PostgreSQL schema of T tables (F columns each) behind T output ports. Each is harvested twice:
the first harvest creates everything, the second finds everything unchanged (it compares before it writes).
The harvest's time is what a caller waits for; the work its writes hand on (search indexing, governance, SLO
evaluation: Celery workers in production, after the response in the embedded profile) is printed after it.

    .venv/bin/python bench/harvest.py                       # 2,000 models, 2,000 tables, 20 columns
    .venv/bin/python bench/harvest.py --models 500 --tables 500
    HARVEST_BENCH_PG=postgres://root@127.0.0.1:5432/wt15 .venv/bin/python bench/harvest.py

The portal's own database is a throw-away SQLite file under PORTAL_VAR_DIR (or the DATABASE_URL given); the
tables harvested live in a fresh schema of the PostgreSQL named by HARVEST_BENCH_PG (dropped at the end). Prints
figures, asserts nothing; report the load average with them. Targets: 2,000 models under 30 s, 2,000 tables
under 60 s, the unchanged re-harvest at least 5 times faster than the first.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("PORTAL_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "bench-harvest"))
os.environ.setdefault("SQLITE_PATH", os.path.join(os.environ["PORTAL_VAR_DIR"], "bench-harvest.sqlite3"))

import django

django.setup()

import psycopg  # noqa: E402
from django.core.management import call_command  # noqa: E402

TYPES = ["integer", "text", "numeric", "boolean", "date", "timestamp"]
MODELS_PER_PRODUCT = 10


def manifest(models: int, columns: int) -> tuple[dict, dict]:
    nodes: dict = {}
    results = []
    for m in range(models):
        uid = f"model.bench.model_{m:05d}"
        nodes[uid] = {
            "resource_type": "model",
            "name": f"model_{m:05d}",
            "database": "warehouse",
            "schema": "marts",
            "alias": f"model_{m:05d}",
            "description": f"Generated model {m}.",
            "config": {"materialized": "table", "meta": {"data_product": f"product-{m // MODELS_PER_PRODUCT:04d}"}},
            "columns": {
                f"col_{c:02d}": {
                    "name": f"col_{c:02d}",
                    "data_type": TYPES[c % len(TYPES)],
                    "description": f"Column {c} of model {m}.",
                    "meta": {"classification": "internal"},
                }
                for c in range(columns)
            },
            "depends_on": {"nodes": [f"model.bench.model_{m - 1:05d}"] if m % MODELS_PER_PRODUCT else []},
        }
        for test in ("not_null", "unique"):
            tid = f"test.bench.{test}_model_{m:05d}_col_00"
            nodes[tid] = {
                "resource_type": "test",
                "name": f"{test}_model_{m:05d}_col_00",
                "attached_node": uid,
                "column_name": "col_00",
                "test_metadata": {"name": test, "kwargs": {"column_name": "col_00"}},
                "depends_on": {"nodes": [uid]},
            }
            results.append({"unique_id": tid, "status": "pass" if m % 50 else "fail", "timing": []})
        results.append(
            {
                "unique_id": uid,
                "status": "success",
                "timing": [
                    {
                        "name": "execute",
                        "started_at": "2026-12-01T09:00:00Z",
                        "completed_at": "2026-12-01T09:00:05Z",
                    }
                ],
            }
        )
    body = {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
            "project_name": "bench",
            "adapter_type": "postgres",
            "generated_at": "2026-12-01T08:59:00Z",
            "invocation_id": "00000000-0000-0000-0000-000000000001",
        },
        "nodes": nodes,
        "sources": {},
    }
    run_results = {
        "metadata": {"invocation_id": "00000000-0000-0000-0000-000000000002", "generated_at": "2026-12-01T09:10:00Z"},
        "results": results,
    }
    return body, run_results


def figure(name: str, items: int, seconds: float, unit: str) -> None:
    print(f"{name:>32}: {items:,} {unit} in {seconds:.2f} s = {items / seconds:,.0f} {unit}/s")


def bench_dbt(models: int, columns: int) -> None:
    from core.dispatch import deferred
    from harvest.actors import platform_actor
    from harvest.services.dbt import DbtFiles, harvest_dbt

    body, run_results = manifest(models, columns)
    files = DbtFiles(manifest=body, run_results=run_results)
    timings = []
    for label in ("first harvest", "re-harvest (unchanged)"):
        started = time.perf_counter()
        with deferred():
            result = harvest_dbt(
                actor=platform_actor(), domain_slug="bench", files=files, namespace="postgres://warehouse:5432"
            )
            seconds = time.perf_counter() - started
        after = time.perf_counter() - started - seconds
        timings.append(seconds)
        figure(f"dbt {label}", models, seconds, "models")
        print(f"{'':>34}{result.summary.counts()}")
        print(f"{'':>34}then {after:.2f} s of the work it hands on (search, governance, SLO evaluation)")
    print(f"{'dbt re-harvest speed-up':>32}: {timings[0] / timings[1]:.1f}x")


def bench_sql(pg_url: str, tables: int, columns: int) -> None:
    from catalog.services.products import products_bulk_upsert
    from catalog.specs import FieldSpec, OutputPortSpec, ProductSpec
    from harvest.actors import platform_actor
    from harvest.services.sql import connection_create, harvest_connection

    info = psycopg.conninfo.conninfo_to_dict(pg_url)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    actor = platform_actor()
    from catalog.models import Domain

    domain = Domain.objects.get(slug="bench")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        started = time.perf_counter()
        with conn.transaction():
            for t in range(tables):
                cols = ", ".join(f"col_{c:02d} {TYPES[c % len(TYPES)]}" for c in range(columns))
                conn.execute(f"CREATE TABLE {schema}.t_{t:05d} (id integer PRIMARY KEY, {cols})")
        print(f"{'':>34}(created {tables:,} tables in {time.perf_counter() - started:.1f} s)")
    try:
        fields = [FieldSpec("id", "integer", nullable=False, primary_key=True)] + [
            FieldSpec(f"col_{c:02d}", TYPES[c % len(TYPES)]) for c in range(columns)
        ]
        host = f"{info.get('host', '127.0.0.1')}:{info.get('port', '5432')}"
        items = []
        for t in range(tables):
            location = f"postgres://{host}/{info['dbname']}.{schema}.t_{t:05d}"
            spec = ProductSpec(
                name=f"Table {t}", output_ports=[OutputPortSpec("table", location=location, fields=fields)]
            )
            items.append(("bench", f"table-{t:05d}", spec))
        for start in range(0, len(items), 500):
            products_bulk_upsert(actor=actor, items=items[start : start + 500])
        connection = connection_create(
            actor=actor,
            domain=domain,
            name=f"pg-{schema}",
            url=f"postgresql://{info.get('user', 'root')}@{host}/{info['dbname']}",
        )
        timings = []
        for label in ("first harvest", "re-harvest (unchanged)"):
            started = time.perf_counter()
            run = harvest_connection(actor=actor, connection=connection)
            seconds = time.perf_counter() - started
            timings.append(seconds)
            figure(f"SQL {label}", tables, seconds, "tables")
            print(f"{'':>34}{run.status} {run.counts} {run.error[:200]}")
        print(f"{'SQL re-harvest speed-up':>32}: {timings[0] / timings[1]:.1f}x")
    finally:
        # In slices: one DROP SCHEMA ... CASCADE of thousands of tables runs out of lock slots.
        with psycopg.connect(pg_url, autocommit=True) as conn:
            for start in range(0, tables, 200):
                names = ", ".join(f"{schema}.t_{t:05d}" for t in range(start, min(start + 200, tables)))
                conn.execute(f"DROP TABLE IF EXISTS {names}")
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=2000)
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--pg", default=os.environ.get("HARVEST_BENCH_PG", "postgres://root@127.0.0.1:5432/postgres"))
    args = parser.parse_args()

    path = Path(os.environ["SQLITE_PATH"])
    path.parent.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        for stale in path.parent.glob(path.name + "*"):
            stale.unlink()
    call_command("migrate", verbosity=0)
    from catalog.models import Domain, Team

    team, _ = Team.objects.get_or_create(slug="bench-team", defaults={"name": "Bench team"})
    Domain.objects.get_or_create(slug="bench", defaults={"name": "Bench", "owner_team": team})
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; database: {django.db.connection.vendor}")
    if args.models:
        bench_dbt(args.models, args.columns)
    if args.tables:
        bench_sql(args.pg, args.tables, args.columns)


if __name__ == "__main__":
    main()
