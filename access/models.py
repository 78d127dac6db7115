"""Access to output ports: requests, the grants they become, their audit trail, and the provisioning webhooks.

A request is decided once (pending or waiting for information -> approved, rejected or withdrawn); an approved
request becomes one grant, which ends by revocation or expiry. Every transition writes an `AccessEvent`. Grants
and their ends are announced to the domain's provisioning endpoint through `WebhookDelivery` rows, written in the
same transaction as the decision and delivered afterwards by a Celery task.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from catalog.models import DataProduct, Domain, OutputPort, Team, TeamMembership
from core.models import TimeStampedModel


def new_signing_secret() -> str:
    return secrets.token_urlsafe(32)


class DomainAccessSettings(TimeStampedModel):
    """How a domain handles access: who may decide, and where grants are provisioned."""

    domain = models.OneToOneField(Domain, on_delete=models.CASCADE, related_name="access_settings")
    stewards_may_decide = models.BooleanField(
        default=False, help_text="Besides the owning team's owners, its data stewards decide access requests."
    )
    provisioning_url = models.URLField(
        max_length=500, blank=True, help_text="Receives signed webhooks on grant, revoke and expiry."
    )
    # Kept in clear: it must be read back to sign each delivery. Shown only to the domain's owners; never logged.
    signing_secret = models.CharField(max_length=100, default=new_signing_secret)

    def __str__(self) -> str:
        return f"Access settings of {self.domain}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    NEEDS_INFO = "needs_info", "More information asked"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATUSES = (RequestStatus.PENDING, RequestStatus.NEEDS_INFO)


class AccessRequestQuerySet(models.QuerySet["AccessRequest"]):
    def open(self) -> AccessRequestQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def pending(self) -> AccessRequestQuerySet:
        return self.filter(status=RequestStatus.PENDING)

    def with_relations(self) -> AccessRequestQuerySet:
        return self.select_related(
            "port", "product__domain", "product__owner_team", "requester", "team", "decided_by", "grant"
        )


class AccessRequest(TimeStampedModel):
    port = models.ForeignKey(OutputPort, on_delete=models.CASCADE, related_name="access_requests")
    # The port's product, kept on the row: inboxes, counts and medians group by product and domain.
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="access_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_requests")
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_requests",
        help_text="Set when the requester asks for a team they belong to; empty for personal access.",
    )
    purpose = models.TextField()
    duration_days = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    objects = AccessRequestQuerySet.as_manager()

    # Not stored: set by access_request_create when the port is deprecated, for the page and the API to show.
    warning: str = ""

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "port"],
                condition=Q(status__in=["pending", "needs_info"]),
                name="accessrequest_one_open_per_requester_port",
            ),
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="accessrequest_status_valid"),
            models.CheckConstraint(condition=Q(duration_days__gte=1), name="accessrequest_duration_positive"),
        ]
        indexes = [
            # The approvals inbox and its navigation count: open requests of the products a person decides.
            models.Index(fields=["product", "status"], name="accessrequest_product_status"),
            # "My requests", newest first.
            models.Index(fields=["requester", "-created_at"], name="accessrequest_requester_idx"),
            # Median time to decision per domain over a window.
            models.Index(fields=["decided_at"], name="accessrequest_decided_idx"),
        ]

    def __str__(self) -> str:
        return f"Request #{self.pk} by {self.requester} for {self.port}"

    def get_absolute_url(self) -> str:
        return reverse("access:request", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def grantee_label(self) -> str:
        return f"team {self.team.name}" if self.team is not None else self.requester.get_username()


class GrantStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"
    RENEWED = "renewed", "Replaced by a renewal"


class GrantQuerySet(models.QuerySet["Grant"]):
    def active(self) -> GrantQuerySet:
        """Active and not past expiry: a grant whose expiry task has not run yet no longer counts."""
        return self.filter(status=GrantStatus.ACTIVE, expires_at__gt=timezone.now())

    def due_to_expire(self, now=None) -> GrantQuerySet:
        return self.filter(status=GrantStatus.ACTIVE, expires_at__lte=now or timezone.now())

    def held_by(self, user) -> GrantQuerySet:
        """Grants to the user personally or to a team the user belongs to."""
        if not user.is_authenticated:
            return self.none()
        # The teams are a subquery, not a join: each grant comes once without distinct(), so the answer can be
        # combined with other querysets (`&`, `|`; Django refuses to combine a distinct queryset with another).
        teams = TeamMembership.objects.filter(user=user).values("team_id")
        return self.filter(Q(user=user) | Q(team_id__in=teams))


class Grant(TimeStampedModel):
    request = models.OneToOneField(AccessRequest, on_delete=models.CASCADE, related_name="grant")
    port = models.ForeignKey(OutputPort, on_delete=models.CASCADE, related_name="grants")
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="access_grants"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="access_grants")
    status = models.CharField(max_length=10, choices=GrantStatus.choices, default=GrantStatus.ACTIVE)
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    end_reason = models.TextField(blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, help_text="When the holder was told of the expiry.")

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        constraints = [
            # A grant goes to a person or to a team, never both and never nobody.
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(team__isnull=True))
                | (Q(user__isnull=True) & Q(team__isnull=False)),
                name="grant_one_grantee",
            ),
            models.CheckConstraint(condition=Q(status__in=GrantStatus.values), name="grant_status_valid"),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("starts_at")), name="grant_expires_after_start"),
        ]
        indexes = [
            # Consumer counts per product, and the product page's consumers list.
            models.Index(fields=["product", "status", "expires_at"], name="grant_product_active_idx"),
            # The expiry and reminder tasks scan active grants by expiry.
            models.Index(fields=["status", "expires_at"], name="grant_status_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"Grant #{self.pk} on {self.port} to {self.grantee_label}"

    @property
    def grantee_label(self) -> str:
        if self.team is not None:
            return f"team {self.team.name}"
        return self.user.get_username() if self.user is not None else ""

    @property
    def is_active(self) -> bool:
        return self.status == GrantStatus.ACTIVE and self.expires_at > timezone.now()


class EventSubject(models.TextChoices):
    REQUEST = "request", "Request"
    GRANT = "grant", "Grant"


class AccessEvent(models.Model):
    """One transition: who moved the request (or its grant) from which state to which, when, and why."""

    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="events")
    subject = models.CharField(max_length=10, choices=EventSubject.choices, default=EventSubject.REQUEST)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_label = models.CharField(max_length=200, help_text="Who acted, kept when the account is gone.")
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            # The audit list of one request, oldest first.
            models.Index(fields=["request", "at"], name="accessevent_request_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} #{self.request_id}: {self.from_state or '-'} -> {self.to_state} by {self.actor_label}"


class WebhookEvent(models.TextChoices):
    GRANTED = "grant.created", "Grant created"
    REVOKED = "grant.revoked", "Grant revoked"
    EXPIRED = "grant.expired", "Grant expired"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(TimeStampedModel):
    """One event to one endpoint; attempts are counted on the row, so the log shows what the receiver saw."""

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, help_text="Sent as X-Portal-Event-Id.")
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="webhook_deliveries")
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=20, choices=WebhookEvent.choices)
    url = models.URLField(max_length=500)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"),
            models.CheckConstraint(condition=Q(event__in=WebhookEvent.values), name="delivery_event_valid"),
        ]
        indexes = [
            # The domain's delivery log, newest first.
            models.Index(fields=["domain", "-created_at"], name="delivery_domain_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.event_id} -> {self.url} ({self.status})"

    @property
    def can_send_again(self) -> bool:
        """Failed, or pending past its next attempt by the sweeper's grace: its task was lost, or nobody runs
        retries (the embedded profile has no worker), so an owner may push it by hand."""
        if self.status == DeliveryStatus.FAILED:
            return True
        if self.status != DeliveryStatus.PENDING or self.next_attempt_at is None:
            return False
        grace = timedelta(seconds=settings.ACCESS_WEBHOOK_SWEEP_GRACE_SECONDS)
        return self.next_attempt_at <= timezone.now() - grace
