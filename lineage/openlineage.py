"""Reading OpenLineage events: what the spec requires is checked, everything else is kept as it came.

Checked (OpenLineage 2-0-2, and the 1-x versions before it, which differ only in optional parts): every event has
`eventTime`, `producer` and `schemaURL`; a RunEvent has `run.runId` (a UUID) and `job.namespace` + `job.name`; a
JobEvent has the job; a DatasetEvent has `dataset.namespace` + `dataset.name`. The facets the portal reads
(schema, symlinks, columnLineage) must have the shape it reads; every other facet, custom ones included, is
stored untouched. Any schemaURL version is accepted. Each error names its field by JSON Pointer.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.errors import FieldError, ValidationFailed
from lineage.models import EventKind, RunState

MAX_NAMESPACE = 500
MAX_NAME = 1000
MAX_DATASETS_PER_EVENT = 5000


@dataclass
class DatasetRef:
    namespace: str
    name: str
    facets: dict[str, Any] = field(default_factory=dict)
    io_facets: dict[str, Any] = field(default_factory=dict)  # inputFacets or outputFacets


@dataclass
class ParsedEvent:
    kind: str
    event_time: datetime
    producer: str
    schema_url: str
    raw: dict[str, Any]
    dedupe_key: str
    event_type: str = ""
    run_uuid: uuid.UUID | None = None
    run_facets: dict[str, Any] = field(default_factory=dict)
    job: tuple[str, str] | None = None
    job_facets: dict[str, Any] = field(default_factory=dict)
    inputs: list[DatasetRef] = field(default_factory=list)
    outputs: list[DatasetRef] = field(default_factory=list)
    dataset: DatasetRef | None = None


def dedupe_key(raw: Any) -> str:
    """The same event sent twice, whatever its key order or spacing, has the same key."""
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # The spec asks for an offset; clients that build eventTime from a naive datetime.now() send none,
    # and UTC is the only reading that does not depend on the portal's own clock settings.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class _Reader:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.errors: list[FieldError] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(FieldError(self.prefix + path, message))

    def text(self, obj: dict, key: str, path: str, *, max_length: int = 1000, required: bool = True) -> str:
        value = obj.get(key)
        if value is None or value == "":
            if required:
                self.error(f"{path}/{key}", "Required.")
            return ""
        if not isinstance(value, str):
            self.error(f"{path}/{key}", "Must be a string.")
            return ""
        if len(value) > max_length:
            self.error(f"{path}/{key}", f"At most {max_length} characters.")
            return ""
        return value

    def obj(self, parent: dict, key: str, path: str, *, required: bool = False) -> dict:
        value = parent.get(key)
        if value is None:
            if required:
                self.error(f"{path}/{key}", "Required.")
            return {}
        if not isinstance(value, dict):
            self.error(f"{path}/{key}", "Must be an object.")
            return {}
        return value

    def facets(self, parent: dict, key: str, path: str) -> dict[str, Any]:
        facets = self.obj(parent, key, path)
        self._check_read_facets(facets, f"{path}/{key}")
        return facets

    def _check_read_facets(self, facets: dict, path: str) -> None:
        """Only the facets the portal interprets must have the shape it interprets."""
        schema = facets.get("schema")
        if isinstance(schema, dict) and "fields" in schema:
            fields = schema["fields"]
            if not isinstance(fields, list):
                self.error(f"{path}/schema/fields", "Must be an array.")
            else:
                for i, item in enumerate(fields):
                    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
                        self.error(f"{path}/schema/fields/{i}/name", "Each field needs a name.")
        symlinks = facets.get("symlinks")
        if isinstance(symlinks, dict) and "identifiers" in symlinks:
            identifiers = symlinks["identifiers"]
            if not isinstance(identifiers, list):
                self.error(f"{path}/symlinks/identifiers", "Must be an array.")
            else:
                for i, item in enumerate(identifiers):
                    item = item if isinstance(item, dict) else {}
                    self.text(item, "namespace", f"{path}/symlinks/identifiers/{i}", max_length=MAX_NAMESPACE)
                    self.text(item, "name", f"{path}/symlinks/identifiers/{i}", max_length=MAX_NAME)
        column_lineage = facets.get("columnLineage")
        if isinstance(column_lineage, dict) and "fields" in column_lineage:
            if not isinstance(column_lineage["fields"], dict):
                self.error(f"{path}/columnLineage/fields", "Must be an object keyed by output field.")
            else:
                for target, spec in column_lineage["fields"].items():
                    where = f"{path}/columnLineage/fields/{_escape(target)}"
                    inputs = spec.get("inputFields") if isinstance(spec, dict) else None
                    if not isinstance(inputs, list):
                        self.error(f"{where}/inputFields", "Must be an array.")
                        continue
                    for i, item in enumerate(inputs):
                        item = item if isinstance(item, dict) else {}
                        for key in ("namespace", "name", "field"):
                            self.text(item, key, f"{where}/inputFields/{i}", max_length=MAX_NAME)

    def datasets(self, event: dict, key: str, io_key: str) -> list[DatasetRef]:
        value = event.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(f"/{key}", "Must be an array.")
            return []
        if len(value) > MAX_DATASETS_PER_EVENT:
            self.error(f"/{key}", f"At most {MAX_DATASETS_PER_EVENT} datasets per event.")
            return []
        refs = []
        for index, item in enumerate(value):
            path = f"/{key}/{index}"
            if not isinstance(item, dict):
                self.error(path, "Must be an object.")
                continue
            refs.append(self.dataset(item, path, io_key))
        return refs

    def dataset(self, item: dict, path: str, io_key: str = "") -> DatasetRef:
        namespace = self.text(item, "namespace", path, max_length=MAX_NAMESPACE)
        name = self.text(item, "name", path, max_length=MAX_NAME)
        facets = self.facets(item, "facets", path)
        io_facets = self.obj(item, io_key, path) if io_key else {}
        return DatasetRef(namespace, name, facets, io_facets)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _kind_of(event: dict) -> str:
    hint = str(event.get("schemaURL", "")).rsplit("/", 1)[-1]
    if hint.endswith("DatasetEvent"):
        return EventKind.DATASET
    if hint.endswith("JobEvent"):
        return EventKind.JOB
    if hint.endswith("RunEvent") or "run" in event:
        return EventKind.RUN
    if "dataset" in event:
        return EventKind.DATASET
    return EventKind.JOB if "job" in event else EventKind.RUN


def parse_event(raw: Any, *, prefix: str = "") -> ParsedEvent:
    """Check one event and read it. Raises ValidationFailed listing every bad field (pointers under `prefix`)."""
    reader = _Reader(prefix)
    if not isinstance(raw, dict):
        raise ValidationFailed([FieldError(prefix, "An OpenLineage event must be a JSON object.")])
    event_time = parse_time(raw.get("eventTime"))
    if event_time is None:
        reader.error("/eventTime", "Required: an ISO 8601 date-time." if raw.get("eventTime") else "Required.")
    producer = reader.text(raw, "producer", "", max_length=1000)
    schema_url = reader.text(raw, "schemaURL", "", max_length=1000)
    kind = _kind_of(raw)
    parsed = ParsedEvent(
        kind=kind,
        event_time=event_time or datetime.min.replace(tzinfo=UTC),
        producer=producer,
        schema_url=schema_url,
        raw=raw,
        dedupe_key="",
    )
    event_type = raw.get("eventType")
    if event_type is not None and kind != EventKind.DATASET:
        if not isinstance(event_type, str) or event_type.upper() not in RunState.values:
            reader.error("/eventType", f"One of {', '.join(RunState.values)}.")
        else:
            parsed.event_type = event_type.upper()

    if kind == EventKind.DATASET:
        dataset = reader.obj(raw, "dataset", "", required=True)
        if dataset:
            parsed.dataset = reader.dataset(dataset, "/dataset")
    else:
        job = reader.obj(raw, "job", "", required=True)
        namespace = reader.text(job, "namespace", "/job", max_length=MAX_NAMESPACE)
        name = reader.text(job, "name", "/job", max_length=MAX_NAME)
        parsed.job = (namespace, name)
        parsed.job_facets = reader.facets(job, "facets", "/job")
        parsed.inputs = reader.datasets(raw, "inputs", "inputFacets")
        parsed.outputs = reader.datasets(raw, "outputs", "outputFacets")
    if kind == EventKind.RUN:
        run = reader.obj(raw, "run", "", required=True)
        run_id = run.get("runId")
        if "run" in raw and isinstance(raw["run"], dict):
            if run_id is None or run_id == "":
                reader.error("/run/runId", "Required: the run's UUID.")
            else:
                try:
                    parsed.run_uuid = uuid.UUID(str(run_id)) if isinstance(run_id, str) else None
                except ValueError:
                    parsed.run_uuid = None
                if parsed.run_uuid is None:
                    reader.error("/run/runId", "Must be a UUID.")
        parsed.run_facets = reader.facets(run, "facets", "/run")
        if not parsed.event_type:
            parsed.event_type = RunState.OTHER  # optional in the spec; OTHER is its own word for "unsaid"

    if reader.errors:
        raise ValidationFailed(reader.errors, message="The OpenLineage event has invalid fields.")
    try:
        parsed.dedupe_key = dedupe_key(raw)
    except ValueError as exc:  # NaN or Infinity in a facet
        raise ValidationFailed([FieldError(prefix, f"Not valid JSON: {exc}.")]) from exc
    return parsed


def parse_batch(raw: Any, *, max_items: int) -> list[ParsedEvent]:
    """All items are checked before anything is stored; errors name the item (`/3/run/runId`)."""
    if not isinstance(raw, list):
        raise ValidationFailed([FieldError("", "The batch must be a JSON array of OpenLineage events.")])
    if len(raw) > max_items:
        raise ValidationFailed([FieldError("", f"At most {max_items} events per batch; split it.")])
    events: list[ParsedEvent] = []
    errors: list[FieldError] = []
    for index, item in enumerate(raw):
        try:
            events.append(parse_event(item, prefix=f"/{index}"))
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationFailed(errors, message="Some events in the batch are invalid; none was stored.")
    return events
