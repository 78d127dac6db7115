"""Who may define objectives and who may send measurements."""

from __future__ import annotations

from catalog.models import DataProduct, TeamRole
from catalog.permissions import domain_team_ids, ensure_can_write_product
from core.actors import Actor, Scope
from core.errors import PermissionDenied

MANAGING_ROLES = {TeamRole.OWNER, TeamRole.STEWARD}


def _writing_teams(product: DataProduct) -> set[int]:
    return {product.owner_team_id, *domain_team_ids(product.domain)}


def can_manage_slos(actor: Actor, product: DataProduct) -> bool:
    """People: owners and stewards of the product's team or of a team owning its domain (and staff).
    Tokens: those of such a team with the write:products scope."""
    if not actor.is_authenticated:
        return False
    if actor.is_staff:
        return True
    teams = _writing_teams(product)
    if actor.token is not None:
        return actor.has_scope(Scope.WRITE_PRODUCTS) and actor.token.team_id in teams
    return any(actor.roles_by_team.get(team) in MANAGING_ROLES for team in teams)


def ensure_can_manage_slos(actor: Actor, product: DataProduct) -> None:
    if not actor.is_authenticated:
        raise PermissionDenied("Sign in or send a token to change service level objectives.")
    if actor.token is not None:
        ensure_can_write_product(actor, product, scope=Scope.WRITE_PRODUCTS)
        return
    if not can_manage_slos(actor, product):
        raise PermissionDenied(
            f"Only owners and stewards of team '{product.owner_team.slug}' may change the objectives of "
            f"product '{product.identifier}'."
        )


def ensure_can_send_measurements(actor: Actor, product: DataProduct) -> None:
    """Measurements follow the rule for product writes (catalog.permissions.ensure_can_write_product).

    Tokens of the product's team or of a team owning its domain need the write:sli scope; people of those teams
    (any role, since a member may already change the product itself) and staff may send by session, because
    people are not narrowed by scopes. Deciding what the product promises stays with owners and stewards.
    """
    if not actor.is_authenticated:
        raise PermissionDenied("Sign in, or send a token with the 'write:sli' scope.")
    ensure_can_write_product(actor, product, scope=Scope.WRITE_SLI)
