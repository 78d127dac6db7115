"""The `meshportal` commands. Exit codes: 0 ok, 1 invalid or breaking, 2 usage, 3 auth, 4 server (client.py)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress

from meshportal_cli import __version__
from meshportal_cli.client import AUTH, INVALID, OK, SERVER, USAGE, CliError, Portal
from meshportal_cli.files import PORTAL, Document, discover, read

app = typer.Typer(
    name="meshportal",
    help="Validate, diff and publish data products and contracts to a Mesh Portal (docs/cli.md).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
lineage_app = typer.Typer(help="OpenLineage events.", no_args_is_help=True)
sli_app = typer.Typer(help="SLI measurements.", no_args_is_help=True)
app.add_typer(lineage_app, name="lineage")
app.add_typer(sli_app, name="sli")
harvest_app = typer.Typer(help="Harvest metadata from where it lives (dbt projects).", no_args_is_help=True)
app.add_typer(harvest_app, name="harvest")

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

CHUNK = 100  # documents per bulk request: a progress step, well under the portal's 500


class Format(StrEnum):
    text = "text"
    json = "json"


@dataclass
class Settings:
    url: str = ""
    token: str = ""

    def portal(self) -> Portal:
        if not self.url:
            err.print("No portal URL: pass --url or set MESHPORTAL_URL.")
            raise typer.Exit(USAGE)
        return Portal(self.url, self.token)


def _version(value: bool) -> None:
    if value:
        out.print(f"meshportal {__version__}")
        raise typer.Exit(OK)


@app.callback()
def main_options(
    ctx: typer.Context,
    url: Annotated[str, typer.Option(envvar="MESHPORTAL_URL", help="The portal, e.g. https://mesh.example.com")] = "",
    token: Annotated[
        str,
        typer.Option(envvar="MESHPORTAL_TOKEN", help="A team's API token, mp_<key id>_<secret>.", show_default=False),
    ] = "",
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    ctx.obj = Settings(url=url, token=token)


Paths = Annotated[list[Path], typer.Argument(help="Files, or directories walked for descriptor files.")]
FormatOpt = Annotated[Format, typer.Option("--format", help="text for people, json for machines.")]
DomainOpt = Annotated[str, typer.Option("--domain", help="Publish into this domain, over what documents say.")]
ProductOpt = Annotated[str, typer.Option("--product", help="Attach contracts to this data product (with --domain).")]


# validate ---------------------------------------------------------------------------------------------------


@app.command()
def validate(paths: Paths, format: FormatOpt = Format.text) -> None:
    """Check descriptor files offline with the portal's own validation; exit 1 if any is invalid."""
    documents = _read_all(paths)
    if format == Format.json:
        body = {"valid": all(d.ok for d in documents), "files": [_document_json(d) for d in documents]}
        _emit_json(body)
    else:
        for document in documents:
            if document.ok:
                out.print(f"{document.path}: ok ({document.kind} {document.identifier})", markup=False)
            else:
                _print_problems(document)
        bad = sum(not d.ok for d in documents)
        out.print(f"{len(documents)} file(s), {bad} invalid", markup=False)
    raise typer.Exit(INVALID if any(not d.ok for d in documents) else OK)


def _emit_json(body: Any) -> None:
    # Written as it is: Rich's print_json re-parses and highlights, which for a thousand results took seconds.
    out.file.write(json.dumps(body, indent=2, default=str) + "\n")


def _document_json(document: Document) -> dict[str, Any]:
    return {
        "path": str(document.path),
        "kind": document.kind,
        "id": document.identifier,
        "valid": document.ok,
        "message": document.message,
        "errors": [{"pointer": e.path, "detail": e.message} for e in document.errors],
    }


def _print_problems(document: Document) -> None:
    if not document.errors:
        err.print(f"{document.path}: {document.message}", markup=False)
    for error in document.errors:
        err.print(f"{document.path}: {error.path or '/'}: {error.message}", markup=False)


def _read_all(paths: list[Path]) -> list[Document]:
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise typer.BadParameter(f"no such file or directory: {', '.join(map(str, missing))}", param_hint="PATH")
    files = discover(paths)
    if not files:
        raise typer.BadParameter("no descriptor files found (see docs/cli.md for the names looked for)")
    return [read(path) for path in files]


