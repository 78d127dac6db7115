"""Signing a person in from a provider's verified claims: the account, its memberships and staff status, all in
one transaction, every change in the audit log."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.services import audit_event_record
from catalog.models import TeamMembership
from catalog.signals import announce_teams_written
from core.errors import ApplicationError
from sso.mapping import Mapped, map_groups, required_claims
from sso.models import OidcIdentity, ProviderMembership

_USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")
CALLBACK_STATUS = 302  # what the callback answers when the sign-in succeeds: a redirect into the portal


class SignInRefused(ApplicationError):
    """A sign-in the portal refuses after the provider said yes; `code` names why (docs/sso.md)."""

    def __init__(self, message: str, *, code: str, status: int = 403, user: User | None = None) -> None:
        super().__init__(message=message, status=status, code=code)
        self.user = user  # the person refused, when known: the audit entry names them


@dataclass
class SignIn:
    user: User
    created: bool
    changes: list[str] = field(default_factory=list)


def _claim(claims: Mapping[str, object], name: str) -> str:
    value = claims.get(name) if name else None
    return value.strip() if isinstance(value, str) else ""


def _groups(claims: Mapping[str, object]) -> list[str] | None:
    """The person's groups, or None when the token does not carry the claim at all (a scope not granted, or
    Entra ID's "overage" when someone is in too many groups): then nothing is known, and nothing is changed."""
    if settings.OIDC_CLAIM_GROUPS not in claims:
        return None
    value = claims.get(settings.OIDC_CLAIM_GROUPS)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return sorted({item for item in value if isinstance(item, str) and item})


def _check_required(claims: Mapping[str, object]) -> None:
    """OIDC_REQUIRED_CLAIMS: e.g. {"hd": "example.com"} admits only the company's Google accounts."""
    for name, wanted in required_claims().items():
        value = claims.get(name)
        allowed = wanted if isinstance(wanted, list) else [wanted]
        held = value if isinstance(value, list) else [value]
        if not any(item in allowed for item in held):
            raise SignInRefused(
                f"Your account at {settings.OIDC_PROVIDER_NAME} is not one this portal admits ({name}).",
                code="claim-not-admitted",
            )


def _free_username(claims: Mapping[str, object], subject: str) -> str:
    """A readable username that nobody has yet. Only a name for people to read: sign-in matches on (issuer, sub)."""
    wanted = _claim(claims, settings.OIDC_CLAIM_USERNAME) or _claim(claims, settings.OIDC_CLAIM_EMAIL).split("@")[0]
    base = _USERNAME_UNSAFE.sub("", wanted)[:140] or f"sso-{_USERNAME_UNSAFE.sub('', subject)[:32]}"
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _profile(user: User, claims: Mapping[str, object]) -> list[str]:
    """Email and name from the claims the provider sent; a claim it did not send leaves the field as it is."""
    changed: list[str] = []
    email = _claim(claims, settings.OIDC_CLAIM_EMAIL)
    if email and email != user.email:
        user.email, changed = email[:254], [*changed, "email"]
    given, family = _claim(claims, "given_name"), _claim(claims, "family_name")
    if not (given or family):
        given, _, family = _claim(claims, settings.OIDC_CLAIM_NAME).partition(" ")
    if (given or family) and (given[:150], family[:150]) != (user.first_name, user.last_name):
        user.first_name, user.last_name = given[:150], family[:150]
        changed.append("name")
    return changed


