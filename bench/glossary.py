#!/usr/bin/env python3
"""Glossary benchmark: a domain glossary of 10,000 terms, its import and its pages.

Builds a fresh world in a temp dir (SQLite file, or with `--postgres URL` a throwaway database on that server),
then measures in this process:
  1. importing N terms from CSV through the import service (bulk writes; includes the link-suggestion scan
     that runs after commit, as it does in the embedded profile), then re-importing the export (a no-op) and
     the JSON export round trip;
  2. the glossary pages through Django's test client (middleware, view, queries, template; no socket):
     domain A-Z pages, the all-glossaries home, the hierarchy, term pages; p50 / p95 / p99 and queries each;
  3. proposing and approving changes on the big glossary.
Targets from issue 4: glossary and term pages p95 <= 50 ms, importing 10,000 terms <= 10 s.

    .venv/bin/python bench/glossary.py                  # 10,000 terms, 200 requests per page kind
    .venv/bin/python bench/glossary.py -n 2000 --requests 50
    .venv/bin/python bench/glossary.py --postgres postgres://root@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = [
    "active", "customer", "order", "revenue", "net", "gross", "churn", "basket", "invoice", "ledger", "margin",
    "payment", "refund", "shipment", "return", "campaign", "segment", "loyalty", "lifetime", "value", "session",
    "visit", "conversion", "subscription", "renewal", "contract", "account", "region", "store", "article",
]  # fmt: skip
ROOTS = 100


def term_name(i: int) -> str:
    rng = random.Random(i)
    return f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {rng.choice(WORDS)} {i:05d}"


def make_csv(n: int) -> str:
    """N terms: ROOTS top-level terms, the rest spread below them two levels deep, with relations."""
    out = io.StringIO()
    columns = ["slug", "name", "status", "definition", "synonyms", "abbreviations", "examples", "parent", "related"]
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for i in range(n):
        if i < ROOTS:
            parent = ""
        elif i < ROOTS * 11:
            parent = f"t-{i % ROOTS:05d}"
        else:
            parent = f"t-{ROOTS + i % (ROOTS * 10):05d}"
        writer.writerow(
            {
                "slug": f"t-{i:05d}",
                "name": term_name(i),
                "status": "approved",
                "definition": f"**{term_name(i)}** is what the *bench* domain calls thing {i}.\n\n"
                f"- counted daily\n- owned by the bench team\n\nSee [the wiki](https://wiki.example.com/{i}).",
                "synonyms": f"Alias {i:05d} one;Alias {i:05d} two",
                "abbreviations": f"T{i}",
                "examples": f"Example {i}: a row in the table",
                "parent": parent,
                "related": f"t-{(i * 7 + 1) % max(ROOTS, 1):05d}" if i >= ROOTS else "",
            }
        )
    return out.getvalue()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class PostgresDatabase:
    """A throwaway database on the given server, dropped at the end."""

    def __init__(self, url: str):
        import psycopg

        self.psycopg = psycopg
        self.admin_url = url
        self.name = f"portal_glossary_bench_{os.getpid()}"
        self.url = urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path=f"/{self.name}"))

    def __enter__(self) -> PostgresDatabase:
        with self.psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc) -> None:
        from django.db import connections

        connections.close_all()
        with self.psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def setup_django(workdir: Path, database_url: str | None) -> None:
    os.environ.update(
        PORTAL_VAR_DIR=str(workdir),
        DEBUG="false",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
        CELERY_BROKER_URL="",
    )
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ["SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the workflow part sends mail
    call_command("migrate", verbosity=0)
    wire_urls_if_missing()


def wire_urls_if_missing() -> None:
    """Until config/urls.py includes the glossary, mount it in front of the project's URLs for this run."""
    import types

    from django.conf import settings
    from django.urls import NoReverseMatch, clear_url_caches, include, path, reverse

    try:
        reverse("glossary_home")
    except NoReverseMatch:
        from config.urls import urlpatterns

        module = types.ModuleType("bench_glossary_urls")
        module.urlpatterns = [path("glossary/", include("glossary.urls")), *urlpatterns]  # type: ignore[attr-defined]
        sys.modules[module.__name__] = module
        settings.ROOT_URLCONF = module.__name__
        clear_url_caches()


