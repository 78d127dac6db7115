#!/usr/bin/env python3
"""Page speed at scale: a signed-in person's GETs of the portal's main pages, p50/p95 and HTML size per page.

    .venv/bin/python bench/pages.py                                   # 100,000 products on SQLite
    .venv/bin/python bench/pages.py --scale 20000 --requests 30       # a smaller world, more requests per page
    .venv/bin/python bench/pages.py --postgres postgres://root@127.0.0.1:5432/postgres   # on a fresh PG database
    .venv/bin/python bench/pages.py --world /tmp/pages --keep          # seed once into /tmp/pages, reuse it later

1. Builds the demo mesh plus `--scale` generated products (`seed_demo --scale N --fields-per-product F`) on a
   fresh SQLite file in a temp dir, or on a throwaway PostgreSQL database with `--postgres URL`. With `--world DIR`
   the SQLite file (or, with --postgres, the database named by `--database`) is kept there and reused by later
   runs when it already holds the products.
2. Starts gunicorn (config/gunicorn.py, 2 workers) on a free loopback port, DEBUG off, and signs in as the demo
   user through the login form (CSRF token and session cookie, as a browser does); the audit log is requested
   as the demo superuser (`admin`), who may read it.
3. Requests each page `--requests` times (after one warm-up request per page), one after the other, and prints
   per page: status, HTML size, p50/p95/max latency as the client saw it. The target is p95 <= 100 ms and HTML
   <= 300 KB for every page.

Loopback only; the server is stopped and the temp dir / database removed at the end (unless --keep).
"""

from __future__ import annotations

import argparse
import http.client
import http.cookies
import json
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import PostgresDatabase, Server, last_json, load_average, manage, portal_env

TARGET_MS = 100
MAX_BYTES = 300_000

# The pages' subjects in the seeded world: the domain and team with the most products, a demo product, a glossary
# domain and a policy.
SUBJECTS = """
import json
from django.db.models import Count
from catalog.models import DataProduct, Domain, Team
from glossary.models import Glossary
from governance.policies import active_policies

domain = Domain.objects.annotate(n=Count("products")).order_by("-n").first()
team = Team.objects.annotate(n=Count("products")).order_by("-n").first()
product = DataProduct.objects.filter(domain__slug="sales").order_by("pk").first()
glossary = Glossary.objects.order_by("pk").first()
policy = next(iter(active_policies()), None)
print(json.dumps({
    "products": DataProduct.objects.count(),
    "domain": domain.slug, "domain_products": domain.n,
    "team": team.slug, "team_products": team.n,
    "product": f"{product.domain.slug}/{product.slug}",
    "glossary": glossary.domain.slug if glossary else None,
    "policy": policy.id if policy else None,
}))
"""


def pages(subjects: dict) -> dict[str, str]:
    paths = {
        "home": "/",
        "domain": f"/domains/{subjects['domain']}/",
        "team": f"/teams/{subjects['team']}/",
        "product": f"/products/{subjects['product']}/",
        "products": "/products/",
        "search": "/search/?q=orders",
        "scorecards": "/scorecards/",
        "mesh": "/mesh/",
        "governance": "/governance/",
        "glossary": "/glossary/",
        "lineage": "/lineage/",
        "approvals": "/access/approvals/",
        "inbox": "/inbox/",
    }
    if subjects.get("glossary"):
        paths["glossary domain"] = f"/glossary/domains/{subjects['glossary']}/"
    if subjects.get("policy"):
        paths["policy"] = f"/governance/policies/{subjects['policy']}/"
    return paths