def _sync_teams(identity: OidcIdentity, mapped: Mapped) -> tuple[list[str], set[int]]:
    user = identity.user
    held = {m.team_id: m for m in TeamMembership.objects.filter(user=user).select_related("team")}
    marks = {mark.membership.team_id: mark for mark in identity.memberships.select_related("membership__team")}
    changes: list[str] = []
    touched: set[int] = set()
    for team_id, grant in mapped.teams.items():
        membership = held.get(team_id)
        via = ", ".join(grant.groups)
        if membership is None:
            membership = TeamMembership.objects.create(team_id=team_id, user=user, role=grant.role)
            ProviderMembership.objects.create(membership=membership, identity=identity, groups=grant.groups)
            membership = TeamMembership.objects.select_related("team").get(pk=membership.pk)
            changes.append(f"membership added: {membership.team.slug} as {grant.role} (group {via})")
            touched.add(team_id)
            continue
        mark = marks.get(team_id)
        if mark is None:
            continue  # made by hand: sign-in leaves it as it is
        if membership.role != grant.role:
            changes.append(
                f"membership changed: {membership.team.slug} {membership.role} -> {grant.role} (group {via})"
            )
            membership.role = grant.role
            membership.save(update_fields=["role", "updated_at"])
            touched.add(team_id)
        if mark.groups != grant.groups:
            mark.groups = grant.groups
            mark.save(update_fields=["groups"])
    for team_id, mark in marks.items():
        if team_id not in mapped.teams:
            membership = mark.membership
            changes.append(f"membership removed: {membership.team.slug} as {membership.role} (no mapped group left)")
            membership.delete()
            touched.add(team_id)
    return changes, touched


def _sync_staff(identity: OidcIdentity, mapped: Mapped) -> list[str]:
    user = identity.user
    if mapped.staff and not user.is_staff:
        user.is_staff, identity.staff_from_provider = True, True
        return ["staff granted (mapped group)"]
    if not mapped.staff and identity.staff_from_provider:
        user.is_staff, identity.staff_from_provider = False, False
        return ["staff removed (no mapped group left)"]
    return []


def sso_sign_in(*, request, issuer: str, claims: Mapping[str, object]) -> SignIn:
    """Find the person by (issuer, sub), or make them; bring their profile, team memberships and staff status in
    line with the claims; record each change. All or nothing: a refusal leaves no user and no membership behind."""
    subject = _claim(claims, "sub")
    if not subject:
        raise SignInRefused("The provider's token names nobody (it has no sub claim).", code="no-subject", status=502)
    _check_required(claims)
    with transaction.atomic():
        identity = (
            OidcIdentity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        created = identity is None
        if identity is None:
            user = User(username=_free_username(claims, subject))
            user.set_unusable_password()
            _profile(user, claims)
            user.save()
            identity = OidcIdentity.objects.create(user=user, issuer=issuer, subject=subject)
            changes = [f"user created from the identity provider (sub {subject[:80]})"]
        else:
            user = identity.user
            if not user.is_active:
                raise SignInRefused(
                    "Your portal account is disabled. Ask a portal administrator to enable it.",
                    code="user-disabled",
                    user=user,
                )
            changed = _profile(user, claims)
            changes = [f"profile updated from the identity provider: {', '.join(changed)}"] if changed else []
        groups = _groups(claims)
        touched: set[int] = set()
        if groups is None:
            changes.append(f"no {settings.OIDC_CLAIM_GROUPS} claim: memberships and staff left as they were")
        else:
            mapped = map_groups(groups)
            team_changes, touched = _sync_teams(identity, mapped)
            changes += team_changes + _sync_staff(identity, mapped)
            identity.groups = groups
        user.save()
        identity.last_sign_in_at = timezone.now()
        identity.save()
        if touched:
            announce_teams_written(touched)
        for change in [*changes, "signed in through the identity provider"]:
            audit_event_record(request=request, status_code=CALLBACK_STATUS, object_ref=f"sso: {change}", user=user)
    return SignIn(user=user, created=created, changes=changes)


def sso_refusal_record(*, request, status: int, code: str, detail: str = "", user: User | None = None) -> None:
    """The audit entry of a sign-in that failed; written after the sign-in's transaction rolled back."""
    note = f"sso: sign-in refused ({code})" + (f": {detail}" if detail else "")
    audit_event_record(request=request, status_code=status, object_ref=note, user=user)
