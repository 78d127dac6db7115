"""What harvesting keeps of its own: SQL connections, runs, the dbt models it mapped, observed schemas and drift.

The catalog's products, ports and fields are written through the catalog's services; this app only remembers
where they came from (so a second harvest of the same files changes nothing) and what the live table showed.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog.models import DataProduct, Domain, OutputPort
from core.models import TimeStampedModel


class HarvestKind(models.TextChoices):
    DBT = "dbt", "dbt project"
    SQL = "sql", "SQL database"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    OK = "ok", "Succeeded"
    PARTIAL = "partial", "Succeeded with errors"
    FAILED = "failed", "Failed"


class ConnectionQuerySet(models.QuerySet["Connection"]):
    def due(self, now=None) -> list[Connection]:
        """Connections with a schedule whose interval has passed since their last run (or that never ran)."""
        now = now or timezone.now()
        return [c for c in self.filter(schedule_minutes__gt=0).order_by("pk") if c.is_due(now)]


class Connection(TimeStampedModel):
    """A SQL database a domain's output ports live in. The URL is stored without its password; the password
    comes from the environment variable or the file the connection names, read at harvest time only."""

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="harvest_connections")
    name = models.SlugField(max_length=80)
    url = models.CharField(max_length=500, help_text="SQLAlchemy URL without the password.")
    secret_env = models.CharField(max_length=120, blank=True, help_text="Environment variable holding the password.")
    secret_file = models.CharField(max_length=500, blank=True, help_text="File holding the password.")
    schedule_minutes = models.PositiveIntegerField(default=0, help_text="Harvest every N minutes; 0: on demand only.")
    measure = models.BooleanField(default=False, help_text="Also count rows and read last-modified times.")
    last_run_at = models.DateTimeField(null=True, blank=True)

    objects = ConnectionQuerySet.as_manager()

    class Meta:
        ordering = ["domain", "name"]
        constraints = [models.UniqueConstraint(fields=["domain", "name"], name="harvest_connection_unique_name")]

    def __str__(self) -> str:
        return f"{self.domain.slug}/{self.name}"

    def is_due(self, now) -> bool:
        if not self.schedule_minutes:
            return False
        return self.last_run_at is None or self.last_run_at + timedelta(minutes=self.schedule_minutes) <= now


class HarvestRun(models.Model):
    kind = models.CharField(max_length=3, choices=HarvestKind.choices)
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="harvest_runs")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, null=True, blank=True, related_name="runs")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING)
    triggered_by = models.CharField(max_length=200, blank=True)
    counts = models.JSONField(default=dict, blank=True, help_text="created / changed / unchanged / skipped ...")
    summary = models.JSONField(default=dict, blank=True, help_text="The answer given for the run, item by item.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            # The connections page shows each connection's latest runs.
            models.Index(fields=["connection", "-started_at"], name="harvest_run_connection_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} run {self.pk} ({self.status})"


class HarvestedModel(models.Model):
    """A dbt model the domain's harvests have mapped to a port, with the fingerprint of what it said last."""

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="harvested_models")
    unique_id = models.CharField(max_length=400)
    product = models.ForeignKey(DataProduct, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    port_name = models.CharField(max_length=120, blank=True)
    fingerprint = models.CharField(max_length=64)
    product_fingerprint = models.CharField(max_length=64, blank=True, help_text="The product's after the write.")
    removed_at = models.DateTimeField(null=True, blank=True, help_text="Set when a manifest no longer had it.")

    class Meta:
        ordering = ["domain", "unique_id"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "unique_id"], name="harvest_model_unique_domain_uid"),
        ]

    def __str__(self) -> str:
        return self.unique_id


class ObservedSchema(models.Model):
    """The latest schema a SQL harvest read for a port's table."""

    port = models.OneToOneField(OutputPort, on_delete=models.CASCADE, related_name="observed_schema")
    connection = models.ForeignKey(Connection, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    table = models.CharField(max_length=500)
    columns = models.JSONField(default=list)
    fingerprint = models.CharField(max_length=64)
    observed_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.table


class DriftKind(models.TextChoices):
    TABLE_MISSING = "table_missing", "Table missing"
    MISSING_COLUMN = "missing_column", "Column missing"
    NEW_COLUMN = "new_column", "New column"
    TYPE_CHANGED = "type_changed", "Type changed"
    NULLABILITY_CHANGED = "nullability_changed", "Nullability changed"


class DriftQuerySet(models.QuerySet["Drift"]):
    def open(self) -> DriftQuerySet:
        return self.filter(resolved_at__isnull=True)


class Drift(models.Model):
    """One difference between a port's declared schema and its live table; open until a harvest no longer sees it."""

    port = models.ForeignKey(OutputPort, on_delete=models.CASCADE, related_name="drifts")
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="drifts")
    kind = models.CharField(max_length=20, choices=DriftKind.choices)
    column = models.CharField(max_length=200, blank=True)
    declared = models.CharField(max_length=200, blank=True)
    observed = models.CharField(max_length=200, blank=True)
    breaking = models.BooleanField(default=False)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    run = models.ForeignKey(HarvestRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="drifts")

    objects = DriftQuerySet.as_manager()

    class Meta:
        ordering = ["port", "kind", "column"]
        constraints = [
            models.UniqueConstraint(
                fields=["port", "kind", "column"],
                condition=Q(resolved_at__isnull=True),
                name="harvest_drift_one_open",
            ),
            models.CheckConstraint(condition=Q(kind__in=DriftKind.values), name="harvest_drift_kind_valid"),
        ]
        indexes = [
            # Governance and the product page read the open drift of a set of products.
            models.Index(fields=["product", "resolved_at"], name="harvest_drift_product_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.column}".strip()


class SchemaChange(models.Model):
    """The observed-schema history of a port: each difference as it opened and as it resolved."""

    port = models.ForeignKey(OutputPort, on_delete=models.CASCADE, related_name="schema_changes")
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="schema_changes")
    at = models.DateTimeField()
    change = models.CharField(max_length=10, help_text="opened | resolved")
    kind = models.CharField(max_length=20, choices=DriftKind.choices)
    column = models.CharField(max_length=200, blank=True)
    declared = models.CharField(max_length=200, blank=True)
    observed = models.CharField(max_length=200, blank=True)
    breaking = models.BooleanField(default=False)
    run = models.ForeignKey(HarvestRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["product", "-at"], name="harvest_change_product_idx")]

    def __str__(self) -> str:
        return f"{self.change} {self.get_kind_display()} {self.column}".strip()
