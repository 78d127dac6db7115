#!/usr/bin/env python3
"""Turn PostgreSQL's pg_stat_statements into usage records for the portal (`POST /api/v1/usage`, docs/usage.md).

pg_stat_statements keeps cumulative counters per (role, database, statement). Run this script on a schedule (every
hour, say) for the day in progress: it reports, per output port and consuming team, what the statements of that
day read, so far. Each run replaces the day's records (the portal identifies a record by day, port and consumer),
so running it again is harmless, and the last run of a day leaves that day's full figures.

How the counters become a day's usage: the state file keeps, for each day, the counters as they stood when the
day began (the last snapshot of the day before); a day's usage is today's counters minus that baseline. A counter
that went down (pg_stat_statements_reset(), a restart) counts from zero.

    calls                                -> queries
    rows                                 -> rows_read
    (shared_blks_hit + shared_blks_read) x block_size -> bytes_read
    total_exec_time / 1000               -> compute_seconds
    compute_seconds / 3600 x --price-per-compute-hour -> cost (in --currency)

Which port a statement reads: the tables named after FROM or JOIN, looked up in the map file's "tables" (a bare
name is taken as public.<name>); a statement reading several mapped tables is shared evenly between their ports;
statements reading no mapped table are left out (counted on stderr). Who consumed: the statement's role, looked up
in "roles" (a team slug, or a username for a person); unmapped roles are left out.

    {"tables": {"public.orders": {"product": "sales/orders", "port": "orders_table"}},
     "roles": {"finance_reader": {"team": "finance-team"}, "alice": {"user": "alice"}}}

Usage:
    pg_stat_statements_usage.py --dsn postgres://monitor@db:5432/shop --map map.json --state state.json \\
        [--day 2025-01-31] [--price-per-compute-hour 1.50 --currency EUR] \\
        [--post https://portal.example/api/v1/usage --token "$MESHPORTAL_TOKEN"]
Without --post the records are printed as the JSON body the portal takes. Needs psycopg (3).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.request
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

TABLE = re.compile(r"\b(?:from|join)\s+((?:\"?[a-z_][\w$]*\"?\.)?\"?[a-z_][\w$]*\"?)", re.IGNORECASE)
COUNTERS = ("calls", "rows", "blocks", "exec_ms")
BULK = 10_000

SNAPSHOT_SQL = """
SELECT r.rolname, s.dbid, s.queryid, s.query, s.calls, s.rows,
       s.shared_blks_hit + s.shared_blks_read AS blocks, s.total_exec_time AS exec_ms,
       current_setting('block_size')::int AS block_size
FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
"""


def snapshot(dsn: str) -> tuple[dict[str, dict], int]:
    """The counters now, keyed 'role|dbid|queryid', with each statement's text; and the block size."""
    import psycopg  # imported here: the pure functions below run (and are tested) without it

    out: dict[str, dict] = {}
    block_size = 8192
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(SNAPSHOT_SQL)
        for role, dbid, queryid, query, calls, rows, blocks, exec_ms, size in cur.fetchall():
            block_size = size
            out[f"{role}|{dbid}|{queryid}"] = {
                "role": role,
                "query": query,
                "calls": int(calls),
                "rows": int(rows),
                "blocks": int(blocks),
                "exec_ms": float(exec_ms),
            }
    return out, block_size


def tables_of(query: str) -> list[str]:
    names = []
    for raw in TABLE.findall(query):
        name = raw.replace('"', "").lower()
        names.append(name if "." in name else f"public.{name}")
    return sorted(set(names))


def since_baseline(now: dict[str, dict], baseline: dict[str, dict]) -> dict[str, dict]:
    """Per statement, the counters' growth since the baseline (from zero where a counter went down)."""
    out = {}
    for key, current in now.items():
        before = baseline.get(key)
        if before is None or any(current[c] < before.get(c, 0) for c in COUNTERS):
            grown = {c: current[c] for c in COUNTERS}
        else:
            grown = {c: current[c] - before.get(c, 0) for c in COUNTERS}
        if grown["calls"] > 0:
            out[key] = {**grown, "role": current["role"], "query": current["query"]}
    return out


