"""Product versions: every accepted change of a product's ports, fields or contract, with its classified diff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models.products import DataProduct


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
