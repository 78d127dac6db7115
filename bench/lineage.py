#!/usr/bin/env python3
"""Lineage benchmark: graph reads at 100k datasets / 300k edges, and OpenLineage ingestion, over HTTP.

Builds its own world in a temp dir (fresh SQLite file, migrate), writes a layered mesh straight into the tables
(100k datasets, 100k jobs, 300k job/dataset edges, 2,000 products whose ports map 2,000 datasets), starts gunicorn
with the portal's config/gunicorn.py (gthread, 2 workers; on SQLite it picks 1 thread per worker) on a free
loopback port, waits until every worker has built its graph, and prints:

  graph   full build time and the memory the graph holds (tracemalloc), in this process;
  reads   p50/p95 of `GET /api/v1/lineage/impact` from the worst hub and from a typical dataset, and of the
          depth-3 view `GET /api/v1/lineage?depth=3`, each next to raw networkx for the same question;
  ingest  events/s one per request (8 senders at once, each on a new connection every 20 events) and through
          `POST /api/v1/lineage/batch` (500 per request, gzip), next to raw sqlite3 inserts of the same event
          rows; the server's CPU per single event, how it split over the workers, and this script's own CPU.

    .venv/bin/python bench/lineage.py                       # the issue's scale, settings as they are
    .venv/bin/python bench/lineage.py --conn-max-age 60     # with persistent database connections
    .venv/bin/python bench/lineage.py --skew 6              # one table feeding two thirds of the mesh
    .venv/bin/python bench/lineage.py --datasets 20000 --requests 50   # a quick look
    .venv/bin/python bench/lineage.py --only ingest --datasets 20000 --threads 4   # ingestion only, 4 threads
    .venv/bin/python bench/lineage.py --only marquez        # Marquez's listing endpoints at 100k datasets
    .venv/bin/python bench/lineage.py --only reads --unmapped-ports 1000000   # the graph beside a million ports

Loopback only; it stops by itself and removes its temp dir. The issue's targets are printed with each figure.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import http.client
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import ROOT, cpu_seconds, free_port, process_tree

LAYERS = 10
PRODUCTS = 2000


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def named(namespace: str, name: str) -> tuple[str, str, str, str]:
    """namespace, name and the key digests a dataset row stores (lineage.models.Dataset.sync_key_digests)."""
    from catalog.locations import dataset_lookup_keys, key_digest

    exact, bare = dataset_lookup_keys(namespace, name)
    return namespace, name, key_digest(exact), key_digest(bare)


def setup_django(tmp: Path) -> None:
    # DEBUG off as in production: with it on, Django logs every query and DRF renders debug details. SQLite unless
    # --database-url (product case only) says otherwise: a DATABASE_URL left in the environment would point the
    # bench at another database.
    os.environ.pop("DATABASE_URL", None)
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SQLITE_PATH=str(tmp / "bench.sqlite3"),
        PORTAL_VAR_DIR=str(tmp),
        SECRET_KEY="bench-only",  # noqa: S106 -- a throwaway key for a temp world
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.urls import NoReverseMatch, clear_url_caches, reverse

    try:
        reverse("api-lineage")
    except NoReverseMatch:  # not wired into config.urls yet: use the test URLconf that mounts it
        settings.ROOT_URLCONF = "tests.lineage.urls"
        clear_url_caches()


# ------------------------------------------------------------------------------------------------ the world
def build_world(n_datasets: int, n_edges: int, skew: float, seed: int = 5, unmapped_ports: int = 0) -> dict:
    """Layered mesh: layer 0 is written by ingest jobs; each later dataset by one job reading 2-3 datasets of
    earlier layers, picked with a power law (`random() ** skew`) so that a few early tables become hubs. Skew 2
    gives hubs whose networkx descendants take about 15 ms (the issue's reference measured 20 ms); skew 6 makes
    one table feed two thirds of the mesh."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from catalog.models import DataProduct, Domain, OutputPort, Team
    from core.actors import Scope
    from lineage.models import Dataset, Job, JobDataset, LineageState
    from tokens.services import token_create

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    per_layer = n_datasets // LAYERS
    extra_inputs = max(0, n_edges - n_datasets - 2 * (n_datasets - per_layer))
    started = time.perf_counter()
    edges: list[tuple[int, int, str]] = []
    for d in range(1, n_datasets + 1):
        edges.append((d, d, "out"))  # job d writes dataset d
        layer = (d - 1) // per_layer
        if layer == 0:
            continue
        inputs: set[int] = set()
        want = 3 if extra_inputs > 0 and rng.random() < 0.25 else 2
        while len(inputs) < want:
            source_layer = rng.randrange(layer)
            inputs.add(source_layer * per_layer + int(per_layer * rng.random() ** skew) + 1)
        if want == 3:
            extra_inputs -= 1
        edges.extend((i, d, "in") for i in inputs)
    when = "2025-01-01 00:00:00"
    # Straight into the tables (table names from the models): the ORM would take minutes for 500k rows.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {Dataset._meta.db_table} (id, namespace, name, exact_digest, bare_digest, description, "  # noqa: S608
            "source_name, source_uri, lifecycle_state, fields, schema_fingerprint, facets, facet_times, graph_version, "
            "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, '', '', '', '', '[]', '', '{}', '{}', 1, %s, %s)",
            [(d, *named("postgres://wh:5432", f"layer{(d - 1) // per_layer}.table_{d}"), when, when)
             for d in range(1, n_datasets + 1)],
        )  # fmt: skip
        cursor.executemany(
            f"INSERT INTO {Job._meta.db_table} (id, namespace, name, description, job_type, processing_type, "  # noqa: S608
            "integration, location, facets, facet_times, created_at, updated_at) "
            "VALUES (%s, 'airflow', %s, '', '', '', '', '', '{}', '{}', %s, %s)",
            [(d, f"build_table_{d}", when, when) for d in range(1, n_datasets + 1)],
        )
        cursor.executemany(
            f"INSERT INTO {JobDataset._meta.db_table} (dataset_id, job_id, direction, first_seen_at, last_seen_at,"  # noqa: S608
            " graph_version) VALUES (%s, %s, %s, %s, %s, 1)",
            [(ds, job, direction, when, when) for ds, job, direction in edges],
        )
        LineageState.objects.create(id=1, version=1, generation=1)
        team = Team.objects.create(slug="bench-team", name="Bench Team")
        domain = Domain.objects.create(slug="bench", name="Bench", owner_team=team)
        products = DataProduct.objects.bulk_create(
            DataProduct(domain=domain, slug=f"p{i}", name=f"Product {i}", owner_team=team, status="published")
            for i in range(PRODUCTS)
        )
        step = max(1, n_datasets // PRODUCTS)
        # Product i publishes dataset i * step + 1 (spread over every layer) through its port's location.
        OutputPort.objects.bulk_create(
            OutputPort(
                product=p,
                name="data",
                location=f"postgres://wh:5432/layer{(i * step) // per_layer}.table_{i * step + 1}",
            )
            for i, p in enumerate(products)
        )
        # Ports no dataset names (an archive table each), as most ports of a large mesh are: the graph should
        # hold none of them.
        per_product = -(-unmapped_ports // PRODUCTS) if unmapped_ports else 0
        for k in range(per_product):
            OutputPort.objects.bulk_create(
                (
                    OutputPort(product=p, name=f"archive_{k}", location=f"postgres://wh:5432/archive.p{i}_t{k}")
                    for i, p in enumerate(products[: unmapped_ports - k * PRODUCTS])
                ),
                batch_size=2000,
            )
    token = token_create(actor=None, team=team, name="bench", scopes=[Scope.READ, Scope.WRITE_LINEAGE])
    inputs_of: dict[int, list[int]] = {}
    for source, job, direction in edges:
        if direction == "in" and per_layer < job <= 3 * per_layer:
            inputs_of.setdefault(job, []).append(source)
    return {
        "edges": len(edges),
        "seconds": time.perf_counter() - started,
        "secret": token.secret,
        "inputs_of": inputs_of,
    }


# ------------------------------------------------------------------------------------------------ product graph
def build_product_world(n_products: int, n_edges: int, n_domains: int, seed: int = 7) -> dict:
    """The product graph case: `n_products` products in `n_domains` domains, each with one output port mapping
    one dataset, and `n_edges` distinct product edges, a third each declared only (an input port), observed
    only (a job reading the producer's dataset and writing the consumer's) and both. Producers come before
    their consumers in id order (a mesh is mostly layered), picked with a mild power law so some products have
    many consumers."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from catalog.models import DataProduct, Domain, InputPort, OutputPort, Team
    from core.actors import Scope
    from lineage.models import Dataset, Job, JobDataset, LineageState
    from tokens.services import token_create

    if connection.vendor == "postgresql":
        reset_schema()
    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    started = time.perf_counter()
    when = "2026-11-30 00:00:00+00:00"
    with transaction.atomic():
        teams = Team.objects.bulk_create(Team(slug=f"team-{d}", name=f"Team {d}") for d in range(n_domains))
        domains = Domain.objects.bulk_create(
            Domain(slug=f"domain-{d}", name=f"Domain {d}", owner_team=teams[d]) for d in range(n_domains)
        )
        products = DataProduct.objects.bulk_create(
            (
                DataProduct(domain=domains[i % n_domains], slug=f"p{i}", name=f"Product {i}",
                            owner_team=teams[i % n_domains], status="published")
                for i in range(n_products)
            ),
            batch_size=5000,
        )  # fmt: skip
        ports = OutputPort.objects.bulk_create(
            (OutputPort(product=p, name="data", location=f"postgres://wh:5432/mesh.table_{i}") for i, p in
             enumerate(products)),
            batch_size=5000,
        )  # fmt: skip
        pairs: set[tuple[int, int]] = set()
        while len(pairs) < n_edges:
            consumer = rng.randrange(1, n_products)
            producer = int(consumer * rng.random() ** 1.5)
            if producer != consumer:
                pairs.add((producer, consumer))
        ordered = sorted(pairs)
        rng.shuffle(ordered)
        third = len(ordered) // 3
        # [0, third) declared only, [third, 2 third) both, [2 third, end) observed only
        declared, observed = ordered[: 2 * third], ordered[third:]
        InputPort.objects.bulk_create(
            (InputPort(product=products[c], name=f"in-{p}", source_port=ports[p]) for p, c in declared),
            batch_size=5000,
        )
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {Dataset._meta.db_table} (id, namespace, name, exact_digest, bare_digest, description, "  # noqa: S608
                "source_name, source_uri, lifecycle_state, fields, schema_fingerprint, facets, facet_times, "
                "graph_version, created_at, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, '', '', '', '', '[]', '', '{}', '{}', 1, %s, %s)",
                [(i + 1, *named("postgres://wh:5432", f"mesh.table_{i}"), when, when) for i in range(n_products)],
            )
            cursor.executemany(
                f"INSERT INTO {Job._meta.db_table} (id, namespace, name, description, job_type, processing_type, "  # noqa: S608
                "integration, location, facets, facet_times, created_at, updated_at) "
                "VALUES (%s, 'airflow', %s, '', '', '', '', '', '{}', '{}', %s, %s)",
                [(j + 1, f"feed_{p}_to_{c}", when, when) for j, (p, c) in enumerate(observed)],
            )
            rows = []
            for j, (p, c) in enumerate(observed):
                rows += [(p + 1, j + 1, "in", when, when), (c + 1, j + 1, "out", when, when)]
            cursor.executemany(
                f"INSERT INTO {JobDataset._meta.db_table} (dataset_id, job_id, direction, first_seen_at, "  # noqa: S608
                "last_seen_at, graph_version) VALUES (%s, %s, %s, %s, %s, 1)",
                rows,
            )
        LineageState.objects.create(id=1, version=1, generation=1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The rows above were written with their ids: move the sequences past them, for the ingest that follows.
            for model in (Dataset, Job):
                table = model._meta.db_table
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")  # noqa: S608
            cursor.execute("ANALYZE")
    token = token_create(actor=None, team=teams[0], name="bench", scopes=[Scope.READ])
    out_degree: dict[int, int] = {}
    for p, _ in pairs:
        out_degree[p] = out_degree.get(p, 0) + 1
    # Typical: the median product among those that feed something, asked about by its identifier.
    feeding = sorted(out_degree, key=lambda p: (out_degree[p], p))
    sample = [feeding[int(len(feeding) * q)] for q in (0.5, 0.9, 0.99)]
    return {
        "seconds": time.perf_counter() - started,
        "secret": token.secret,
        "edges": len(pairs),
        "declared": len(declared),
        "observed": len(observed),
        "sample": [(f"domain-{p % n_domains}/p{p}", out_degree[p]) for p in sample],
        "domain": "domain-1",
    }


def reset_schema() -> None:
    """PostgreSQL: start from an empty public schema (the bench's own database, named by --database-url)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")


def product_graph_figures(requests: int, sample: list[tuple[str, int]]) -> dict:
    """In this process: the lineage graph, then the merged product graph (time and memory), then the selector
    alone for the neighbourhood reads (no HTTP, no serialisation to JSON)."""
    from catalog.models import DataProduct
    from lineage.graph import get_graph
    from lineage.selectors import product_lineage
    from lineage.selectors.product_graph import mesh_graph

    started = time.perf_counter()
    graph = get_graph()
    lineage_s = time.perf_counter() - started
    started = time.perf_counter()
    with graph.lock:
        mesh_graph(graph)
    build = time.perf_counter() - started
    # Again under tracemalloc, for the memory it holds (tracemalloc slows allocation down: not timed).
    graph.product_state, graph.remapped = None, True
    gc.collect()
    tracemalloc.start()
    with graph.lock:
        mesh = mesh_graph(graph)
    memory = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    domain, slug = sample[0][0].split("/")
    product = DataProduct.objects.select_related("domain", "owner_team").get(domain__slug=domain, slug=slug)
    update_s = updates_after_build(product)
    same = same_as_built_again()
    times = []
    for _ in range(requests):
        t = time.perf_counter()
        product_lineage(product, depth=2)
        times.append((time.perf_counter() - t) * 1000)
    kinds: dict[str, int] = {}
    for out in mesh.succ.values():
        for edge in out.values():
            kinds[edge.kind] = kinds.get(edge.kind, 0) + 1
    return {"lineage_s": lineage_s, "build_s": build, "memory_mb": memory / 1e6, "kinds": kinds,
            "selector_depth2_ms": times, "update_s": update_s, "same": same}  # fmt: skip


def updates_after_build(product) -> dict:
    """What the next product read pays after a change: one OpenLineage event that adds an observed edge (the
    product graph re-walks from what it touches), one new input port (the input ports written since the last
    read are read), one new output port at a table no lineage names (the datasets its key names are matched
    again: none), and one at a table the lineage reports (that dataset maps to it now: its products are walked
    again)."""
    from catalog.models import DataProduct, InputPort, OutputPort
    from lineage.graph import get_graph
    from lineage.openlineage import parse_event
    from lineage.selectors.product_graph import mesh_graph
    from lineage.services.ingest import lineage_events_ingest

    def next_read() -> float:
        started = time.perf_counter()
        graph = get_graph()
        with graph.lock:
            mesh_graph(graph)
        return time.perf_counter() - started

    consumer = DataProduct.objects.exclude(pk=product.pk).order_by("-pk").first()
    assert consumer is not None
    event = {
        "eventType": "COMPLETE",
        "eventTime": "2026-12-01T00:00:00Z",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "airflow", "name": "bench_new_feed"},
        "inputs": [{"namespace": "postgres://wh:5432", "name": f"mesh.table_{product.slug[1:]}"}],
        "outputs": [{"namespace": "postgres://wh:5432", "name": f"mesh.table_{consumer.slug[1:]}"}],
        "producer": "bench",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }
    lineage_events_ingest(actor=None, events=[parse_event(event)])
    after_event = next_read()
    InputPort.objects.create(product=consumer, name="bench-new-input", source_port=OutputPort.objects.filter(
        product=product).first())  # fmt: skip
    after_input = next_read()
    # A product publishes a port no lineage names yet (the usual publish): the datasets are matched again.
    OutputPort.objects.create(product=consumer, name="bench-new-output", location="postgres://wh:5432/mesh.not_yet")
    after_output = next_read()
    # A product publishes a port at a table the lineage already reports: that dataset maps to it now.
    reported = event["inputs"][0]
    OutputPort.objects.create(product=consumer, name="bench-reported-output",
                              location=f"{reported['namespace']}/{reported['name']}")  # fmt: skip
    after_mapped = next_read()
    return {"event": after_event, "input port": after_input, "output port": after_output,
            "output port at a reported table": after_mapped}  # fmt: skip


def same_as_built_again() -> bool:
    """Whether the product graph the updates above left equals one built from scratch (every edge and its kind)."""
    from lineage.graph import get_graph
    from lineage.selectors.product_graph import mesh_graph

    graph = get_graph()
    with graph.lock:
        kept = {(u, v): e.kind for u, out in mesh_graph(graph).succ.items() for v, e in out.items()}
        graph.remapped = True
        rebuilt = {(u, v): e.kind for u, out in mesh_graph(graph).succ.items() for v, e in out.items()}
    return kept == rebuilt


def http_product_reads(client: Client, sample: list[tuple[str, int]], domain: str, requests: int) -> dict:
    def timed(path: str) -> tuple[list[float], dict]:
        status, body, _ = client.call("GET", path)  # the first call of a path fills memos: not counted
        assert status == 200, body[:300]
        out = []
        for _ in range(requests):
            status, body, ms = client.call("GET", path)
            assert status == 200, body[:300]
            out.append(ms)
        return out, json.loads(body)

    typical, busy, hub = (identifier for identifier, _ in sample)
    base = "/api/v1/lineage/products/"
    figures: dict[str, tuple[list[float], int, int, float | None]] = {}
    for label, path in (
        ("depth 1, typical product", f"{base}{typical}"),
        ("depth 2, typical product", f"{base}{typical}?depth=2"),
        ("depth 2 declared only, typical", f"{base}{typical}?depth=2&kind=declared"),
        ("depth 1, a product at p90 consumers", f"{base}{busy}"),
        ("depth 1, a product at p99 consumers", f"{base}{hub}"),
        ("downstream depth 3, typical", f"{base}{typical}?depth=3&direction=downstream"),
    ):
        times, body = timed(path)
        figures[label] = (times, len(body["nodes"]), len(body["edges"]), 25.0)
    # The mesh map of one domain (its products and their neighbours) and of the whole mesh (bounded at 10k):
    # page loads, fewer of them.
    for label, path, target in (
        ("mesh map of one domain", f"/api/v1/lineage/products?domain={domain}", None),
        ("mesh map, bounded at 10k products", "/api/v1/lineage/products", None),
    ):
        times, body = timed_few(client, path, max(5, requests // 20))
        figures[label] = (times, len(body["nodes"]), len(body["edges"]), target)
    return figures


def timed_few(client: Client, path: str, n: int) -> tuple[list[float], dict]:
    client.call("GET", path)
    out, body = [], b""
    for _ in range(n):
        status, body, ms = client.call("GET", path)
        assert status == 200, body[:300]
        out.append(ms)
    return out, json.loads(body)


def run_products(args) -> None:
    if args.database_url:
        os.environ["BENCH_DATABASE_URL"] = args.database_url
    with tempfile.TemporaryDirectory(prefix="bench-lineage-products-") as name:
        tmp = Path(name)
        setup_django(tmp)
        world = build_product_world(args.products, args.product_edges, args.domains)
        print(f"world: {args.products:,} products in {args.domains} domains, {world['edges']:,} product edges "
              f"({world['declared']:,} declared as input ports, {world['observed']:,} observed through as many jobs), "
              f"in {world['seconds']:.1f} s; load average {os.getloadavg()[0]:.2f}")  # fmt: skip
        inproc = product_graph_figures(args.requests, world["sample"])
        port = free_port()
        (tmp / "ready").mkdir()
        env = dict(os.environ, BENCH_CONN_MAX_AGE=str(args.conn_max_age if args.conn_max_age is not None else 60))
        server = subprocess.Popen(  # noqa: S603 -- this script, on a loopback port
            [sys.executable, __file__, "--serve", str(port), "--dir", str(tmp), "--workers", str(args.workers)],
            cwd=ROOT,
            env=env,
        )
        try:
            wait_up(port, time.time() + 60)
            wait_ready(tmp / "ready", args.workers, time.time() + 600)
            client = Client(port, world["secret"])
            started = time.perf_counter()
            status, body, _ = client.call("GET", f"/api/v1/lineage/products/{world['sample'][0][0]}")
            assert status == 200, body[:300]
            first_s = time.perf_counter() - started
            # Every worker builds its own product graph on first use: one call per worker before timing (the
            # kernel spreads new connections over the workers' sockets).
            for _ in range(4 * args.workers):
                Client(port, world["secret"]).call("GET", f"/api/v1/lineage/products/{world['sample'][0][0]}")
            reads = http_product_reads(client, world["sample"], world["domain"], args.requests)
            rss = sum(rss_mb(child) for child in process_tree(server.pid)[1:])
        finally:
            server.terminate()
            server.wait(timeout=30)
    kinds = ", ".join(f"{n:,} {kind}" for kind, n in sorted(inproc["kinds"].items()))
    print(f"product graph: lineage graph {inproc['lineage_s']:.1f} s, then the merged product graph "
          f"{inproc['build_s']:.2f} s, {inproc['memory_mb']:.0f} MB (tracemalloc):\n  {kinds}")  # fmt: skip
    updates = ", ".join(f"after a new {what} {seconds:.2f} s" for what, seconds in inproc["update_s"].items())
    print(f"  the next product read brings the product graph up to date: {updates}; the graph so kept equals "
          f"one built from scratch: {'yes' if inproc['same'] else 'NO'}")  # fmt: skip
    print(f"  selector alone, depth 2 of the typical product: p50 {pct(inproc['selector_depth2_ms'], 0.5):.2f} "
          f"p95 {pct(inproc['selector_depth2_ms'], 0.95):.2f} ms")  # fmt: skip
    print(f"  first product read over HTTP (the worker builds its product graph): {first_s:.2f} s; "
          f"server workers' resident memory after the run: {rss:.0f} MB")  # fmt: skip
    from django.db import connection

    if connection.vendor == "postgresql":
        reset_schema()
    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    print(f"reads over HTTP ({args.requests} requests each on one keep-alive connection; gunicorn {args.workers} "
          f"workers, {database}):")  # fmt: skip
    for label, (times, nodes, edges, target) in reads.items():
        p95 = pct(times, 0.95)
        verdict = f"(target {target:g}: {'ok' if p95 <= target else 'OVER'})" if target else "(page load)"
        print(f"  {label:<38} {nodes:>6,} products {edges:>6,} edges  p50 {pct(times, 0.5):7.2f}  "
              f"p95 {p95:7.2f} ms {verdict}")  # fmt: skip
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# ------------------------------------------------------------------------------------------------ raw graph
def raw_graph_figures(requests: int) -> dict:
    """networkx alone: the bipartite graph from the edge table, descendants from candidate hubs."""
    import networkx as nx
    from django.db import connection

    from lineage.graph import LineageGraph

    with connection.cursor() as cursor:
        cursor.execute("SELECT job_id, dataset_id, direction FROM lineage_jobdataset")
        rows = cursor.fetchall()
    raw = nx.DiGraph()
    raw.add_edges_from((d, -j) if direction == "in" else (-j, d) for j, d, direction in rows)

    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    graph = LineageGraph()
    graph.refresh()
    build = time.perf_counter() - started
    memory = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()

    candidates = sorted((d for d in raw if d > 0), key=raw.out_degree, reverse=True)[:30]
    hub = max(candidates, key=lambda d: len(graph.downstream_datasets(d)))
    # "Typical": the median of datasets that feed anything (most tables in a mesh are leaves, which would
    # flatter the figure).
    sample = random.Random(1).sample([d for d in raw if d > 0 and raw.out_degree(d)], 301)
    typical = sorted(sample, key=lambda d: len(graph.downstream_datasets(d)))[150]

    def timed(fn) -> list[float]:
        out = []
        for _ in range(requests):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
        return out

    return {
        "hub": hub,
        "typical": typical,
        "hub_reach": len(graph.downstream_datasets(hub)),
        "typical_reach": len(graph.downstream_datasets(typical)),
        "build_s": build,
        "memory_mb": memory / 1e6,
        "nx_hub_ms": timed(lambda: nx.descendants(raw, hub)),
        "nx_typical_ms": timed(lambda: nx.descendants(raw, typical)),
        "nx_depth3_ms": timed(
            lambda: (
                nx.single_source_shortest_path_length(raw, typical, cutoff=6),
                nx.single_source_shortest_path_length(raw.reverse(copy=False), typical, cutoff=6),
            )
        ),
        "graph_hub_ms": timed(lambda: graph.downstream_datasets(hub)),
    }


# ------------------------------------------------------------------------------------------------ server
def serve(port: int, workers: int, threads: int | None, warm_up: bool, ready_dir: Path) -> None:
    """Run in a child process: gunicorn with the portal's own settings file (config/gunicorn.py, as `make prod`
    runs it) on the bench database. Each worker touches `ready_dir/<pid>` once its graph is built (at once with
    --no-warm-up), so the timing starts when every worker is listening and done warming up."""
    import threading

    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from gunicorn.app.base import Application

    if os.environ.get("BENCH_CONN_MAX_AGE"):
        settings.DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ["BENCH_CONN_MAX_AGE"])

    application = get_wsgi_application()

    def post_worker_init(worker) -> None:
        import config.gunicorn

        if warm_up:
            building = config.gunicorn.post_worker_init(worker)
        else:
            config.gunicorn.set_switch_interval()
            building = None

        def mark_ready() -> None:
            if building is not None:
                building.join()
            (ready_dir / str(os.getpid())).touch()

        threading.Thread(target=mark_ready, daemon=True).start()

    class Server(Application):
        def init(self, parser, opts, args):
            return None

        def load_config(self) -> None:
            self.load_config_from_module_name_or_filename("python:config.gunicorn")
            for key, value in {"bind": f"127.0.0.1:{port}", "workers": workers, "loglevel": "warning",
                               "keepalive": 30, "post_worker_init": post_worker_init}.items():  # fmt: skip
                self.cfg.set(key, value)
            if threads:
                self.cfg.set("threads", threads)

        def load(self):
            return application

    Server().run()


def wait_ready(ready_dir: Path, workers: int, deadline: float) -> None:
    while time.time() < deadline:
        if len(list(ready_dir.iterdir())) >= workers:
            return
        time.sleep(0.1)
    raise SystemExit("the server's workers did not all get ready")


class Client:
    def __init__(self, port: int, secret: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {secret}", "Accept": "application/json"}

    def call(self, method: str, path: str, body: bytes | None = None, **headers: str) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers={**self.headers, **headers})
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed a keep-alive connection left idle (while the workers built their graphs): once
            # more on a new one, timed from there.
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.conn.host, self.conn.port, timeout=60)
            started = time.perf_counter()
            self.conn.request(method, path, body=body, headers={**self.headers, **headers})
            response = self.conn.getresponse()
        data = response.read()
        return response.status, data, (time.perf_counter() - started) * 1000


def wait_up(port: int, deadline: float) -> None:
    while time.time() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/healthz")
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def node(namespace: str, name: str, kind: str = "dataset") -> str:
    from urllib.parse import quote

    return quote(f"{kind}:{namespace}:{name}", safe="")


def dataset_node(d: int, per_layer: int) -> str:
    return node("postgres://wh:5432", table(d, per_layer))


def impact_path(d: int, per_layer: int) -> str:
    return f"/api/v1/lineage/impact?nodeId={dataset_node(d, per_layer)}&sample=50"


def http_reads(client: Client, raw: dict, per_layer: int, requests: int) -> dict:
    def timed(path: str) -> list[float]:
        client.call("GET", path)  # the first call of a path fills memos: not counted
        out = []
        for _ in range(requests):
            status, body, ms = client.call("GET", path)
            assert status == 200, body[:300]
            out.append(ms)
        return out

    return {
        "hub": timed(impact_path(raw["hub"], per_layer)),
        "typical": timed(impact_path(raw["typical"], per_layer)),
        "depth3": timed(f"/api/v1/lineage?nodeId={dataset_node(raw['typical'], per_layer)}&depth=3"),
    }


def marquez_reads(client: Client, db: Path, n_datasets: int, per_layer: int, requests: int) -> list[tuple]:
    """Marquez's listing endpoints, each next to the raw SQL that reads the same rows (sqlite3 on the same file)."""
    from urllib.parse import quote

    wh = quote("postgres://wh:5432", safe="")
    deep = n_datasets // 2
    name = table(deep, per_layer)
    cases = [
        ("namespaces", "/api/v1/namespaces",
         "SELECT namespace, min(created_at), max(updated_at) FROM lineage_dataset GROUP BY namespace "
         "UNION ALL SELECT namespace, min(created_at), max(updated_at) FROM lineage_job GROUP BY namespace"),
        ("datasets, first page of 100", f"/api/v1/namespaces/{wh}/datasets?limit=100",
         "SELECT * FROM lineage_dataset WHERE namespace = 'postgres://wh:5432' ORDER BY name LIMIT 100"),
        (f"datasets, page at offset {deep:,}", f"/api/v1/namespaces/{wh}/datasets?limit=100&offset={deep}",
         f"SELECT * FROM lineage_dataset WHERE namespace = 'postgres://wh:5432' ORDER BY name LIMIT 100 OFFSET {deep}"),  # noqa: S608
        ("jobs, first page of 100", "/api/v1/namespaces/airflow/jobs?limit=100",
         "SELECT * FROM lineage_job WHERE namespace = 'airflow' ORDER BY name LIMIT 100"),
        ("one dataset", f"/api/v1/namespaces/{wh}/datasets/{quote(name, safe='')}",
         f"SELECT * FROM lineage_dataset WHERE namespace = 'postgres://wh:5432' AND name = '{name}'"),  # noqa: S608
        ("dataset versions", f"/api/v1/namespaces/{wh}/datasets/{quote(name, safe='')}/versions",
         f"SELECT * FROM lineage_datasetschemaversion WHERE dataset_id = {deep}"),  # noqa: S608
        ("events, newest 100", "/api/v1/events/lineage?limit=100",
         "SELECT payload FROM lineage_lineageevent ORDER BY event_time DESC LIMIT 100"),
        ("search (Marquez's)", "/marquez/api/v1/search?q=table_4242",
         "SELECT namespace, name FROM lineage_dataset WHERE name LIKE '%table_4242%' ORDER BY name LIMIT 10"),
    ]  # fmt: skip
    out = []
    raw = sqlite3.connect(db)
    for label, path, sql in cases:
        client.call("GET", path)
        http_ms = []
        for _ in range(requests):
            status, body, ms = client.call("GET", path)
            assert status == 200, body[:300]
            http_ms.append(ms)
        raw_ms = []
        for _ in range(requests):
            started = time.perf_counter()
            raw.execute(sql).fetchall()
            raw_ms.append((time.perf_counter() - started) * 1000)
        out.append((label, http_ms, raw_ms))
    raw.close()
    return out


def first_read(client: Client, raw: dict, per_layer: int) -> float:
    """The hub's impact, asked as soon as the server answers /healthz: it waits for the graph warm-up (or, without
    it, builds the graph)."""
    status, body, ms = client.call("GET", impact_path(raw["hub"], per_layer))
    assert status == 200, body[:300]
    return ms


# ------------------------------------------------------------------------------------------------ ingestion
def table(d: int, per_layer: int) -> str:
    return f"layer{(d - 1) // per_layer}.table_{d}"


def events(n: int, per_layer: int, inputs_of: dict[int, list[int]], rng: random.Random) -> list[dict]:
    """Re-runs of existing jobs with their own inputs (70%: the graph does not change), and new jobs reading an
    existing table into a new one (30%), each output with a schema facet."""
    out = []
    reruns = list(inputs_of)
    for i in range(n):
        when = f"2025-02-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}Z"
        if rng.random() < 0.7:
            d = rng.choice(reruns)
            job, inputs, output = f"build_table_{d}", [table(x, per_layer) for x in inputs_of[d]], table(d, per_layer)
        else:
            source = table(rng.choice(reruns), per_layer)
            job, inputs, output = f"new_job_{uuid.uuid4().hex[:12]}", [source], f"new.t_{uuid.uuid4().hex[:12]}"
        out.append({
            "eventType": "COMPLETE", "eventTime": when, "run": {"runId": str(uuid.uuid4())},
            "job": {"namespace": "airflow", "name": job},
            "inputs": [{"namespace": "postgres://wh:5432", "name": name} for name in inputs],
            "outputs": [{"namespace": "postgres://wh:5432", "name": output, "facets": {"schema": {
                "_producer": "bench", "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json",
                "fields": [{"name": "id", "type": "bigint"}, {"name": "amount", "type": "decimal"}]}}}],
            "producer": "https://example.com/bench", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json",
        })  # fmt: skip
    return out


def http_ingest(
    server_pid: int,
    port: int,
    secret: str,
    per_layer: int,
    inputs_of: dict[int, list[int]],
    single: int,
    clients: int,
    per_connection: int,
    batches: int,
    batch_size: int,
) -> dict:
    """One event per request from `clients` senders at once, each opening a fresh keep-alive connection every
    `per_connection` events (0: one connection for the whole run), then batches from one connection.

    A scheduler's tasks report like that: each task run opens a connection, sends its few events and ends. It also
    matters to the figure: the kernel hashes each new connection to one worker's socket, so a handful of
    connections held for the whole run can split 6/2 over two workers and leave one half idle."""
    import threading

    rng = random.Random(9)
    one = events(single, per_layer, inputs_of, rng)
    failures: list[bytes] = []

    def send(part: list[dict]) -> None:
        client = Client(port, secret)
        for number, event in enumerate(part):
            if per_connection and number and number % per_connection == 0:
                client.conn.close()
                client = Client(port, secret)
            status, body, _ = client.call(
                "POST", "/api/v1/lineage", json.dumps(event).encode(), **{"Content-Type": "application/json"}
            )
            if status != 201:
                failures.append(body[:300])

    threads = [threading.Thread(target=send, args=(one[i::clients],)) for i in range(clients)]
    cpu_before = cpu_seconds(process_tree(server_pid))
    client_before = time.process_time()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    single_rate = single / (time.perf_counter() - started)
    client_ms = (time.process_time() - client_before) / single * 1000
    cpu_after = cpu_seconds(process_tree(server_pid))
    spent = {pid: cpu_after[pid] - cpu_before.get(pid, 0.0) for pid in cpu_after}
    total = max(sum(spent.values()), 1e-9)
    assert not failures, failures[:3]
    client = Client(port, secret)
    many = [events(batch_size, per_layer, inputs_of, rng) for _ in range(batches)]
    started = time.perf_counter()
    for batch in many:
        body = gzip.compress(json.dumps(batch).encode(), compresslevel=3)
        status, answer, _ = client.call(
            "POST", "/api/v1/lineage/batch", body, **{"Content-Type": "application/json", "Content-Encoding": "gzip"}
        )
        assert status == 201, answer[:300]
    batch_rate = batches * batch_size / (time.perf_counter() - started)
    return {
        "single": single_rate,
        "batch": batch_rate,
        "sample": one[:batch_size],
        "cpu_ms": total / single * 1000,
        "client_cpu_ms": client_ms,
        # Each worker's part of the server's CPU: far from even means the clients' connections landed unevenly.
        "shares": sorted((value / total for value in spent.values() if value > 0.05), reverse=True),
    }


def raw_inserts(tmp: Path, sample: list[dict], single: int) -> dict:
    """sqlite3 alone: the event rows inserted one per transaction, and all in one transaction."""
    db = sqlite3.connect(tmp / "raw.sqlite3", isolation_level=None)
    db.executescript(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE e (k TEXT UNIQUE, payload TEXT);"
    )
    rows = [(uuid.uuid4().hex, json.dumps(sample[i % len(sample)])) for i in range(single)]
    started = time.perf_counter()
    for row in rows:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO e VALUES (?, ?)", row)
        db.execute("COMMIT")
    one = single / (time.perf_counter() - started)
    rows = [(uuid.uuid4().hex, payload) for _, payload in rows]
    started = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    db.executemany("INSERT INTO e VALUES (?, ?)", rows)
    db.execute("COMMIT")
    return {"single": one, "batch": single / (time.perf_counter() - started)}


# ------------------------------------------------------------------------------------------------ main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per read figure")
    parser.add_argument(
        "--unmapped-ports",
        type=int,
        default=0,
        help="output ports with locations no dataset names, besides the 2,000 mapped ones (a 1M-product mesh has "
        "about a million)",
    )
    parser.add_argument("--skew", type=float, default=2.0, help="how strongly inputs favour hub tables (2; 6 = stress)")
    parser.add_argument("--single", type=int, default=3000, help="events sent one per request")
    parser.add_argument("--batches", type=int, default=10, help="batches of 500 events")
    parser.add_argument(
        "--clients",
        type=int,
        default=8,
        help="senders of single events at once (8: pipelines reporting side by side)",
    )
    parser.add_argument(
        "--per-connection",
        type=int,
        default=20,
        help="single events a sender sends on one connection before opening a new one, as a task run would "
        "(20; 0 keeps one connection per sender for the whole run)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (make prod: 2)")
    parser.add_argument(
        "--threads", type=int, help="threads per worker (default: what config/gunicorn.py picks on SQLite, 1)"
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        help="give the server persistent database connections (CONN_MAX_AGE seconds); by default it runs with "
        "the settings as they are, which open a SQLite connection per request",
    )
    parser.add_argument(
        "--only",
        choices=("all", "reads", "ingest", "products", "marquez"),
        default="all",
        help="run only the graph and read figures, or only ingestion (e.g. --only ingest --datasets 20000), or "
        "the product graph case (its own world: --products, --product-edges, --domains), or Marquez's listing "
        "endpoints (--only marquez)",
    )
    parser.add_argument("--products", type=int, default=100_000, help="products of the product graph case")
    parser.add_argument("--product-edges", type=int, default=300_000, help="its product edges")
    parser.add_argument("--domains", type=int, default=100, help="its domains")
    parser.add_argument(
        "--database-url",
        help="the product case on PostgreSQL: a database of the bench's own, emptied before and after "
        "(e.g. postgres://root@127.0.0.1:5432/bench)",
    )
    parser.add_argument(
        "--no-warm-up", action="store_true", help="leave out the gunicorn hook that builds each worker's graph at start"
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        setup_django(Path(args.dir))
        serve(args.serve, args.workers, args.threads, warm_up=not args.no_warm_up, ready_dir=Path(args.dir) / "ready")
        return
    if args.only == "products":
        run_products(args)
        return

    with tempfile.TemporaryDirectory(prefix="bench-lineage-") as name:
        tmp = Path(name)
        setup_django(tmp)
        world = build_world(args.datasets, args.edges, args.skew, unmapped_ports=args.unmapped_ports)
        print(f"world: {args.datasets:,} datasets, {args.datasets:,} jobs, {world['edges']:,} edges, "
              f"{PRODUCTS:,} products, {args.unmapped_ports:,} more ports no dataset names, "
              f"skew {args.skew:g}, in {world['seconds']:.1f} s; "
              f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
        raw = raw_graph_figures(args.requests) if args.only not in ("ingest", "marquez") else None
        port = free_port()
        (tmp / "ready").mkdir()
        env = dict(os.environ, BENCH_CONN_MAX_AGE=str(args.conn_max_age)) if args.conn_max_age is not None else None
        server = subprocess.Popen(  # noqa: S603 -- this script, on a loopback port
            [
                sys.executable,
                __file__,
                "--serve",
                str(port),
                "--dir",
                str(tmp),
                "--workers",
                str(args.workers),
                *(["--threads", str(args.threads)] if args.threads else []),
                *(["--no-warm-up"] if args.no_warm_up else []),
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            wait_up(port, time.time() + 60)
            client = Client(port, world["secret"])
            per_layer = args.datasets // LAYERS
            first_ms = first_read(client, raw, per_layer) if raw is not None else None
            # Timing starts once every worker listens and has its graph (a one-off cost per worker start).
            wait_ready(tmp / "ready", args.workers, time.time() + 300)
            reads = http_reads(client, raw, per_layer, args.requests) if raw is not None else None
            marquez = (
                marquez_reads(client, tmp / "bench.sqlite3", args.datasets, per_layer, args.requests)
                if args.only in ("all", "marquez")
                else None
            )
            ingest = (
                http_ingest(
                    server.pid,
                    port,
                    world["secret"],
                    per_layer,
                    world["inputs_of"],
                    args.single,
                    args.clients,
                    args.per_connection,
                    args.batches,
                    500,
                )
                if args.only not in ("reads", "marquez")
                else None
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        floor = raw_inserts(tmp, ingest["sample"], args.single) if ingest is not None else None

    def row(label: str, http_ms: list[float], raw_ms: list[float], target: float) -> None:
        p95, raw95 = pct(http_ms, 0.95), pct(raw_ms, 0.95)
        verdict = "ok" if p95 <= target else "OVER"
        print(f"  {label:<34} p50 {pct(http_ms, 0.5):6.2f}  p95 {p95:6.2f} ms  (target {target:g}: {verdict})"
              f"   raw networkx p95 {raw95:6.2f} ms, x{p95 / raw95:.2f}")  # fmt: skip

    from django.conf import settings

    kept = args.conn_max_age if args.conn_max_age is not None else settings.DATABASES["default"].get("CONN_MAX_AGE", 0)
    connections = f"kept {kept} s" if kept else "opened per request"
    import config.gunicorn

    threads = args.threads or config.gunicorn.threads
    server_shape = f"gunicorn {args.workers} workers x {threads} threads; database connections {connections}"
    if raw is not None and reads is not None:
        print(f"graph: full build {raw['build_s']:.2f} s, {raw['memory_mb']:.0f} MB held "
              f"(target 150: {'ok' if raw['memory_mb'] <= 150 else 'OVER'}); worst hub reaches "
              f"{raw['hub_reach']:,} datasets, the typical dataset {raw['typical_reach']:,}; in-process closure of "
              f"the hub p95 {pct(raw['graph_hub_ms'], 0.95):.2f} ms")  # fmt: skip
        warm = "off" if args.no_warm_up else "on"
        assert first_ms is not None  # measured whenever the reads are
        print(f"first request once the server answers: {first_ms / 1000:.2f} s (graph warm-up at worker "
              f"start {warm})")  # fmt: skip
        print(f"reads over HTTP ({args.requests} requests each on one keep-alive connection; {server_shape}):")
        row("impact, worst hub", reads["hub"], raw["nx_hub_ms"], 25)
        row("impact, typical dataset", reads["typical"], raw["nx_typical_ms"], 5)
        row("depth-3 view, typical dataset", reads["depth3"], raw["nx_depth3_ms"], 25)
    if marquez is not None:
        print(f"Marquez's read API over HTTP ({args.requests} requests each; {server_shape}):")
        for label, http_ms, raw_ms in marquez:
            p95, raw95 = pct(http_ms, 0.95), pct(raw_ms, 0.95)
            verdict = "ok" if p95 <= 50 else "OVER"
            print(f"  {label:<34} p50 {pct(http_ms, 0.5):6.2f}  p95 {p95:6.2f} ms  (target 50: {verdict})"
                  f"   raw SQL p95 {raw95:6.2f} ms, x{p95 / max(raw95, 0.001):.1f}")  # fmt: skip
    if ingest is not None and floor is not None:
        print(f"ingestion on SQLite ({server_shape}):")
        for key, label, target in (
            ("batch", "batch endpoint (500/request, gzip)", 1000),
            ("single", f"one event per request, {args.clients} senders", 300),
        ):
            rate = ingest[key]
            verdict = "ok" if rate >= target else "UNDER"
            print(f"  {label:<34} {rate:8.0f} events/s (target {target}: {verdict})"
                  f"   raw sqlite3 event inserts {floor[key]:8.0f}/s, x{rate / floor[key]:.4f}")  # fmt: skip
        shares = "/".join(f"{share:.0%}" for share in ingest["shares"])
        print(f"  CPU per single event: server {ingest['cpu_ms']:.2f} ms (master and workers; split {shares}), "
              f"this load generator {ingest['client_cpu_ms']:.2f} ms")  # fmt: skip
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
