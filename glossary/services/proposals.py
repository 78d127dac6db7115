"""Proposing glossary changes: a new term, a change or a deprecation; revising, rebasing, withdrawing, comments.

Decisions (approve, reject, request changes) are in `glossary.services.reviews`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from core.actors import Actor
from core.errors import ApplicationError, Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from core.notifications import notify
from glossary.content import TermContent, canonical, content_of
from glossary.diff import merge
from glossary.models import (
    EventKind,
    Glossary,
    Proposal,
    ProposalEvent,
    ProposalKind,
    ProposalStatus,
    Term,
    TermStatus,
)
from glossary.permissions import (
    ensure_can_propose,
    ensure_is_proposer,
    is_steward,
    reviewers_to_notify,
)
from glossary.resolve import GlossaryIndex, check
from glossary.services.terms import apply_content, free_slug, glossary_for_domain

REASON_MAX = 5_000


def who(actor: Actor) -> str:
    """How a person or a token is named in the thread and in versions."""
    if actor.token is not None:
        return f"token '{actor.token.name}' of {actor.token.team.slug}"
    return actor.user.get_username() if actor.user is not None else "anonymous"


def required_text(value: str | None, path: str, message: str) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationFailed([FieldError(path, message)])
    if len(text) > REASON_MAX:
        raise ValidationFailed([FieldError(path, f"At most {REASON_MAX} characters.")])
    return text


def add_event(proposal: Proposal, actor: Actor, kind: str, body: str = "") -> ProposalEvent:
    return ProposalEvent.objects.create(
        proposal=proposal, kind=kind, author=actor.user, author_label=who(actor), body=body
    )


def proposer_people(proposal: Proposal) -> list:
    """Who hears about a proposal's fate: its author, or for a token the person who issued the token."""
    if proposal.proposed_by is not None:
        return [proposal.proposed_by]
    token = proposal.proposed_by_token
    return [token.created_by] if token is not None and token.created_by is not None else []


def announce(proposal: Proposal, *, actor: Actor, recipients: list, kind: str, title: str, body: str = "") -> None:
    me = actor.user.pk if actor.user is not None else None
    notify(
        recipients=[r for r in recipients if r is not None and r.pk != me],
        kind=f"glossary.{kind}",
        title=title,
        body=body,
        url=proposal.get_absolute_url(),
    )


def _invalid(errors: list[FieldError], message: str = "The proposed term has invalid fields.") -> None:
    if errors:
        raise ValidationFailed(errors, message=message)


def _term(glossary: Glossary, slug: str) -> Term:
    term = (
        Term.objects.select_related("glossary__domain", "parent", "replaced_by__glossary__domain")
        .prefetch_related("related", "same_as__glossary__domain", "stewards")
        .filter(glossary=glossary, slug=slug)
        .first()
    )
    if term is None:
        raise NotFound(f"No term '{slug}' in the glossary of '{glossary.domain.slug}'.", path="/term")
    return term


def _new_term_content(content: dict[str, Any]) -> TermContent:
    # A new term's content is what it will say once approved; the row carries `proposed` until then.
    return TermContent.from_dict({**content, "status": TermStatus.APPROVED, "replaced_by": ""})


def _change_content(kind: str, term: Term, current: TermContent, content: dict[str, Any]) -> TermContent:
    if kind == ProposalKind.DEPRECATE:
        if term.is_deprecated:
            raise ValidationFailed([FieldError("/term", f"Term '{term.name}' is already deprecated.")])
        replacement = str(content.get("replaced_by") or "")
        return current.with_changes(status=TermStatus.DEPRECATED, replaced_by=replacement.strip())
    # A change may leave out what it does not touch.
    new = TermContent.from_dict({**current.as_dict(), **content})
    if new.status == TermStatus.DEPRECATED and not term.is_deprecated:
        raise ValidationFailed([FieldError("/status", "To deprecate a term, propose a deprecation.")])
    if new.status == TermStatus.APPROVED:
        new = new.with_changes(replaced_by="")
    return new


