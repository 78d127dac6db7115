"""Usage benchmark: ingest N usage records in bulks of 10,000 through `POST /api/v1/usage` (in-process, with a
write:usage token), re-send one bulk (nothing changes), then time the show-back pages at that size.

    PORTAL_VAR_DIR=/tmp/bench-usage .venv/bin/python bench/usage.py [PORTS] [CONSUMERS] [DAYS]

Defaults: 200 ports x 50 consumer teams x 100 days = 1,000,000 records. Runs in a throw-away SQLite database
under PORTAL_VAR_DIR (or the DATABASE_URL given); prints figures, asserts nothing. Also prints the floor: the
same rows written by one raw executemany, without parsing, lookups or rollups. Report the load average with it.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("PORTAL_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "bench-usage"))
os.environ.setdefault("SQLITE_PATH", os.path.join(os.environ["PORTAL_VAR_DIR"], "bench-usage.sqlite3"))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

BULK = 10_000
PAGE_RUNS = 30


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(name: str, fn, runs: int = PAGE_RUNS) -> None:
    """Wall clock and this process's CPU time per call: on a shared machine the first counts the others' turns."""
    fn()  # warm
    wall, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    print(
        f"{name:>34}: wall p50 {1000 * statistics.median(wall):6.1f} ms, p95 {1000 * pct(wall, 0.95):6.1f} ms; "
        f"CPU p50 {1000 * statistics.median(cpu):6.1f} ms, p95 {1000 * pct(cpu, 0.95):6.1f} ms"
    )


def main() -> None:
    ports_n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    consumers_n = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    days = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    path = Path(os.environ["SQLITE_PATH"])
    path.parent.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DATABASE_URL") and path.exists():
        path.unlink()
    call_command("migrate", verbosity=0)

    from django.contrib.auth import get_user_model

    from catalog.models import DataProduct, Domain, OutputPort, Team
    from core.actors import Scope
    from tokens.services import token_create
    from usage.models import UsageDay, UsageMonth, UsageRecord

    owner = Team.objects.create(slug="bench-team", name="Bench team")
    domain = Domain.objects.create(slug="bench", name="Bench", owner_team=owner)
    products = DataProduct.objects.bulk_create(
        [
            DataProduct(domain=domain, slug=f"p{i:04d}", name=f"Product {i}", owner_team=owner, status="published")
            for i in range(ports_n)
        ]
    )
    ports = OutputPort.objects.bulk_create(
        [OutputPort(product=p, name="t", location=f"db://t{p.pk}") for p in products]
    )
    consumers = Team.objects.bulk_create([Team(slug=f"c{i:03d}", name=f"Consumer {i}") for i in range(consumers_n)])
    secret = token_create(actor=None, team=owner, name="bench", scopes=[Scope.WRITE_USAGE]).secret
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    today = timezone.now().date()
    total = ports_n * consumers_n * days

    def bodies():
        batch = []
        for back in range(days - 1, -1, -1):
            day = (today - timedelta(days=back)).isoformat()
            for port in ports:
                for c in consumers:
                    batch.append(
                        {"day": day, "port": port.pk, "team": c.slug, "queries": 12, "rows_read": 3400,
                         "bytes_read": 52_000_000, "compute_seconds": 4.5, "cost": "0.0123", "currency": "EUR"}
                    )  # fmt: skip
                    if len(batch) == BULK:
                        yield json.dumps({"records": batch})
                        batch = []
        if batch:
            yield json.dumps({"records": batch})

    print(f"{total:,} records: {ports_n} ports x {consumers_n} consumers x {days} days, bulks of {BULK:,}")
    spent, cpu, per_call, first = 0.0, 0.0, [], None
    for body in bodies():
        first = first or body
        started, cpu_started = time.perf_counter(), time.process_time()
        response = api.post("/api/v1/usage", body, content_type="application/json")
        elapsed = time.perf_counter() - started
        cpu += time.process_time() - cpu_started
        assert response.status_code == 201, response.content[:500]
        spent += elapsed
        per_call.append(elapsed)
    print(
        f"{'API bulk ingestion':>34}: {total:,} in {spent:.1f}s = {total / spent:,.0f} records/s; per bulk p50 "
        f"{1000 * statistics.median(per_call):.0f} ms, p95 {1000 * pct(per_call, 0.95):.0f} ms"
    )
    # On a shared machine the wall clock counts the other processes' turns too; the CPU time is this process's own.
    print(f"{'API bulk ingestion, CPU time':>34}: {cpu:.1f}s = {total / cpu:,.0f} records per CPU second")
    started = time.perf_counter()
    again = api.post("/api/v1/usage", first, content_type="application/json").json()
    print(f"{'re-send of one bulk':>34}: {1000 * (time.perf_counter() - started):.0f} ms, {again}")
    print(
        f"{'stored':>34}: {UsageRecord.objects.count():,} records, {UsageMonth.objects.count():,} month rows, "
        f"{UsageDay.objects.count():,} day rows"
    )

    # The floor: the same number of rows through one raw executemany per bulk, no parsing, lookups or rollups.
    table = connection.ops.quote_name("bench_floor")
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {table} (day date, port_id int, consumer varchar(24), queries bigint, rows_read bigint, "
            "bytes_read bigint, compute_seconds double precision, cost numeric(18,6), currency varchar(3), "
            "UNIQUE (day, port_id, consumer))"
        )
        rows = [
            (f"2025-01-{1 + n // (BULK // 28 + 1):02d}", n % 997, f"t{n}", 12, 3400, 52_000_000, 4.5, "0.0123", "EUR")
            for n in range(BULK)
        ]
        started = time.perf_counter()
        for _ in range(10):
            with transaction.atomic():
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 -- a constant table name
                cursor.executemany(f"INSERT INTO {table} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)  # noqa: S608
        floor = 10 * BULK / (time.perf_counter() - started)
    print(f"{'raw executemany floor':>34}: {floor:,.0f} rows/s (API / floor = {total / spent / floor:.2f})")

    staff = get_user_model().objects.create_user("bench-staff", is_staff=True)
    outsider = get_user_model().objects.create_user("bench-outsider")
    product, team = products[0], consumers[0]
    for who, user in (("staff", staff), ("outsider", outsider)):
        page = Client()
        page.force_login(user)
        timed(f"product show-back page ({who})", lambda p=page: p.get(f"/usage/products/bench/{product.slug}/"))
        timed(f"team show-back page ({who})", lambda p=page: p.get(f"/usage/teams/{team.slug}/"))
        timed(f"team show-back CSV ({who})", lambda p=page: p.get(f"/usage/teams/{team.slug}/showback.csv"))
    api_read = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    timed("product usage API", lambda: api_read.get(f"/api/v1/usage/products/bench/{products[0].slug}"))
    timed("mesh metrics API", lambda: api_read.get("/api/v1/mesh/metrics"), runs=5)
    from usage.retention import usage_prune

    started = time.perf_counter()
    pruned = usage_prune(today=today + timedelta(days=400 - days // 2))
    print(f"{'prune (half the records old)':>34}: {pruned:,} in {time.perf_counter() - started:.1f}s")
    print(f"{'load average':>34}: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
