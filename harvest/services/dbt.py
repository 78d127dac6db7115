"""Harvesting a dbt project: products, ports and fields, contracts with quality rules, lineage, runs and SLIs.

Everything is written through the owning apps' services (catalog's product and contract upserts, lineage's event
ingestion, slo's objectives and measurements), so the search index, signals, governance and audit see a harvest
as they see any other write. What a model said last is remembered (HarvestedModel): a product whose models all say
what they said before, and that nobody changed since, is answered "unchanged" without being read or written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog.models import ContractStatus, DataProduct, Domain, Team
from catalog.permissions import ensure_can_write_domain
from catalog.selectors import product_spec_stored
from catalog.services.contracts import contract_upsert
from catalog.services.products import product_retire, product_upsert
from catalog.specs import ContractSpec, OutputPortSpec, ProductSpec, fingerprint
from core.actors import Actor
from core.dispatch import deferred
from core.errors import ApplicationError, FieldError, NotFound, ValidationFailed
from harvest.dbt import events as ol
from harvest.dbt.manifest import Project, Test, apply_catalog, apply_run_results, read_manifest
from harvest.dbt.mapping import ModelTarget, fields_of, group_teams, map_models, quality_rules, read_mapping
from harvest.models import Connection, HarvestedModel, HarvestKind, HarvestRun, RunStatus
from harvest.secrets import host_port
from harvest.services.runs import run_finish, run_start
from harvest.sli import TEST_METRIC, ensure_test_slos, record_pass_rates
from harvest.summary import Summary
from lineage.openlineage import parse_event
from lineage.services.ingest import ensure_can_write_lineage, lineage_events_ingest

CONTRACT_PREFIX = "dbt."
EVENT_CHUNK = 500
Progress = Callable[[str, int, int], None]


@dataclass
class DbtFiles:
    manifest: Any
    catalog: Any = None
    run_results: Any = None
    mapping: Any = None


@dataclass(frozen=True)
class DbtHarvest:
    run: HarvestRun
    summary: Summary
    project: Project
    namespace: str


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def _namespace(project: Project, domain: Domain, namespace: str, connection: str) -> str:
    if namespace:
        return namespace.rstrip("/")
    if connection:
        found = Connection.objects.filter(domain=domain, name=connection).first()
        if found is None:
            raise NotFound(f"Domain '{domain.slug}' has no connection '{connection}'.", path="/connection")
        return ol.default_namespace(project, host_port(found.url))
    return ol.default_namespace(project)


def read_project(files: DbtFiles) -> tuple[Project, dict[str, dict[str, str]]]:
    """Parse all the files before anything is written: a bad file stores nothing."""
    project = read_manifest(files.manifest)
    apply_catalog(project, files.catalog)
    apply_run_results(project, files.run_results)
    return project, read_mapping(files.mapping)


def harvest_dbt(
    *,
    actor: Actor,
    domain_slug: str,
    files: DbtFiles,
    namespace: str = "",
    connection: str = "",
    retire_removed: bool = False,
    progress: Progress = _quiet,
) -> DbtHarvest:
    """Harvest one dbt project's target files into domain `domain_slug`."""
    domain = Domain.objects.select_related("parent", "owner_team").filter(slug=domain_slug).first()
    if domain is None:
        raise NotFound(f"Unknown domain '{domain_slug}'.", path="/domain")
    ensure_can_write_domain(actor, domain)
    lineage_actor = actor if actor.token is not None else None
    ensure_can_write_lineage(lineage_actor)
    project, mapping = read_project(files)
    ns = _namespace(project, domain, namespace, connection)
    if len(ns) > 500:
        raise ValidationFailed([FieldError("/namespace", "At most 500 characters.")])

    run = run_start(kind=HarvestKind.DBT, domain=domain, actor=actor)
    summary = Summary()
    try:
        # Every product, contract and objective written commits on its own; what they hand to tasks (search,
        # governance, SLO sync) runs once at the end, merged, as after a web request.
        with deferred():
            _harvest(actor, lineage_actor, domain, project, mapping, ns, summary, retire_removed, progress)
    except ApplicationError as exc:
        run_finish(run=run, summary=summary, error=exc.message)
        raise
    except Exception as exc:
        run_finish(run=run, summary=summary, error=f"{type(exc).__name__}: {exc}")
        raise
    run_finish(run=run, summary=summary)
    return DbtHarvest(run=run, summary=summary, project=project, namespace=ns)


