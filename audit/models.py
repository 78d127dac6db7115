"""The audit log: one row per state-changing request through the pages or the API, whatever its outcome."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Method(models.TextChoices):
    # GET only for sign-ins through an identity provider: its callback is a GET that creates and changes things.
    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    PATCH = "PATCH"
    DELETE = "DELETE"


class Channel(models.TextChoices):
    API = "api", "API"
    PAGE = "page", "Page"


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def older_than(self, moment: datetime) -> AuditEntryQuerySet:
        return self.filter(at__lt=moment)

    def by_username(self, username: str) -> AuditEntryQuerySet:
        return self.filter(username=username)

    def by_team(self, team_slug: str) -> AuditEntryQuerySet:
        return self.filter(team_slug=team_slug)

    def refused(self) -> AuditEntryQuerySet:
        return self.filter(status_code__gte=400)

    def newest_first(self) -> AuditEntryQuerySet:
        return self.order_by("-at", "-pk")


class AuditEntry(models.Model):
    """What was asked, by whom, and how it was answered. Never the body, never a credential.

    Who is kept as text as well as a link, so the entry still says who acted after the account or token is gone.
    """

    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True, help_text="The person, or empty for a token/anonymous.")
    token_key_id = models.CharField(max_length=16, blank=True, help_text="The public key id of the API token.")
    team_slug = models.CharField(max_length=100, blank=True, help_text="The team of the API token.")
    channel = models.CharField(max_length=4, choices=Channel.choices)
    method = models.CharField(max_length=6, choices=Method.choices)
    path = models.CharField(max_length=1000, help_text="The path without the query string.")
    route = models.CharField(max_length=200, blank=True, help_text="The URL name, e.g. api-product.")
    object_ref = models.CharField(max_length=500, blank=True, help_text="What the request was about, when known.")
    status_code = models.PositiveSmallIntegerField()
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        constraints = [
            models.CheckConstraint(condition=Q(method__in=Method.values), name="audit_entry_method_valid"),
            models.CheckConstraint(
                condition=Q(status_code__gte=100, status_code__lte=599), name="audit_entry_status_valid"
            ),
        ]
        indexes = [
            # The browse page and API: newest first, optionally from a date; also the retention purge.
            models.Index(fields=["-at"], name="audit_entry_at_idx"),
            # "What did this person do?"
            models.Index(fields=["username", "-at"], name="audit_entry_username_idx"),
            # "What did this team's tokens do?"
            models.Index(fields=["team_slug", "-at"], name="audit_entry_team_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.method} {self.path} → {self.status_code}"

    @property
    def actor_label(self) -> str:
        if self.token_key_id:
            return f"token {self.token_key_id} ({self.team_slug})"
        return self.username or "anonymous"
