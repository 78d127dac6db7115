#!/usr/bin/env python3
"""Search benchmark: how fast are results pages and suggestions at 100k products, and how long does a reindex take?

Builds a world (`seed_demo --scale N --fields-per-product F` into a fresh SQLite file under a temp dir, or a copy
of an already seeded file with `--seed-db`), times `search_reindex --fresh`, starts gunicorn on a free loopback
port and sends a fixed mix of 1-3 word queries, some with facet filters, then a fixed mix of as-you-type
prefixes, from one keep-alive client (latency, not throughput). Each round also times the same queries
in-process (the backend without HTTP) and straight against the database (the SQL statements the backend issued
for each query, replayed with Python's sqlite3 module or psycopg), so the three share the same minutes of machine
load. The ratios show what the portal adds on top of the engine.

With `--postgres URL` (a server where the user may create databases) the same world is also built in a
throwaway database on that server (created, and dropped at the end unless --keep), followed by VACUUM ANALYZE
(what autovacuum does on a live server), and the figures table shows SQLite and PostgreSQL side by side, each
with its ratio to its own raw SQL. `--engines postgresql` measures PostgreSQL alone.

    .venv/bin/python bench/search.py                              # 100k products x 10 fields (seeding ~3 min)
    .venv/bin/python bench/search.py --products 20000             # smaller
    .venv/bin/python bench/search.py --seed-db var/seeded.sqlite3 # reuse a seeded file (copied, never changed)
    .venv/bin/python bench/search.py --products 20000 --postgres postgres://root@127.0.0.1:5432/postgres
    .venv/bin/python bench/search.py --rounds 10 --json bench/out/search.json
    .venv/bin/python bench/search.py --engines postgresql --postgres postgres://root@127.0.0.1:5432/postgres \
        --postgres-template pages100k     # copy a world bench/pages.py seeded and kept (same shape) instead

Targets (issues 3 and 18): results page p95 <= 60 ms, suggestions p95 <= 20 ms on each engine, reindex from
scratch <= 5 minutes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from _server import PYTHON, ROOT, PostgresDatabase, Server, manage

# (query, filters): common words (thousands of matches), rarer ones, multi-word, typos, filters.
QUERIES: list[tuple[str, dict[str, str]]] = [
    ("orders", {}),
    ("customer", {}),
    ("revenue", {}),
    ("daily revenue", {}),
    ("churn scores", {}),
    ("payment transactions", {}),
    ("shipments region", {}),
    ("weekly orders dach", {}),
    ("fraud", {"kind": "aggregate"}),
    ("inventory", {"domain": "supply-chain"}),
    ("sku", {}),
    ("customer email", {"access_mode": "on_request"}),
    ("carrier rates", {}),
    ("campaign roi", {}),
    ("hourly", {"status": "published"}),
    ("order_id", {}),
    ("refunds by channel", {}),
    ("nordics", {"tag": "generated"}),
    ("returns", {"domain": "logistics"}),
    ("supplier scorecard", {}),
    ("page views", {}),
    ("headcount", {"owner_team": "people-analytics"}),
    ("dashboard", {}),
    ("currency amount", {}),
    ("custmer", {}),
]
PREFIXES = [
    "or",
    "ord",
    "orde",
    "order",
    "cu",
    "cus",
    "cust",
    "custo",
    "da",
    "dai",
    "dail",
    "re",
    "rev",
    "reve",
    "sh",
    "shi",
    "ship",
    "customer l",
    "customer li",
    "weekly or",
    "fr",
    "fra",
    "inv",
    "inve",
    "pay",
    "paym",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


SETTINGS_WITH_CONN_MAX_AGE = """from config.settings import *  # noqa: F403
DATABASES["default"]["CONN_MAX_AGE"] = {seconds}  # noqa: F405
"""


def keep_connections(env: dict, workdir: Path, conn_max_age: int | None) -> None:
    """With --conn-max-age, serve through a settings module made in the temp dir that keeps database
    connections open between requests, to see what reconnecting costs."""
    if conn_max_age is None:
        return
    (workdir / "search_bench_settings.py").write_text(SETTINGS_WITH_CONN_MAX_AGE.format(seconds=conn_max_age))
    env["DJANGO_SETTINGS_MODULE"] = "search_bench_settings"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(workdir), str(ROOT), env.get("PYTHONPATH", "")]))


def query_string(text: str, filters: dict[str, str]) -> str:
    return urllib.parse.urlencode({"q": text, **filters})


class HttpClient:
    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def get(self, path: str) -> float:
        try:
            return self._get(path)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # gunicorn closes a keep-alive connection idle for 5 s, which the in-process and raw SQL parts of a
            # round can take on a busy machine: reconnect, and time the request on the new connection.
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.conn.host, self.conn.port, timeout=30)
            self.conn.connect()
            return self._get(path)

    def _get(self, path: str) -> float:
        started = time.perf_counter()
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path} answered {response.status}: {body[:300]!r}")
        return (time.perf_counter() - started) * 1000


class InProcess:
    """The backend without HTTP, and the SQL it issued replayed on a plain connection: sqlite3 on the file, or
    psycopg (client-side binding, as Django uses it) on the PostgreSQL database."""

    def __init__(self, raw_target: str):
        import django

        django.setup()
        from django.db import connection

        from search.backends import get_backend

        self.connection = connection
        self.backend = get_backend()
        self.postgres = connection.vendor == "postgresql"
        if self.postgres:
            import psycopg

            self.raw = psycopg.connect(raw_target, autocommit=True, cursor_factory=psycopg.ClientCursor)
        else:
            self.raw = sqlite3.connect(raw_target)
        self.statements: dict[tuple[str, str], list[tuple[str, tuple]]] = {}

    def _query(self, text: str, filters: dict[str, str]):
        from search.base import SearchQuery

        return SearchQuery(text=text, filters={k: (v,) for k, v in filters.items()})

    def run(self, kind: str, text: str, filters: dict[str, str]) -> float:
        started = time.perf_counter()
        if kind == "search":
            self.backend.search(self._query(text, filters))
        else:
            self.backend.suggest(text)
        return (time.perf_counter() - started) * 1000

    def capture(self, kind: str, text: str, filters: dict[str, str]) -> None:
        found: list[tuple[str, tuple]] = []

        def wrapper(execute, sql, params, many, context):
            if not many:
                # Django hands psycopg the SQL as written (%s placeholders); sqlite3 wants ? instead.
                found.append((sql if self.postgres else sql.replace("%s", "?"), tuple(params or ())))
            return execute(sql, params, many, context)

        with self.connection.execute_wrapper(wrapper):
            self.run(kind, text, filters)
        self.statements[(kind, text)] = found

    def replay(self, kind: str, text: str) -> float:
        started = time.perf_counter()
        for sql, params in self.statements[(kind, text)]:
            self.raw.execute(sql, params).fetchall()
        return (time.perf_counter() - started) * 1000


def measure(client: HttpClient, local: InProcess, rounds: int) -> dict[str, list[float]]:
    """Each round sends the whole mix over HTTP, then in-process, then as raw SQL: the three ways share the
    same minutes, so load from elsewhere on the machine weighs on all of them alike."""
    mixes: dict[str, list[tuple[str, str, dict[str, str], str]]] = {
        "search": [
            ("search", text, filters, f"/api/v1/search?{query_string(text, filters)}") for text, filters in QUERIES
        ],
        "suggest": [("suggest", p, {}, f"/api/v1/search/suggest?{urllib.parse.urlencode({'q': p})}") for p in PREFIXES],
    }
    for items in mixes.values():  # warm-up, and the SQL of each query for the raw replay
        for kind, text, filters, path in items:
            client.get(path)
            local.capture(kind, text, filters)
    names = {
        "search": ("HTTP results page", "in-process search", "raw SQL search"),
        "suggest": ("HTTP suggest", "in-process suggest", "raw SQL suggest"),
    }
    times: dict[str, list[float]] = {name: [] for triple in names.values() for name in triple}
    for _ in range(rounds):
        for mix, items in mixes.items():
            http_name, local_name, raw_name = names[mix]
            for kind, text, _, path in items:
                took = client.get(path)
                times[http_name].append(took)
                times.setdefault(f"{kind}: {text}", []).append(took)
            times[local_name] += [local.run(kind, text, filters) for kind, text, filters, _ in items]
            times[raw_name] += [local.replay(kind, text) for kind, text, _, _ in items]
    return times


ENGINE_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def summary(times: dict[str, list[float]]) -> dict:
    return {
        "timings": {
            name: {
                "n": len(v),
                "p50": percentile(v, 50),
                "p95": percentile(v, 95),
                "p99": percentile(v, 99),
                "max": max(v),
                "mean": statistics.mean(v),
            }
            for name, v in times.items()
            if ": " not in name
        },
        "per_query_http_ms": {name: percentile(v, 50) for name, v in times.items() if ": " in name},
    }


def world_facts(engine: str, target: str) -> tuple[int, int, str]:
    """Documents indexed, schema fields, and a team slug (for the bench's token)."""
    statements = (
        "SELECT count(*) FROM search_document",
        "SELECT count(*) FROM catalog_schemafield",
        "SELECT slug FROM catalog_team ORDER BY slug LIMIT 1",
    )
    if engine == "postgresql":
        import psycopg

        with psycopg.connect(target, autocommit=True) as db:
            rows = [db.execute(sql).fetchone()[0] for sql in statements]
    else:
        with sqlite3.connect(target) as db:
            rows = [db.execute(sql).fetchone()[0] for sql in statements]
    return int(rows[0]), int(rows[1]), str(rows[2])


def build_world(engine: str, env: dict, args: argparse.Namespace, target: str) -> dict:
    """Seed (or copy) and reindex; returns the timings of both."""
    figures: dict = {}
    copied = (engine == "sqlite" and args.seed_db) or (engine == "postgresql" and args.postgres_template)
    if engine == "sqlite" and args.seed_db:
        shutil.copy(args.seed_db, target)
    # (a PostgreSQL template was copied when the database was created)
    manage(env, "migrate", "--no-input", "-v", "0")
    if not copied:
        started = time.perf_counter()
        print(f"{ENGINE_LABELS[engine]}: seeding {args.products:,} products x {args.fields} fields...", file=sys.stderr)
        manage(
            env,
            "seed_demo",
            "--scale",
            str(args.products),
            "--fields-per-product",
            str(args.fields),
            "--batch-size",
            "5000",
            timeout=7200,
        )
        figures["seed_seconds"] = time.perf_counter() - started
    if not (args.no_reindex and copied):
        started = time.perf_counter()
        print(f"{ENGINE_LABELS[engine]}: reindexing from scratch...", file=sys.stderr)
        manage(env, "search_reindex", "--fresh", "--no-progress", timeout=7200)
        figures["reindex_seconds"] = time.perf_counter() - started
    if engine == "postgresql":
        import psycopg

        with psycopg.connect(target, autocommit=True) as db:
            db.execute("VACUUM ANALYZE")
    return figures


def measure_engine(engine: str, env: dict, args: argparse.Namespace, workdir: Path, target: str) -> dict:
    """gunicorn on this engine's database, and a child process (Django set up for that database) that sends
    the mix over HTTP, in-process and as raw SQL."""
    figures = build_world(engine, env, args, target)
    figures["documents"], figures["fields"], team = world_facts(engine, target)
    token = manage(env, "create_token", "--team", team, "--scopes", "read", "--name", "search-bench").strip()
    child_env = dict(env)
    keep_connections(child_env, workdir, args.conn_max_age)
    server = Server("gunicorn", child_env, workdir, workers=args.workers, threads=args.threads)
    try:
        server.wait_healthy()
        print(f"{ENGINE_LABELS[engine]}: sending queries...", file=sys.stderr)
        figures["load_before"] = os.getloadavg()
        spec = json.dumps({"port": server.port, "token": token, "raw": target})
        done = subprocess.run(  # noqa: S603 - this script, measuring one engine
            [PYTHON, __file__, "--child", spec, "--rounds", str(args.rounds)],
            env=child_env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=7200,
        )
        if done.returncode != 0:
            raise SystemExit(f"measuring {engine} failed:\n{done.stderr[-3000:]}")
        times = json.loads(done.stdout.strip().splitlines()[-1])
        figures["load_after"] = os.getloadavg()
    finally:
        server.stop()
    figures.update(summary(times))
    return figures


def child(spec: str, rounds: int) -> None:
    """In the child: Django for the engine's database, then the mix; the times go to stdout as JSON."""
    options = json.loads(spec)
    sys.path[:0] = [os.environ.get("PORTAL_VAR_DIR", ""), str(ROOT)]
    local = InProcess(options["raw"])
    times = measure(HttpClient(options["port"], options["token"]), local, rounds)
    print(json.dumps(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--fields", type=int, default=10, help="fields per generated product (default 10)")
    parser.add_argument("--seed-db", help="an already seeded SQLite file to copy instead of seeding")
    parser.add_argument("--postgres", help="a PostgreSQL server URL: also build and measure the world there")
    parser.add_argument(
        "--engines",
        default="",
        help="comma-separated subset of sqlite,postgresql (default: sqlite, and postgresql with --postgres)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="times each query of the mix is sent (default 5)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--postgres-template",
        metavar="DB",
        help="copy this already seeded database on the --postgres server instead of seeding (CREATE DATABASE "
        "... TEMPLATE; nothing may be connected to it)",
    )
    parser.add_argument(
        "--no-reindex", action="store_true", help="the --seed-db file or --postgres-template is already indexed"
    )
    parser.add_argument("--conn-max-age", type=int, help="keep database connections open this many seconds")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and the PostgreSQL database")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rounds)
        return
    engines = [e for e in args.engines.split(",") if e] or ["sqlite", *(["postgresql"] if args.postgres else [])]
    if "postgresql" in engines and not args.postgres:
        parser.error("--engines postgresql needs --postgres URL")

    workdir = Path(tempfile.mkdtemp(prefix="search-bench-"))
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH", "ELASTICSEARCH_URL"}}
    base.update(
        PORTAL_VAR_DIR=str(workdir),
        DEBUG="false",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
        CELERY_BROKER_URL="",
        SEARCH_BACKEND="embedded",
    )
    figures: dict = {"products": args.products, "engines": {}}
    try:
        for engine in engines:
            if engine == "sqlite":
                db_path = workdir / "bench.sqlite3"
                env = {**base, "SQLITE_PATH": str(db_path)}
                figures["engines"][engine] = measure_engine(engine, env, args, workdir, str(db_path))
            else:
                name = f"search_bench_{os.getpid()}"
                with PostgresDatabase(args.postgres, name, keep=args.keep, template=args.postgres_template) as database:
                    env = {**base, "DATABASE_URL": database.url}
                    figures["engines"][engine] = measure_engine(engine, env, args, workdir, database.url)
                    figures["postgres_version"] = postgres_version(database.url)
            if args.json:  # after each engine, so a later failure loses nothing measured
                Path(args.json).parent.mkdir(parents=True, exist_ok=True)
                Path(args.json).write_text(json.dumps(figures, indent=2))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    # Write the figures before printing them, so a failing report loses nothing.
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2))
    report(figures, args)


def postgres_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        return str(db.execute("SHOW server_version").fetchone()[0])


ROWS = (
    ("HTTP results page", "results page HTTP"),
    ("in-process search", "  in-process"),
    ("raw SQL search", "  raw SQL"),
    ("HTTP suggest", "suggest HTTP"),
    ("in-process suggest", "  in-process"),
    ("raw SQL suggest", "  raw SQL"),
)


def report(figures: dict, args: argparse.Namespace) -> None:
    engines = figures["engines"]
    names = list(engines)
    first = engines[names[0]]
    versions = [f"SQLite {sqlite3.sqlite_version}"] if "sqlite" in engines else []
    if "postgresql" in engines:
        versions.append(f"PostgreSQL {figures.get('postgres_version', '?')}")
    print(
        f"\nsearch bench: {first['documents']:,} documents, {first['fields']:,} fields, {', '.join(versions)}, "
        f"gunicorn {args.workers}x{args.threads}, {args.rounds} rounds of {len(QUERIES)} queries and "
        f"{len(PREFIXES)} prefixes, one client"
    )
    for name in names:
        e = engines[name]
        line = f"{ENGINE_LABELS[name]:11} load average before {e['load_before'][0]:.2f}, after {e['load_after'][0]:.2f}"
        if "seed_seconds" in e:
            line += f"; seed_demo {e['seed_seconds']:.1f} s"
        if "reindex_seconds" in e:
            line += f"; reindex from scratch {e['reindex_seconds']:.1f} s (target <= 300 s)"
        print(line)
    header = "".join(f" | {ENGINE_LABELS[n]:^33}" for n in names)
    print(f"\n{'':20}{header}")
    print(f"{'':20}" + "".join(f" | {'n':>5} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6}" for _ in names) + "  ms")
    for key, label in ROWS:
        cells = []
        for n in names:
            row = engines[n]["timings"][key]
            cells.append(f" | {row['n']:>5} {row['p50']:6.1f} {row['p95']:6.1f} {row['p99']:6.1f} {row['max']:6.1f}")
        print(f"{label:20}" + "".join(cells))
    print()
    for n in names:
        t = engines[n]["timings"]
        print(
            f"{ENGINE_LABELS[n]:11} ratios of p95: results page HTTP/raw "
            f"{t['HTTP results page']['p95'] / t['raw SQL search']['p95']:.1f}, HTTP/in-process "
            f"{t['HTTP results page']['p95'] / t['in-process search']['p95']:.1f}; suggest HTTP/raw "
            f"{t['HTTP suggest']['p95'] / t['raw SQL suggest']['p95']:.1f}"
        )
    if len(names) == 2:
        a, b = (engines[n]["timings"] for n in names)
        print(
            f"{ENGINE_LABELS[names[1]]} / {ENGINE_LABELS[names[0]]} at p95 over HTTP: results page "
            f"{b['HTTP results page']['p95'] / a['HTTP results page']['p95']:.1f}x, suggest "
            f"{b['HTTP suggest']['p95'] / a['HTTP suggest']['p95']:.1f}x"
        )
    for n in names:
        slowest = sorted(engines[n]["per_query_http_ms"].items(), key=lambda item: -item[1])[:5]
        print(
            f"{ENGINE_LABELS[n]:11} slowest over HTTP (median ms): " + ", ".join(f"{q} {ms:.1f}" for q, ms in slowest)
        )
    for n in names:
        t, e = engines[n]["timings"], engines[n]
        checks = [
            ("results page p95 <= 60 ms", t["HTTP results page"]["p95"] <= 60),
            ("suggest p95 <= 20 ms", t["HTTP suggest"]["p95"] <= 20),
            ("reindex <= 300 s", e.get("reindex_seconds", 0) <= 300),
        ]
        print(
            f"{ENGINE_LABELS[n]:11} targets: "
            + "; ".join(f"{label}: {'met' if ok else 'MISSED'}" for label, ok in checks)
        )


if __name__ == "__main__":
    main()