def _harvest(
    actor: Actor,
    lineage_actor: Actor | None,
    domain: Domain,
    project: Project,
    mapping: dict[str, dict[str, str]],
    namespace: str,
    summary: Summary,
    retire_removed: bool,
    progress: Progress,
) -> None:
    mapped = map_models(project, domain.slug, mapping)
    for skip in mapped.skipped:
        summary.add("model", skip.unique_id, "skipped", skip.reason)
    tests_of: dict[str, list[Test]] = defaultdict(list)
    for test in project.tests:
        tests_of[test.attached_node].append(test)

    by_product: dict[str, list[ModelTarget]] = defaultdict(list)
    for target in mapped.targets:
        by_product[target.product].append(target)
    products = _write_products(actor, domain, project, namespace, by_product, tests_of, summary, progress)
    _removed(actor, domain, project.name, {t.node.unique_id for t in mapped.targets}, retire_removed, summary)
    _lineage(lineage_actor, domain, project, namespace, summary, progress)
    _test_outcomes(actor, project, mapped.targets, products, tests_of, summary)


# Products, ports, fields, contracts ------------------------------------------------------------------------


def _port_spec(target: ModelTarget, namespace: str, adapter: str, tests: list[Test]) -> OutputPortSpec:
    node = target.node
    return OutputPortSpec(
        name=target.port,
        version=node.version[:40],
        description=node.description,
        port_type="view" if node.materialized == "view" else "table",
        location=f"{namespace}/{node.relation}"[:500],
        format=adapter[:60],
        fields=fields_of(node),
    )


def _contract_id(domain: Domain, product: str) -> str:
    return f"{CONTRACT_PREFIX}{domain.slug}.{product}"[:200]


def _contract_spec(domain: Domain, product: str, parts: list[tuple[ModelTarget, OutputPortSpec, list[Test]]]):
    """One contract for the product's dbt ports: each port a schema object (its fields' object name), each test
    a quality rule on `port.column`."""
    fields, quality = [], []
    for target, port, tests in parts:
        label = f"{port.name}.v{port.version}" if port.version else port.name
        fields += [replace(f, object_name=label[:200]) for f in port.fields]
        quality += [
            replace(q, element=label + q.element[len(target.node.name) :]) for q in quality_rules(target.node, tests)
        ]
    return ContractSpec(
        contract_id=_contract_id(domain, product),
        version="1.0.0",
        status=ContractStatus.ACTIVE,
        name=f"{product} (dbt)"[:200],
        api_version="v3.0.2",
        source_format="odcs",
        domain=domain.slug,
        purpose="Harvested from dbt: the schema and tests of the product's models.",
        fields=fields,
        quality=quality,
        document={"harvestedFrom": "dbt", "models": sorted(t.node.unique_id for t, _, _ in parts)},
    )


def _owner(project: Project, targets: list[ModelTarget], teams: dict[str, int]) -> tuple[str, str]:
    """(team slug, reason when a named owner is unknown)."""
    unknown = ""
    for target in targets:
        if target.owner_hint:
            if target.owner_hint in teams:
                return target.owner_hint, ""
            unknown = f"owner team '{target.owner_hint}' is not in the catalog"
        for slug in group_teams(project, target.group_hint):
            if slug in teams:
                return slug, ""
    return "", unknown


