"""Product versions: every accepted change of a product's ports, fields or contract, with its classified diff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models.products import DataProduct, OutputPort


class VersionSubject(models.TextChoices):
    PRODUCT = "product", "Product descriptor"
    CONTRACT = "contract", "Data contract"


class VersionQuerySet(models.QuerySet["ProductVersion"]):
    def of_product(self, product) -> VersionQuerySet:
        return self.filter(product=product)

    def breaking(self) -> VersionQuerySet:
        return self.filter(breaking=True)


class ProductVersion(models.Model):
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(help_text="1, 2, 3... per product, in the order changes were accepted.")
    subject = models.CharField(max_length=10, choices=VersionSubject.choices, default=VersionSubject.PRODUCT)
    contract_id = models.CharField(max_length=200, blank=True, help_text="For a contract change: the contract.")
    version = models.CharField(max_length=40, blank=True, help_text="The product's (or contract's) version then.")
    created_at = models.DateTimeField(auto_now_add=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_label = models.CharField(max_length=200, help_text="Who wrote it (a person, or a team's token).")
    channel = models.CharField(max_length=10, help_text="page, api, cli, harvest, admin or other.")
    snapshot = models.JSONField(help_text="The normalised document as accepted.")
    fingerprint = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=list, help_text="The classified diff against the previous version.")
    breaking = models.BooleanField(default=False)
    warned = models.BooleanField(default=False, help_text="Breaking without a major bump, let through by the domain.")

    objects = VersionQuerySet.as_manager()

    class Meta:
        ordering = ["product", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="product_version_unique_number"),
            models.CheckConstraint(condition=Q(subject__in=VersionSubject.values), name="product_version_subject"),
        ]
        indexes = [
            # The upsert finds the snapshot of the stored product by its fingerprint.
            models.Index(fields=["product", "fingerprint"], name="product_version_fp_idx"),
            # "What changed since": versions across products after a date (notices, My data).
            models.Index(fields=["created_at"], name="product_version_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} v{self.number}"

    @property
    def breaking_changes(self) -> list[dict]:
        return [c for c in self.changes if c.get("breaking")]


class DeprecationQuerySet(models.QuerySet["Deprecation"]):
    def open(self) -> DeprecationQuerySet:
        return self.filter(retired_at__isnull=True)


class Deprecation(models.Model):
    """A product (port=None) or one of its output ports, deprecated by its owners until a sunset date.

    Kept in the catalog because access (refusing requests after sunset) and search (showing it) read it; the
    notices app tells consumers and runs the timeline (docs/notices.md)."""

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="deprecations")
    port = models.ForeignKey(OutputPort, on_delete=models.CASCADE, null=True, blank=True, related_name="deprecations")
    sunset_on = models.DateField()
    reason = models.TextField()
    replacement = models.ForeignKey(
        DataProduct, on_delete=models.SET_NULL, null=True, blank=True, related_name="replacing"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True, help_text="When the sunset took effect.")

    objects = DeprecationQuerySet.as_manager()

    class Meta:
        ordering = ["sunset_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["product"], condition=Q(port__isnull=True), name="deprecation_unique_product"
            ),
            models.UniqueConstraint(fields=["port"], name="deprecation_unique_port"),
        ]
        indexes = [
            # The timeline task: open deprecations by sunset date.
            models.Index(fields=["retired_at", "sunset_on"], name="deprecation_open_sunset_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}/{self.port_id or '*'} until {self.sunset_on}"

    @property
    def subject(self) -> str:
        return f"port '{self.port.name}' of " if self.port is not None else ""
