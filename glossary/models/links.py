"""Where terms are used: links to output-port fields and to products, and links the portal suggests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import DataProduct, SchemaField
from glossary.models.terms import Term


class TermFieldLink(models.Model):
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="field_links")
    field = models.ForeignKey(SchemaField, on_delete=models.CASCADE, related_name="term_links")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term", "field"]
        constraints = [
            models.UniqueConstraint(fields=["term", "field"], name="termfieldlink_unique_term_field"),
        ]
        indexes = [
            # The product page shows the terms of each of its fields.
            models.Index(fields=["field"], name="termfieldlink_field_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.term} ~ {self.field}"


class TermProductLink(models.Model):
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="product_links")
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="term_links")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term", "product"]
        constraints = [
            models.UniqueConstraint(fields=["term", "product"], name="termproductlink_unique"),
        ]
        indexes = [
            # The product page lists the product's terms.
            models.Index(fields=["product"], name="termproductlink_product_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.term} ~ {self.product}"


class SuggestionStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    DISMISSED = "dismissed", "Dismissed"


class LinkSuggestion(models.Model):
    """A field whose name or description mentions a term; kept once decided so it is never suggested again."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="suggestions")
    field = models.ForeignKey(SchemaField, on_delete=models.CASCADE, related_name="term_suggestions")
    matched = models.CharField(max_length=200, help_text="The name or synonym found in the field.")
    where = models.CharField(max_length=20, help_text="'name' or 'description' of the field.")
    status = models.CharField(max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term", "field"]
        constraints = [
            models.UniqueConstraint(fields=["term", "field"], name="linksuggestion_unique_term_field"),
            models.CheckConstraint(condition=Q(status__in=SuggestionStatus.values), name="linksuggestion_status_valid"),
        ]
        indexes = [
            # A glossary's open suggestions, for its stewards.
            models.Index(fields=["status", "term"], name="linksuggestion_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.term} ? {self.field}"
