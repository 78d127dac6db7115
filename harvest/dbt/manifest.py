"""Reading dbt's artifacts: manifest.json (schema v10 to v12), catalog.json and run_results.json.

Pure: no models, no settings. What the portal needs is read into plain dataclasses; each problem with the
files names its place by JSON Pointer (`/manifest/nodes/model.x.y/columns`), so the API can answer it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.errors import FieldError, ValidationFailed

SUPPORTED_VERSIONS = (10, 11, 12)
DATASET_TYPES = ("model", "seed", "snapshot")
_VERSION = re.compile(r"/manifest/v(\d+)\.json")


@dataclass
class Column:
    name: str
    data_type: str = ""
    description: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    primary_key: bool = False
    not_null: bool = False  # a not_null constraint (enforced by the table), not a not_null test


@dataclass
class Test:
    unique_id: str
    name: str
    test_name: str  # not_null, unique, accepted_values, relationships, or the singular/custom test's name
    attached_node: str
    column: str = ""
    kwargs: dict[str, Any] = field(default_factory=dict)
    severity: str = ""


@dataclass
class Node:
    unique_id: str
    resource_type: str  # model | seed | snapshot | source
    name: str
    database: str
    schema: str
    identifier: str
    description: str = ""
    materialized: str = ""
    version: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    group: str = ""
    columns: list[Column] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def relation(self) -> str:
        """OpenLineage's dbt dataset name: database.schema.identifier."""
        return ".".join(part for part in (self.database, self.schema, self.identifier) if part)


@dataclass
class Result:
    unique_id: str
    status: str  # success | error | skipped | pass | fail | warn | runtime error
    completed_at: datetime | None
    started_at: datetime | None
    failures: int | None = None
    message: str = ""


@dataclass
class Project:
    name: str
    adapter: str
    schema_version: int
    generated_at: datetime
    invocation_id: str
    nodes: dict[str, Node]
    tests: list[Test]
    groups: dict[str, dict[str, Any]]
    results: list[Result] = field(default_factory=list)
    results_invocation: str = ""
    results_generated_at: datetime | None = None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _meta(raw: dict) -> dict[str, Any]:
    """`meta` and `config.meta` together; dbt 1.10 moved meta under config, older projects keep it on the node."""
    return {**_dict(raw.get("meta")), **_dict(_dict(raw.get("config")).get("meta"))}


def schema_version(manifest: dict) -> int:
    url = _text(_dict(manifest.get("metadata")).get("dbt_schema_version"))
    match = _VERSION.search(url)
    if match is None:
        raise ValidationFailed(
            [FieldError("/manifest/metadata/dbt_schema_version", "Not a dbt manifest: no manifest schema version.")]
        )
    version = int(match.group(1))
    if version not in SUPPORTED_VERSIONS:
        raise ValidationFailed(
            [
                FieldError(
                    "/manifest/metadata/dbt_schema_version",
                    f"Manifest schema v{version} is not supported; v10 to v12 (dbt 1.5 and later) are.",
                )
            ]
        )
    return version


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _columns(raw: dict) -> list[Column]:
    out = []
    constraints = _list(raw.get("constraints"))
    pk_columns: set[str] = set()
    for item in constraints:
        if isinstance(item, dict) and item.get("type") == "primary_key":
            pk_columns |= {c for c in item.get("columns") or [] if isinstance(c, str)}
    for key, column in _dict(raw.get("columns")).items():
        if not isinstance(column, dict):
            continue
        name = _text(column.get("name")) or str(key)
        meta = {**_dict(column.get("meta")), **_dict(_dict(column.get("config")).get("meta"))}
        col_constraints = _list(column.get("constraints"))
        is_pk = (
            name in pk_columns
            or bool(meta.get("primary_key"))
            or any(isinstance(c, dict) and c.get("type") == "primary_key" for c in col_constraints)
        )
        out.append(
            Column(
                name=name,
                data_type=_text(column.get("data_type")),
                description=_text(column.get("description")),
                meta=meta,
                primary_key=is_pk,
                not_null=any(isinstance(c, dict) and c.get("type") == "not_null" for c in col_constraints),
            )
        )
    return out


def _node(uid: str, raw: dict) -> Node:
    config = _dict(raw.get("config"))
    version = raw.get("version")
    identifier = _text(raw.get("alias")) or _text(raw.get("identifier")) or _text(raw.get("name"))
    depends = _dict(raw.get("depends_on")).get("nodes")
    return Node(
        unique_id=uid,
        resource_type=_text(raw.get("resource_type")),
        name=_text(raw.get("name")),
        database=_text(raw.get("database")),
        schema=_text(raw.get("schema")),
        identifier=identifier,
        description=_text(raw.get("description")),
        materialized=_text(config.get("materialized")),
        version="" if version is None else str(version),
        meta=_meta(raw),
        group=_text(raw.get("group")) or _text(config.get("group")),
        columns=_columns(raw),
        depends_on=[d for d in depends or [] if isinstance(d, str)],
        tags=[t for t in raw.get("tags") or [] if isinstance(t, str)],
    )


