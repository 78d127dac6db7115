"""Who may do what to a glossary. Checked in services, so pages, the API and commands obey the same rules.

- Anyone signed in, and a token with `write:glossary`, may propose and comment.
- Only the domain's stewards decide: people with the steward role in the team owning the domain (or a domain
  above it), plus the stewards named on the term a proposal is about. A team that names no steward at all has
  its owners act as stewards, so that a glossary is never stuck. Staff (the platform team) may decide too.
- Tokens never decide: a decision is a person's judgement.
"""

from __future__ import annotations

from catalog.models import DataProduct, Domain, TeamMembership, TeamRole
from catalog.permissions import can_write_product, domain_team_ids
from core.actors import Actor, Scope
from core.errors import PermissionDenied
from glossary.models import Proposal, Term


def domain_stewards(domain: Domain) -> list:
    """The domain's stewards as people, by username (one query)."""
    rows = list(
        TeamMembership.objects.filter(
            team_id__in=domain_team_ids(domain), role__in=[TeamRole.STEWARD, TeamRole.OWNER], user__is_active=True
        ).select_related("user")
    )
    chosen = [m for m in rows if m.role == TeamRole.STEWARD] or [
        m for m in rows if m.role == TeamRole.OWNER and m.team_id == domain.owner_team_id
    ]
    people = {m.user.pk: m.user for m in chosen}
    return sorted(people.values(), key=lambda user: user.get_username())


def domain_steward_ids(domain: Domain) -> set[int]:
    return {user.pk for user in domain_stewards(domain)}


def term_steward_ids(term: Term | None, domain: Domain) -> set[int]:
    """Who reviews proposals about `term`: its named stewards and the domain's stewards."""
    named = set(term.stewards.values_list("pk", flat=True)) if term is not None and term.pk else set()
    return named | domain_steward_ids(domain)


def reviewers_to_notify(term: Term | None, domain: Domain) -> list:
    """Named stewards when the term has some (they know it best), else the domain's stewards."""
    named = list(term.stewards.filter(is_active=True)) if term is not None and term.pk else []
    return named or domain_stewards(domain)


def is_steward(actor: Actor, domain: Domain, term: Term | None = None) -> bool:
    if actor.user is None:
        return False
    return actor.is_staff or actor.user.pk in term_steward_ids(term, domain)


def ensure_can_propose(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise PermissionDenied("Sign in or send a token to propose glossary changes.")
    if not actor.has_scope(Scope.WRITE_GLOSSARY):
        raise PermissionDenied(f"The {actor.label} lacks the '{Scope.WRITE_GLOSSARY}' scope.")


def ensure_can_decide(actor: Actor, proposal: Proposal) -> None:
    domain = proposal.glossary.domain
    if actor.token is not None:
        raise PermissionDenied("Tokens cannot decide proposals; a steward of the domain decides in person.")
    if not is_steward(actor, domain, proposal.term):
        raise PermissionDenied(f"Only the stewards of domain '{domain.slug}' may decide its glossary proposals.")


def ensure_is_steward(actor: Actor, domain: Domain, what: str) -> None:
    if actor.token is not None or not is_steward(actor, domain):
        raise PermissionDenied(f"Only the stewards of domain '{domain.slug}' may {what}.")


def ensure_is_proposer(actor: Actor, proposal: Proposal, what: str) -> None:
    mine = (actor.user is not None and proposal.proposed_by_id == actor.user.pk) or (
        actor.token is not None and proposal.proposed_by_token_id == actor.token.pk
    )
    if not mine:
        raise PermissionDenied(f"Only the proposer may {what}.")


def can_link(actor: Actor, term: Term, product: DataProduct) -> bool:
    """The term's stewards, and the people (or tokens) who may write the product, link the two."""
    if is_steward(actor, term.glossary.domain, term):
        return True
    return actor.has_scope(Scope.WRITE_GLOSSARY) and can_write_product(actor, product)


def ensure_can_link(actor: Actor, term: Term, product: DataProduct) -> None:
    if not actor.is_authenticated:
        raise PermissionDenied("Sign in or send a token to link glossary terms.")
    if not can_link(actor, term, product):
        raise PermissionDenied(
            f"The {actor.label} may not link '{term.name}' to '{product.identifier}': its stewards or the "
            "product's owners may."
        )
