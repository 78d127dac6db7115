#!/usr/bin/env python3
"""CLI benchmark: what `meshportal publish` costs over the bulk endpoint it calls.

Builds two producer repositories of N products (an ODPS `dataproduct.yaml` each, with one output port naming its
contract, and an ODCS contract of F fields in `contracts/`), identical but for their domain and ids, then:
  endpoint  posts the documents, already loaded, straight to `POST /api/v1/descriptors/bulk` (100 a request,
            products first, as the CLI sends them) from one keep-alive connection: the bulk endpoint alone;
  cli       runs `meshportal publish REPO` as a subprocess: interpreter start, imports, walking the tree,
            reading and validating every file with the portal's parsers, then the same requests.
Each round runs both twice: the first creates everything, the second finds it unchanged (`publish` is
idempotent); rounds alternate which goes first and use fresh ids, and the medians are reported, because on a
shared machine one run's figure moves by tens of percent. The CLI's own CPU seconds are the steadier figure.
The figure wanted is the CLI's overhead: (cli - endpoint) / endpoint, target under 20%.

The portal runs under gunicorn (bench/_server.py) on a fresh SQLite file in a temp dir (or `--postgres URL`: a
fresh database there, dropped afterwards), loopback only; everything is removed at the end.

    .venv/bin/python bench/cli.py                 # 500 products, 10 fields each, 3 rounds
    .venv/bin/python bench/cli.py -n 200 --fields 30
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import PYTHON, ROOT, PostgresDatabase, Server, load_average, manage, portal_env

TEAM = "bench-cli-team"
CHUNK = 100
TYPES = ["string", "integer", "number", "boolean", "date", "timestamp"]

SETUP_WORLD = """
from catalog.models import Domain, Team
team, _ = Team.objects.get_or_create(slug={team!r}, defaults={{"name": "Bench CLI Team"}})
for slug in {domains!r}:
    Domain.objects.get_or_create(slug=slug, defaults={{"name": slug.title(), "owner_team": team}})