def _test(uid: str, raw: dict) -> Test | None:
    metadata = _dict(raw.get("test_metadata"))
    attached = _text(raw.get("attached_node"))
    if not attached:
        depends = [d for d in _dict(raw.get("depends_on")).get("nodes") or [] if isinstance(d, str)]
        attached = depends[0] if len(depends) == 1 else ""
    if not attached:
        return None
    kwargs = {k: v for k, v in _dict(metadata.get("kwargs")).items() if k != "model"}
    return Test(
        unique_id=uid,
        name=_text(raw.get("name")),
        test_name=_text(metadata.get("name")) or _text(raw.get("name")),
        attached_node=attached,
        column=_text(raw.get("column_name")),
        kwargs=kwargs,
        severity=_text(_dict(raw.get("config")).get("severity")).lower(),
    )


def read_manifest(manifest: Any) -> Project:
    if not isinstance(manifest, dict):
        raise ValidationFailed([FieldError("/manifest", "A dbt manifest.json is a JSON object.")])
    version = schema_version(manifest)
    metadata = _dict(manifest.get("metadata"))
    nodes_raw = manifest.get("nodes")
    if not isinstance(nodes_raw, dict):
        raise ValidationFailed([FieldError("/manifest/nodes", "Missing: the manifest's nodes.")])
    nodes: dict[str, Node] = {}
    tests: list[Test] = []
    for uid, raw in nodes_raw.items():
        if not isinstance(raw, dict):
            continue
        kind = raw.get("resource_type")
        if kind in DATASET_TYPES:
            nodes[uid] = _node(uid, raw)
        elif kind == "test":
            test = _test(uid, raw)
            if test is not None:
                tests.append(test)
    for uid, raw in _dict(manifest.get("sources")).items():
        if isinstance(raw, dict):
            nodes[uid] = _node(uid, {**raw, "resource_type": "source"})
    project = _text(metadata.get("project_name"))
    if not project:
        # Older manifests name the project only in unique ids: model.<project>.<name>.
        first = next(iter(nodes), "")
        project = first.split(".")[1] if first.count(".") >= 2 else "dbt"
    return Project(
        name=project,
        adapter=_text(metadata.get("adapter_type")) or "dbt",
        schema_version=version,
        generated_at=_time(metadata.get("generated_at")) or datetime(1970, 1, 1, tzinfo=UTC),
        invocation_id=_text(metadata.get("invocation_id")),
        nodes=nodes,
        tests=tests,
        groups={k: v for k, v in _dict(manifest.get("groups")).items() if isinstance(v, dict)},
    )


def apply_catalog(project: Project, catalog: Any) -> None:
    """Column types as built (catalog.json) replace the declared ones; built columns the YAML omits are added."""
    if catalog is None:
        return
    if not isinstance(catalog, dict) or not isinstance(catalog.get("nodes", {}), dict):
        raise ValidationFailed([FieldError("/catalog", "A dbt catalog.json is an object with `nodes`.")])
    entries = {**_dict(catalog.get("nodes")), **_dict(catalog.get("sources"))}
    for uid, entry in entries.items():
        node = project.nodes.get(uid)
        if node is None or not isinstance(entry, dict):
            continue
        built = [c for c in _dict(entry.get("columns")).values() if isinstance(c, dict) and c.get("name")]
        built.sort(key=lambda c: c["index"] if isinstance(c.get("index"), int) else 0)
        declared = {c.name.lower(): c for c in node.columns}
        ordered: list[Column] = []
        for item in built:
            name = str(item["name"])
            column = declared.pop(name.lower(), None) or Column(name=name)
            column.data_type = _text(item.get("type")) or column.data_type
            ordered.append(column)
        node.columns = ordered + list(declared.values())


def apply_run_results(project: Project, run_results: Any) -> None:
    if run_results is None:
        return
    if not isinstance(run_results, dict) or not isinstance(run_results.get("results"), list):
        raise ValidationFailed([FieldError("/run_results/results", "A dbt run_results.json has a `results` list.")])
    metadata = _dict(run_results.get("metadata"))
    project.results_invocation = _text(metadata.get("invocation_id"))
    project.results_generated_at = _time(metadata.get("generated_at"))
    for index, item in enumerate(run_results["results"]):
        if not isinstance(item, dict) or not _text(item.get("unique_id")):
            raise ValidationFailed([FieldError(f"/run_results/results/{index}/unique_id", "Missing.")])
        started = completed = None
        for timing in item.get("timing") or []:
            if isinstance(timing, dict) and timing.get("name") == "execute":
                started, completed = _time(timing.get("started_at")), _time(timing.get("completed_at"))
        failures = item.get("failures")
        project.results.append(
            Result(
                unique_id=item["unique_id"],
                status=_text(item.get("status")).lower(),
                started_at=started,
                completed_at=completed or project.results_generated_at,
                failures=failures if isinstance(failures, int) else None,
                message=_text(item.get("message"))[:300],
            )
        )
