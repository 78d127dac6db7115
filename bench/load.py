#!/usr/bin/env python3
"""Load test of the production profile, with a count of every acknowledged write afterwards.

Builds the production profile on loopback and drives it with locust (bench/locust/locustfile.py) for a bounded time:
  - a PostgreSQL database of its own (`meshportal_load` by default), migrated and seeded with a team, a domain,
    a token with all scopes and `--seed` products;
  - gunicorn with PORTAL_PROFILE=production (WhiteNoise, collected static files, DEBUG off);
  - a Celery worker on Redis (its own Redis database number and queue) that drains the search index outbox.
The mix: consumers search, open product pages and read the product API; pipelines PUT new products, POST
OpenLineage run events and POST glossary proposals.

Afterwards it waits for the index outbox to drain (the worker's job, nothing here drains it) and checks that
every write the portal acknowledged with a 2xx is complete in the database (products with their port and
fields, lineage events by run id, proposals by id) and that every acknowledged product is found in the search
index by a search for its unique name. It prints throughput, p50/p95/p99, errors and acknowledged / found /
lost, and exits non-zero if any request failed or any write was lost.

    .venv/bin/python bench/load.py                          # 120 s, 8 users
    .venv/bin/python bench/load.py -t 45 -u 4               # a short check on a busy machine
    .venv/bin/python bench/load.py --json bench/out/load.json

Loopback only; it stops by itself (locust's `-t`, then a bounded drain), and stops every process it started.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import (
    BIN,
    ROOT,
    PostgresDatabase,
    Server,
    Worker,
    last_json,
    load_average,
    manage,
    portal_env,
)

DOMAIN = "load"

SEED = """
from core.actors import Actor
from catalog.models import Domain, Scope, Team
from catalog.services.products import product_upsert_from_payload
from catalog.services.tokens import token_create

team = Team.objects.create(slug="load-team", name="Load Team")
Domain.objects.create(slug={domain!r}, name="Load", owner_team=team)
issued = token_create(actor=None, team=team, name="load", scopes=[scope.value for scope in Scope])
actor = Actor(token=issued.token)
for k in range({seed}):
    product_upsert_from_payload(actor=actor, domain_slug={domain!r}, slug=f"load-seed-{{k:04d}}", payload={{
        "name": f"Seed Product {{k}}", "summary": "Seeded for the load test: orders, customers, invoices.",
        "status": "published", "tags": ["load", "seed"],
        "output_ports": [{{"name": "data", "fields": [{{"name": "id", "type": "string", "nullable": False}}]}}],
    }})
print(issued.secret)
"""

VERIFY = """
import json, os, time
from catalog.models import DataProduct
from search.backends import get_backend
from search.base import SearchQuery
from search.models import IndexOutbox
from glossary.models import Proposal
from lineage.models import LineageEvent

acks = [json.loads(line) for line in open(os.environ["LOAD_ACK_FILE"]) if line.strip()]
began = time.monotonic()
deadline = began + float(os.environ["LOAD_DRAIN_SECONDS"])
while IndexOutbox.objects.exists() and time.monotonic() < deadline:
    time.sleep(0.5)
out = {"drain_seconds": round(time.monotonic() - began, 1), "outbox_pending": IndexOutbox.objects.count()}
backend = get_backend()  # reads only: a search here must not drain the outbox itself
for kind in ("product", "lineage", "proposal"):
    out[kind] = {"acknowledged": 0, "in_database": 0, "in_index": 0, "lost": []}
for ack in acks:
    row = out[ack["kind"]]
    row["acknowledged"] += 1
    if ack["kind"] == "product":
        product = DataProduct.objects.filter(domain__slug=os.environ["LOAD_DOMAIN"], slug=ack["slug"]).first()
        complete = (
            product is not None
            and ack["marker"] in product.name
            and product.output_ports.filter(name="data").count() == ack["ports"]
            and sum(port.fields.count() for port in product.output_ports.all()) == ack["fields"]
        )
        hits = backend.search(SearchQuery(text=ack["marker"], with_facets=False)).hits if product else []
        indexed = product is not None and any(hit.key == f"product:{product.pk}" for hit in hits)
        row["in_database"] += complete
        row["in_index"] += indexed
        if not (complete and indexed):
            row["lost"].append(ack["slug"])
    elif ack["kind"] == "lineage":
        found = LineageEvent.objects.filter(run_uuid=ack["run_id"]).exists()
        row["in_database"] += found
        if not found:
            row["lost"].append(ack["run_id"])
    else:
        found = Proposal.objects.filter(pk=ack["id"], reason__startswith="Proposed by the load test").exists()
        row["in_database"] += found
        if not found:
            row["lost"].append(ack["id"])