def _write_products(
    actor: Actor,
    domain: Domain,
    project: Project,
    namespace: str,
    by_product: dict[str, list[ModelTarget]],
    tests_of: dict[str, list[Test]],
    summary: Summary,
    progress: Progress,
) -> dict[str, DataProduct]:
    hints = {t.owner_hint for ts in by_product.values() for t in ts if t.owner_hint}
    hints |= {s for ts in by_product.values() for t in ts for s in group_teams(project, t.group_hint)}
    teams = dict(Team.objects.filter(slug__in=hints).values_list("slug", "pk")) if hints else {}
    existing = {
        p.slug: p
        for p in DataProduct.objects.select_related("domain__parent", "owner_team").filter(
            domain=domain, slug__in=list(by_product)
        )
    }
    remembered = {
        m.unique_id: m
        for m in HarvestedModel.objects.filter(
            domain=domain, unique_id__in=[t.node.unique_id for ts in by_product.values() for t in ts]
        )
    }
    written: dict[str, DataProduct] = {}
    total = len(by_product)
    for done, (slug, targets) in enumerate(sorted(by_product.items()), start=1):
        ports = {
            t.node.unique_id: _port_spec(t, namespace, project.adapter, tests_of[t.node.unique_id]) for t in targets
        }
        owner, owner_reason = _owner(project, targets, teams)
        wanted = {
            uid: fingerprint(
                {
                    "port": asdict(spec),
                    "owner": owner,
                    "tests": [
                        asdict(q)
                        for q in quality_rules(next(t.node for t in targets if t.node.unique_id == uid), tests_of[uid])
                    ],
                }
            )
            for uid, spec in ports.items()
        }
        product = existing.get(slug)
        if product is not None and all(
            uid in remembered
            and remembered[uid].fingerprint == fp
            and remembered[uid].removed_at is None
            and remembered[uid].product_id == product.pk
            and remembered[uid].product_fingerprint == product.fingerprint
            for uid, fp in wanted.items()
        ):
            summary.add("product", f"{domain.slug}/{slug}", "unchanged")
            written[slug] = product
            progress("products", done, total)
            continue
        # One transaction per product: its upsert, its contracts and the bookkeeping commit together.
        with transaction.atomic():
            product = _write_product(actor, domain, project, slug, targets, ports, owner, product, tests_of, summary)
            for target in targets:
                HarvestedModel.objects.update_or_create(
                    domain=domain,
                    unique_id=target.node.unique_id,
                    defaults={
                        "product": product,
                        "port_name": target.port,
                        "fingerprint": wanted[target.node.unique_id],
                        "product_fingerprint": product.fingerprint,
                        "removed_at": None,
                    },
                )
        if owner_reason:
            summary.add("owner", f"{domain.slug}/{slug}", "skipped", owner_reason + "; the domain's team owns it")
        written[slug] = product
        progress("products", done, total)
    return written


def _write_product(
    actor: Actor,
    domain: Domain,
    project: Project,
    slug: str,
    targets: list[ModelTarget],
    ports: dict[str, OutputPortSpec],
    owner: str,
    product: DataProduct | None,
    tests_of: dict[str, list[Test]],
    summary: Summary,
) -> DataProduct:
    ref = f"{domain.slug}/{slug}"
    if product is not None:
        spec = product_spec_stored(product)
    else:
        name = next((t.product_name for t in targets if t.product_name), "") or slug.replace("-", " ").title()
        spec = ProductSpec(name=name[:200], summary=f"Harvested from dbt project {project.name}."[:500])
    if owner:
        spec.owner_team = owner
    stored = {(p.name, p.version): p for p in spec.output_ports}
    port_actions: list[tuple[str, str, str]] = []
    own_contract = _contract_id(domain, slug)
    parts: list[tuple[ModelTarget, OutputPortSpec, list[Test]]] = []
    for target in targets:
        wanted = ports[target.node.unique_id]
        key = (wanted.name, wanted.version)
        have = stored.get(key)
        if have is not None:
            wanted.access_mode, wanted.max_access_days = have.access_mode, have.max_access_days
            if have.contract_ref and have.contract_ref != own_contract:
                wanted.contract_ref = have.contract_ref
                summary.add(
                    "contract",
                    have.contract_ref,
                    "skipped",
                    f"port {wanted.name} follows contract '{have.contract_ref}', which the harvest does not own; "
                    "its dbt tests are not written as quality rules",
                )
        if not wanted.contract_ref:
            wanted.contract_ref = own_contract
            parts.append((target, wanted, tests_of[target.node.unique_id]))
        action = "created" if have is None else ("unchanged" if asdict(have) == asdict(wanted) else "changed")
        port_actions.append((f"{ref}:{wanted.name}", action, target.node.unique_id))
        stored[key] = wanted
    spec.output_ports = list(stored.values())
    result = product_upsert(actor=actor, domain_slug=domain.slug, slug=slug, spec=spec)
    summary.add("product", ref, "changed" if result.action == "updated" else result.action)
    for port_ref, action, uid in port_actions:
        summary.add("port", port_ref, action, f"from {uid}")
    if parts:
        contract = _contract_spec(domain, slug, parts)
        outcome = contract_upsert(actor=actor, spec=contract)
        summary.add("contract", contract.contract_id, "changed" if outcome.action == "updated" else outcome.action)
    # Contract writes reset nothing on the product, but re-read its fingerprint for the bookkeeping.
    return DataProduct.objects.select_related("domain__parent", "owner_team").get(pk=result.product.pk)


