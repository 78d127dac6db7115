"""What the policy evaluation leaves behind: findings per product and policy, and a score per product.

The policies themselves are code (governance/policies.py), not rows: they are agreed by the domains and changed
by review, like any other code. What is stored is their outcome, so that pages and the health score read it
with a query or two instead of re-running every check.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog.models import DataProduct, Domain


class Severity(models.TextChoices):
    ERROR = "error", "Error"
    WARNING = "warning", "Warning"
    INFO = "info", "Info"


class FindingStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class FindingQuerySet(models.QuerySet["Finding"]):
    def open(self) -> FindingQuerySet:
        return self.filter(status=FindingStatus.OPEN)


class Finding(models.Model):
    """One policy that one product fails. Reopened as a new row after it was resolved, so history is kept."""

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="governance_findings")
    policy_id = models.CharField(max_length=60)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    message = models.TextField()
    status = models.CharField(max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    opened_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(help_text="The last evaluation that still found it.")
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["product", "policy_id", "-opened_at"]
        constraints = [
            # Two evaluations of one product racing must not open the same finding twice.
            models.UniqueConstraint(
                fields=["product", "policy_id"],
                condition=Q(status=FindingStatus.OPEN),
                name="finding_one_open_per_policy",
            ),
            models.CheckConstraint(condition=Q(severity__in=Severity.values), name="finding_severity_valid"),
            models.CheckConstraint(condition=Q(status__in=FindingStatus.values), name="finding_status_valid"),
            models.CheckConstraint(
                condition=Q(status=FindingStatus.OPEN, resolved_at__isnull=True)
                | Q(status=FindingStatus.RESOLVED, resolved_at__isnull=False),
                name="finding_resolved_at_iff_resolved",
            ),
        ]
        indexes = [
            # The product page and the evaluation read a product's open findings.
            models.Index(fields=["product", "status"], name="finding_product_status_idx"),
            # The policies page counts open findings per policy.
            models.Index(fields=["status", "policy_id"], name="finding_status_policy_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} on {self.product_id} ({self.status})"


class ProductScore(models.Model):
    """The governance score of a product the policies apply to (published ones, see policies.IN_SCOPE).

    Products out of scope (drafts, deprecated, retired) have no row: they are not held to the policies.
    `domain` is copied from the product at evaluation time so that domain scores are one grouped query over
    this table (pass rates group by the product's status through a join).
    """

    product = models.OneToOneField(
        DataProduct, on_delete=models.CASCADE, primary_key=True, related_name="governance_score"
    )
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(help_text="0-100: the severity-weighted share of the policies it passes.")
    checked = models.PositiveIntegerField(help_text="Policies evaluated.")
    passed = models.PositiveIntegerField()
    errors = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)
    infos = models.PositiveIntegerField(default=0)
    evaluated_at = models.DateTimeField()
    # The health score and its inputs as of `health_at` (governance/health.py), kept here so that the mesh
    # dashboard and domain scorecards aggregate one table; product pages compute health live.
    health = models.FloatField(null=True, blank=True)
    slo_compliance = models.FloatField(null=True, blank=True, help_text="0-1 over 30 days; null without SLO data.")
    rating_average = models.FloatField(null=True, blank=True, help_text="Bayesian average; null when unrated.")
    rating_count = models.PositiveIntegerField(default=0)
    consumers = models.PositiveIntegerField(null=True, blank=True, help_text="Active grants; null without access.")
    health_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["product"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="productscore_score_range"),
            models.CheckConstraint(condition=Q(passed__lte=models.F("checked")), name="productscore_passed_le_checked"),
        ]
        indexes = [
            # Domain scores and the dashboard average scores per domain.
            models.Index(fields=["domain", "score"], name="productscore_domain_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.score:.0f}"


class PendingEvaluation(models.Model):
    """A product whose policies must be evaluated again: a product write committed since its last evaluation.

    Embedded profile only (no broker): writes queue a row here instead of evaluating at once, and the pending set
    is evaluated in batches (governance/pending.py), or before a page or the API reads a product's governance.
    `product_id` is a plain integer, not a foreign key: a deleted product's row is simply skipped by the drain.
    `queued_at` is when the product first became pending; a later write to it keeps it and changes `token`.
    """

    product_id = models.BigIntegerField()
    queued_at = models.DateTimeField(default=timezone.now)
    # New whenever the product is queued again: a drain that read the row before deletes it only if unchanged.
    token = models.UUIDField(default=uuid.uuid4)
    # SQLite: when a drain took the row to evaluate it (other drains leave it alone for a while); queuing the
    # product again clears it.
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["queued_at", "product_id"]
        constraints = [
            # A product is pending once, however many writes touched it since its last evaluation.
            models.UniqueConstraint(fields=["product_id"], name="pendingevaluation_product_unique"),
        ]
        indexes = [
            # `due()` reads the oldest row; drains claim the oldest first.
            models.Index(fields=["queued_at"], name="pendingeval_queued_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} pending since {self.queued_at:%Y-%m-%d %H:%M:%S}"


class OpenFindingCount(models.Model):
    """Open findings per policy in the whole mesh, kept exact by triggers on the findings table
    (governance/counts.py): the policies page and the dashboard read a row per policy instead of counting 300k
    open findings (60-80 ms on PostgreSQL at 100k products)."""

    policy_id = models.CharField(max_length=60, unique=True)
    n = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.policy_id}: {self.n}"


class DomainScoreTotal(models.Model):
    """Sums and counts of a domain's product scores (the columns the dashboards average), kept by triggers on the
    scores table (governance/counts.py): the mesh dashboard and the domain scorecards read a row per domain
    instead of aggregating 100k scores (150 ms on SQLite). Recomputed after each full health refresh, which bounds
    the rounding a long run of float additions and subtractions could gather."""

    domain = models.OneToOneField(Domain, on_delete=models.CASCADE, related_name="+")
    n = models.IntegerField(default=0)
    gov_sum = models.FloatField(default=0)
    err_sum = models.BigIntegerField(default=0)
    warn_sum = models.BigIntegerField(default=0)
    slo_sum = models.FloatField(default=0)
    slo_n = models.IntegerField(default=0)
    rating_sum = models.FloatField(default=0)
    rating_n = models.IntegerField(default=0)
    cons_sum = models.BigIntegerField(default=0)
    cons_n = models.IntegerField(default=0)
    health_sum = models.FloatField(default=0)
    health_n = models.IntegerField(default=0)
    evaluated_at = models.DateTimeField(null=True, blank=True, help_text="The latest health_at seen.")

    def __str__(self) -> str:
        return f"{self.domain_id}: {self.n}"
