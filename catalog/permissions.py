"""Authorisation rules, checked in services so that every entry point (API, pages, commands) obeys them."""

from __future__ import annotations

from catalog.models import DataProduct, Domain, Team
from core.actors import Actor, Scope
from core.errors import PermissionDenied


def domain_team_ids(domain: Domain) -> set[int]:
    """Teams that may write a domain: its owner team and the owner teams of the domains above it."""
    return {domain.owner_team_id, *(d.owner_team_id for d in domain.ancestors())}


def can_write_domain(actor: Actor, domain: Domain) -> bool:
    if not actor.is_authenticated:
        return False
    return actor.is_staff or bool(actor.team_ids & domain_team_ids(domain))


def ensure_can_write_domain(actor: Actor, domain: Domain, scope: str = Scope.WRITE_PRODUCTS) -> None:
    if not actor.is_authenticated:
        raise PermissionDenied("Sign in or send a token to write to the catalog.")
    if not actor.has_scope(scope):
        raise PermissionDenied(f"The {actor.label} lacks the '{scope}' scope.")
    if not can_write_domain(actor, domain):
        raise PermissionDenied(f"The {actor.label} may not write domain '{domain.slug}'; its owning team may.")


def can_write_product(actor: Actor, product: DataProduct) -> bool:
    return can_write_domain(actor, product.domain) or product.owner_team_id in actor.team_ids


def ensure_can_write_product(actor: Actor, product: DataProduct, scope: str = Scope.WRITE_PRODUCTS) -> None:
    if not actor.has_scope(scope):
        raise PermissionDenied(f"The {actor.label} lacks the '{scope}' scope.")
    if not can_write_product(actor, product):
        raise PermissionDenied(
            f"The {actor.label} may not write product '{product.identifier}'; domain "
            f"'{product.domain.slug}' belongs to another team."
        )


def ensure_can_manage_team(actor: Actor, team: Team) -> None:
    """Tokens and team settings are managed by the team's owners (and staff)."""
    if actor.token is not None:
        raise PermissionDenied("Tokens cannot manage teams or tokens; sign in as a team owner.")
    if not actor.is_team_owner(team.pk):
        raise PermissionDenied(f"Only owners of team '{team.slug}' may manage it.")
