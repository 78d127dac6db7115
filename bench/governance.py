"""Governance benchmark: evaluate every policy over N generated products, then time the dashboard pages.

    PORTAL_VAR_DIR=/tmp/bench .venv/bin/python bench/governance.py [N]

Runs in a throw-away SQLite database under PORTAL_VAR_DIR (or the DATABASE_URL given); prints figures, asserts
nothing (speed lives here, not in tests). Report the load average with any figure: the machine may be shared.
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("PORTAL_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "bench-governance"))
os.environ.setdefault("SQLITE_PATH", os.path.join(os.environ["PORTAL_VAR_DIR"], "bench-governance.sqlite3"))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


class QueryCounter:
    """Counts statements (CaptureQueriesContext keeps at most 9,000 and reports 0 past that)."""

    count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    path = Path(os.environ["SQLITE_PATH"])
    if not os.environ.get("DATABASE_URL") and path.exists():
        path.unlink()
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", scale=count, no_index=True, stdout=quiet)

    from django.contrib.auth import get_user_model

    from catalog.models import DataProduct
    from governance import services

    products = DataProduct.objects.count()
    # A third run under tracemalloc (slower, not timed): the peak of Python memory, which must not grow with the
    # catalog (batches of ids).
    # seed_demo evaluates once at its end, so both runs here are nightly runs (findings seen again).
    for label in ("evaluate_all (run 1)", "evaluate_all (run 2)"):
        counter = QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            result = services.governance_evaluate_all()
        seconds = time.perf_counter() - started
        print(
            f"{label}: {products:,} products in {seconds:.2f}s ({products / seconds:,.0f}/s), "
            f"{counter.count:,} queries; {result.line()}"
        )
    tracemalloc.start()
    services.governance_evaluate_all()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"evaluate_all peak Python memory: {peak / 2**20:.1f} MiB")
    started = time.perf_counter()
    refreshed = services.health_refresh()
    print(f"health_refresh: {refreshed:,} scores in {time.perf_counter() - started:.2f}s")

    user = get_user_model().objects.create_user("bench-governance", is_staff=True)
    client = Client()
    client.force_login(user)
    for name, url in [
        ("dashboard", "/mesh/"),
        ("csv", "/mesh/export.csv"),
        ("policies", "/governance/"),
        ("api dashboard", "/api/v1/health/dashboard"),
    ]:
        timings = []
        for _ in range(5):
            reset_queries()
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        timings.sort()
        print(f"{name:>14}: median {1000 * timings[2]:.1f} ms, best {1000 * timings[0]:.1f} ms, {len(queries)} queries")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
