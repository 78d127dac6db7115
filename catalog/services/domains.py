"""Creating a domain where a descriptor names one the catalog lacks (`?create_domain=true`)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from catalog.models import Domain, Team
from catalog.signals import announce_domains_written
from core.actors import Actor, Scope
from core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed


def is_platform_actor(actor: Actor) -> bool:
    """Staff, or a token of a platform team (PORTAL_PLATFORM_TEAMS), with the scope to write products."""
    if actor.is_staff:
        return True
    if actor.token is None or not actor.has_scope(Scope.WRITE_PRODUCTS):
        return False
    return actor.token.team.slug in settings.PORTAL_PLATFORM_TEAMS


def domain_create_for_descriptor(*, actor: Actor, slug: str, name: str, parent_slug: str) -> Domain:
    """A sub-domain `slug` of `parent_slug`, owned by the platform token's team (the parent's owner team when a
    staff person asks), so the descriptor that named it can be written at once."""
    if not is_platform_actor(actor):
        raise PermissionDenied(
            f"Only staff or a platform team's token may create domain '{slug}'; the {actor.label} may not."
        )
    if not parent_slug:
        raise ValidationFailed([FieldError("/parent", f"name the parent domain of the new domain '{slug}'")])
    with transaction.atomic():
        parent = Domain.objects.select_related("owner_team").filter(slug=parent_slug).first()
        if parent is None:
            raise NotFound(f"Unknown parent domain '{parent_slug}'.", path="/parent")
        owner: Team = actor.token.team if actor.token is not None else parent.owner_team
        domain, _ = Domain.objects.get_or_create(
            slug=slug, defaults={"name": (name or slug)[:200], "parent": parent, "owner_team": owner}
        )
        announce_domains_written([domain.pk])
    return domain
