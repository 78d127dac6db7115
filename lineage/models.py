"""OpenLineage as the portal stores it: events, jobs, runs, datasets, their edges, schemas and quality facets.

The graph the analysis walks is kept in memory (lineage.graph); these tables are its source. Rows that change the
graph's shape (datasets, symlinks, job/dataset edges, column edges) carry the `graph_version` at which they were
written, so that each process refreshes its graph by reading only what is newer than what it holds.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models import Q

from catalog.locations import dataset_lookup_keys, key_digest
from catalog.models import Team


class LineageState(models.Model):
    """A single row (id 1): the stamp every graph-changing write bumps.

    `generation` is drawn at random when the row is created and redrawn when rows leave the graph (pruning), so
    a process holding a graph of an older generation rebuilds it whole, even if `version` happens to be equal.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)
    generation = models.BigIntegerField(default=0)
    # Bumped by every delete of an output port, and of a product, team or input port (lineage.receivers): the
    # graph's freshness check reads them instead of counting those tables (milliseconds a request at 100k rows).
    port_deletions = models.BigIntegerField(default=0)
    catalog_deletions = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="lineage_state_single_row")]

    def __str__(self) -> str:
        return f"lineage graph v{self.version} (generation {self.generation})"


class EventKind(models.TextChoices):
    RUN = "run", "RunEvent"
    DATASET = "dataset", "DatasetEvent"
    JOB = "job", "JobEvent"


class RunState(models.TextChoices):
    """OpenLineage eventType values, as sent."""

    START = "START", "Started"
    RUNNING = "RUNNING", "Running"
    COMPLETE = "COMPLETE", "Completed"
    ABORT = "ABORT", "Aborted"
    FAIL = "FAIL", "Failed"
    OTHER = "OTHER", "Other"


