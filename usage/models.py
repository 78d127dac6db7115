"""Usage records (one per day, output port and consumer), their rollups, and product milestones.

- `UsageRecord`: what a platform reports: on `day`, consumer X read output port P so much (queries, rows, bytes,
  compute seconds) at such a cost. Its identity is (day, port, consumer); `key` is the sender's own optional id.
  Kept PORTAL_USAGE_RETENTION_DAYS (400 by default), then pruned.
- `UsageMonth`: per month, product, consumer and currency, the sums; `UsageDay`: per day, product and currency.
  Both are kept up to date by the ingestion (it adds each record's change), survive the pruning of raw records, and
  are what the pages read.
- `ProductMilestone`: when a product was first seen published (the catalog keeps no lifecycle history); time to
  market reads it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import DataProduct, OutputPort, Team


class UsageSource(models.TextChoices):
    API = "api", "API"
    DEMO = "demo", "Demo data"


def consumer_key(team_id: int | None, user_id: int | None) -> str:
    """'t<team id>' or 'u<user id>': one column for the consumer, so that (day, port, consumer) can be unique."""
    return f"t{team_id}" if team_id is not None else f"u{user_id}"


class Figures(models.Model):
    queries = models.BigIntegerField(default=0)
    rows_read = models.BigIntegerField(default=0)
    bytes_read = models.BigIntegerField(default=0)
    compute_seconds = models.FloatField(default=0.0)
    cost = models.DecimalField(max_digits=18, decimal_places=6, default=0)
    currency = models.CharField(max_length=3, help_text="ISO 4217, e.g. EUR.")

    class Meta:
        abstract = True


class UsageRecord(Figures):
    day = models.DateField(help_text="The UTC day the usage happened on.")
    port = models.ForeignKey(OutputPort, on_delete=models.CASCADE, related_name="usage_records")
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="usage_records")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="usage_records")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="usage_records"
    )
    consumer = models.CharField(max_length=24, help_text="t<team id> or u<user id> (usage.models.consumer_key).")
    key = models.CharField(max_length=200, blank=True, help_text="The sender's idempotency key, if it gave one.")
    source = models.CharField(max_length=10, choices=UsageSource.choices, default=UsageSource.API)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "port", "consumer"], name="usage_record_unique_day_port_consumer"),
            models.UniqueConstraint(fields=["key"], condition=~Q(key=""), name="usage_record_unique_key"),
            models.CheckConstraint(
                condition=(Q(team__isnull=False) & Q(user__isnull=True))
                | (Q(team__isnull=True) & Q(user__isnull=False)),
                name="usage_record_one_consumer",
            ),
        ]
        indexes = [
            # Active consumers per product over the last 30 days (health, search, the product page): with the
            # consumer in it, the count is read from the index alone. The daily prune reads the unique
            # (day, port, consumer) index.
            models.Index(fields=["product", "day", "consumer"], name="usage_record_product_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} port {self.port_id} by {self.consumer}"


class UsageMonth(Figures):
    month = models.DateField(help_text="The first day of the month.")
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="usage_months")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="usage_months")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="usage_months"
    )
    consumer = models.CharField(max_length=24)
    days = models.IntegerField(default=0, help_text="Records (port-days) summed into this row.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "product", "consumer", "currency"], name="usage_month_unique_product_consumer"
            ),
        ]
        indexes = [
            # A team's show-back: its rows by month.
            models.Index(fields=["team", "month"], name="usage_month_team_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} product {self.product_id} by {self.consumer} ({self.currency})"


class UsageDay(Figures):
    day = models.DateField()
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="usage_days")
    records = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "day", "currency"], name="usage_day_unique_product_day"),
        ]
        # The unique (product, day, currency) index serves the last day each product was used (the retirement
        # policy) and a product's daily series.

    def __str__(self) -> str:
        return f"{self.day} product {self.product_id} ({self.currency})"


class ProductMilestone(models.Model):
    product = models.OneToOneField(DataProduct, on_delete=models.CASCADE, primary_key=True, related_name="milestone")
    drafted_at = models.DateTimeField(help_text="When the product was created (its draft began).")
    published_at = models.DateTimeField(null=True, blank=True, help_text="When it was first seen published.")
    estimated = models.BooleanField(
        default=False, help_text="Published before this app recorded milestones: the time is the product's creation."
    )

    def __str__(self) -> str:
        return f"product {self.product_id}: drafted {self.drafted_at:%Y-%m-%d}, published {self.published_at or '-'}"
