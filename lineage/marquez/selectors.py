"""The reads behind Marquez's API: a fixed number of queries per answer, whatever the page size.

Lists are ordered as Marquez orders them (datasets and jobs by name, runs and events newest first) and paged
with `limit` and `offset`; `totalCount` is counted with the same filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import Count, Lookup, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields import CharField
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalog.locations import normalise_name, normalise_namespace, scheme_of
from catalog.models import Tag
from core.errors import NotFound
from lineage.marquez import shapes
from lineage.models import Dataset, DatasetSchemaVersion, Direction, Job, JobDataset, LineageEvent, Run

LATEST_RUNS = 10
# Job versions are read from the job's runs (the events of each run name its inputs and outputs); this many of the
# newest runs are read for them.
VERSION_RUNS = 200


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int


# Namespaces ------------------------------------------------------------------------------------------------------


def _distinct_namespaces() -> list[str]:
    """Every namespace of a dataset or job, by a skip scan of the (namespace, ...) indexes: one index look-up per
    namespace, not a pass over every dataset (a GROUP BY reads all 100k rows)."""
    found: set[str] = set()
    with connection.cursor() as cursor:
        for model in (Dataset, Job):
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(
                f"WITH RECURSIVE ns(n) AS (SELECT MIN(namespace) FROM {table} UNION ALL "  # noqa: S608 -- model tables
                f"SELECT (SELECT MIN(namespace) FROM {table} WHERE namespace > ns.n) FROM ns WHERE ns.n IS NOT NULL) "
                "SELECT n FROM ns WHERE n IS NOT NULL"
            )
            found.update(row[0] for row in cursor.fetchall())
    return sorted(found)


def _when(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(str(value))  # SQLite hands raw queries their text
    return timezone.make_aware(parsed, UTC) if parsed is not None and timezone.is_naive(parsed) else parsed


def _namespace_times(names: list[str]) -> dict[str, tuple[datetime | None, datetime | None]]:
    """First creation and last update of each namespace over its datasets and jobs: four index look-ups each, all
    in one statement."""
    if not names:
        return {}
    d = connection.ops.quote_name(Dataset._meta.db_table)
    j = connection.ops.quote_name(Job._meta.db_table)
    one = (
        "SELECT CAST(%s AS VARCHAR(500)), "  # noqa: S608 -- the tables are the models' own
        f"(SELECT MIN(created_at) FROM {d} WHERE namespace = %s), "
        f"(SELECT MAX(updated_at) FROM {d} WHERE namespace = %s), "
        f"(SELECT MIN(created_at) FROM {j} WHERE namespace = %s), "
        f"(SELECT MAX(updated_at) FROM {j} WHERE namespace = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join([one] * len(names)), [n for n in names for _ in range(5)])
        rows = cursor.fetchall()
    out = {}
    for name, *times in rows:
        created = [t for t in map(_when, (times[0], times[2])) if t is not None]
        updated = [t for t in map(_when, (times[1], times[3])) if t is not None]
        out[name] = (min(created, default=None), max(updated, default=None))
    return out


def namespaces(*, limit: int, offset: int) -> Page:
    names = _distinct_namespaces()
    page = names[offset : offset + limit]
    times = _namespace_times(page)
    return Page([shapes.namespace(n, *times[n]) for n in page], len(names))


def namespace_exists(name: str) -> bool:
    return Dataset.objects.filter(namespace=name).exists() or Job.objects.filter(namespace=name).exists()


def namespace_detail(name: str) -> dict[str, Any]:
    if not namespace_exists(name):
        raise NotFound(f"Namespace '{name}' not found.", path="namespace")
    return shapes.namespace(name, *_namespace_times([name])[name])


def _require_namespace(name: str) -> None:
    if not namespace_exists(name):
        raise NotFound(f"Namespace '{name}' not found.", path="namespace")


# Datasets --------------------------------------------------------------------------------------------------------


def find_dataset(namespace: str, name: str) -> Dataset | None:
    exact = Dataset.objects.filter(namespace=namespace, name=name).first()
    if exact is not None:
        return exact
    ns = normalise_namespace(namespace)
    return Dataset.objects.filter(namespace=ns, name=normalise_name(name, scheme_of(ns))).first()


def get_dataset(namespace: str, name: str) -> Dataset:
    ds = find_dataset(namespace, name)
    if ds is None:
        _require_namespace(namespace)
        raise NotFound(f"Dataset '{name}' not found in namespace '{namespace}'.", path="dataset")
    return ds


def _last_written(ids: list[int]) -> dict[int, datetime]:
    if not ids:
        return {}
    rows = (
        JobDataset.objects.filter(dataset_id__in=ids, direction=Direction.OUTPUT)
        .order_by()
        .values("dataset_id")
        .annotate(at=Max("last_seen_at"))
        .values_list("dataset_id", "at")
    )
    return dict(rows)


def _dataset_dicts(rows: list[Dataset]) -> list[dict[str, Any]]:
    written = _last_written([d.pk for d in rows])
    return [
        shapes.dataset(
            d,
            current_version=shapes.dataset_version_id(d.namespace, d.name, d.schema_fingerprint),
            last_modified=written.get(d.pk),
        )
        for d in rows
    ]


def datasets(namespace: str, *, limit: int, offset: int) -> Page:
    _require_namespace(namespace)
    rows = Dataset.objects.filter(namespace=namespace).order_by("name")
    page = rows.defer("facet_times", "graph_version")[offset : offset + limit]
    return Page(_dataset_dicts(list(page)), rows.count())


def dataset_detail(namespace: str, name: str) -> dict[str, Any]:
    return _dataset_dicts([get_dataset(namespace, name)])[0]


def _runs_by_uuid(uuids: set) -> dict[Any, Run]:
    uuids.discard(None)
    return {r.run_uuid: r for r in Run.objects.filter(run_uuid__in=uuids)} if uuids else {}


def _versions_of(ds: Dataset) -> QuerySet[DatasetSchemaVersion]:
    return DatasetSchemaVersion.objects.filter(dataset=ds).order_by("-event_time", "-id")


def _version_dicts(ds: Dataset, rows: list[DatasetSchemaVersion]) -> list[dict[str, Any]]:
    runs = _runs_by_uuid({v.run_uuid for v in rows})
    out = []
    for v in rows:
        r = runs.get(v.run_uuid)
        out.append(
            shapes.dataset_version(
                ds,
                version=shapes.dataset_version_id(ds.namespace, ds.name, v.fingerprint),
                fields_=v.fields,
                created=v.event_time,
                run=shapes.run(r) if r is not None else None,
            )
        )
    return out


def _unversioned(ds: Dataset) -> dict[str, Any]:
    """A dataset never reported with a schema still has the one version Marquez would give it."""
    version = shapes.dataset_version_id(ds.namespace, ds.name, ds.schema_fingerprint)
    return shapes.dataset_version(ds, version=version, fields_=ds.fields, created=ds.created_at, run=None)


def dataset_versions(namespace: str, name: str, *, limit: int, offset: int) -> Page:
    ds = get_dataset(namespace, name)
    rows = _versions_of(ds)
    total = rows.count()
    if total == 0:
        return Page([_unversioned(ds)][offset : offset + limit], 1)
    return Page(_version_dicts(ds, list(rows[offset : offset + limit])), total)


def dataset_version(namespace: str, name: str, version: str) -> dict[str, Any]:
    ds = get_dataset(namespace, name)
    fingerprints = list(_versions_of(ds).values_list("fingerprint", flat=True))
    for fingerprint in fingerprints:
        if shapes.dataset_version_id(ds.namespace, ds.name, fingerprint) == version:
            return _version_dicts(ds, [_versions_of(ds).get(fingerprint=fingerprint)])[0]
    if not fingerprints and shapes.dataset_version_id(ds.namespace, ds.name, ds.schema_fingerprint) == version:
        return _unversioned(ds)
    raise NotFound(f"Version '{version}' of dataset '{name}' not found.", path="version")


# Jobs and runs ---------------------------------------------------------------------------------------------------


def get_job(namespace: str, name: str) -> Job:
    job = Job.objects.filter(namespace=namespace, name=name).first()
    if job is None:
        _require_namespace(namespace)
        raise NotFound(f"Job '{name}' not found in namespace '{namespace}'.", path="job")
    return job


def _job_io(ids: list[int]) -> dict[int, tuple[list, list]]:
    io: dict[int, tuple[list, list]] = {pk: ([], []) for pk in ids}
    rows = (
        JobDataset.objects.filter(job_id__in=ids)
        .order_by("dataset__namespace", "dataset__name")
        .values_list("job_id", "direction", "dataset__namespace", "dataset__name")
    )
    for job_id, direction, ns, name in rows:
        io[job_id][0 if direction == Direction.INPUT else 1].append((ns, name))
    return io


def _job_dicts(rows: list[Job], *, detail: bool) -> list[dict[str, Any]]:
    io = _job_io([j.pk for j in rows])
    latest: dict[int, list[dict]] = {j.pk: [] for j in rows}
    if detail:
        for j in rows:
            latest[j.pk] = [shapes.run(r) for r in j.runs.order_by("-state_time")[:LATEST_RUNS]]
    else:  # rows annotated with their latest run by `jobs` (one look-up per job on the (job, -state_time) index)
        uuids = {getattr(j, "latest_run_uuid", None) for j in rows}
        for r in _runs_by_uuid(uuids).values():
            latest[r.job_id] = [shapes.run(r)]
    return [
        shapes.job(j, inputs=io[j.pk][0], outputs=io[j.pk][1], latest_runs=latest[j.pk], with_latest_runs=detail)
        for j in rows
    ]


def jobs(namespace: str, *, limit: int, offset: int) -> Page:
    _require_namespace(namespace)
    rows = Job.objects.filter(namespace=namespace).order_by("name")
    newest = Run.objects.filter(job=OuterRef("pk")).order_by("-state_time").values("run_uuid")[:1]
    page = rows.annotate(latest_run_uuid=Subquery(newest))[offset : offset + limit]
    return Page(_job_dicts(list(page), detail=False), rows.count())


def job_detail(namespace: str, name: str) -> dict[str, Any]:
    return _job_dicts([get_job(namespace, name)], detail=True)[0]


def job_runs(namespace: str, name: str, *, limit: int, offset: int) -> Page:
    job = get_job(namespace, name)
    rows = job.runs.order_by("-state_time")
    return Page([shapes.run(r) for r in rows[offset : offset + limit]], rows.count())


def _run_io(run_uuids: list) -> dict[Any, tuple[set, set, str]]:
    """run -> (inputs, outputs, source location) as its events reported them."""
    found: dict[Any, tuple[set, set, str]] = {u: (set(), set(), "") for u in run_uuids}
    events = (
        LineageEvent.objects.filter(run_uuid__in=run_uuids).order_by("event_time").values_list("run_uuid", "payload")
    )
    for run_uuid, payload in events:
        inputs, outputs, location = found[run_uuid]
        for side, key in ((inputs, "inputs"), (outputs, "outputs")):
            for d in payload.get(key) or []:
                if isinstance(d, dict) and d.get("namespace") and d.get("name"):
                    side.add((str(d["namespace"]), str(d["name"])))
        source = ((payload.get("job") or {}).get("facets") or {}).get("sourceCodeLocation") or {}
        found[run_uuid] = (inputs, outputs, str(source.get("url") or location))
    return found


@dataclass
class _JobVersion:
    version: str
    created: datetime
    inputs: list
    outputs: list
    location: str
    latest: Run


def _job_versions(job: Job) -> list[_JobVersion]:
    runs = list(job.runs.order_by("-state_time")[:VERSION_RUNS])
    io = _run_io([r.run_uuid for r in runs])
    versions: dict[str, _JobVersion] = {}
    for r in runs:  # newest first: the first run seen of a version is its latest
        inputs, outputs, location = io[r.run_uuid]
        location = location or job.location
        key = shapes.job_version_id(job.namespace, job.name, location, inputs, outputs)
        if key not in versions:
            versions[key] = _JobVersion(key, r.created_at, sorted(inputs), sorted(outputs), location, r)
        else:
            versions[key].created = min(versions[key].created, r.created_at)
    return list(versions.values())


def _job_version_dict(job: Job, v: _JobVersion) -> dict[str, Any]:
    return shapes.compact(
        {
            "id": {"namespace": job.namespace, "name": job.name, "version": v.version},
            "name": job.name,
            "version": v.version,
            "createdAt": shapes.iso(v.created),
            "namespace": job.namespace,
            "inputs": [{"namespace": ns, "name": n} for ns, n in v.inputs],
            "outputs": [{"namespace": ns, "name": n} for ns, n in v.outputs],
            "location": v.location or None,
            "latestRun": shapes.run(v.latest),
            "facets": job.facets or {},
        }
    )


def job_versions(namespace: str, name: str, *, limit: int, offset: int) -> Page:
    job = get_job(namespace, name)
    found = _job_versions(job)
    if not found:
        return Page([], 0)
    return Page([_job_version_dict(job, v) for v in found[offset : offset + limit]], len(found))


def job_version(namespace: str, name: str, version: str) -> dict[str, Any]:
    job = get_job(namespace, name)
    for v in _job_versions(job):
        if v.version == version:
            return _job_version_dict(job, v)
    raise NotFound(f"Version '{version}' of job '{name}' not found.", path="version")


def get_run(run_id: str) -> Run:
    run = Run.objects.select_related("job").filter(run_uuid=run_id).first()
    if run is None:
        raise NotFound(f"Run '{run_id}' not found.", path="id")
    return run


def run_detail(run_id: str) -> dict[str, Any]:
    run = get_run(run_id)
    job = run.job
    inputs, outputs, location = _run_io([run.run_uuid])[run.run_uuid]
    version = shapes.job_version_id(job.namespace, job.name, location or job.location, inputs, outputs)
    stored = _stored(inputs | outputs)

    def version_ids(side: set) -> list[dict[str, str]]:
        out = []
        for pair in sorted(side):
            ns, n, fingerprint = stored.get(pair, (*pair, ""))
            out.append({"namespace": ns, "name": n, "version": shapes.dataset_version_id(ns, n, fingerprint)})
        return out

    return shapes.run(
        run,
        job_version={"namespace": job.namespace, "name": job.name, "version": version},
        inputs=version_ids(inputs),
        outputs=version_ids(outputs),
    )


def _stored(pairs: set) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(namespace, name) as an event wrote them -> the dataset as stored, with its schema fingerprint."""
    if not pairs:
        return {}
    wanted: dict[tuple[str, str], tuple[str, str]] = {}
    match = Q()
    for ns, n in pairs:
        norm_ns = normalise_namespace(ns)
        normal = (norm_ns, normalise_name(n, scheme_of(norm_ns)))
        wanted[(ns, n)] = normal
        match |= Q(namespace=ns, name=n) | Q(namespace=normal[0], name=normal[1])
    rows = {
        (ns, n): f for ns, n, f in Dataset.objects.filter(match).values_list("namespace", "name", "schema_fingerprint")
    }
    out = {}
    for pair, normal in wanted.items():
        for key in (pair, normal):
            if key in rows:
                out[pair] = (*key, rows[key])
                break
    return out


