"""Proposals to change a glossary, and the conversation around each one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.models import TimeStampedModel
from glossary.models.terms import Glossary, Term
from tokens.models import ApiToken


class ProposalKind(models.TextChoices):
    CREATE = "create", "New term"
    CHANGE = "change", "Change"
    DEPRECATE = "deprecate", "Deprecation"


class ProposalStatus(models.TextChoices):
    OPEN = "open", "Waiting for review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


PENDING_STATUSES = (ProposalStatus.OPEN, ProposalStatus.CHANGES_REQUESTED)


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def pending(self) -> ProposalQuerySet:
        """Not decided yet: waiting for stewards, or for the proposer to revise."""
        return self.filter(status__in=PENDING_STATUSES)

    def waiting_for_review(self) -> ProposalQuerySet:
        return self.filter(status=ProposalStatus.OPEN)

    def with_relations(self) -> ProposalQuerySet:
        return self.select_related("glossary__domain", "term", "proposed_by", "decided_by")


class Proposal(TimeStampedModel):
    """A new term, a change or a deprecation, made against one version of the term.

    `content` is the whole term as the proposer wants it; `base_content` is the version it was made against, so
    that the review page shows exactly what changes, and a rebase knows which fields the proposer touched.
    """

    glossary = models.ForeignKey(Glossary, on_delete=models.CASCADE, related_name="proposals")
    # Kept when a new term is rejected and its proposed row goes away: the proposal stays readable.
    term = models.ForeignKey(Term, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals")
    term_slug = models.SlugField(max_length=120, help_text="The term's slug, kept if the term goes away.")
    kind = models.CharField(max_length=10, choices=ProposalKind.choices)
    status = models.CharField(max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)
    content = models.JSONField()
    base_content = models.JSONField(null=True, blank=True)
    base_version = models.PositiveIntegerField(default=0)
    reason = models.TextField(help_text="Why the proposer wants this.")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_by_token = models.ForeignKey(ApiToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    proposer_label = models.CharField(max_length=200)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    result_version = models.PositiveIntegerField(null=True, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ProposalKind.values), name="proposal_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=ProposalStatus.values), name="proposal_status_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="proposal_reason_required"),
        ]
        indexes = [
            # The steward inbox: a glossary's proposals waiting for review, oldest first.
            models.Index(fields=["glossary", "status", "created_at"], name="proposal_glossary_status_idx"),
            # A term page lists the term's pending proposals; approval finds the ones it made stale.
            models.Index(fields=["term", "status"], name="proposal_term_status_idx"),
            # "My proposals".
            models.Index(fields=["proposed_by", "status"], name="proposal_proposer_status_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("glossary_proposal", args=[self.pk])

    @property
    def title(self) -> str:
        return str(self.content.get("name") or self.term_slug)

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def is_stale(self) -> bool:
        """Another change was approved since this proposal was made: it must be rebased before approval."""
        return (
            self.is_pending
            and self.kind != ProposalKind.CREATE
            and self.term is not None
            and self.term.version != self.base_version
        )


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", "proposed"
    COMMENT = "comment", "commented"
    REVISED = "revised", "revised the proposal"
    REBASED = "rebased", "rebased the proposal"
    CHANGES_REQUESTED = "changes_requested", "requested changes"
    APPROVED = "approved", "approved"
    REJECTED = "rejected", "rejected"
    WITHDRAWN = "withdrawn", "withdrew the proposal"


class ProposalEvent(models.Model):
    """The proposal's thread: comments and every step of the review, in order."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_label = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["proposal", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="proposalevent_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.author_label} {self.get_kind_display()}"