# publish and diff -------------------------------------------------------------------------------------------


@dataclass
class Sent:
    results: list[dict[str, Any]] = field(default_factory=list)


def _publish(
    settings: Settings, documents: list[Document], *, dry_run: bool, domain: str, product: str, quiet: bool
) -> Sent:
    """Send the documents in bulk requests, products before contracts; a refusal names the file and pointer."""
    if any(not d.ok for d in documents):
        for document in documents:
            if not document.ok:
                _print_problems(document)
        err.print("Nothing was sent: fix the files above (meshportal validate).")
        raise typer.Exit(INVALID)
    standard = sorted((d for d in documents if d.kind != PORTAL), key=lambda d: d.kind == "DataContract")
    portal_products = [(d, item) for d in documents if d.kind == PORTAL for item in d.content]
    params = {"dry_run": "true" if dry_run else "false"}
    params |= {k: v for k, v in (("domain", domain), ("product", product)) if v}
    sent = Sent()
    steps = len(range(0, len(standard), CHUNK)) + len(range(0, len(portal_products), 500))
    with settings.portal() as portal, Progress(console=err, transient=True, disable=quiet or steps < 2) as bar:
        task = bar.add_task("Publishing" if not dry_run else "Comparing", total=len(standard) + len(portal_products))
        for chunk in _chunks(standard, CHUNK):
            body = {"documents": [d.content for d in chunk]}
            send = partial(portal.post, "/api/v1/descriptors/bulk", body, params)
            answer = _call(send, [d.path for d in chunk], "documents")
            sent.results += answer["results"]
            bar.advance(task, len(chunk))
        for chunk_items in _chunks(portal_products, 500):
            body = {"products": [item for _, item in chunk_items]}
            files = [d.path for d, _ in chunk_items]
            query = {"dry_run": params["dry_run"]}
            answer = _call(partial(portal.post, "/api/v1/products/bulk", body, query), files, "products")
            sent.results += answer["results"]
            bar.advance(task, len(chunk_items))
    return sent


def _call(request: Callable[[], Any], files: list[Path] | None = None, key: str = "") -> Any:
    """The answer of `request`, or the refusal explained (file and pointer where it names one) and the exit code."""
    try:
        return request()
    except CliError as exc:
        _explain(exc, files, key)
        raise typer.Exit(exc.code) from None


def _explain(exc: CliError, files: list[Path] | None, key: str) -> None:
    files = files or []
    err.print(exc.message, markup=False)
    for pointer, detail in exc.pointers:
        parts = pointer.split("/", 3)  # "", key, index, rest
        if len(parts) >= 3 and parts[1] == key and parts[2].isdigit() and int(parts[2]) < len(files):
            where, rest = files[int(parts[2])], "/" + parts[3] if len(parts) > 3 else "/"
            err.print(f"{where}: {rest}: {detail}", markup=False)
        else:
            err.print(f"{pointer or '/'}: {detail}", markup=False)


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@app.command()
def publish(
    ctx: typer.Context,
    paths: Paths,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be done; store nothing.")] = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Retire the token team's products that are not in these files.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Retire without asking (for CI).")] = False,
    domain: DomainOpt = "",
    product: ProductOpt = "",
    format: FormatOpt = Format.text,
) -> None:
    """Publish products and contracts: idempotent, a second run changes nothing."""
    settings: Settings = ctx.obj
    documents = _read_all(paths)
    sent = _publish(settings, documents, dry_run=dry_run, domain=domain, product=product, quiet=format == Format.json)
    retired = _prune(settings, sent, dry_run=dry_run, yes=yes) if prune else []
    if format == Format.json:
        _emit_json({"dry_run": dry_run, "results": sent.results, "retired": retired})
    else:
        _print_results(sent.results, dry_run=dry_run)
        for identifier in retired:
            out.print(f"{'would retire' if dry_run else 'retired'} DataProduct {identifier}", markup=False)
    raise typer.Exit(OK)


