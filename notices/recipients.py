"""Who is told of a change to a product (or to some of its ports): its consumers and its followers.

- grant holders: people with an active grant, and the members of teams with one;
- teams whose products take one of its output ports as an input port (their members);
- the owning teams of products downstream of it through lineage (declared or observed, any depth);
- followers of the product, of its domain, or of a glossary term linked to it.

A fixed number of queries whatever the number of consumers (tests/notices/test_recipients.py counts them).
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from access.models import Grant
from catalog.models import DataProduct, InputPort, TeamMembership
from glossary.models import TermProductLink
from lineage.selectors.products import downstream_product_ids
from notices.models import Follow

GRANT, INPUT_PORT, LINEAGE, FOLLOW = "grant", "input port", "lineage", "follow"


def consumers(product_ids: set[int], *, port_ids: set[int] | None = None) -> dict[int, set[str]]:
    """User id -> why they are told, for a change of `product_ids` (or only of `port_ids` among their ports)."""
    reasons: dict[int, set[str]] = defaultdict(set)
    teams: dict[int, set[str]] = defaultdict(set)
    grants = Grant.objects.active().filter(product_id__in=product_ids)
    if port_ids is not None:
        grants = grants.filter(port_id__in=port_ids)
    for user_id, team_id in grants.order_by().values_list("user_id", "team_id"):
        if user_id is not None:
            reasons[user_id].add(GRANT)
        if team_id is not None:
            teams[team_id].add(GRANT)
    inputs = InputPort.objects.filter(source_port__product_id__in=product_ids)
    if port_ids is not None:
        inputs = inputs.filter(source_port_id__in=port_ids)
    for (team_id,) in inputs.order_by().values_list("product__owner_team_id"):
        teams[team_id].add(INPUT_PORT)
    downstream = downstream_product_ids(set(product_ids))
    if downstream:
        for (team_id,) in DataProduct.objects.filter(pk__in=downstream).order_by().values_list("owner_team_id"):
            teams[team_id].add(LINEAGE)
    if teams:
        members = TeamMembership.objects.filter(team_id__in=list(teams)).order_by()
        for team_id, user_id in members.values_list("team_id", "user_id"):
            reasons[user_id] |= teams[team_id]
    for user_id in followers(product_ids):
        reasons[user_id].add(FOLLOW)
    return dict(reasons)


def followers(product_ids: set[int]) -> set[int]:
    """People who follow the products, their domains, or a glossary term linked to them (one query)."""
    domains = DataProduct.objects.filter(pk__in=product_ids).values("domain_id")
    terms = TermProductLink.objects.filter(product_id__in=product_ids).values("term_id")
    query = Follow.objects.filter(Q(product_id__in=product_ids) | Q(domain_id__in=domains) | Q(term_id__in=terms))
    return set(query.order_by().values_list("user_id", flat=True))