def proposal_create(
    *, actor: Actor, domain_slug: str, kind: str, reason: str, content: dict[str, Any], term_slug: str = ""
) -> Proposal:
    """Propose a new term (`kind=create`), a change or a deprecation of `term_slug`, and tell the stewards.

    A new term appears in the glossary as `proposed` right away: its name is taken, so two people cannot
    propose the same term twice, and the stewards see it in place.
    """
    ensure_can_propose(actor)
    if kind not in ProposalKind.values:
        raise ValidationFailed([FieldError("/kind", f"Must be one of: {', '.join(ProposalKind.values)}.")])
    reason = required_text(reason, "/reason", "Say why: the stewards decide on the reason.")
    glossary = glossary_for_domain(domain_slug)
    with transaction.atomic():
        if kind == ProposalKind.CREATE:
            new = _new_term_content(content)
            index = GlossaryIndex.load(glossary, [new])
            slug = free_slug(new.name, index.ids)
            _invalid(check(new, slug=slug, index=index))
            term = apply_content(Term(slug=slug, version=0), new, index, status=TermStatus.PROPOSED)
            base: TermContent | None = None
        else:
            term = _term(glossary, term_slug)
            if term.is_proposed:
                raise ValidationFailed([FieldError("/term", "This term is only proposed; revise its proposal.")])
            base = content_of(term)
            new = _change_content(kind, term, base, content)
            if canonical(new) == canonical(base):
                raise ValidationFailed([FieldError("/content", "The proposal changes nothing.")])
            _invalid(check(new, slug=term.slug, index=GlossaryIndex.load(glossary, [new])))
        proposal = Proposal.objects.create(
            glossary=glossary,
            term=term,
            term_slug=term.slug,
            kind=kind,
            content=new.as_dict(),
            base_content=base.as_dict() if base is not None else None,
            base_version=term.version,
            reason=reason,
            proposed_by=actor.user,
            proposed_by_token_id=actor.token.pk if actor.token is not None else None,
            proposer_label=who(actor),
        )
        add_event(proposal, actor, EventKind.SUBMITTED, reason)
        announce(
            proposal,
            actor=actor,
            recipients=reviewers_to_notify(term, glossary.domain),
            kind="proposal_submitted",
            title=f"Please review: {proposal.get_kind_display().lower()} “{new.name}” in {glossary.domain.name}",
            body=f"{who(actor)} proposes it because:\n{reason}",
        )
    return proposal


def locked_proposal(proposal_id: int) -> Proposal:
    """The proposal locked for this transaction, with its term locked too (two decisions cannot interleave)."""
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("glossary__domain", "proposed_by", "proposed_by_token__created_by")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise NotFound(f"No proposal #{proposal_id}.")
    proposal.term = Term.objects.select_for_update().filter(pk=proposal.term_id).first() if proposal.term_id else None
    return proposal


def _ensure_pending(proposal: Proposal) -> None:
    if not proposal.is_pending:
        raise Conflict(f"Proposal #{proposal.pk} is {proposal.get_status_display().lower()}; it cannot change.")


def proposal_revise(*, actor: Actor, proposal_id: int, content: dict[str, Any], reason: str = "") -> Proposal:
    """The proposer answers requested changes (or improves an open proposal); it goes back to the stewards."""
    with transaction.atomic():
        proposal = locked_proposal(proposal_id)
        ensure_is_proposer(actor, proposal, "revise this proposal")
        _ensure_pending(proposal)
        glossary, term = proposal.glossary, proposal.term
        if term is None:
            raise Conflict("The term of this proposal is gone.")
        if proposal.kind == ProposalKind.CREATE:
            new = _new_term_content(content)
            index = GlossaryIndex.load(glossary, [new])
            _invalid(check(new, slug=term.slug, index=index))
            apply_content(term, new, index, status=TermStatus.PROPOSED)
        else:
            base = TermContent.from_dict(proposal.base_content or {})
            new = _change_content(proposal.kind, term, base, content)
            if canonical(new) == canonical(base):
                raise ValidationFailed([FieldError("/content", "The proposal changes nothing.")])
            _invalid(check(new, slug=term.slug, index=GlossaryIndex.load(glossary, [new])))
        proposal.content = new.as_dict()
        if reason.strip():
            proposal.reason = required_text(reason, "/reason", "Say why.")
        proposal.status = ProposalStatus.OPEN
        proposal.save()
        add_event(proposal, actor, EventKind.REVISED, reason.strip())
        announce(
            proposal,
            actor=actor,
            recipients=reviewers_to_notify(term, glossary.domain),
            kind="proposal_revised",
            title=f"Revised, please review again: “{new.name}” in {glossary.domain.name}",
        )
    return proposal