def _print_results(results: list[dict[str, Any]], *, dry_run: bool) -> None:
    # Plain lines rather than a table: CI logs are narrow and grepped, and ids are long.
    for result in results:
        note = "" if result.get("attached", True) else f"  (standalone, in team {result.get('registry')}'s registry)"
        out.print(f"{result['action']:9} {result['kind']} {result['id']}{note}", markup=False)
    counts: dict[str, int] = {}
    for result in results:
        counts[result["action"]] = counts.get(result["action"], 0) + 1
    summary = ", ".join(f"{n} {action}" for action, n in sorted(counts.items()))
    out.print(f"{'Dry run: ' if dry_run else ''}{summary or 'nothing sent'}", markup=False)


def _prune(settings: Settings, sent: Sent, *, dry_run: bool, yes: bool) -> list[str]:
    """Retire the products of the token's teams that the repository no longer has (asks, unless `yes`)."""
    published = {r["id"] for r in sent.results if r["kind"] == "DataProduct"}
    with settings.portal() as portal:
        teams = _call(partial(portal.get, "/api/v1/tokens/me"))["teams"]
        stale = sorted({i for team in teams for i in _team_products(portal, team)} - published)
        if not stale or dry_run:
            return stale
        if not yes:
            err.print("These products are not in the repository and will be retired:", markup=False)
            for identifier in stale:
                err.print(f"  {identifier}", markup=False)
            if not typer.confirm("Retire them?", err=True):
                err.print("Nothing retired.")
                return []
        for identifier in stale:
            _call(partial(portal.post, f"/api/v1/products/{identifier}/retire"))
    return stale


def _team_products(portal: Portal, team: str) -> list[str]:
    """The team's products that are not retired (the listing leaves retired ones out), every page."""
    found: list[str] = []
    url: str | None = "/api/v1/products"
    params: dict[str, Any] | None = {"owner_team": team, "page_size": 500}
    while url:
        page = _call(partial(portal.get, url, params))
        found += [f"{p['domain']}/{p['slug']}" for p in page["results"]]
        url, params = page.get("next"), None  # `next` carries the query
    return found


@app.command()
def diff(
    ctx: typer.Context,
    paths: Paths,
    domain: DomainOpt = "",
    product: ProductOpt = "",
    format: FormatOpt = Format.text,
) -> None:
    """What publishing would create, change (field by field) or leave alone; exit 1 when publishing would be
    refused (a breaking change without a major version bump)."""
    settings: Settings = ctx.obj
    documents = _read_all(paths)
    sent = _publish(settings, documents, dry_run=True, domain=domain, product=product, quiet=True)
    breaking = any(r.get("breaking") for r in sent.results)
    # The portal's verdict, the one a publish would get: breaking changes need a major version bump.
    refused = any(r.get("verdict") == "refused" for r in sent.results)
    if format == Format.json:
        _emit_json({"breaking": breaking, "refused": refused, "results": sent.results})
    else:
        for result in sent.results:
            flag = "  BREAKING" if result.get("breaking") else ""
            if result.get("verdict") in ("refused", "warning"):
                flag += f" ({result['verdict']}: no major version bump)"
            out.print(f"{result['action']:9} {result['kind']} {result['id']}{flag}", markup=False)
            for change in result.get("changes", []):
                mark = f"  [breaking: {change['reason']}]" if change["breaking"] else f"  ({change['reason']})"
                mark = mark if change["reason"] else ""
                before, after = json.dumps(change["before"]), json.dumps(change["after"])
                out.print(f"    {change['path']}: {before} -> {after}{mark}", markup=False)
        counts = [sum(r["action"] == a for r in sent.results) for a in ("created", "updated", "unchanged")]
        out.print(
            "{} to create, {} to change, {} unchanged; {}".format(
                *counts,
                "BREAKING changes found; without a major version bump publishing is refused"
                if refused
                else "BREAKING changes found, with a major version bump"
                if breaking
                else "no breaking change",
            ),
            markup=False,
        )
    raise typer.Exit(INVALID if refused else OK)


# whoami, lineage, sli ---------------------------------------------------------------------------------------