def run_facets(run_id: str, kind: str) -> dict[str, Any]:
    run = get_run(run_id)
    return {"runId": str(run.run_uuid), "facets": (run.job.facets if kind == "job" else run.facets) or {}}


# Sources, tags, events, search -----------------------------------------------------------------------------------


def _source_rows(name: str | None = None) -> list[dict[str, Any]]:
    rows = Dataset.objects.exclude(source_name="").order_by()
    if name is not None:
        rows = rows.filter(source_name=name)
    grouped = (
        rows.values("source_name")
        .annotate(uri=Max("source_uri"), a=Min("created_at"), b=Max("updated_at"), n=Count("id"))
        .order_by("source_name")
    )
    return [
        shapes.compact(
            {
                "type": shapes.source_type(g["uri"] or ""),
                "name": g["source_name"],
                "createdAt": shapes.iso(g["a"]),
                "updatedAt": shapes.iso(g["b"]),
                "connectionUrl": g["uri"] or None,
            }
        )
        for g in grouped
    ]


def sources(*, limit: int, offset: int) -> Page:
    rows = _source_rows()
    return Page(rows[offset : offset + limit], len(rows))


def source_detail(name: str) -> dict[str, Any]:
    rows = _source_rows(name)
    if not rows:
        raise NotFound(f"Source '{name}' not found.", path="source")
    return rows[0]


