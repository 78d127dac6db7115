"""Service level objectives of data products, the measurements (SLIs) that feed them, and breach incidents.

An objective's current state and compliance are kept on its own row (written by evaluation), so that listing
pages, the product page and the search index read one row per objective, never its measurements.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from catalog.models import DataProduct, OutputPort
from core.models import TimeStampedModel


class SloKind(models.TextChoices):
    FRESHNESS = "freshness", "Freshness"
    AVAILABILITY = "availability", "Availability"
    COMPLETENESS = "completeness", "Completeness"
    VOLUME = "volume", "Volume"
    LATENCY = "latency", "Latency"
    CUSTOM = "custom", "Custom"


class Comparator(models.TextChoices):
    """For custom objectives: the measured value must stay at or below (lte) or at or above (gte) the threshold."""

    LTE = "lte", "at most"
    GTE = "gte", "at least"


class SloSource(models.TextChoices):
    CONTRACT = "contract", "Data contract"
    MANUAL = "manual", "Set by the owners"


class SloState(models.TextChoices):
    MET = "met", "Met"
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"
    NO_DATA = "no_data", "No data"


class MeasurementSource(models.TextChoices):
    API = "api", "Pushed by a pipeline"
    OPENLINEAGE = "openlineage", "OpenLineage event"
    DEMO = "demo", "Demo data"
    HARVEST = "harvest", "Harvested (dbt run results, live tables)"


# Custom objectives with this metric are fed by OpenLineage dataQualityAssertions (share of assertions passed).
ASSERTIONS_METRIC = "assertions"

# The objective's fields that hold its latest evaluation: written by slo.evaluation only, read-only elsewhere.
EVALUATION_FIELDS = (
    "state",
    "state_since",
    "current_value",
    "last_measured_at",
    "compliance_7d",
    "compliance_30d",
    "evaluated_at",
)


class SloQuerySet(models.QuerySet["ServiceLevelObjective"]):
    def for_product(self, product: DataProduct | int) -> SloQuerySet:
        return self.filter(product=product)

    def for_products(self, product_ids) -> SloQuerySet:
        return self.filter(product_id__in=list(product_ids))

    def from_contracts(self) -> SloQuerySet:
        return self.filter(source=SloSource.CONTRACT)

    def manual(self) -> SloQuerySet:
        return self.filter(source=SloSource.MANUAL)

    def fed_by_lineage(self) -> SloQuerySet:
        """Objectives an OpenLineage run event can measure."""
        return self.filter(
            Q(kind__in=[SloKind.FRESHNESS, SloKind.VOLUME, SloKind.COMPLETENESS])
            | Q(kind=SloKind.CUSTOM, metric=ASSERTIONS_METRIC)
        )

    def breached(self) -> SloQuerySet:
        return self.filter(state=SloState.BREACHED)


class ServiceLevelObjective(TimeStampedModel):
    """What a product (or one of its output ports) promises, and how well it keeps the promise right now.

    The threshold fields used depend on the kind (checked in the database):
    freshness: `threshold` = maximum age of the data in seconds; latency: `threshold` = maximum seconds;
    completeness, availability: `threshold` = minimum ratio 0..1; volume: `min_rows` and/or `max_rows`;
    custom: `metric`, `comparator` and `threshold`.
    """

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="slos")
    port = models.ForeignKey(
        OutputPort,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="slos",
        help_text="Empty: the whole product.",
    )
    name = models.CharField(max_length=120, help_text="Unique within the product; pipelines name the SLO by it.")
    kind = models.CharField(max_length=20, choices=SloKind.choices)
    description = models.TextField(blank=True)
    threshold = models.FloatField(null=True, blank=True)
    min_rows = models.BigIntegerField(null=True, blank=True)
    max_rows = models.BigIntegerField(null=True, blank=True)
    comparator = models.CharField(max_length=3, choices=Comparator.choices, blank=True)
    metric = models.CharField(max_length=100, blank=True, help_text="Custom objectives: what is measured.")
    element = models.CharField(max_length=200, blank=True, help_text="Column it is about (completeness), if one.")
    risk_margin = models.FloatField(default=0.1, help_text="Share of the threshold that counts as 'at risk'.")
    source = models.CharField(max_length=10, choices=SloSource.choices, default=SloSource.MANUAL)
    contract_id = models.CharField(max_length=200, blank=True, help_text="The contract it was derived from.")
    source_key = models.CharField(
        max_length=400, blank=True, help_text="Contract id + SLA property that made it; '' for manual ones."
    )
    source_property = models.CharField(max_length=300, blank=True, help_text="The SLA property as written.")

    # The latest evaluation (EVALUATION_FIELDS), written only by slo.evaluation.
    state = models.CharField(max_length=10, choices=SloState.choices, default=SloState.NO_DATA)
    state_since = models.DateTimeField(null=True, blank=True)
    current_value = models.FloatField(null=True, blank=True, help_text="Value evaluated against the objective.")
    last_measured_at = models.DateTimeField(null=True, blank=True)
    compliance_7d = models.FloatField(null=True, blank=True)
    compliance_30d = models.FloatField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    # Bookkeeping of the daily rollups (SloDay), so that evaluation reads today's measurements, not 30 days of them.
    rollup_until = models.DateTimeField(
        null=True, blank=True, help_text="Start of the UTC day up to which SloDay rows are complete; empty: none are."
    )
    dirty_since = models.DateTimeField(
        null=True, blank=True, help_text="Earliest time of a measurement stored since the rollups were written."
    )

    objects = SloQuerySet.as_manager()

    class Meta:
        ordering = ["product", "name"]
        verbose_name = "service level objective"
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="slo_unique_product_name"),
            models.UniqueConstraint(
                fields=["product", "source_key"], condition=~Q(source_key=""), name="slo_unique_contract_source"
            ),
            models.CheckConstraint(condition=Q(kind__in=SloKind.values), name="slo_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=SloState.values), name="slo_state_valid"),
            models.CheckConstraint(condition=Q(source__in=SloSource.values), name="slo_source_valid"),
            models.CheckConstraint(condition=Q(risk_margin__gte=0, risk_margin__lt=1), name="slo_risk_margin_range"),
            models.CheckConstraint(
                condition=~Q(kind__in=["freshness", "latency", "completeness", "availability", "custom"])
                | Q(threshold__isnull=False),
                name="slo_threshold_required",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["completeness", "availability"]) | Q(threshold__gte=0, threshold__lte=1),
                name="slo_ratio_range",
            ),
            models.CheckConstraint(
                condition=~Q(kind="volume") | Q(min_rows__isnull=False) | Q(max_rows__isnull=False),
                name="slo_volume_bound_required",
            ),
            models.CheckConstraint(
                condition=Q(min_rows__isnull=True) | Q(max_rows__isnull=True) | Q(min_rows__lte=F("max_rows")),
                name="slo_volume_bounds_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(kind="custom") | Q(comparator__in=Comparator.values), name="slo_custom_comparator"
            ),
        ]
        indexes = [
            # The beat evaluation and the product page walk objectives by product.
            models.Index(fields=["product", "state"], name="slo_product_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.name}"

    @property
    def is_from_contract(self) -> bool:
        return self.source == SloSource.CONTRACT


class Measurement(models.Model):
    """One SLI value. `key` makes a resend a no-op: the client's idempotency key, or one derived from the content."""

    slo = models.ForeignKey(ServiceLevelObjective, on_delete=models.CASCADE, related_name="measurements")
    value = models.FloatField()
    measured_at = models.DateTimeField()
    source = models.CharField(max_length=12, choices=MeasurementSource.choices, default=MeasurementSource.API)
    key = models.CharField(max_length=200)
    note = models.CharField(max_length=300, blank=True, help_text="Where it came from: dataset, run, facet.")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slo", "-measured_at"]
        constraints = [
            models.UniqueConstraint(fields=["slo", "key"], name="measurement_unique_slo_key"),
            models.CheckConstraint(condition=Q(source__in=MeasurementSource.values), name="measurement_source_valid"),
        ]
        indexes = [
            # Evaluation reads one objective's measurements of the last 30 days in time order.
            models.Index(fields=["slo", "measured_at"], name="measurement_slo_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.slo} = {self.value:g} @ {self.measured_at:%Y-%m-%d %H:%M}"


class SloDay(models.Model):
    """One UTC day of an objective's timeline, rolled up: how long it was met or at risk, and how long it had a
    known state. Compliance over 7 and 30 days adds these up, so evaluation never re-reads a month of raw
    measurements; a late measurement or a changed threshold marks the days from then on for recomputation."""

    slo = models.ForeignKey(ServiceLevelObjective, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    good_seconds = models.FloatField()
    known_seconds = models.FloatField()

    class Meta:
        ordering = ["slo", "day"]
        constraints = [
            models.UniqueConstraint(fields=["slo", "day"], name="slo_day_unique"),
            models.CheckConstraint(
                condition=Q(good_seconds__gte=0, known_seconds__gte=F("good_seconds")),
                name="slo_day_seconds_valid",
            ),
        ]
        # The unique constraint's index serves evaluation's read of one objective's days in a window.

    def __str__(self) -> str:
        return f"{self.slo} {self.day}: {self.good_seconds:.0f}/{self.known_seconds:.0f} s"


class SloEvaluation(models.Model):
    """A state the objective entered and when; one row per change, so the history stays small."""

    slo = models.ForeignKey(ServiceLevelObjective, on_delete=models.CASCADE, related_name="evaluations")
    state = models.CharField(max_length=10, choices=SloState.choices)
    since = models.DateTimeField(help_text="When the objective entered the state (may be before it was noticed).")
    value = models.FloatField(null=True, blank=True)
    evaluated_at = models.DateTimeField()

    class Meta:
        ordering = ["slo", "-since"]
        constraints = [models.CheckConstraint(condition=Q(state__in=SloState.values), name="slo_evaluation_state")]
        indexes = [models.Index(fields=["slo", "-since"], name="slo_evaluation_recent_idx")]

    def __str__(self) -> str:
        return f"{self.slo} {self.state} since {self.since}"


class IncidentQuerySet(models.QuerySet["Incident"]):
    def open(self) -> IncidentQuerySet:
        return self.filter(closed_at__isnull=True)

    def for_product(self, product: DataProduct | int) -> IncidentQuerySet:
        return self.filter(slo__product=product)


class Incident(models.Model):
    """A breach, from the moment the objective was breached until it was met (or at risk) again."""

    slo = models.ForeignKey(ServiceLevelObjective, on_delete=models.CASCADE, related_name="incidents")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    worst_value = models.FloatField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True, help_text="When the owners were told of the breach.")
    recovery_notified_at = models.DateTimeField(null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            # Evaluation opens at most one incident per objective at a time, even when two evaluations race.
            models.UniqueConstraint(fields=["slo"], condition=Q(closed_at__isnull=True), name="incident_one_open"),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("opened_at")), name="incident_closes_later"
            ),
        ]
        indexes = [models.Index(fields=["slo", "-opened_at"], name="incident_slo_recent_idx")]

    def __str__(self) -> str:
        return f"{self.slo} breached {self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