@app.command()
def whoami(ctx: typer.Context, format: FormatOpt = Format.text) -> None:
    """The token's team, scopes and the domains it may write."""
    settings: Settings = ctx.obj
    if not settings.token:
        err.print("No token: pass --token or set MESHPORTAL_TOKEN.")
        raise typer.Exit(AUTH)
    with settings.portal() as portal:
        me = _call(partial(portal.get, "/api/v1/tokens/me"))
    if format == Format.json:
        _emit_json(me)
    else:
        out.print(f"{me['kind']}: {me['name']}", markup=False)
        out.print(f"portal:  {settings.url}", markup=False)
        out.print(f"teams:   {', '.join(me['teams']) or '-'}", markup=False)
        out.print(f"scopes:  {', '.join(me['scopes']) or '-'}", markup=False)
        out.print(f"domains: {', '.join(me['domains']) or '-'}", markup=False)
    raise typer.Exit(OK)


FileArg = Annotated[str, typer.Argument(help="A JSON file, or - for standard input.")]


def _read_json(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {source}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        err.print(f"{source}: malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", markup=False)
        raise typer.Exit(INVALID) from None


@lineage_app.command("emit")
def lineage_emit(ctx: typer.Context, source: FileArg) -> None:
    """Send one OpenLineage event, or a JSON array of them (stored all or none)."""
    settings: Settings = ctx.obj
    body = _read_json(source)
    path = "/api/v1/lineage/batch" if isinstance(body, list) else "/api/v1/lineage"
    with settings.portal() as portal:
        answer = _call(partial(portal.post, path, body))
    out.print(_summary(answer), markup=False)
    raise typer.Exit(OK)


@sli_app.command("push")
def sli_push(ctx: typer.Context, source: FileArg) -> None:
    """Send SLI measurements: one, or {"measurements": [...]}."""
    settings: Settings = ctx.obj
    body = _read_json(source)
    with settings.portal() as portal:
        answer = _call(partial(portal.post, "/api/v1/sli", body))
    out.print(_summary(answer), markup=False)
    raise typer.Exit(OK)


DBT_FILES = {"manifest": "manifest.json", "catalog": "catalog.json", "run_results": "run_results.json"}


@harvest_app.command("dbt")
def harvest_dbt(
    ctx: typer.Context,
    domain: Annotated[str, typer.Option(help="The domain the products are harvested into.")],
    target: Annotated[Path, typer.Argument(help="dbt's target/ directory.")] = Path("target"),
    mapping: Annotated[Path | None, typer.Option(help="A mapping file (JSON): models to products and ports.")] = None,
    namespace: Annotated[str, typer.Option(help="OpenLineage namespace of the datasets.")] = "",
    connection: Annotated[str, typer.Option(help="A connection of the domain naming the database host.")] = "",
    retire_removed: Annotated[bool, typer.Option(help="Retire products whose dbt models are all gone.")] = False,
    format: FormatOpt = Format.text,
) -> None:
    """Send a dbt project's manifest.json (and catalog.json, run_results.json when there) to the portal."""
    settings: Settings = ctx.obj
    body: dict[str, Any] = {}
    for key, name in DBT_FILES.items():
        path = target / name
        if path.exists():
            body[key] = _read_json(str(path))
    if "manifest" not in body:
        err.print(f"No {target / 'manifest.json'}: run dbt (build, run or compile) first.", markup=False)
        raise typer.Exit(USAGE)
    if mapping is not None:
        body["mapping"] = _read_json(str(mapping))
    params = {"domain": domain, "namespace": namespace, "connection": connection}
    params = {k: v for k, v in params.items() if v}
    if retire_removed:
        params["retire_removed"] = "true"
    with settings.portal() as portal:
        answer = _call(partial(portal.post, "/api/v1/harvest/dbt", body, params))
    if format == Format.json:
        _emit_json(answer)
        raise typer.Exit(OK)
    counts = ", ".join(f"{n} {action}" for action, n in answer["counts"].items() if n)
    out.print(f"harvest run {answer['run']} of {answer['project']} into {domain}: {counts}", markup=False)
    for item in answer["items"]:
        if item["action"] != "unchanged":
            reason = f" ({item['reason']})" if item.get("reason") else ""
            out.print(f"  {item['action']:<9} {item['kind']:<12} {item['ref']}{reason}", markup=False)
    raise typer.Exit(OK)


def _summary(answer: Any) -> str:
    return json.dumps(answer, sort_keys=True, default=str)


def main() -> None:
    try:
        app()
    except CliError as exc:
        err.print(exc.message, markup=False)
        sys.exit(exc.code)
    except KeyboardInterrupt:
        sys.exit(SERVER)
