"""Who hears of what: follows, saved searches, per-person preferences, the notices sent, deprecations, and the
domains' chat webhooks with their delivery log (docs/notices.md)."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import DataProduct, Deprecation, Domain, ProductVersion
from core.models import TimeStampedModel
from glossary.models import Term


class NoticeKind(models.TextChoices):
    BREAKING_CHANGE = "breaking_change", "Breaking change"
    DEPRECATION = "deprecation", "Deprecation"
    INCIDENT = "incident", "Incident"
    NEW_VERSION = "new_version", "New version"
    NEW_MATCH = "new_match", "New match of a saved search"


class Frequency(models.TextChoices):
    IMMEDIATELY = "immediately", "Immediately"
    DIGEST = "digest", "Daily digest"
    OFF = "off", "Off"


class FollowTarget(models.TextChoices):
    PRODUCT = "product", "Product"
    DOMAIN = "domain", "Domain"
    TERM = "term", "Glossary term"


class Follow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    target = models.CharField(max_length=10, choices=FollowTarget.choices)
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(target="product") & Q(product__isnull=False) & Q(domain__isnull=True) & Q(term__isnull=True)
                )
                | (Q(target="domain") & Q(domain__isnull=False) & Q(product__isnull=True) & Q(term__isnull=True))
                | (Q(target="term") & Q(term__isnull=False) & Q(product__isnull=True) & Q(domain__isnull=True)),
                name="follow_one_target",
            ),
            models.UniqueConstraint(fields=["user", "product"], name="follow_unique_product"),
            models.UniqueConstraint(fields=["user", "domain"], name="follow_unique_domain"),
            models.UniqueConstraint(fields=["user", "term"], name="follow_unique_term"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.target} {self.product_id or self.domain_id or self.term_id}"


class SavedSearch(TimeStampedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=200)
    query = models.CharField(max_length=1000, help_text="The search page's query string (q=...&domain=...).")
    seen = models.JSONField(default=list, help_text="Product ids already matched (a new one alerts).")
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Preference(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preferences")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    frequency = models.CharField(max_length=12, choices=Frequency.choices, default=Frequency.IMMEDIATELY)
    mail = models.BooleanField(default=True, help_text="Also by mail (the inbox always has it).")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notice_preference_unique"),
            models.CheckConstraint(condition=Q(kind__in=NoticeKind.values), name="notice_preference_kind"),
            models.CheckConstraint(condition=Q(frequency__in=Frequency.values), name="notice_preference_frequency"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.frequency}"


class NoticeQuerySet(models.QuerySet["Notice"]):
    def pending_digest(self) -> NoticeQuerySet:
        return self.filter(frequency=Frequency.DIGEST, sent_at__isnull=True)


class Notice(models.Model):
    """One thing told to one person: kept once per (person, key), so a repeated run tells nobody twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    key = models.CharField(max_length=200, help_text="What it is about: version:12, deprecation:3:14d...")
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    version = models.ForeignKey(ProductVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    reasons = models.JSONField(default=list, help_text="Why this person: grant, input port, lineage, follow...")
    frequency = models.CharField(max_length=12, choices=Frequency.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When it reached the inbox (a digest: later).")

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notice_unique_user_key")]
        indexes = [
            # The digest task: unsent digest notices.
            models.Index(fields=["frequency", "sent_at"], name="notice_digest_idx"),
            # My data: a person's notices since a date.
            models.Index(fields=["user", "created_at"], name="notice_user_created_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class DeprecationStage(models.TextChoices):
    ANNOUNCED = "announced", "Announced"
    DAYS_14 = "14d", "14 days before sunset"
    DAYS_3 = "3d", "3 days before sunset"
    SUNSET = "sunset", "At sunset"


class DeprecationNotice(models.Model):
    """Which notices of a deprecation went out: each stage once, however often the timeline task runs."""

    deprecation = models.ForeignKey(Deprecation, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=10, choices=DeprecationStage.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["deprecation", "sent_at"]
        constraints = [models.UniqueConstraint(fields=["deprecation", "stage"], name="deprecation_notice_once")]

    def __str__(self) -> str:
        return f"{self.deprecation_id} {self.stage}"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class ChatWebhook(TimeStampedModel):
    """A domain's outbound chat webhook: Slack-compatible JSON, signed like the provisioning webhook."""

    domain = models.OneToOneField(Domain, on_delete=models.CASCADE, related_name="chat_webhook")
    url = models.URLField(max_length=500)
    signing_secret = models.CharField(max_length=100, default=new_secret)
    kinds = models.JSONField(default=list, help_text="Notice kinds posted; empty: all.")

    def __str__(self) -> str:
        return f"chat webhook of {self.domain_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class ChatDelivery(TimeStampedModel):
    event_id = models.UUIDField(default=uuid.uuid4, unique=True)
    webhook = models.ForeignKey(ChatWebhook, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} -> {self.webhook_id}: {self.status}"


class Visit(models.Model):
    """When a person last opened My data (what changed since is measured from it)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="my_data_visit")
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id} at {self.seen_at}"