class Browser:
    """One keep-alive connection with a cookie jar: enough of a browser to sign in and GET pages."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body, headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.conn.request(method, path, body, headers)
            response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie(header)
            for key, morsel in jar.items():
                self.cookies[key] = morsel.value
        return response, data

    def sign_in(self, username: str, password: str) -> None:
        _, page = self.request("GET", "/accounts/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not match:
            raise SystemExit("no CSRF token on the login page")
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": match.group(1).decode(), "next": "/"}
        )
        origin = f"http://127.0.0.1:{self.port}"
        response, _ = self.request(
            "POST",
            "/accounts/login/",
            form,
            {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"{origin}/accounts/login/"},
        )
        if response.status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"sign-in as {username} failed: {response.status}")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(browser: Browser, paths: dict[str, str], requests: int) -> list[dict]:
    rows = []
    for name, path in paths.items():
        browser.request("GET", path)  # warm-up: caches, the first compile of each statement
        times, size, status = [], 0, 0
        for _ in range(requests):
            began = time.perf_counter()
            response, data = browser.request("GET", path)
            times.append((time.perf_counter() - began) * 1000)
            size, status = len(data), response.status
        rows.append(
            {
                "page": name,
                "path": path,
                "status": status,
                "kb": size / 1000,
                "p50": statistics.median(times),
                "p95": percentile(times, 95),
                "max": max(times),
            }
        )
    return rows


def report(rows: list[dict], engine: str, subjects: dict) -> bool:
    print(
        f"\n{engine}: {subjects['products']:,} products; domain {subjects['domain']} holds "
        f"{subjects['domain_products']:,}, team {subjects['team']} owns {subjects['team_products']:,}"
    )
    print(f"{'page':<16} {'status':>6} {'HTML KB':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  verdict  path")
    ok = True
    for row in rows:
        good = row["status"] == 200 and row["p95"] <= TARGET_MS and row["kb"] * 1000 <= MAX_BYTES
        ok = ok and good
        print(
            f"{row['page']:<16} {row['status']:>6} {row['kb']:>8.1f} {row['p50']:>8.1f} {row['p95']:>8.1f} "
            f"{row['max']:>8.1f}  {'ok' if good else 'OVER':<7}  {row['path']}"
        )
    return ok


def database_exists(admin_url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def seeded(env: dict) -> dict | None:
    """The pages' subjects, or None if the world is not there yet (no tables, or no demo mesh)."""
    try:
        return last_json(manage(env, "shell", "-c", SUBJECTS))
    except (SystemExit, IndexError):
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=100_000, help="generated products (default 100,000)")
    parser.add_argument("--fields-per-product", type=int, default=10)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--postgres", metavar="URL", help="an admin URL of a PostgreSQL server to seed a database on")
    parser.add_argument("--database", default="bench_pages", help="the PostgreSQL database's name")
    parser.add_argument("--world", metavar="DIR", help="keep the world here and reuse it if already seeded")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database at the end")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args()

    print(f"pages bench; load average before {load_average()}")
    with ExitStack() as stack:
        if args.world:
            workdir = Path(args.world)
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="meshportal-pages-")))
        database_url = None
        if args.postgres:
            reuse = bool(args.world)
            database = PostgresDatabase(args.postgres, args.database, keep=args.keep or reuse)
            if not reuse or not database_exists(args.postgres, args.database):
                stack.enter_context(database)  # made empty now (and dropped at the end unless kept)
            database_url = database.url
        env = portal_env(workdir, database_url=database_url)
        manage(env, "migrate", "--no-input", "-v", "0", timeout=1800)  # a kept world gets new indexes too
        subjects = seeded(env)
        if subjects is None or subjects["products"] < args.scale:
            began = time.monotonic()
            more = max(0, args.scale - (subjects or {}).get("products", 0))
            seed = ["seed_demo", "--scale", str(more), "--fields-per-product", str(args.fields_per_product)]
            manage(env, *seed, timeout=7200)
            print(f"seeded {more:,} products in {time.monotonic() - began:.0f}s")
            subjects = seeded(env)
            assert subjects is not None
            if database_url:
                import psycopg

                # What autovacuum does on a live server some minutes after a load: the visibility map that
                # index-only scans need, and fresh statistics (seed_demo has analyzed already).
                with psycopg.connect(database_url, autocommit=True) as db:
                    db.execute("VACUUM ANALYZE")
        engine = "PostgreSQL" if database_url else "SQLite"
        with Server("gunicorn", env, workdir, workers=args.workers, threads=4 if database_url else 1) as server:
            server.wait_healthy(120)
            time.sleep(3)  # the workers build their lineage graphs once they start
            browser = Browser(server.port)
            browser.sign_in("demo", "demo")
            rows = measure(browser, pages(subjects), args.requests)
            staff = Browser(server.port)  # the audit log is for staff
            staff.sign_in("admin", "admin")
            rows += measure(staff, {"audit": "/audit/"}, args.requests)
            memory = server.peak_rss_mb()
        ok = report(rows, engine, subjects)
        # The workers hold the lineage graph and the mesh figures they keep between requests.
        print("server peak RSS (VmHWM, MB, master first): " + ", ".join(f"{mb:,.0f}" for mb in memory.values()))
    print(f"load average after {load_average()}")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"engine": engine, "subjects": subjects, "pages": rows, "peak_rss_mb": memory}, indent=2)
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