def proposal_rebase(*, actor: Actor, proposal_id: int) -> tuple[Proposal, list[str]]:
    """Move a stale proposal onto the term's latest version, keeping the proposer's changes.

    Answers the fields both sides changed (the proposer's value is kept; the reviewer sees the fresh diff).
    """
    with transaction.atomic():
        proposal = locked_proposal(proposal_id)
        term = proposal.term
        if not (_is_proposer(actor, proposal) or is_steward(actor, proposal.glossary.domain, term)):
            raise PermissionDenied("Only the proposer or the domain's stewards may rebase this proposal.")
        _ensure_pending(proposal)
        if term is None or proposal.kind == ProposalKind.CREATE:
            raise Conflict("Only changes and deprecations of an existing term are rebased.")
        if term.version == proposal.base_version:
            return proposal, []
        latest = content_of(_term(proposal.glossary, term.slug))
        base = TermContent.from_dict(proposal.base_content or {})
        merged, conflicts = merge(base, TermContent.from_dict(proposal.content), latest)
        if proposal.kind == ProposalKind.DEPRECATE and latest.status == TermStatus.DEPRECATED:
            raise Conflict("The term was deprecated meanwhile; withdraw this proposal.")
        if canonical(merged) == canonical(latest):
            raise Conflict("The latest version already says what this proposal asks for; withdraw it.")
        errors = check(merged, slug=term.slug, index=GlossaryIndex.load(proposal.glossary, [merged]))
        if errors:
            raise ApplicationError(
                "Rebased onto the latest version, the proposal is no longer valid; revise it.",
                status=409,
                code="conflict",
                errors=errors,
            )
        proposal.content = merged.as_dict()
        proposal.base_content = latest.as_dict()
        proposal.base_version = term.version
        proposal.save()
        note = f"Now based on version {term.version}."
        if conflicts:
            note += f" Changed on both sides, the proposal's value kept: {', '.join(conflicts)}."
        add_event(proposal, actor, EventKind.REBASED, note)
    return proposal, conflicts


def _is_proposer(actor: Actor, proposal: Proposal) -> bool:
    try:
        ensure_is_proposer(actor, proposal, "")
    except ApplicationError:
        return False
    return True


def proposal_withdraw(*, actor: Actor, proposal_id: int) -> Proposal:
    with transaction.atomic():
        proposal = locked_proposal(proposal_id)
        ensure_is_proposer(actor, proposal, "withdraw this proposal")
        _ensure_pending(proposal)
        proposal.status = ProposalStatus.WITHDRAWN
        proposal.decided_at = timezone.now()
        proposal.save()
        drop_proposed_term(proposal)
        add_event(proposal, actor, EventKind.WITHDRAWN)
    return proposal


def drop_proposed_term(proposal: Proposal) -> None:
    """A new term that will not be approved leaves the glossary and frees its name; the proposal stays."""
    if proposal.kind == ProposalKind.CREATE and proposal.term is not None and proposal.term.is_proposed:
        proposal.term.delete()
        proposal.term = None


def proposal_comment(*, actor: Actor, proposal_id: int, body: str) -> ProposalEvent:
    """Anyone who may propose may comment; the proposer and the reviewers hear about it."""
    ensure_can_propose(actor)
    body = required_text(body, "/body", "Write a comment.")
    proposal = (
        Proposal.objects.select_related("glossary__domain", "term", "proposed_by", "proposed_by_token__created_by")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise NotFound(f"No proposal #{proposal_id}.")
    with transaction.atomic():
        event = add_event(proposal, actor, EventKind.COMMENT, body)
        announce(
            proposal,
            actor=actor,
            recipients=proposer_people(proposal) + reviewers_to_notify(proposal.term, proposal.glossary.domain),
            kind="proposal_comment",
            title=f"{who(actor)} commented on “{proposal.title}”",
            body=body,
        )
    return event