class LineageEvent(models.Model):
    """Every accepted event exactly as it came, once: the dedupe key makes a replay a no-op."""

    dedupe_key = models.CharField(max_length=64, unique=True, help_text="sha256 of the canonical JSON.")
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    event_type = models.CharField(max_length=10, blank=True)
    event_time = models.DateTimeField()
    run_uuid = models.UUIDField(null=True, blank=True)
    job_namespace = models.CharField(max_length=500, blank=True)
    job_name = models.CharField(max_length=1000, blank=True)
    producer = models.CharField(max_length=1000)
    schema_url = models.CharField(max_length=1000)
    payload = models.JSONField()
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="Whose token sent it."
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="lineage_event_kind")]
        indexes = [
            # A run's page lists the events that built it.
            models.Index(fields=["run_uuid"], name="lineage_event_run_idx"),
            # Marquez's GET /events/lineage pages through events by event time, newest or oldest first.
            models.Index(fields=["event_time"], name="lineage_event_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_type} {self.job_namespace}:{self.job_name} @ {self.event_time}"


class Job(models.Model):
    namespace = models.CharField(max_length=500)
    name = models.CharField(max_length=1000)
    description = models.TextField(blank=True)
    job_type = models.CharField(max_length=60, blank=True, help_text="jobType facet: QUERY, DAG, TASK, ...")
    processing_type = models.CharField(max_length=20, blank=True, help_text="BATCH or STREAMING.")
    integration = models.CharField(max_length=60, blank=True)
    location = models.CharField(max_length=1000, blank=True, help_text="sourceCodeLocation url.")
    facets = models.JSONField(default=dict, blank=True, help_text="Latest value of every facet, as sent.")
    facet_times = models.JSONField(default=dict, blank=True, help_text="Event time each facet came with.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["namespace", "name"]
        constraints = [models.UniqueConstraint(fields=["namespace", "name"], name="lineage_job_unique_name")]
        indexes = [
            # Marquez's namespaces answer: when each namespace was first and last written, one look-up each.
            models.Index(fields=["namespace", "created_at"], name="lineage_job_ns_created_idx"),
            models.Index(fields=["namespace", "updated_at"], name="lineage_job_ns_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.namespace}:{self.name}"

    @property
    def node_id(self) -> str:
        return f"job:{self.namespace}:{self.name}"


class Run(models.Model):
    """One execution of a job. Its state is decided by rank, then event time, so arrival order does not matter."""

    run_uuid = models.UUIDField(unique=True)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="runs")
    state = models.CharField(max_length=10, choices=RunState.choices)
    state_time = models.DateTimeField(help_text="Event time of the event that set the state.")
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    nominal_start = models.DateTimeField(null=True, blank=True)
    nominal_end = models.DateTimeField(null=True, blank=True)
    parent_run_uuid = models.UUIDField(null=True, blank=True)
    facets = models.JSONField(default=dict, blank=True)
    facet_times = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-state_time"]
        constraints = [models.CheckConstraint(condition=Q(state__in=RunState.values), name="lineage_run_state")]
        indexes = [
            # A job's recent runs, newest first (job pages, freshness SLOs).
            models.Index(fields=["job", "-state_time"], name="lineage_run_job_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.job} run {self.run_uuid} {self.state}"

    @property
    def duration(self) -> timedelta | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.started_at


class KeyDigestField(models.CharField):
    """A digest (catalog.locations.key_digest) of one of the keys the row's name is matched to output ports by,
    worked out whenever the row is written by save() or bulk_create() (and core.bulk's inserts), which all
    call pre_save. Names never change, so bulk_update() and update() need not. lineage.ports finds the datasets a
    changed port's key names by it."""

    def __init__(self, *args, **kwargs):
        kwargs.update(max_length=16, blank=True, default="", editable=False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key in ("max_length", "blank", "default", "editable"):
            kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        sync = getattr(model_instance, "sync_key_digests", None)  # migrations' historical models lack it
        if sync is not None:
            sync()
        return getattr(model_instance, self.attname)


class _Named(models.Model):
    """A name lineage matches to output ports: a dataset's own, or one of its symlinks."""

    namespace = models.CharField(max_length=500)
    name = models.CharField(max_length=1000)
    exact_digest = KeyDigestField()
    bare_digest = KeyDigestField()

    class Meta:
        abstract = True

    def sync_key_digests(self) -> None:
        # Both digest fields call this from pre_save: the second call finds them worked out for this name.
        named = (self.namespace, self.name)
        if self.__dict__.get("_digested") == named:
            return
        exact, bare = dataset_lookup_keys(*named)
        self.exact_digest, self.bare_digest = key_digest(exact), key_digest(bare)
        self.__dict__["_digested"] = named


class Dataset(_Named):
    description = models.TextField(blank=True)
    source_name = models.CharField(max_length=500, blank=True, help_text="dataSource facet name.")
    source_uri = models.CharField(max_length=1000, blank=True)
    lifecycle_state = models.CharField(max_length=40, blank=True, help_text="Last lifecycleStateChange.")
    fields = models.JSONField(default=list, blank=True, help_text="The current schema facet's fields.")
    schema_fingerprint = models.CharField(max_length=64, blank=True)
    facets = models.JSONField(default=dict, blank=True, help_text="Latest value of every facet, as sent.")
    facet_times = models.JSONField(default=dict, blank=True)
    graph_version = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["namespace", "name"]
        constraints = [models.UniqueConstraint(fields=["namespace", "name"], name="lineage_dataset_unique_name")]
        indexes = [
            # Each process's graph reads the datasets added since the version it holds.
            models.Index(fields=["graph_version"], name="lineage_dataset_version_idx"),
            models.Index(fields=["namespace", "created_at"], name="lineage_dataset_ns_created_idx"),
            models.Index(fields=["namespace", "updated_at"], name="lineage_dataset_ns_updated_idx"),
            # The datasets a changed output port's key names (lineage.ports.datasets_named).
            models.Index(fields=["exact_digest"], name="lineage_dataset_exact_idx"),
            models.Index(fields=["bare_digest"], name="lineage_dataset_bare_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.namespace}:{self.name}"

    @property
    def node_id(self) -> str:
        return f"dataset:{self.namespace}:{self.name}"


class DatasetSymlink(_Named):
    """Another name of the same data (symlinks facet): a Spark path is also a Hive table."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="symlinks")
    type = models.CharField(max_length=40, blank=True)
    graph_version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dataset", "namespace", "name"], name="lineage_symlink_unique"),
        ]
        indexes = [
            models.Index(fields=["graph_version"], name="lineage_symlink_version_idx"),
            models.Index(fields=["exact_digest"], name="lineage_symlink_exact_idx"),
            models.Index(fields=["bare_digest"], name="lineage_symlink_bare_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset} ~ {self.namespace}:{self.name}"


class DatasetSchemaVersion(models.Model):
    """Each distinct schema a dataset was reported with, first seen at `event_time`."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="schema_versions")
    fingerprint = models.CharField(max_length=64)
    fields = models.JSONField(default=list)
    event_time = models.DateTimeField()
    run_uuid = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dataset", "-event_time"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "fingerprint"], name="lineage_schema_unique_fingerprint"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset} schema {self.fingerprint[:8]}"


class DatasetField(models.Model):
    """A column: the node of column-level lineage."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="field_nodes")
    name = models.CharField(max_length=500)
    data_type = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["dataset", "name"]
        constraints = [models.UniqueConstraint(fields=["dataset", "name"], name="lineage_field_unique_name")]

    def __str__(self) -> str:
        return f"{self.dataset}:{self.name}"


class Direction(models.TextChoices):
    INPUT = "in", "Job reads the dataset"
    OUTPUT = "out", "Job writes the dataset"


class JobDataset(models.Model):
    """An edge: dataset -> job (input) or job -> dataset (output), the union of what runs reported.

    `last_seen_at` is kept to the day (the max over reports, truncated), so a job that runs every few minutes
    rewrites its edges once a day, not once a run; pruning works in days anyway.
    """

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="io")
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="io")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    graph_version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "dataset", "direction"], name="lineage_io_unique"),
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="lineage_io_direction"),
        ]
        indexes = [
            models.Index(fields=["graph_version"], name="lineage_io_version_idx"),
            # Pruning finds edges no run has reported for a while.
            models.Index(fields=["last_seen_at"], name="lineage_io_last_seen_idx"),
            # The graph answer's lastModifiedAt: when a dataset was last written.
            models.Index(fields=["dataset", "direction"], name="lineage_io_dataset_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.direction} {self.dataset}"


class ColumnEdge(models.Model):
    """source field -> target field, from an output's columnLineage facet."""

    source = models.ForeignKey(DatasetField, on_delete=models.CASCADE, related_name="downstream_edges")
    target = models.ForeignKey(DatasetField, on_delete=models.CASCADE, related_name="upstream_edges")
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    transformations = models.JSONField(default=list, blank=True, help_text="As sent: type, subtype, ...")
    description = models.TextField(blank=True)
    graph_version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "target"], name="lineage_column_edge_unique")]
        indexes = [
            models.Index(fields=["graph_version"], name="lineage_column_version_idx"),
            # Ingestion checks which edges into an output's fields exist already.
            models.Index(fields=["target"], name="lineage_column_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source} -> {self.target}"


class QualityFacet(models.Model):
    """Quality and statistics facets, kept for SLO evaluation: dataQualityMetrics, assertions, statistics."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="quality_facets")
    name = models.CharField(max_length=100)
    facet = models.JSONField()
    event_time = models.DateTimeField()
    run_uuid = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dataset", "-event_time"]
        indexes = [
            # SLO evaluation reads a dataset's latest measurements of one kind.
            models.Index(fields=["dataset", "name", "-event_time"], name="lineage_quality_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset} {self.name} @ {self.event_time}"