def _removed(actor: Actor, domain: Domain, project: str, seen: set[str], retire: bool, summary: Summary) -> None:
    # Only this project's models: a domain may harvest several dbt projects, each its own manifest.
    gone = list(
        HarvestedModel.objects.filter(domain=domain, removed_at__isnull=True, unique_id__startswith=f"model.{project}.")
        .exclude(unique_id__in=seen)
        .select_related("product__domain__parent", "product__owner_team")
    )
    if not gone:
        return
    now = timezone.now()
    with transaction.atomic():
        HarvestedModel.objects.filter(pk__in=[m.pk for m in gone]).update(removed_at=now)
    for model in gone:
        summary.add("model", model.unique_id, "removed", "no longer in the manifest; its port is kept")
    if not retire:
        return
    products = {m.product_id: m.product for m in gone if m.product is not None}
    still = set(
        HarvestedModel.objects.filter(product_id__in=products, removed_at__isnull=True).values_list(
            "product_id", flat=True
        )
    )
    for pk, product in products.items():
        if pk in still or product is None:
            continue
        product_retire(actor=actor, product=product)
        summary.add("product", product.identifier, "retired", "every dbt model it was harvested from is gone")


# Lineage and test outcomes ---------------------------------------------------------------------------------


def _lineage(
    actor: Actor | None, domain: Domain, project: Project, namespace: str, summary: Summary, progress: Progress
) -> None:
    # dbt gives every invocation its own id, and the events are built from the files alone: files a finished
    # harvest of this domain already sent give the same events, which the lineage app would only drop as replays.
    key = f"{namespace}|{project.invocation_id}|{project.generated_at.isoformat()}|{project.results_invocation}"
    summary.marks["lineage_key"] = key
    sent = (
        HarvestRun.objects.filter(domain=domain, kind=HarvestKind.DBT, summary__lineage_key=key)
        .exclude(status__in=[RunStatus.RUNNING, RunStatus.FAILED])
        .values_list("pk", flat=True)
        .first()
    )
    if sent is not None:
        summary.add("lineage", namespace, "unchanged", f"the same files as harvest run {sent}")
        return
    raw = ol.job_events(project, namespace) + ol.run_events(project, namespace)
    parsed = [parse_event(event) for event in raw]
    stored = 0
    for start in range(0, len(parsed), EVENT_CHUNK):
        result = lineage_events_ingest(actor=actor, events=parsed[start : start + EVENT_CHUNK])
        stored += result.stored
        progress("lineage", min(start + EVENT_CHUNK, len(parsed)), len(parsed))
    jobs = sum(1 for e in raw if "run" not in e)
    runs = len({e["run"]["runId"] for e in raw if "run" in e})
    action = "created" if stored else "unchanged"
    summary.add("lineage", namespace, action, f"{jobs} jobs, {runs} runs, {stored} of {len(raw)} events new")


def _test_outcomes(
    actor: Actor,
    project: Project,
    targets: list[ModelTarget],
    products: dict[str, DataProduct],
    tests_of: dict[str, list[Test]],
    summary: Summary,
) -> None:
    if not project.results:
        return
    test_ids = {t.unique_id: t for ts in tests_of.values() for t in ts}
    outcomes: dict[str, list[bool]] = defaultdict(list)
    when: dict[str, datetime] = {}
    for result in project.results:
        test = test_ids.get(result.unique_id)
        if test is None or result.status not in ("pass", "fail", "warn", "error"):
            continue
        outcomes[test.attached_node].append(result.status == "pass")
        if result.completed_at is not None:
            when[test.attached_node] = max(when.get(test.attached_node, result.completed_at), result.completed_at)
    by_product: dict[str, list[bool]] = defaultdict(list)
    latest: dict[str, datetime] = {}
    for target in targets:
        uid = target.node.unique_id
        if uid in outcomes:
            by_product[target.product] += outcomes[uid]
            if uid in when:
                latest[target.product] = max(latest.get(target.product, when[uid]), when[uid])
    if not by_product:
        return
    slos = ensure_test_slos(actor=actor, products=[products[slug] for slug in sorted(by_product)], summary=summary)
    at_default = project.results_generated_at or project.generated_at
    rows = []
    for slug, passed in sorted(by_product.items()):
        slo = slos.get(products[slug].pk)
        if slo is None:
            continue
        key = f"dbt:{project.results_invocation}:{slug}"
        rows.append((slo, sum(passed) / len(passed), latest.get(slug, at_default), key, f"{len(passed)} dbt tests"))
    new = record_pass_rates(rows=rows)
    summary.add("measurements", TEST_METRIC, "created" if new else "unchanged", f"{new} of {len(rows)} pass rates new")
