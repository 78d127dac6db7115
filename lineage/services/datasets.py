"""The dataset side of ingestion: datasets, symlinks, schema versions, fields, edges, column edges, quality facets.

Called inside the ingestion transaction. What is new to the graph (datasets, symlinks, job/dataset edges, column
edges) is worked out first from one read per table; only then, and only if there is something, the graph version
is bumped and the new rows are stamped with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime

from core.bulk import chunked, fetch, insert, insert_or_keep_earliest, update_rows, where_in
from lineage.models import (
    ColumnEdge,
    Dataset,
    DatasetSchemaVersion,
    DatasetSymlink,
    Direction,
    Job,
    JobDataset,
    QualityFacet,
)
from lineage.openlineage import DatasetRef, ParsedEvent
from lineage.services import columns
from lineage.services.merge import fields_fingerprint, merge_facets, schema_fields, text_of
from lineage.state import bump_version

# Kept for the SLO work: data quality measurements and run statistics, wherever the producer put them.
QUALITY_FACETS = frozenset(
    {"dataQualityMetrics", "dataQualityAssertions", "outputStatistics", "inputStatistics", "columnMetrics"}
)

Key = tuple[str, str]


@dataclass
class _Work:
    jobs: dict[Key, Job]
    datasets: dict[Key, Dataset] = field(default_factory=dict)
    new_datasets: dict[Key, Dataset] = field(default_factory=dict)
    changed: set[Key] = field(default_factory=set)
    schemas: dict[tuple[Key, str], tuple[list, datetime, uuid.UUID | None]] = field(default_factory=dict)


def store(events: list[ParsedEvent], jobs: dict[Key, Job], *, new_jobs: AbstractSet[Key] = frozenset()) -> int | None:
    """Write the dataset side of `events`; returns the graph version bumped to, or None if the graph is unchanged.
    `new_jobs`: the jobs this call created, which have no edges to look up yet."""
    work = _Work(jobs=jobs)
    _load_datasets(work, _collect_refs(events))
    _merge_dataset_facets(work, events)

    io = _edges_wanted(events)
    known_edges = _known_edges(work, {job_key for job_key, _, _ in io} - new_jobs)
    new_edges = {e: t for e, t in io.items() if _edge_ids(work, e) not in known_edges}
    symlinks = _symlinks_wanted(events)
    known_symlinks = _known_symlinks(work, {k for k, _ in symlinks})
    new_symlinks = [
        (key, link)
        for key, link in symlinks
        if key in work.new_datasets or (work.datasets[key].pk, link[0], link[1]) not in known_symlinks
    ]

    # New datasets need their version before they exist; column edges need field ids, which need dataset ids.
    # So: bump first when there are new datasets (the graph changes anyway), else only once all is known.
    version: int | None = None
    if work.new_datasets:
        version = bump_version()
        for ds in work.new_datasets.values():
            ds.graph_version = version
        insert(Dataset, list(work.new_datasets.values()))
    column_edges = columns.column_edges_wanted(events)
    fields = columns.store_fields(work.datasets, column_edges) if column_edges else {}
    new_column_edges = columns.new_column_edges(work.jobs, column_edges, fields)
    if version is None and (new_edges or new_symlinks or new_column_edges):
        version = bump_version()

    _touch_known_edges(work, io, known_edges)
    insert(
        JobDataset,
        [
            JobDataset(
                job=work.jobs[job_key],
                dataset=work.datasets[ds_key],
                direction=direction,
                first_seen_at=first,
                last_seen_at=_day(last),
                graph_version=version or 0,
            )
            for (job_key, ds_key, direction), (first, last) in new_edges.items()
        ],
    )
    insert(
        DatasetSymlink,
        [
            DatasetSymlink(dataset=work.datasets[k], namespace=ns, name=name, type=kind, graph_version=version or 0)
            for k, (ns, name, kind) in new_symlinks
        ],
    )
    for edge in new_column_edges:
        edge.graph_version = version or 0
    ColumnEdge.objects.bulk_create(new_column_edges)
    _save_changed_datasets(work)
    _store_schema_versions(work)
    _store_quality(work, events)
    return version


# Datasets ---------------------------------------------------------------------------------------------------


def _collect_refs(events: list[ParsedEvent]) -> set[Key]:
    refs: set[Key] = set()
    for event in events:
        for ref in _refs_of(event):
            refs.add((ref.namespace, ref.name))
            for source in columns.column_sources(ref):
                refs.add(source)
    return refs


def _refs_of(event: ParsedEvent) -> list[DatasetRef]:
    return [*event.inputs, *event.outputs, *([event.dataset] if event.dataset is not None else [])]


def _load_datasets(work: _Work, refs: set[Key]) -> None:
    namespaces = {namespace for namespace, _ in refs}
    for names in chunked({name for _, name in refs}):
        # Both columns, so the (namespace, name) unique index answers; the few extra pairs are dropped below.
        in_namespaces, in_names = where_in(Dataset, "namespace", namespaces), where_in(Dataset, "name", names)
        for ds in fetch(Dataset, f"{in_namespaces[0]} AND {in_names[0]}", in_namespaces[1] + in_names[1]):
            if (ds.namespace, ds.name) in refs:
                work.datasets[(ds.namespace, ds.name)] = ds
    for key in refs - work.datasets.keys():
        ds = Dataset(namespace=key[0], name=key[1], facets={}, facet_times={}, fields=[])
        work.new_datasets[key] = ds
        work.datasets[key] = ds


def _merge_dataset_facets(work: _Work, events: list[ParsedEvent]) -> None:
    for event in events:
        for ref in _refs_of(event):
            if not ref.facets:
                continue
            key = (ref.namespace, ref.name)
            ds = work.datasets[key]
            current_fingerprint, current_time = ds.schema_fingerprint, ds.facet_times.get("schema")
            if merge_facets(ds.facets, ds.facet_times, ref.facets, event.event_time):
                work.changed.add(key)
            fields = schema_fields(ref.facets)
            if fields is not None:
                fingerprint = fields_fingerprint(fields)
                if (
                    fingerprint == current_fingerprint
                    and current_time is not None
                    and datetime.fromisoformat(current_time) <= event.event_time
                ):
                    # The schema it has now, seen again later: its version row already has an earlier first sighting.
                    continue
                seen = work.schemas.get((key, fingerprint))
                if seen is None or event.event_time < seen[1]:
                    work.schemas[(key, fingerprint)] = (fields, event.event_time, event.run_uuid)
    for key in work.changed:
        ds = work.datasets[key]
        ds.description = text_of(ds.facets, "documentation", "description", 100_000)
        ds.source_name = text_of(ds.facets, "dataSource", "name", 500)
        ds.source_uri = text_of(ds.facets, "dataSource", "uri", 1000)
        ds.lifecycle_state = text_of(ds.facets, "lifecycleStateChange", "lifecycleStateChange", 40)
        fields = schema_fields(ds.facets)
        if fields is not None:
            fingerprint = fields_fingerprint(fields)
            if fingerprint != ds.schema_fingerprint:
                ds.fields, ds.schema_fingerprint = fields, fingerprint


def _save_changed_datasets(work: _Work) -> None:
    existing = [work.datasets[k] for k in work.changed if k not in work.new_datasets]
    if existing:
        update_rows(
            Dataset,
            existing,
            [
                "facets",
                "facet_times",
                "description",
                "source_name",
                "source_uri",
                "lifecycle_state",
                "fields",
                "schema_fingerprint",
            ],
        )


def _store_schema_versions(work: _Work) -> None:
    """A version row per (dataset, fingerprint); a sighting older than the stored one moves "first seen" back.
    One upsert, so a schema seen for the first time costs no read."""
    insert_or_keep_earliest(
        DatasetSchemaVersion,
        [
            DatasetSchemaVersion(
                dataset=work.datasets[key], fingerprint=fingerprint, fields=fields, event_time=when, run_uuid=run_uuid
            )
            for (key, fingerprint), (fields, when, run_uuid) in work.schemas.items()
        ],
        unique=["dataset", "fingerprint"],
        earliest="event_time",
        also=["run_uuid"],
    )


# Job/dataset edges ------------------------------------------------------------------------------------------

EdgeKey = tuple[Key, Key, str]


def _edges_wanted(events: list[ParsedEvent]) -> dict[EdgeKey, tuple[datetime, datetime]]:
    """(job, dataset, direction) -> (first, last) event time within this call."""
    wanted: dict[EdgeKey, tuple[datetime, datetime]] = {}
    for event in events:
        if event.job is None:
            continue
        for refs, direction in ((event.inputs, Direction.INPUT), (event.outputs, Direction.OUTPUT)):
            for ref in refs:
                edge = (event.job, (ref.namespace, ref.name), str(direction))
                first, last = wanted.get(edge, (event.event_time, event.event_time))
                wanted[edge] = (min(first, event.event_time), max(last, event.event_time))
    return wanted


def _edge_ids(work: _Work, edge: EdgeKey) -> tuple[int | None, int | None, str]:
    job_key, ds_key, direction = edge
    return work.jobs[job_key].pk, work.datasets[ds_key].pk, direction


def _known_edges(work: _Work, job_keys: set[Key]) -> dict[tuple[int | None, int | None, str], JobDataset]:
    known: dict[tuple[int | None, int | None, str], JobDataset] = {}
    for ids in chunked({work.jobs[k].pk for k in job_keys}):
        for edge in fetch(JobDataset, *where_in(JobDataset, "job", ids)):
            known[(edge.job_id, edge.dataset_id, edge.direction)] = edge
    return known


def _day(when: datetime) -> datetime:
    return when.replace(hour=0, minute=0, second=0, microsecond=0)


def _touch_known_edges(work: _Work, io: dict, known: dict) -> None:
    """Keep first seen as the earliest report and last seen as the latest report's day (pruning reads it)."""
    touched = []
    for edge_key, (first, last) in io.items():
        edge = known.get(_edge_ids(work, edge_key))
        if edge is None:
            continue
        day = _day(last)
        if first < edge.first_seen_at or day > edge.last_seen_at:
            edge.first_seen_at = min(first, edge.first_seen_at)
            edge.last_seen_at = max(day, edge.last_seen_at)
            touched.append(edge)
    if touched:
        update_rows(JobDataset, touched, ["first_seen_at", "last_seen_at"])