def records(
    grown: dict[str, dict],
    mapping: dict,
    *,
    day: date,
    block_size: int,
    price_per_hour: Decimal,
    currency: str,
) -> tuple[list[dict], int]:
    """Usage records, one per (port, consumer), and the number of statements left out (no mapped table or role)."""
    tables, roles = mapping.get("tables", {}), mapping.get("roles", {})
    sums: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    skipped = 0
    for figures in grown.values():
        consumer = roles.get(figures["role"])
        ports = [tables[t] for t in tables_of(figures["query"]) if t in tables]
        if not consumer or not ports:
            skipped += 1
            continue
        who = ("team", consumer["team"]) if "team" in consumer else ("user", consumer["user"])
        share = 1 / len(ports)
        for port in ports:
            total = sums[(port["product"], port["port"], *who)]
            total[0] += figures["calls"] * share
            total[1] += figures["rows"] * share
            total[2] += figures["blocks"] * block_size * share
            total[3] += figures["exec_ms"] / 1000 * share
    out = []
    for (product, port, kind, name), (calls, rows, bytes_read, seconds) in sorted(sums.items()):
        cost = (Decimal(str(seconds)) / 3600 * price_per_hour).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
        out.append(
            {
                "day": day.isoformat(),
                "product": product,
                "port": port,
                kind: name,
                "queries": round(calls),
                "rows_read": round(rows),
                "bytes_read": round(bytes_read),
                "compute_seconds": round(seconds, 3),
                "cost": str(cost),
                "currency": currency,
            }
        )
    return out, skipped


def baseline_for(state: dict, day: date, now: dict[str, dict]) -> dict[str, dict]:
    """The counters as the day began: kept from the first run of the day, which takes the last snapshot seen
    (the day before) or, on the very first run, zero (everything counted so far falls on this day)."""
    baselines = state.setdefault("baselines", {})
    key = day.isoformat()
    if key not in baselines:
        baselines[key] = state.get("last", {})
    state["last"] = {k: {c: v[c] for c in COUNTERS} for k, v in now.items()}
    for old in sorted(baselines)[:-7]:  # a week of baselines is plenty to re-run a late day
        del baselines[old]
    return baselines[key]


def post(url: str, token: str, body: list[dict]) -> list[dict]:
    answers = []
    for start in range(0, len(body), BULK):
        request = urllib.request.Request(  # noqa: S310 -- the operator's portal URL
            url,
            data=json.dumps({"records": body[start : start + BULK]}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            answers.append(json.loads(response.read()))
    return answers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--map", required=True, type=Path)
    parser.add_argument("--state", required=True, type=Path)
    parser.add_argument("--day", type=date.fromisoformat, default=None, help="UTC day (default: today)")
    parser.add_argument("--price-per-compute-hour", type=Decimal, default=Decimal("0"))
    parser.add_argument("--currency", default="EUR")
    parser.add_argument("--post", default="")
    parser.add_argument("--token", default="")
    args = parser.parse_args(argv)
    day = args.day or datetime.now(UTC).date()
    state = json.loads(args.state.read_text()) if args.state.exists() else {}
    now, block_size = snapshot(args.dsn)
    grown = since_baseline(now, baseline_for(state, day, now))
    body, skipped = records(
        grown,
        json.loads(args.map.read_text()),
        day=day,
        block_size=block_size,
        price_per_hour=args.price_per_compute_hour,
        currency=args.currency,
    )
    if skipped:
        print(f"{skipped} statements read no mapped table or came from an unmapped role; left out.", file=sys.stderr)
    if args.post:
        print(json.dumps(post(args.post, args.token, body)))
    else:
        print(json.dumps({"records": body}, indent=2))
    args.state.write_text(json.dumps(state))  # after a successful run only
    return 0


if __name__ == "__main__":
    sys.exit(main())
