"""SQL connections and their harvests: the live schema of each output port the connection serves, compared with
what the port declares (drift), and optionally row counts and ages as SLI measurements.

A harvest never changes or deletes a port's declared fields: what it sees goes to its own ObservedSchema and Drift
rows. A connection that fails (no password, wrong password, host down) fails the run with the reason; a table
that is gone is a breaking drift on its port and an error of the run; the catalog keeps everything it had.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from django.db import transaction
from django.utils import timezone
from sqlalchemy.exc import SQLAlchemyError

from catalog.models import Domain, LifecycleStatus, OutputPort, SchemaField
from catalog.permissions import ensure_can_write_domain
from catalog.specs import fingerprint
from core.actors import Actor
from core.dispatch import deferred
from core.errors import Conflict, FieldError, ValidationFailed
from harvest import inspect as live
from harvest.drift import Declared, Observed, differences
from harvest.locations import table_ref
from harvest.models import Connection, Drift, HarvestKind, HarvestRun, ObservedSchema
from harvest.secrets import SecretMissing, engine_url, parse_url
from harvest.services.drift import drift_record
from harvest.services.runs import run_finish, run_start
from harvest.sli import record_table_stats
from harvest.summary import Summary

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,119}$")


def _check_spec(*, name: str, url: str, secret_env: str, secret_file: str, schedule_minutes: int) -> None:
    errors: list[FieldError] = []
    if not re.fullmatch(r"[-a-zA-Z0-9_]{1,80}", name or ""):
        errors.append(FieldError("/name", "Letters, digits, - and _, at most 80."))
    try:
        parse_url(url)
    except ValidationFailed as exc:
        errors += exc.errors
    if secret_env and secret_file:
        errors.append(FieldError("/secret_file", "Name an environment variable or a file, not both."))
    if secret_env and not _ENV_NAME.match(secret_env):
        errors.append(FieldError("/secret_env", "An environment variable's name: letters, digits and _."))
    if secret_file and not PurePath(secret_file).is_absolute():
        errors.append(FieldError("/secret_file", "An absolute path."))
    if schedule_minutes < 0 or schedule_minutes > 60 * 24 * 31:
        errors.append(FieldError("/schedule_minutes", "From 0 (on demand) to 44640 (a month)."))
    if errors:
        raise ValidationFailed(errors)


def connection_create(
    *,
    actor: Actor,
    domain: Domain,
    name: str,
    url: str,
    secret_env: str = "",
    secret_file: str = "",
    schedule_minutes: int = 0,
    measure: bool = False,
) -> Connection:
    ensure_can_write_domain(actor, domain)
    _check_spec(name=name, url=url, secret_env=secret_env, secret_file=secret_file, schedule_minutes=schedule_minutes)
    with transaction.atomic():
        if Connection.objects.filter(domain=domain, name=name).exists():
            raise Conflict(f"Domain '{domain.slug}' already has a connection '{name}'.", path="/name")
        return Connection.objects.create(
            domain=domain,
            name=name,
            url=url.strip(),
            secret_env=secret_env,
            secret_file=secret_file,
            schedule_minutes=schedule_minutes,
            measure=measure,
        )


def connection_delete(*, actor: Actor, connection: Connection) -> None:
    """The connection and its runs go; what it observed stays with the ports until they are harvested again."""
    ensure_can_write_domain(actor, connection.domain)
    with transaction.atomic():
        connection.delete()


def _error_text(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:500]


def _candidate_ports(connection: Connection) -> list[OutputPort]:
    ports = (
        OutputPort.objects.filter(product__domain=connection.domain)
        .exclude(product__status=LifecycleStatus.RETIRED)
        .exclude(location="")
        .filter(port_type__in=["table", "view"])
        .select_related("product__domain", "product__owner_team")
        .order_by("pk")
    )
    only_one = Connection.objects.filter(domain=connection.domain).count() == 1
    return [p for p in ports if "://" in p.location or only_one]


def harvest_connection(*, actor: Actor, connection: Connection) -> HarvestRun:
    """Read the live schema of every port the connection serves; the run records what happened, and fails whole
    only when the database cannot be reached."""
    ensure_can_write_domain(actor, connection.domain)
    run = run_start(kind=HarvestKind.SQL, domain=connection.domain, actor=actor, connection=connection)
    summary = Summary()
    try:
        url = engine_url(connection.url, env=connection.secret_env, file=connection.secret_file)
    except SecretMissing as exc:
        return run_finish(run=run, summary=summary, error=f"Cannot connect: {exc}")
    engine = live.open_engine(url)
    try:
        try:
            live.check(engine)
        except SQLAlchemyError as exc:
            return run_finish(
                run=run, summary=summary, error=f"Cannot connect to {url.render_as_string()}: {_error_text(exc)}"
            )
        with deferred():  # the drift's announcements: governance and search run once, at the end
            _harvest_ports(engine, connection, run, summary)
    except Exception as exc:  # whatever broke, the run says so and the catalog keeps its data
        return run_finish(run=run, summary=summary, error=f"{type(exc).__name__}: {_error_text(exc)}")
    finally:
        engine.dispose()
    return run_finish(run=run, summary=summary)


def _harvest_ports(engine, connection: Connection, run: HarvestRun, summary: Summary) -> None:
    ports = _candidate_ports(connection)
    declared: dict[int, list[Declared]] = {p.pk: [] for p in ports}
    for port_id, name, data_type, nullable in (
        SchemaField.objects.filter(port_id__in=list(declared))
        .order_by("port_id", "position")
        .values_list("port_id", "name", "data_type", "nullable")
    ):
        declared[port_id].append(Declared(name, data_type, nullable))
    observed_before = {o.port_id: o for o in ObservedSchema.objects.filter(port_id__in=list(declared))}
    open_drift: dict[int, set[tuple[str, str]]] = {p.pk: set() for p in ports}
    for port_id, kind, column in (
        Drift.objects.open().filter(port_id__in=list(declared)).values_list("port_id", "kind", "column")
    ):
        open_drift[port_id].add((kind, column))
    now = timezone.now()
    refs: dict[int, live.TableRef] = {}
    for port in ports:
        ref, why_not = table_ref(port.location, connection.url)
        if ref is None:
            summary.add("table", f"{port.product.identifier}:{port.label}", "skipped", why_not)
        else:
            refs[port.pk] = ref
    tables = live.read_tables(engine, sorted(set(refs.values()), key=lambda r: r.label), measure=connection.measure)
    changed: list[ObservedSchema] = []
    for port in ports:
        ref = refs.get(port.pk)
        if ref is None:
            continue
        label = f"{port.product.identifier}:{port.label}"
        table = tables.get(ref)
        if table is None:
            _drift(port, differences(declared[port.pk], None), open_drift[port.pk], run)
            summary.add("table", label, "failed", f"table or view {ref.label} not found")
            summary.errors.append(f"{label}: table or view {ref.label} not found; the port's fields are kept")
            continue
        columns = [c.as_dict() for c in table.columns]
        fp = fingerprint(columns)
        before = observed_before.get(port.pk)
        if before is None or before.fingerprint != fp or before.table != ref.label:
            changed.append(
                ObservedSchema(
                    pk=before.pk if before is not None else None,
                    port=port,
                    connection=connection,
                    table=ref.label,
                    columns=columns,
                    fingerprint=fp,
                    observed_at=now,
                )
            )
            action = "created" if before is None else "changed"
        else:
            action = "unchanged"
        found = differences(declared[port.pk], [Observed(c.name, c.data_type, c.nullable) for c in table.columns])
        opened, resolved = _drift(port, found, open_drift[port.pk], run)
        reason = f"{len(table.columns)} columns from {ref.label}"
        if opened or resolved:
            reason += f"; drift: {opened} opened, {resolved} resolved"
        elif found:
            reason += f"; {len(found)} differences still open"
        if connection.measure:
            key = f"harvest:{run.pk}:{port.pk}"
            record_table_stats(port=port, rows=table.rows, modified=table.modified, at=now, key=key)
        summary.add("table", label, action, reason)
    _save_observed(changed)


def _save_observed(rows: list[ObservedSchema]) -> None:
    """What changed since the last harvest, in one transaction and two bulk statements."""
    if not rows:
        return
    with transaction.atomic():
        new = [r for r in rows if r.pk is None]
        old = [r for r in rows if r.pk is not None]
        if new:
            ObservedSchema.objects.bulk_create(new, batch_size=500)
        if old:
            ObservedSchema.objects.bulk_update(
                old, ["connection", "table", "columns", "fingerprint", "observed_at"], batch_size=500
            )


def _drift(port: OutputPort, found, open_keys: set[tuple[str, str]], run: HarvestRun) -> tuple[int, int]:
    """Compare before writing: only a port whose differences changed takes a write transaction."""
    if {d.key for d in found} == open_keys:
        return 0, 0
    return drift_record(port=port, found=found, run=run)


def harvest_due(*, actor: Actor, now=None) -> list[HarvestRun]:
    """Harvest every connection whose schedule says it is due (cron's `manage.py harvest_due`, beat's task)."""
    return [harvest_connection(actor=actor, connection=c) for c in Connection.objects.select_related("domain").due(now)]
