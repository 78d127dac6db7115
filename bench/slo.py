"""SLO benchmark: ingest N measurements across M objectives through the service and through the API, then time
evaluation, cold (the whole 30-day window) and warm (past days rolled up, today's measurements only).

    PORTAL_VAR_DIR=/tmp/bench .venv/bin/python bench/slo.py [N] [M]

Runs in a throw-away SQLite database under PORTAL_VAR_DIR (or the DATABASE_URL given); prints figures, asserts
nothing (speed lives here, not in tests). Measurements are spread evenly over the last 30 days. Ingestion is timed
without the evaluation each commit queues (timed separately below). Report the load average with any figure.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("PORTAL_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "bench-slo"))
os.environ.setdefault("SQLITE_PATH", os.path.join(os.environ["PORTAL_VAR_DIR"], "bench-slo.sqlite3"))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

BATCH = 500


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(name: str, count: int, seconds: float, per_call: list[float], unit: str) -> float:
    rate = count / seconds if seconds else float("inf")
    print(
        f"{name:>22}: {count:,} in {seconds:.2f}s = {rate:,.0f} measurements/s; per {unit}: "
        f"p50 {1000 * statistics.median(per_call):.1f} ms, p95 {1000 * pct(per_call, 0.95):.1f} ms"
    )
    return rate


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 30000
    objectives = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    path = Path(os.environ["SQLITE_PATH"])
    path.parent.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DATABASE_URL") and path.exists():
        path.unlink()
    call_command("migrate", verbosity=0)

    from catalog.models import DataProduct, Domain, Team
    from core.actors import Actor, Scope
    from slo import services
    from slo.evaluation import slo_evaluate
    from slo.models import Measurement, ServiceLevelObjective, SloDay
    from tokens.services import token_create

    team = Team.objects.create(slug="bench-team", name="Bench team")
    domain = Domain.objects.create(slug="bench", name="Bench", owner_team=team)
    product = DataProduct.objects.create(domain=domain, slug="orders", name="Orders", owner_team=team)
    slos = [
        ServiceLevelObjective.objects.create(
            product=product, name=f"rows {i}", kind="volume", min_rows=1000, max_rows=100_000
        )
        for i in range(objectives)
    ]
    actor = Actor(token=token_create(actor=None, team=team, name="bench", scopes=[Scope.WRITE_SLI]).token)
    now = timezone.now()
    step = timedelta(days=30) / max(total // 3, 1)

    def items(offset: int, count: int, *, api: bool):
        out = []
        for n in range(offset, offset + count):
            slo = slos[n % objectives]
            at = now - timedelta(days=30) + step * (n // 3) + timedelta(microseconds=n)
            value = 500 if n % 97 == 0 else 5000 + n % 1000  # now and then a breach
            if api:
                out.append({"slo": slo.pk, "value": value, "measured_at": at.isoformat(), "key": f"api-{n}"})
            else:
                out.append(services.MeasurementIn(value=value, measured_at=at, slo_id=slo.pk, key=f"svc-{n}"))
        return out

    # Ingestion alone: the evaluation each commit would queue is timed on its own below.
    services._evaluate_on_commit = lambda ids: None
    third = total // 3

    per_call, started = [], time.perf_counter()
    for offset in range(0, third, BATCH):
        batch = items(offset, min(BATCH, third - offset), api=False)
        t = time.perf_counter()
        services.measurements_record(actor=actor, items=batch)
        per_call.append(time.perf_counter() - t)
    service_rate = line("service", third, time.perf_counter() - started, per_call, f"batch of {BATCH}")

    secret = token_create(actor=None, team=team, name="bench-api", scopes=[Scope.WRITE_SLI]).secret
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    per_call, started = [], time.perf_counter()
    for offset in range(third, 2 * third, BATCH):
        body = {"measurements": items(offset, min(BATCH, 2 * third - offset), api=True)}
        t = time.perf_counter()
        response = client.post("/api/v1/sli", body, content_type="application/json")
        per_call.append(time.perf_counter() - t)
        assert response.status_code == 201, response.content[:300]
    api_rate = line("API (bulk)", third, time.perf_counter() - started, per_call, f"request of {BATCH}")

    rest = total - 2 * third
    raw = [
        Measurement(slo=item_slo, value=1.0, measured_at=now - timedelta(minutes=n), key=f"raw-{n}")
        for n, item_slo in ((n, slos[n % objectives]) for n in range(rest))
    ]
    started = time.perf_counter()
    for offset in range(0, rest, BATCH):
        Measurement.objects.bulk_create(raw[offset : offset + BATCH])
    raw_seconds = time.perf_counter() - started
    raw_rate = rest / raw_seconds
    print(f"{'raw bulk_create':>22}: {rest:,} in {raw_seconds:.2f}s = {raw_rate:,.0f} measurements/s")
    print(f"{'ratio to raw':>22}: service {service_rate / raw_rate:.2f}, API {api_rate / raw_rate:.2f}")

    per_slo = Measurement.objects.count() / objectives
    for label in ("cold (30 days)", "warm (today)"):
        timings = []
        for slo in slos:
            t = time.perf_counter()
            slo_evaluate(slo_id=slo.pk)
            timings.append(time.perf_counter() - t)
        print(
            f"{'evaluate ' + label:>22}: {objectives} objectives of ~{per_slo:,.0f} measurements in "
            f"{sum(timings):.2f}s; per objective p50 {1000 * statistics.median(timings):.1f} ms, "
            f"p95 {1000 * pct(timings, 0.95):.1f} ms"
        )
    print(f"{'rollups':>22}: {SloDay.objects.count():,} SloDay rows for {objectives} objectives")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores shared with other engineers)")


if __name__ == "__main__":
    main()
