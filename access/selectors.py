"""Reads about access: who consumes what, who decides, and what a person may see.

`consumer_counts`, `user_has_held_grant` and `decision_hours_median_by_domain` are the interface other apps
(search ranking, ratings, scorecards) rely on; keep their signatures stable.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from access.models import (
    AccessRequest,
    DomainAccessSettings,
    Grant,
    GrantQuerySet,
    RequestStatus,
    WebhookDelivery,
)
from catalog.models import DataProduct, Domain, LifecycleStatus, OutputPort, Team, TeamMembership, TeamRole
from core import per_request
from core.actors import Actor
from core.errors import FieldError, ValidationFailed


def consumer_counts(product_ids: Iterable[int]) -> dict[int, int]:
    """Active grants per product, counting distinct grantees: a person or a team counts once however many ports
    it holds. Products without consumers are absent from the answer."""
    ids = list(set(product_ids))
    if not ids:
        return {}
    grantees: dict[int, set[tuple[str, int]]] = defaultdict(set)
    rows = Grant.objects.active().filter(product_id__in=ids).values_list("product_id", "user_id", "team_id")
    for product_id, user_id, team_id in rows:
        grantees[product_id].add(("team", team_id) if team_id else ("user", user_id))
    return {product_id: len(who) for product_id, who in grantees.items()}


def user_has_held_grant(*, user, product) -> bool:
    """The user holds or held a grant on any of the product's ports, personally or through one of their teams
    (revoked and expired grants count: they used the product)."""
    if user is None or not user.is_authenticated:
        return False
    product_id = product.pk if hasattr(product, "pk") else int(product)
    return Grant.objects.filter(product_id=product_id).filter(Q(user=user) | Q(team__memberships__user=user)).exists()


def _decided_in_last(days: int) -> QuerySet[AccessRequest]:
    """Requests approved or rejected by a person in the last `days`; those granted at once on open ports are left
    out: nobody decided them."""
    since = timezone.now() - timedelta(days=days)
    return AccessRequest.objects.filter(
        status__in=[RequestStatus.APPROVED, RequestStatus.REJECTED], decided_at__gte=since, decided_by__isnull=False
    )


def _hours(created: datetime, decided: datetime) -> float:
    return max((decided - created).total_seconds(), 0.0) / 3600


def decision_hours_median_by_domain(domain_ids: Iterable[int] | None = None, *, days: int = 90) -> dict[int, float]:
    """Median hours from request to decision (approve or reject) per domain, over requests decided in the last
    `days`. Domains without decisions are absent."""
    rows = _decided_in_last(days)
    if domain_ids is not None:
        rows = rows.filter(product__domain_id__in=list(domain_ids))
    hours: dict[int, list[float]] = defaultdict(list)
    for domain_id, created, decided in rows.values_list("product__domain_id", "created_at", "decided_at"):
        if decided is not None:  # filtered on decided_at already; this tells the type checker
            hours[domain_id].append(_hours(created, decided))
    return {domain_id: round(statistics.median(values), 2) for domain_id, values in hours.items()}


def decision_hours_median(*, days: int = 90) -> float | None:
    """Median hours from request to decision over every decision of the whole mesh (the same requests as
    decision_hours_median_by_domain, pooled: a median of domain medians would weigh a domain deciding two
    requests like one deciding two hundred). None when nothing was decided."""
    rows = _decided_in_last(days).values_list("created_at", "decided_at")
    hours = [_hours(created, decided) for created, decided in rows.iterator(2000) if decided is not None]
    return round(statistics.median(hours), 2) if hours else None


# ---- who decides ---------------------------------------------------------------------------------------------


def decider_roles(domain: Domain) -> list[str]:
    settings_row = DomainAccessSettings.objects.filter(domain=domain).first()
    if settings_row is not None and settings_row.stewards_may_decide:
        return [TeamRole.OWNER, TeamRole.STEWARD]
    return [TeamRole.OWNER]


def deciders_of(product: DataProduct) -> list:
    """The people who decide requests for this product: its owning team's owners (and stewards if the domain
    says so)."""
    memberships = TeamMembership.objects.filter(
        team_id=product.owner_team_id, role__in=decider_roles(product.domain)
    ).select_related("user")
    return [m.user for m in memberships if m.user.is_active]


def is_decider(user, product: DataProduct) -> bool:
    if user is None or not user.is_authenticated:
        return False
    # The person's roles, as every Actor reads them (once per reading request).
    return Actor(user=user).roles_by_team.get(product.owner_team_id) in decider_roles(product.domain)


def _decides(user, prefix: str = "") -> Q:
    """The condition on a product (reached through `prefix`) that this person decides its requests."""
    owner_teams = TeamMembership.objects.filter(user=user, role=TeamRole.OWNER).values("team_id")
    steward_teams = TeamMembership.objects.filter(user=user, role=TeamRole.STEWARD).values("team_id")
    return Q(**{f"{prefix}owner_team_id__in": owner_teams}) | Q(
        **{f"{prefix}owner_team_id__in": steward_teams, f"{prefix}domain__access_settings__stewards_may_decide": True}
    )


def decidable_products(user) -> QuerySet[DataProduct]:
    """Products whose requests this person decides."""
    if user is None or not user.is_authenticated:
        return DataProduct.objects.none()
    return DataProduct.objects.filter(_decides(user))


def decides_any(user) -> bool:
    """Whether this person decides the requests of any product (the navigation's approvals link, the home
    page's approvals task). Asked per team: as one EXISTS over the products with an OR of both conditions, a
    person who decides nothing made the database look at every product (150 ms at 100k on SQLite)."""
    if user is None or not user.is_authenticated:
        return False
    return per_request.remember(("roles", "decides", user.pk), lambda: _decides_any(user))


def _deciding_roles(user) -> dict[int, str]:
    """The person's owner and steward roles, by team id (from the roles every Actor reads, once per request)."""
    deciding = {TeamRole.OWNER, TeamRole.STEWARD}
    return {team_id: role for team_id, role in Actor(user=user).roles_by_team.items() if role in deciding}


def _decides_any(user) -> bool:
    roles = _deciding_roles(user).items()
    owned = [team_id for team_id, role in roles if role == TeamRole.OWNER]
    stewarded = [team_id for team_id, role in roles if role == TeamRole.STEWARD]
    if owned and DataProduct.objects.filter(owner_team_id__in=owned).exists():
        return True
    return bool(stewarded) and (
        DataProduct.objects.filter(
            owner_team_id__in=stewarded, domain__access_settings__stewards_may_decide=True
        ).exists()
    )


def approvals_inbox(user) -> QuerySet[AccessRequest]:
    """Open requests this person may decide, oldest first (the longest wait on top); never their own.

    Open requests are few next to products, so they are read first (one narrow query) and matched against the
    person's teams here; the answer is then a plain `pk IN (...)`. Written as `product__in=decidable_products()`,
    or joined, SQLite walked every product of the person's teams first: 150-250 ms at 100k products, on every
    page, since the navigation counts them."""
    if user is None or not user.is_authenticated:
        return AccessRequest.objects.none()
    # The navigation's count and the home page's list both ask: the ids are read once per request.
    ids = per_request.remember(("roles", "approvals", user.pk), lambda: _decidable_request_ids(user))
    return AccessRequest.objects.filter(pk__in=ids).with_relations().order_by("created_at", "pk")


def _decidable_request_ids(user) -> list[int]:
    roles = _deciding_roles(user)
    return [
        pk
        # No condition on the product here: given one, SQLite starts from the products again.
        for pk, team_id, stewards_decide in AccessRequest.objects.open()
        .exclude(requester=user)
        .values_list("pk", "product__owner_team_id", "product__domain__access_settings__stewards_may_decide")
        if roles.get(team_id) == TeamRole.OWNER or (roles.get(team_id) == TeamRole.STEWARD and stewards_decide)
    ]


def approvals_pending_count(user) -> int:
    return approvals_inbox(user).filter(status=RequestStatus.PENDING).count()


# ---- what a person may see -----------------------------------------------------------------------------------


def can_see_request(user, access_request: AccessRequest) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff or access_request.requester_id == user.pk:
        return True
    return is_decider(user, access_request.product)


def can_see_grant(user, grant: Grant) -> bool:
    """Its holders (personally or through the team), the product's deciders and staff."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff or grant.user_id == user.pk:
        return True
    if grant.team_id and TeamMembership.objects.filter(team_id=grant.team_id, user=user).exists():
        return True
    return is_decider(user, grant.product)


def requests_visible_to(user) -> QuerySet[AccessRequest]:
    """Requests the user made, and those they decide; staff see all."""
    if user is None or not user.is_authenticated:
        return AccessRequest.objects.none()
    if user.is_staff:
        return AccessRequest.objects.all()
    # Both terms are on the request's own columns (the products are a subquery): no join, so no duplicates.
    return AccessRequest.objects.filter(Q(requester=user) | Q(product__in=decidable_products(user)))


def my_requests(user) -> QuerySet[AccessRequest]:
    return AccessRequest.objects.filter(requester=user).with_relations()


def my_grants(user) -> GrantQuerySet:
    return Grant.objects.held_by(user).select_related("port", "product__domain", "team", "user", "request")


def product_consumers(product: DataProduct) -> QuerySet[Grant]:
    return (
        Grant.objects.active()
        .filter(product=product)
        .select_related("port", "user", "team")
        .order_by("port__position", "port__name", "expires_at")
    )


def grants_visible_to(user) -> GrantQuerySet:
    """Grants the user holds (personally or through a team), and those on products they decide; staff see all."""
    if user is None or not user.is_authenticated:
        return Grant.objects.none()
    if user.is_staff:
        return Grant.objects.all()
    # Both parts filter the grant's own columns (teams and products are subqueries): no join, so each grant comes
    # once without distinct(), and callers may narrow the answer with `&` or chain more filters.
    return Grant.objects.held_by(user) | Grant.objects.filter(product__in=decidable_products(user))


def domain_deliveries(domain: Domain) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(domain=domain).select_related("grant__port")


def is_domain_owner(user, domain: Domain) -> bool:
    """The domain's owning team's owners: they configure access (who decides, the provisioning endpoint) and are
    the only ones shown the webhook signing secret."""
    if user is None or not user.is_authenticated:
        return False
    return TeamMembership.objects.filter(user=user, team_id=domain.owner_team_id, role=TeamRole.OWNER).exists()


def can_operate_webhooks(user, domain: Domain) -> bool:
    """The domain's owners, and staff as the platform's operators: they read the access settings (without the
    secret) and the delivery log, and send failed deliveries again, but change nothing else."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_staff or is_domain_owner(user, domain)


def port_resolve(*, product_ref: str, port_name: str, version: str = "") -> OutputPort:
    """'domain/slug' + port name (+ version when several) -> the port, or a field error naming what is wrong."""
    domain_slug, _, slug = (product_ref or "").strip().partition("/")
    product = DataProduct.objects.filter(domain__slug=domain_slug, slug=slug).select_related("domain").first()
    if product is None:
        raise ValidationFailed([FieldError("/product", f"No product '{product_ref}'.")])
    ports = list(product.output_ports.filter(name=port_name))
    if version:
        ports = [p for p in ports if p.version == version]
    if not ports:
        raise ValidationFailed([FieldError("/port", f"Product '{product_ref}' has no output port '{port_name}'.")])
    if len(ports) > 1:
        raise ValidationFailed([FieldError("/version", "The port has several versions; name one.")])
    return ports[0]


def team_resolve(slug: str) -> Team | None:
    if not slug:
        return None
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise ValidationFailed([FieldError("/team", f"No team '{slug}'.")])
    return team


def popular_products(*, limit: int = 5) -> list[tuple[DataProduct, int]]:
    """The products with the most active grants (their consumers), most first: two queries."""
    rows = list(
        Grant.objects.active()
        .filter(product__status=LifecycleStatus.PUBLISHED)
        .order_by()
        .values("product_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "product_id")[:limit]
    )
    products = DataProduct.objects.select_related("domain").in_bulk([r["product_id"] for r in rows])
    return [(products[r["product_id"]], r["n"]) for r in rows if r["product_id"] in products]


def products_in_use(user, *, limit: int = 8) -> list[Grant]:
    """The signed-in person's active grants (personal or through a team), soonest to expire first."""
    if user is None or not user.is_authenticated:
        return []
    return list(my_grants(user).active().order_by("expires_at", "pk")[:limit])