def make_world(products: int, fields: int):
    from django.contrib.auth import get_user_model

    from catalog.models import DataProduct, Domain, OutputPort, SchemaField, Team, TeamMembership, TeamRole

    team = Team.objects.create(slug="bench-team", name="Bench Team")
    domain = Domain.objects.create(slug="bench", name="Bench", owner_team=team)
    users = get_user_model().objects
    steward = users.create_user("steward", "steward@example.com", "pass-word-123")
    member = users.create_user("member", "member@example.com", "pass-word-123")
    TeamMembership.objects.create(team=team, user=steward, role=TeamRole.STEWARD)
    TeamMembership.objects.create(team=team, user=member, role=TeamRole.MEMBER)
    for p in range(products):
        product = DataProduct.objects.create(domain=domain, slug=f"p-{p}", name=f"Product {p}", owner_team=team)
        port = OutputPort.objects.create(product=product, name="data")
        SchemaField.objects.bulk_create(
            SchemaField(
                port=port,
                name=f"{random.Random(p * 100 + k).choice(WORDS)}_{random.Random(k).choice(WORDS)}_{k}",
                description=f"Alias {(p * fields + k) % 10000:05d} one, as the glossary says.",
                position=k,
            )
            for k in range(fields)
        )
    return domain, steward, member


def timed(label: str, fn, results: dict):
    began = time.perf_counter()
    value = fn()
    results[label] = round(time.perf_counter() - began, 3)
    return value


def measure_pages(steward, n_terms: int, requests: int) -> dict:
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(steward)
    rng = random.Random(7)
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    kinds = {
        "glossary A-Z (domain, all)": lambda: "/glossary/domains/bench/",
        "glossary A-Z (domain, letter)": lambda: f"/glossary/domains/bench/?letter={rng.choice(letters)}",
        "glossary A-Z (domain, page n)": lambda: f"/glossary/domains/bench/?page={rng.randint(1, n_terms // 100)}",
        "glossary search (domain)": lambda: f"/glossary/domains/bench/?q={rng.choice(WORDS)}",
        "glossary home (all domains)": lambda: "/glossary/",
        "hierarchy (top level)": lambda: "/glossary/domains/bench/tree/",
        "hierarchy (a subtree)": lambda: f"/glossary/domains/bench/tree/?parent=t-{rng.randrange(ROOTS):05d}",
        "term page": lambda: f"/glossary/domains/bench/terms/t-{rng.randrange(n_terms):05d}/",
    }
    out = {}
    for label, url in kinds.items():
        for _ in range(5):  # warm caches and templates
            client.get(url())
        queries: list[str] = []

        def count(execute, sql, params, many, context, seen=queries):
            seen.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(url())
        assert response.status_code == 200, (label, response.status_code)
        timings = []
        for _ in range(requests):
            target = url()
            began = time.perf_counter()
            response = client.get(target)
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (target, response.status_code)
        out[label] = {
            "p50_ms": round(percentile(timings, 50), 1),
            "p95_ms": round(percentile(timings, 95), 1),
            "p99_ms": round(percentile(timings, 99), 1),
            "queries": len(queries),
        }
    return out


def measure_approvals(steward, member, count: int) -> dict:
    from core.actors import Actor
    from glossary.services.proposals import proposal_create
    from glossary.services.reviews import proposal_decide

    propose_ms, approve_ms = [], []
    for i in range(count):
        began = time.perf_counter()
        proposal = proposal_create(
            actor=Actor(user=member),
            domain_slug="bench",
            kind="change",
            term_slug=f"t-{i * 37 % 10000:05d}",
            reason="Benchmark change.",
            content={"definition": f"Changed by the benchmark, round {i}."},
        )
        propose_ms.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        proposal_decide(actor=Actor(user=steward), proposal_id=proposal.pk, decision="approve")
        approve_ms.append((time.perf_counter() - began) * 1000)
    return {
        "propose_p95_ms": round(percentile(propose_ms, 95), 1),
        "approve_p95_ms": round(percentile(approve_ms, 95), 1),
    }


