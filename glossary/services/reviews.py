"""Stewards' decisions on proposals: approve (a new term version), reject (with a reason), request changes."""

from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone

from core.actors import Actor
from core.dispatch import enqueue_ids_on_commit
from core.errors import ApplicationError, Conflict, FieldError, ValidationFailed
from glossary.content import TermContent
from glossary.models import EventKind, Proposal, ProposalKind, ProposalStatus
from glossary.permissions import ensure_can_decide
from glossary.resolve import GlossaryIndex, check
from glossary.services.proposals import (
    add_event,
    announce,
    drop_proposed_term,
    locked_proposal,
    proposer_people,
    required_text,
    who,
)
from glossary.services.terms import apply_content, record_version
from glossary.signals import announce_terms_changed


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    REQUEST_CHANGES = "request_changes", "Request changes"


_CHANGE_NAMES = {ProposalKind.CREATE: "created", ProposalKind.CHANGE: "changed", ProposalKind.DEPRECATE: "deprecated"}


def proposal_decide(*, actor: Actor, proposal_id: int, decision: str, reason: str = "") -> Proposal:
    """Decide a pending proposal. Only the stewards of its domain (or of its term) may; others get 403.

    Approval is refused with 409 when the term changed since the proposal was made (it must be rebased first),
    or when the glossary changed so that the proposal no longer fits (a name taken, a parent gone).
    """
    if decision not in Decision.values:
        raise ValidationFailed([FieldError("/decision", f"Must be one of: {', '.join(Decision.values)}.")])
    with transaction.atomic():
        proposal = locked_proposal(proposal_id)
        ensure_can_decide(actor, proposal)
        if not proposal.is_pending:
            raise Conflict(f"Proposal #{proposal.pk} is already {proposal.get_status_display().lower()}.")
        if decision == Decision.APPROVE:
            _approve(actor, proposal, reason.strip())
        elif decision == Decision.REJECT:
            _reject(actor, proposal, required_text(reason, "/reason", "Say why it is rejected."))
        else:
            _request_changes(actor, proposal, required_text(reason, "/reason", "Say what should change."))
    return proposal


def _approve(actor: Actor, proposal: Proposal, reason: str) -> None:
    term = proposal.term
    if term is None:
        raise Conflict("The term of this proposal is gone.")
    if proposal.kind != ProposalKind.CREATE and term.version != proposal.base_version:
        raise Conflict(
            f"Stale: the proposal was made against version {proposal.base_version} of “{term.name}”, which is now "
            f"at version {term.version}. Rebase the proposal, then review it again.",
            path="/base_version",
        )
    content = TermContent.from_dict(proposal.content)
    index = GlossaryIndex.load(proposal.glossary, [content])
    errors = check(content, slug=term.slug, index=index)
    if errors:
        raise ApplicationError(
            "The glossary changed since this proposal was made and it no longer fits; revise or rebase it.",
            status=409,
            code="conflict",
            errors=errors,
        )
    term.version += 1
    apply_content(term, content, index)
    record_version(
        term,
        content,
        change=_CHANGE_NAMES[ProposalKind(proposal.kind)],
        reason=proposal.reason,
        proposal=proposal,
        proposed_by_label=proposal.proposer_label,
        approved_by=actor.user,
        approved_by_label=who(actor),
    )
    _close(proposal, actor, ProposalStatus.APPROVED, reason)
    proposal.result_version = term.version
    proposal.save(update_fields=["result_version"])
    add_event(proposal, actor, EventKind.APPROVED, reason)
    announce(
        proposal,
        actor=actor,
        recipients=proposer_people(proposal),
        kind="proposal_approved",
        title=f"Approved: “{content.name}” is now at version {term.version}",
        body=reason,
    )
    _tell_stale(actor, proposal)

    enqueue_ids_on_commit("glossary.tasks.suggest_links_for_terms", [term.pk])
    announce_terms_changed([term.pk])


def _tell_stale(actor: Actor, approved: Proposal) -> None:
    """The other pending proposals on this term are now stale: their proposers must rebase."""
    if approved.term_id is None:
        return
    others = (
        Proposal.objects.pending()
        .filter(term_id=approved.term_id)
        .exclude(pk=approved.pk)
        .select_related("glossary__domain", "proposed_by", "proposed_by_token__created_by")
    )
    for other in others:
        announce(
            other,
            actor=actor,
            recipients=proposer_people(other),
            kind="proposal_stale",
            title=f"Rebase needed: “{other.title}” changed since you proposed #{other.pk}",
            body=f"Proposal #{approved.pk} was approved first. Rebase yours onto the new version to continue.",
        )


def _reject(actor: Actor, proposal: Proposal, reason: str) -> None:
    _close(proposal, actor, ProposalStatus.REJECTED, reason)
    drop_proposed_term(proposal)
    add_event(proposal, actor, EventKind.REJECTED, reason)
    announce(
        proposal,
        actor=actor,
        recipients=proposer_people(proposal),
        kind="proposal_rejected",
        title=f"Rejected: “{proposal.title}”",
        body=reason,
    )


def _request_changes(actor: Actor, proposal: Proposal, reason: str) -> None:
    proposal.status = ProposalStatus.CHANGES_REQUESTED
    proposal.save(update_fields=["status", "updated_at"])
    add_event(proposal, actor, EventKind.CHANGES_REQUESTED, reason)
    announce(
        proposal,
        actor=actor,
        recipients=proposer_people(proposal),
        kind="proposal_changes_requested",
        title=f"Changes requested: “{proposal.title}”",
        body=reason,
    )


def _close(proposal: Proposal, actor: Actor, status: str, reason: str) -> None:
    proposal.status = status
    proposal.decided_by = actor.user
    proposal.decided_at = timezone.now()
    proposal.decision_reason = reason
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
