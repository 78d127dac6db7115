"""Storing OpenLineage events: one code path for one event and for a batch, a fixed number of queries per call.

Every step reads what exists for the whole call at once and writes with bulk operations, so a batch of a
thousand events costs about as many queries as a single one. Replays are dropped by the event's dedupe key before
anything is written; merging is order-independent (lineage.services.merge), so events that arrive out of order
end in the same state.

Who may write: any token with the `write:lineage` scope may report any job's runs. Lineage is an observation of
what pipelines did, not a claim over products: events never change the catalog, and datasets are tied to products
only through the locations their owners declare on output ports. The sending team is recorded on each event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from core.actors import Actor, Scope
from core.bulk import chunked, fetch, insert, insert_new, update_rows, where_in
from core.errors import PermissionDenied
from lineage.models import EventKind, Job, LineageEvent, Run, RunState
from lineage.openlineage import ParsedEvent
from lineage.services import datasets as dataset_step
from lineage.services.merge import TERMINAL, beats, merge_facets, parse_facet_time, text_of
from lineage.signals import events_stored


@dataclass(frozen=True)
class IngestResult:
    received: int
    stored: int
    duplicates: int
    graph_version: int | None  # the version this call bumped the graph to, None if the graph did not change


def ensure_can_write_lineage(actor: Actor | None) -> None:
    """`None` is the command line. Tokens need the scope; people and staff send lineage through tokens too."""
    if actor is None:
        return
    if actor.token is None:
        raise PermissionDenied("OpenLineage events are sent with a team's API token (Authorization: Bearer).")
    if not actor.has_scope(Scope.WRITE_LINEAGE):
        raise PermissionDenied(f"The {actor.label} lacks the '{Scope.WRITE_LINEAGE}' scope.")


def lineage_events_ingest(
    *, actor: Actor | None, events: list[ParsedEvent], in_transaction: Callable[[int], None] | None = None
) -> IngestResult:
    """Store parsed events; replays (same dedupe key, also within the call) are skipped. `in_transaction`, if
    given, is called with the number of events stored, inside the transaction, just before it commits (the API
    writes its audit entry there, so one commit covers both)."""
    ensure_can_write_lineage(actor)
    unique: dict[str, ParsedEvent] = {}
    for event in events:
        unique.setdefault(event.dedupe_key, event)
    team_id = actor.token.team_id if actor is not None and actor.token is not None else None
    try:
        stored, version = _store(unique, team_id, in_transaction)
    except IntegrityError:
        # PostgreSQL: another writer inserted the same job, dataset or event between our read and our insert.
        # Everything it wrote is committed now, so a second pass reads it and writes only what is left.
        stored, version = _store(unique, team_id, in_transaction)
    return IngestResult(received=len(events), stored=stored, duplicates=len(events) - stored, graph_version=version)


def _store(
    unique: dict[str, ParsedEvent], team_id: int | None, in_transaction: Callable[[int], None] | None
) -> tuple[int, int | None]:
    with transaction.atomic():
        # The dedupe key is unique: the insert itself tells which events are new (a replay, or an event a
        # concurrent writer stored first, simply does not go in), so a replay costs one statement.
        stored = insert_new(LineageEvent, [_event_row(e, team_id) for e in unique.values()], "dedupe_key")
        fresh = [e for k, e in unique.items() if k in stored]
        version = None
        if fresh:
            jobs, new_jobs = _upsert_jobs(fresh)
            _upsert_runs(fresh, jobs)
            version = dataset_step.store(fresh, jobs, new_jobs=new_jobs)
            transaction.on_commit(lambda: events_stored.send(sender=None, events=fresh), robust=True)
        if in_transaction is not None:
            in_transaction(len(fresh))
    return len(fresh), version


def _event_row(event: ParsedEvent, team_id: int | None) -> LineageEvent:
    namespace, name = event.job or ("", "")
    return LineageEvent(
        dedupe_key=event.dedupe_key,
        kind=event.kind,
        event_type=event.event_type,
        event_time=event.event_time,
        run_uuid=event.run_uuid,
        job_namespace=namespace,
        job_name=name,
        producer=event.producer,
        schema_url=event.schema_url,
        payload=event.raw,
        team_id=team_id,
    )


# Jobs -------------------------------------------------------------------------------------------------------


def _upsert_jobs(events: list[ParsedEvent]) -> tuple[dict[tuple[str, str], Job], set[tuple[str, str]]]:
    """Every job the events name, read or created; and the keys of those created by this call."""
    keys = {e.job for e in events if e.job is not None}
    jobs: dict[tuple[str, str], Job] = {}
    namespaces = {namespace for namespace, _ in keys}
    for names in chunked({name for _, name in keys}):
        # Both columns, so the (namespace, name) unique index answers; the few extra pairs are dropped below.
        in_namespaces, in_names = where_in(Job, "namespace", namespaces), where_in(Job, "name", names)
        for job in fetch(Job, f"{in_namespaces[0]} AND {in_names[0]}", in_namespaces[1] + in_names[1]):
            if (job.namespace, job.name) in keys:
                jobs[(job.namespace, job.name)] = job
    missing = {key: Job(namespace=key[0], name=key[1], facets={}, facet_times={}) for key in keys - jobs.keys()}
    jobs.update(missing)
    changed: set[tuple[str, str]] = set()
    for event in events:
        if event.job is None:
            continue
        job = jobs[event.job]
        if event.job_facets and merge_facets(job.facets, job.facet_times, event.job_facets, event.event_time):
            _derive_job_columns(job)
            changed.add(event.job)
    insert(Job, list(missing.values()))
    changed -= missing.keys()
    if changed:
        update_rows(
            Job,
            [jobs[k] for k in changed],
            [
                "facets",
                "facet_times",
                "description",
                "job_type",
                "processing_type",
                "integration",
                "location",
            ],
        )
    return jobs, set(missing)


def _derive_job_columns(job: Job) -> None:
    job.description = text_of(job.facets, "documentation", "description", 100_000)
    job.job_type = text_of(job.facets, "jobType", "jobType", 60)
    job.processing_type = text_of(job.facets, "jobType", "processingType", 20)
    job.integration = text_of(job.facets, "jobType", "integration", 60)
    job.location = text_of(job.facets, "sourceCodeLocation", "url", 1000)


# Runs -------------------------------------------------------------------------------------------------------


def _upsert_runs(events: list[ParsedEvent], jobs: dict[tuple[str, str], Job]) -> None:
    run_events = [e for e in events if e.kind == EventKind.RUN and e.run_uuid is not None and e.job is not None]
    if not run_events:
        return
    runs: dict = {}
    for uuids in chunked({e.run_uuid for e in run_events}):
        runs.update({r.run_uuid: r for r in fetch(Run, *where_in(Run, "run_uuid", uuids))})
    created: dict = {}
    changed: set = set()
    for event in run_events:
        assert event.run_uuid is not None and event.job is not None
        run = runs.get(event.run_uuid)
        if run is None:
            run = Run(
                run_uuid=event.run_uuid,
                job=jobs[event.job],
                state=event.event_type,
                state_time=event.event_time,
                facets={},
                facet_times={},
            )
            runs[event.run_uuid] = created[event.run_uuid] = run
        elif beats(event.event_type, event.event_time, run.state, run.state_time):
            run.state, run.state_time = event.event_type, event.event_time
        if event.event_type == RunState.START and (run.started_at is None or event.event_time < run.started_at):
            run.started_at = event.event_time
        run.ended_at = run.state_time if run.state in TERMINAL else None
        if event.run_facets:
            merge_facets(run.facets, run.facet_times, event.run_facets, event.event_time)
            _derive_run_columns(run)
        changed.add(event.run_uuid)
    insert(Run, list(created.values()))
    existing = [runs[u] for u in changed if u not in created]
    if existing:
        update_rows(
            Run,
            existing,
            [
                "state",
                "state_time",
                "started_at",
                "ended_at",
                "nominal_start",
                "nominal_end",
                "parent_run_uuid",
                "facets",
                "facet_times",
            ],
        )


def _derive_run_columns(run: Run) -> None:
    import uuid

    run.nominal_start = parse_facet_time(run.facets, "nominalTime", "nominalStartTime")
    run.nominal_end = parse_facet_time(run.facets, "nominalTime", "nominalEndTime")
    parent = run.facets.get("parent")
    parent_run = parent.get("run") if isinstance(parent, dict) else None
    run_id = parent_run.get("runId") if isinstance(parent_run, dict) else None
    try:
        run.parent_run_uuid = uuid.UUID(run_id) if isinstance(run_id, str) else None
    except ValueError:
        run.parent_run_uuid = None
