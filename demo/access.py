"""Access requests for the demo mesh (`manage.py seed_demo` calls `seed_demo_access()`).

Written through the services, as real use would: pending requests waiting in the demo user's approvals inbox,
one waiting for information, approved ones (active grants, so products have consumers), a rejection and an
open-port grant; the demo user also has requests of their own on other teams' products.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from access import services
from access.models import AccessRequest
from catalog.models import AccessMode, LifecycleStatus, OutputPort, TeamMembership, TeamRole
from core.actors import Actor
from core.errors import ApplicationError
from demo.mesh import DEMO_OWNER_OF, DEMO_USER

PURPOSES = [
    "Weekly churn model features",
    "Finance reconciliation dashboard",
    "Marketing attribution study for Q3",
    "Fraud rules back-testing",
    "Executive KPI report",
]


def _outsiders(team_id: int, limit: int) -> list:
    inside = TeamMembership.objects.filter(team_id=team_id).values("user_id")
    users = get_user_model().objects.exclude(pk__in=inside).exclude(username=DEMO_USER).order_by("username")
    return list(users[:limit])


def _owner(team_id: int):
    owners = TeamMembership.objects.filter(team_id=team_id, role=TeamRole.OWNER).exclude(user__username=DEMO_USER)
    membership = owners.select_related("user").order_by("user__username").first()
    return membership.user if membership else None


def seed_demo_access() -> str:
    if AccessRequest.objects.exists():
        return "already there"
    ports = list(
        OutputPort.objects.filter(product__status=LifecycleStatus.PUBLISHED)
        .select_related("product__domain", "product__owner_team")
        .order_by("product__domain__slug", "product__slug", "position")
    )
    demo = get_user_model().objects.filter(username=DEMO_USER).first()
    made = {"pending": 0, "needs_info": 0, "approved": 0, "rejected": 0}
    mine = [p for p in ports if p.product.owner_team.slug == DEMO_OWNER_OF and p.access_mode == AccessMode.ON_REQUEST]
    others = [p for p in ports if p.product.owner_team.slug != DEMO_OWNER_OF]
    for index, port in enumerate(mine[:3] + others[:21]):
        team = port.product.owner_team
        decider = _owner(team.pk)
        requesters = _outsiders(team.pk, 3)
        if decider is None or not requesters:
            continue
        # The demo user's own team gets open requests to decide; the others a mix of outcomes.
        outcome = (
            "pending" if team.slug == DEMO_OWNER_OF else ("approved", "approved", "rejected", "needs_info")[index % 4]
        )
        for n, requester in enumerate(requesters[: 2 if outcome == "approved" else 1]):
            try:
                req = services.access_request_create(
                    actor=Actor(user=requester),
                    port=port,
                    purpose=PURPOSES[(index + n) % len(PURPOSES)],
                    duration_days=min(90, port.max_access_days),
                )
                if port.access_mode == AccessMode.OPEN:
                    made["approved"] += 1
                    continue
                act = Actor(user=decider)
                if outcome == "approved":
                    services.access_request_approve(actor=act, request_id=req.pk, reason="Fine for this purpose.")
                elif outcome == "rejected":
                    services.access_request_reject(
                        actor=act, request_id=req.pk, reason="Please use the aggregated port instead."
                    )
                elif outcome == "needs_info":
                    services.access_request_ask_info(actor=act, request_id=req.pk, reason="Which fields do you need?")
                made[outcome] += 1
            except ApplicationError:
                continue
    if demo is not None:
        for port in others[30:32]:
            try:
                services.access_request_create(
                    actor=Actor(user=demo), port=port, purpose="Exploring the demo", duration_days=30
                )
            except ApplicationError:
                continue
    return ", ".join(f"{n} {state}" for state, n in made.items())