print(json.dumps(out))
"""


def run_locust(args, url: str, env: dict, workdir: Path) -> dict:
    prefix = workdir / "locust"
    command = [
        str(BIN / "locust"),
        *("-f", str(ROOT / "bench" / "locust" / "locustfile.py"), "--headless", "--only-summary"),
        *("-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s", "--stop-timeout", "10"),
        *("--host", url, "--csv", str(prefix), "--loglevel", "WARNING"),
    ]
    log = workdir / "locust.log"
    with open(log, "w") as out:
        done = subprocess.run(  # noqa: S603 - a fixed command line
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=args.seconds + 120, check=False
        )
    stats_path = Path(f"{prefix}_stats.csv")
    if not stats_path.exists():
        raise SystemExit(f"locust wrote no statistics (exit {done.returncode}):\n{log.read_text()[-3000:]}")
    rows = list(csv.DictReader(stats_path.open()))
    failures_path = Path(f"{prefix}_failures.csv")
    failures = list(csv.DictReader(failures_path.open())) if failures_path.exists() else []
    return {"rows": rows, "failures": failures, "exit": done.returncode}


def figure(row: dict, key: str) -> float:
    try:
        return float(row[key])
    except (KeyError, ValueError):
        return 0.0


def report(args, stats: dict, verified: dict, server: Server, worker: Worker) -> dict:
    print(f"\nload test: {args.seconds}s, {args.users} users; {server.label}; {worker.label} x{args.concurrency}")
    print(f"PostgreSQL database {args.db_name}; load average at the end {load_average()}\n")
    header = f"{'endpoint':<34} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    print(header)
    print("-" * len(header))
    total: dict = {}
    for row in stats["rows"]:
        line = (
            f"{row['Type'] + ' ' + row['Name'] if row['Name'] != 'Aggregated' else 'all':<34} "
            f"{int(figure(row, 'Request Count')):>8} {int(figure(row, 'Failure Count')):>6} "
            f"{figure(row, 'Requests/s'):>7.1f} {figure(row, '50%'):>7.0f} {figure(row, '95%'):>7.0f} "
            f"{figure(row, '99%'):>7.0f}"
        )
        if row["Name"] == "Aggregated":
            total = row
            print("-" * len(header))
        print(line)
    for failure in stats["failures"][:5]:
        print(f"  failure: {failure.get('Method')} {failure.get('Name')}: {failure.get('Error', '')[:160]}")
    print(f"\nindex outbox drained by the worker in {verified['drain_seconds']}s, {verified['outbox_pending']} pending")
    print(f"{'writes':<10} {'acknowledged':>12} {'in database':>12} {'in index':>9} {'lost':>5}")
    lost = 0
    for kind in ("product", "lineage", "proposal"):
        row = verified[kind]
        lost += len(row["lost"])
        index = str(row["in_index"]) if kind == "product" else "n/a"
        print(f"{kind:<10} {row['acknowledged']:>12} {row['in_database']:>12} {index:>9} {len(row['lost']):>5}")
        if row["lost"]:
            print(f"  lost: {row['lost'][:10]}")
    return {
        "seconds": args.seconds,
        "users": args.users,
        "requests": int(figure(total, "Request Count")),
        "errors": int(figure(total, "Failure Count")),
        "requests_per_second": round(figure(total, "Requests/s"), 1),
        "p50_ms": figure(total, "50%"),
        "p95_ms": figure(total, "95%"),
        "p99_ms": figure(total, "99%"),
        "writes": {k: {**verified[k], "lost": len(verified[k]["lost"])} for k in ("product", "lineage", "proposal")},
        "writes_lost": lost,
        "outbox_pending": verified["outbox_pending"],
        "load_average": load_average(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-t", "--seconds", type=int, default=120, help="how long locust runs (default 120)")
    parser.add_argument("-u", "--users", type=int, default=8, help="simulated users, 3:1 readers:pipelines")
    parser.add_argument("-r", "--spawn-rate", type=float, default=4)
    parser.add_argument("--seed", type=int, default=40, help="products in the database before the run")
    parser.add_argument("--postgres", default="postgres://root@127.0.0.1:5432/postgres", help="server (admin URL)")
    parser.add_argument("--db-name", default="meshportal_load")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11", help="broker; a Redis database of its own")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--drain-seconds", type=int, default=120, help="how long to wait for the index to catch up")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    queue = f"load-{int(time.time())}"
    with (
        tempfile.TemporaryDirectory(prefix="meshportal-load-") as tmp,
        PostgresDatabase(args.postgres, args.db_name, keep=args.keep) as database,
    ):
        workdir = Path(tmp)
        env = portal_env(
            workdir,
            database_url=database.url,
            broker_url=args.redis,
            queue=queue,
            production=True,
            PORTAL_PUBLIC_READ="true",  # the product pages are read without a session
        )
        print(f"setting up: database {args.db_name}, migrate, collectstatic, {args.seed} products ...", flush=True)
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        # Seeded eagerly (no broker): the worker starts with nothing queued from the set-up.
        token = manage({**env, "CELERY_BROKER_URL": ""}, "shell", "-c", SEED.format(domain=DOMAIN, seed=args.seed))
        token = token.strip().splitlines()[-1]
        acks = workdir / "acknowledged.jsonl"
        acks.touch()
        with (
            Server("gunicorn", env, workdir, workers=args.workers, threads=args.threads) as server,
            Worker(env, workdir, queue=queue, concurrency=args.concurrency, name="load") as worker,
        ):
            server.wait_healthy()
            worker.wait_ready()
            print(f"running locust for {args.seconds}s against {server.url} ...", flush=True)
            locust_env = {
                **env,
                "LOAD_TOKEN": token,
                "LOAD_DOMAIN": DOMAIN,
                "LOAD_SEEDED": str(args.seed),
                "LOAD_ACK_FILE": str(acks),
            }
            stats = run_locust(args, server.url, locust_env, workdir)
            verify_env = {**env, "LOAD_ACK_FILE": str(acks), "LOAD_DOMAIN": DOMAIN}
            verify_env["LOAD_DRAIN_SECONDS"] = str(args.drain_seconds)
            verified = last_json(manage(verify_env, "shell", "-c", VERIFY, timeout=args.drain_seconds + 300))
            figures = report(args, stats, verified, server, worker)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2))
    ok = figures["errors"] == 0 and figures["writes_lost"] == 0 and figures["outbox_pending"] == 0
    print(f"\nresult: {'OK' if ok else 'FAILED'}: {figures['errors']} errors, {figures['writes_lost']} writes lost")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