"""


def product_doc(domain: str, index: int, round_: int = 0) -> dict:
    return {
        "apiVersion": "v1.0.0",
        "kind": "DataProduct",
        "id": f"{domain}-r{round_}-product-{index:04d}",
        "name": f"{domain} r{round_} product {index}",
        "domain": domain,
        "status": "active",
        "description": {"purpose": f"Benchmark product {index}."},
        "tags": ["bench", f"group-{index % 10}"],
        "outputPorts": [
            {
                "name": "data",
                "version": "1.0.0",
                "type": "tables",
                "contractId": f"urn:{domain}:r{round_}:contract:{index:04d}",
            }
        ],
    }


def contract_doc(domain: str, index: int, fields: int, round_: int = 0) -> dict:
    return {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": f"urn:{domain}:r{round_}:contract:{index:04d}",
        "name": f"Contract {index}",
        "version": "1.0.0",
        "status": "active",
        "description": {"purpose": f"The data of benchmark product {index}."},
        "schema": [
            {
                "name": f"table_{index}",
                "physicalType": "table",
                "properties": [
                    {"name": f"col_{k}", "logicalType": TYPES[k % len(TYPES)], "required": k == 0}
                    for k in range(fields)
                ],
            }
        ],
        "slaProperties": [{"property": "latency", "value": 1 + index % 24, "unit": "h"}],
    }


def write_repo(root: Path, domain: str, products: int, fields: int, round_: int) -> None:
    for index in range(products):
        folder = root / "products" / f"p-{index:04d}"
        (folder / "contracts").mkdir(parents=True)
        product = product_doc(domain, index, round_)
        (folder / "dataproduct.yaml").write_text(yaml.safe_dump(product, sort_keys=False))
        contract = contract_doc(domain, index, fields, round_)
        (folder / "contracts" / "data.odcs.yaml").write_text(yaml.safe_dump(contract, sort_keys=False))


def post_endpoint(
    url: str, token: str, domain: str, products: int, fields: int, round_: int
) -> tuple[float, list[str]]:
    """The documents straight to the bulk endpoint; the wall time and the actions it answered."""
    documents = [product_doc(domain, i, round_) for i in range(products)] + [
        contract_doc(domain, i, fields, round_) for i in range(products)
    ]
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=300)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    actions: list[str] = []
    started = time.perf_counter()
    for start in range(0, len(documents), CHUNK):
        body = json.dumps({"documents": documents[start : start + CHUNK]})
        connection.request("POST", "/api/v1/descriptors/bulk?dry_run=false", body, headers)
        response = connection.getresponse()
        answer = response.read()
        if response.status >= 300:
            raise SystemExit(f"bulk endpoint answered {response.status}: {answer[:2000]!r}")
        actions += [r["action"] for r in json.loads(answer)["results"]]
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed, actions


def run_cli(url: str, token: str, repo: Path) -> tuple[float, list[str], float]:
    """`meshportal publish REPO`: the wall time, the actions answered and the CPU seconds the CLI itself used."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env |= {"MESHPORTAL_URL": url, "MESHPORTAL_TOKEN": token, "PYTHONPATH": str(ROOT)}
    command = [PYTHON, "-m", "meshportal_cli", "publish", str(repo), "--format", "json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, cwd=repo)  # noqa: S603
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"meshportal publish exited {done.returncode}:\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, [r["action"] for r in json.loads(done.stdout)["results"]], cpu


def summary(actions: list[str]) -> str:
    counts: dict[str, int] = {}
    for action in actions:
        counts[action] = counts.get(action, 0) + 1
    return ", ".join(f"{n} {a}" for a, n in sorted(counts.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--products", type=int, default=500)
    parser.add_argument("--fields", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="repetitions, order alternating; medians reported")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--postgres", help="an admin URL of a PostgreSQL server to make a fresh database on")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    database = PostgresDatabase(args.postgres, "bench_cli") if args.postgres else None
    try:
        url = database.__enter__().url if database else None
        env = portal_env(workdir, database_url=url)
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "shell", "-c", SETUP_WORLD.format(team=TEAM, domains=["bench-endpoint", "bench-cli"]))
        token = manage(env, "create_token", "--team", TEAM, "--scopes", "write:products,read", "--name", "b").strip()
        times: dict[tuple[str, str], list[float]] = {}
        answered: dict[tuple[str, str], str] = {}
        cli_cpu: dict[str, list[float]] = {}
        with Server("gunicorn", env, workdir, workers=args.workers, threads=args.threads) as server:
            server.wait_healthy()
            for round_ in range(args.rounds):
                repo = workdir / f"repo-{round_}"
                write_repo(repo, "bench-cli", args.products, args.fields, round_)
                order = ("endpoint", "cli") if round_ % 2 == 0 else ("cli", "endpoint")
                for label in ("first pass", "re-send"):
                    for what in order:
                        if what == "endpoint":
                            seconds, actions = post_endpoint(
                                server.url, token, "bench-endpoint", args.products, args.fields, round_
                            )
                        else:
                            seconds, actions, cpu = run_cli(server.url, token, repo)
                            cli_cpu.setdefault(label, []).append(cpu)
                        times.setdefault((what, label), []).append(seconds)
                        answered[(what, label)] = summary(actions)
                print(f"round {round_ + 1}/{args.rounds} done, load {load_average()}", flush=True)
            print(f"\n{args.products} products + {args.products} contracts ({args.fields} fields), {server.label},")
            print(
                f"{'SQLite' if not database else 'PostgreSQL'}, {args.rounds} rounds (medians), load {load_average()}\n"
            )
            print(f"{'what':20} {'pass':11} {'wall s':>8} {'products/s':>11}  {'all runs, s':24} answered")
            names = {"endpoint": "bulk endpoint", "cli": "meshportal publish"}
            for label in ("first pass", "re-send"):
                for what in ("endpoint", "cli"):
                    runs = times[(what, label)]
                    wall = statistics.median(runs)
                    every = " ".join(f"{r:.1f}" for r in runs)
                    line = f"{names[what]:20} {label:11} {wall:8.2f} {args.products / wall:11.1f}  {every:24}"
                    print(f"{line} {answered[(what, label)]}")
            for label in ("first pass", "re-send"):
                endpoint = statistics.median(times[("endpoint", label)])
                cli = statistics.median(times[("cli", label)])
                cpu = statistics.median(cli_cpu[label])
                print(
                    f"CLI overhead, {label}: {100 * (cli - endpoint) / endpoint:+.1f}% ({cli - endpoint:+.2f} s); "
                    f"the CLI process itself used {cpu:.2f} s of CPU"
                )
    finally:
        if database:
            database.__exit__(None, None, None)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