def settle_postgres() -> None:
    """Measure pages in the state autovacuum leaves a database in, not amid the dead rows of the imports just
    run (their offsets would scan them): VACUUM ANALYZE the glossary's tables first."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in ("glossary_term", "glossary_termkey", "glossary_termversion", "glossary_term_related"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def run(args: argparse.Namespace, workdir: Path, database_url: str | None) -> dict:
    setup_django(workdir, database_url)
    from core.actors import Actor
    from glossary.importexport import export_csv, export_json
    from glossary.models import Glossary, LinkSuggestion, Term
    from glossary.services.imports import glossary_import

    domain, steward, member = make_world(args.products, args.fields)
    actor = Actor(user=steward)
    table = make_csv(args.terms)
    seconds: dict[str, float] = {}
    result = timed(
        f"import {args.terms} terms (CSV, new)",
        lambda: glossary_import(actor=actor, domain_slug="bench", raw=table, fmt="csv"),
        seconds,
    )
    assert len(result.created) == args.terms, result
    print(f"imported {args.terms} terms in {seconds[next(iter(seconds))]:.2f} s", file=sys.stderr)
    glossary = Glossary.objects.get(domain=domain)
    exported = timed("export CSV", lambda: export_csv(glossary), seconds)
    again = timed(
        "re-import the CSV export (no change)",
        lambda: glossary_import(actor=actor, domain_slug="bench", raw=exported, fmt="csv"),
        seconds,
    )
    assert not again.changed, "round trip changed something"
    as_json = timed("export JSON", lambda: export_json(glossary), seconds)
    json_again = timed(
        "re-import the JSON export (no change)",
        lambda: glossary_import(actor=actor, domain_slug="bench", raw=as_json, fmt="json"),
        seconds,
    )
    assert not json_again.changed
    changed = exported.replace(" is what the *bench* domain", " is what the bench domain", args.terms // 10)
    updated = timed(
        f"import with {args.terms // 10} changed rows",
        lambda: glossary_import(actor=actor, domain_slug="bench", raw=changed, fmt="csv"),
        seconds,
    )
    assert len(updated.updated) == args.terms // 10
    settle_postgres()
    return {
        "terms": Term.objects.filter(glossary=glossary).count(),
        "suggestions": LinkSuggestion.objects.count(),
        "seconds": seconds,
        "pages": measure_pages(steward, args.terms, args.requests),
        "workflow": measure_approvals(steward, member, 20),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--terms", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per page kind")
    parser.add_argument("--products", type=int, default=100, help="products in the catalog (for link suggestions)")
    parser.add_argument("--fields", type=int, default=20, help="fields per product")
    parser.add_argument("--postgres", metavar="URL", help="run on a fresh database made on this PostgreSQL server")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    if args.terms < ROOTS * 2:
        parser.error(f"use at least {ROOTS * 2} terms")
    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="glossary-bench-"))
    try:
        if args.postgres:
            with PostgresDatabase(args.postgres) as pg:
                figures = run(args, workdir, pg.url)
            database = "PostgreSQL"
        else:
            figures = run(args, workdir, None)
            database = f"SQLite {sqlite3.sqlite_version}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nGlossary benchmark: {figures['terms']} terms, {database}, Python {platform.python_version()}")
    # Figures move with whatever else runs on the machine; the load average says how busy it was.
    print(f"{os.cpu_count()} CPUs, load average {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
    print(f"{'':44}{'seconds':>10}")
    for label, value in figures["seconds"].items():
        print(f"{label:44}{value:>10.2f}")
    print(f"(the new import also recorded {figures['suggestions']} link suggestions over the catalog's fields)\n")
    print(f"{'page (in-process, Django test client)':44}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'queries':>9}")
    for label, row in figures["pages"].items():
        print(f"{label:44}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['p99_ms']:>9}{row['queries']:>9}")
    flow = figures["workflow"]
    print(f"\npropose a change p95 {flow['propose_p95_ms']} ms; approve it p95 {flow['approve_p95_ms']} ms")
    if args.json:
        print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
