"""Who may send usage, and who may see what it cost.

Sending follows the rule of product writes (catalog.permissions.ensure_can_write_product): tokens of the product's
team or of a team owning its domain with the `write:usage` scope, people of those teams by session, and staff.

Cost is shown to the product's owners (people of its team or of a team owning its domain), to the consumer it was
billed to (the consuming team's people, or the consuming person), and to staff. Everyone signed in sees the usage
itself (queries, rows, bytes, compute), since consumer counts are what a product is worth to the mesh.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.models import DataProduct, Domain
from catalog.permissions import ensure_can_write_product
from core.actors import Actor, Scope
from core.errors import PermissionDenied


def ensure_can_send_usage(actor: Actor, product: DataProduct) -> None:
    if not actor.is_authenticated:
        raise PermissionDenied("Sign in, or send a token with the 'write:usage' scope.")
    ensure_can_write_product(actor, product, scope=Scope.WRITE_USAGE)


@dataclass(frozen=True)
class CostViewer:
    """What one actor may see of costs: everything (staff), the cost of products its teams own, and the cost billed
    to its teams or to itself. Built once per request; `sees` answers per row without a query."""

    everything: bool = False
    team_ids: frozenset[int] = field(default_factory=frozenset)
    user_id: int | None = None
    owned_domain_ids: frozenset[int] = field(default_factory=frozenset)

    def owns(self, product_team_id: int, product_domain_id: int) -> bool:
        return self.everything or product_team_id in self.team_ids or product_domain_id in self.owned_domain_ids

    def sees(self, *, product_team_id: int, product_domain_id: int, team_id: int | None, user_id: int | None) -> bool:
        if self.owns(product_team_id, product_domain_id):
            return True
        if team_id is not None:
            return team_id in self.team_ids
        return user_id is not None and user_id == self.user_id

    def sees_team(self, team_id: int) -> bool:
        """The whole bill of a consuming team."""
        return self.everything or team_id in self.team_ids


def cost_viewer(actor: Actor) -> CostViewer:
    """Tokens read as their team; people as the teams they are in. Owning a domain owns its sub-domains too."""
    if not actor.is_authenticated:
        return CostViewer()
    if actor.is_staff:
        return CostViewer(everything=True)
    teams = frozenset(actor.team_ids)
    owned: set[int] = set()
    if teams:
        rows = list(Domain.objects.values_list("pk", "parent_id", "owner_team_id"))
        parents = {pk: parent for pk, parent, _ in rows}
        owners = {pk: team for pk, _, team in rows}
        for domain_id in parents:
            at: int | None = domain_id
            while at is not None:
                if owners.get(at) in teams:
                    owned.add(domain_id)
                    break
                at = parents.get(at)
    user_id = actor.user.pk if actor.user is not None else None
    return CostViewer(team_ids=teams, user_id=user_id, owned_domain_ids=frozenset(owned))
