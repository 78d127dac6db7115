#!/usr/bin/env python3
"""Search benchmark: how fast are results pages and suggestions at 100k products, and how long does a reindex take?

Builds a world (`seed_demo --scale N --fields-per-product F` into a fresh SQLite file under a temp dir, or a copy
of an already seeded file with `--seed-db`), times `search_reindex --fresh`, starts gunicorn on a free loopback
port and sends a fixed mix of 1-3 word queries, some with facet filters, then a fixed mix of as-you-type
prefixes, from one keep-alive client (latency, not throughput). Each round also times the same queries
in-process (the backend without HTTP) and straight against SQLite (the SQL statements the backend issued for each
query, replayed with Python's sqlite3 module), so the three share the same minutes of machine load. The ratios
show what the portal adds on top of the engine.

    .venv/bin/python bench/search.py                              # 100k products x 10 fields (seeding ~3 min)
    .venv/bin/python bench/search.py --products 20000             # smaller
    .venv/bin/python bench/search.py --seed-db var/seeded.sqlite3 # reuse a seeded file (copied, never changed)
    .venv/bin/python bench/search.py --rounds 10 --json bench/out/search.json

Targets (issue 3): results page p95 <= 60 ms, suggestions p95 <= 20 ms, reindex from scratch <= 5 minutes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from _server import ROOT, Server, manage

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
        started = time.perf_counter()
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path} answered {response.status}: {body[:300]!r}")
        return (time.perf_counter() - started) * 1000


class InProcess:
    """The backend without HTTP, and the SQL it issued replayed on a plain sqlite3 connection."""

    def __init__(self, db_path: str):
        import django

        django.setup()
        from django.db import connection

        from search.backends import get_backend

        self.connection = connection
        self.backend = get_backend()
        self.raw = sqlite3.connect(db_path)
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
                found.append((sql.replace("%s", "?"), tuple(params or ())))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--fields", type=int, default=10, help="fields per generated product (default 10)")
    parser.add_argument("--seed-db", help="an already seeded SQLite file to copy instead of seeding")
    parser.add_argument("--rounds", type=int, default=5, help="times each query of the mix is sent (default 5)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-reindex", action="store_true", help="the --seed-db file is already indexed")
    parser.add_argument("--conn-max-age", type=int, help="keep database connections open this many seconds")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, server log)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="search-bench-"))
    db_path = workdir / "bench.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "ELASTICSEARCH_URL"}}
    env.update(
        PORTAL_VAR_DIR=str(workdir),
        SQLITE_PATH=str(db_path),
        DEBUG="false",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
        CELERY_BROKER_URL="",
        SEARCH_BACKEND="embedded",
    )
    figures: dict = {"load_before": os.getloadavg()}
    server = None
    try:
        if args.seed_db:
            shutil.copy(args.seed_db, db_path)
            manage(env, "migrate", "--no-input", "-v", "0")
        else:
            manage(env, "migrate", "--no-input", "-v", "0")
            started = time.perf_counter()
            print(f"seeding {args.products:,} products x {args.fields} fields...", file=sys.stderr)
            manage(
                env,
                "seed_demo",
                "--scale",
                str(args.products),
                "--fields-per-product",
                str(args.fields),
                "--batch-size",
                "5000",
                timeout=3600,
            )
            figures["seed_seconds"] = time.perf_counter() - started
        if not args.no_reindex:
            started = time.perf_counter()
            print("reindexing from scratch...", file=sys.stderr)
            manage(env, "search_reindex", "--fresh", "--no-progress", timeout=3600)
            figures["reindex_seconds"] = time.perf_counter() - started
        with sqlite3.connect(db_path) as db:
            figures["documents"] = db.execute("SELECT count(*) FROM search_document").fetchone()[0]
            figures["fields"] = db.execute("SELECT count(*) FROM catalog_schemafield").fetchone()[0]
            team = db.execute("SELECT slug FROM catalog_team ORDER BY slug LIMIT 1").fetchone()[0]
        token = manage(env, "create_token", "--team", team, "--scopes", "read", "--name", "search-bench").strip()
        keep_connections(env, workdir, args.conn_max_age)
        server = Server("gunicorn", env, workdir, workers=args.workers, threads=args.threads)
        server.wait_healthy()
        print("sending queries...", file=sys.stderr)
        os.environ.update(env)
        sys.path[:0] = [str(workdir), str(ROOT)]
        times = measure(HttpClient(server.port, token), InProcess(str(db_path)), args.rounds)
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    figures["load_after"] = os.getloadavg()
    figures["timings"] = {
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
    }
    figures["per_query_http_ms"] = {name: percentile(v, 50) for name, v in times.items() if ": " in name}
    # Write the figures before printing them, so a failing report loses nothing.
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2))
    report(figures, args)


def report(figures: dict, args: argparse.Namespace) -> None:
    t = figures["timings"]
    print(
        f"\nsearch bench: {figures['documents']:,} documents, {figures['fields']:,} fields, SQLite "
        f"{sqlite3.sqlite_version}, gunicorn {args.workers}x{args.threads}, {args.rounds} rounds of "
        f"{len(QUERIES)} queries and {len(PREFIXES)} prefixes, one client"
    )
    print(f"load average before {figures['load_before'][0]:.2f}, after {figures['load_after'][0]:.2f}")
    if "seed_seconds" in figures:
        print(f"seed_demo:            {figures['seed_seconds']:7.1f} s")
    if "reindex_seconds" in figures:
        print(f"reindex from scratch: {figures['reindex_seconds']:7.1f} s   (target <= 300 s)")
    print(f"\n{'':22} {'n':>5} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}  ms")
    for name, row in t.items():
        print(f"{name:22} {row['n']:>5} {row['p50']:8.1f} {row['p95']:8.1f} {row['p99']:8.1f} {row['max']:8.1f}")
    print(
        f"\nratios of p95: results page HTTP/raw {t['HTTP results page']['p95'] / t['raw SQL search']['p95']:.1f}, "
        f"HTTP/in-process {t['HTTP results page']['p95'] / t['in-process search']['p95']:.1f}; "
        f"suggest HTTP/raw {t['HTTP suggest']['p95'] / t['raw SQL suggest']['p95']:.1f}"
    )
    slowest = sorted(figures["per_query_http_ms"].items(), key=lambda item: -item[1])[:5]
    print("slowest over HTTP (median ms): " + ", ".join(f"{name} {ms:.1f}" for name, ms in slowest))
    checks = [
        ("results page p95 <= 60 ms", t["HTTP results page"]["p95"] <= 60),
        ("suggest p95 <= 20 ms", t["HTTP suggest"]["p95"] <= 20),
        ("reindex <= 300 s", figures.get("reindex_seconds", 0) <= 300),
    ]
    print("targets: " + "; ".join(f"{label}: {'met' if ok else 'MISSED'}" for label, ok in checks))


if __name__ == "__main__":
    main()