# Symlinks ---------------------------------------------------------------------------------------------------


def _symlinks_wanted(events: list[ParsedEvent]) -> list[tuple[Key, tuple[str, str, str]]]:
    wanted: dict[tuple[Key, str, str], str] = {}
    for event in events:
        for ref in _refs_of(event):
            facet = ref.facets.get("symlinks")
            identifiers = facet.get("identifiers") if isinstance(facet, dict) else None
            for item in identifiers or []:
                kind = item.get("type") if isinstance(item.get("type"), str) else ""
                wanted[((ref.namespace, ref.name), item["namespace"], item["name"])] = kind[:40]
    return [(key, (ns, name, kind)) for (key, ns, name), kind in wanted.items()]


def _known_symlinks(work: _Work, keys: set[Key]) -> set[tuple[int | None, str, str]]:
    ids = [work.datasets[k].pk for k in keys if k not in work.new_datasets]
    if not ids:
        return set()
    return set(DatasetSymlink.objects.filter(dataset_id__in=ids).values_list("dataset_id", "namespace", "name"))


# Quality facets ---------------------------------------------------------------------------------------------


def _store_quality(work: _Work, events: list[ParsedEvent]) -> None:
    rows = []
    for event in events:
        for ref in _refs_of(event):
            for facets in (ref.io_facets, ref.facets):
                for name in QUALITY_FACETS & facets.keys():
                    rows.append(
                        QualityFacet(
                            dataset=work.datasets[(ref.namespace, ref.name)],
                            name=name,
                            facet=facets[name],
                            event_time=event.event_time,
                            run_uuid=event.run_uuid,
                        )
                    )
    if rows:
        insert(QualityFacet, rows)