def tags(*, limit: int, offset: int) -> Page:
    rows = Tag.objects.order_by("name")
    return Page([{"name": t} for t in rows.values_list("name", flat=True)[offset : offset + limit]], rows.count())


def events(
    *, ascending: bool, before: datetime | None, after: datetime | None, namespace: str, limit: int, offset: int
) -> Page:
    rows = LineageEvent.objects.all()
    if before is not None:
        rows = rows.filter(event_time__lt=before)
    if after is not None:
        rows = rows.filter(event_time__gt=after)
    if namespace:
        rows = rows.filter(job_namespace=namespace)
    rows = rows.order_by("event_time" if ascending else "-event_time", "id" if ascending else "-id")
    return Page(list(rows.values_list("payload", flat=True)[offset : offset + limit]), rows.count())


@CharField.register_lookup
class MarquezLike(Lookup):
    """`name__marquez_like=q`: Marquez's search, an SQL LIKE pattern (`%` any run, `_` one character) matched
    anywhere in the name, ignoring case (ILIKE on PostgreSQL; SQLite's LIKE ignores ASCII case)."""

    lookup_name = "marquez_like"
    operator = "LIKE"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} {self.operator} {rhs}", [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]

    def get_db_prep_lookup(self, value, connection):
        return "%s", [f"%{value}%"]


def search(
    *,
    q: str,
    kind: str,
    sort: str,
    limit: int,
    namespace: str,
    before: datetime | None,
    after: datetime | None,
) -> Page:
    match = Q(name__marquez_like=q)
    if namespace:
        match &= Q(namespace=namespace)
    if before is not None:
        match &= Q(updated_at__lt=before)
    if after is not None:
        match &= Q(updated_at__gt=after)
    order = ("-updated_at", "name") if sort == "updated_at" else ("name", "namespace")
    found: list[tuple[Any, ...]] = []
    total = 0
    for label, model in (("DATASET", Dataset), ("JOB", Job)):
        if kind and kind.upper() != label:
            continue
        rows = model.objects.filter(match).order_by(*order)
        total += rows.count()
        found += [(label, ns, n, t) for ns, n, t in rows.values_list("namespace", "name", "updated_at")[:limit]]
    if sort == "updated_at":
        found.sort(key=lambda r: (-r[3].timestamp(), r[2]))
    else:
        found.sort(key=lambda r: (r[2], r[1], r[0]))
    return Page([shapes.search_result(*r) for r in found[:limit]], total)
