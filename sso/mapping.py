"""From a person's provider groups to the team roles and staff status they give (docs/sso.md).

Two sources, added together: `OIDC_TEAM_MAP` (JSON in the environment) and the group mappings in the admin.
A group maps to a team role ({"team": "sales-team", "role": "owner"}), to staff ({"staff": true}), or to a
list of those. Where several groups give one team, the strongest role wins: owner, then steward, then member.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from catalog.models import Team
from core.actors import TeamRole
from sso.models import GroupMapping

ROLE_STRENGTH = {TeamRole.OWNER: 3, TeamRole.STEWARD: 2, TeamRole.MEMBER: 1}


@dataclass(frozen=True)
class Rule:
    group: str
    team_slug: str = ""
    role: str = TeamRole.MEMBER
    staff: bool = False


@dataclass
class Grant:
    role: str
    groups: list[str] = field(default_factory=list)


@dataclass
class Mapped:
    """What the person's groups give: a role per team (by team id) and staff status."""

    teams: dict[int, Grant] = field(default_factory=dict)
    staff: bool = False


def _rule(group: str, value: object) -> Rule:
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"OIDC_TEAM_MAP[{group!r}] must be an object or a list of objects")
    role = value.get("role", TeamRole.MEMBER)
    if role not in TeamRole.values:
        raise ImproperlyConfigured(f"OIDC_TEAM_MAP[{group!r}]: role must be one of {', '.join(TeamRole.values)}")
    team = value.get("team", "")
    staff = value.get("staff", False)
    if not isinstance(team, str) or not isinstance(staff, bool) or not (team or staff):
        raise ImproperlyConfigured(f'OIDC_TEAM_MAP[{group!r}] needs a team slug, "staff": true, or both')
    return Rule(group=group, team_slug=team, role=role, staff=staff)


def env_rules(raw: str | None = None) -> list[Rule]:
    """The rules of OIDC_TEAM_MAP; a malformed map fails loudly rather than signing people in with no teams."""
    text = settings.OIDC_TEAM_MAP if raw is None else raw
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"OIDC_TEAM_MAP is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ImproperlyConfigured("OIDC_TEAM_MAP must be a JSON object of group -> mapping")
    rules: list[Rule] = []
    for group, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            rules.append(_rule(group, item))
    return rules


def required_claims() -> dict[str, object]:
    try:
        data = json.loads(settings.OIDC_REQUIRED_CLAIMS or "{}")
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"OIDC_REQUIRED_CLAIMS is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ImproperlyConfigured("OIDC_REQUIRED_CLAIMS must be a JSON object of claim -> value (or values)")
    return data


def admin_rules(groups: list[str]) -> list[Rule]:
    rows = GroupMapping.objects.filter(group__in=groups).select_related("team")
    return [
        Rule(group=row.group, team_slug=row.team.slug if row.team else "", role=row.role, staff=row.staff)
        for row in rows
    ]


def map_groups(groups: list[str]) -> Mapped:
    member_of = set(groups)
    rules = [rule for rule in env_rules() if rule.group in member_of] + admin_rules(groups)
    teams = {team.slug: team.pk for team in Team.objects.filter(slug__in={r.team_slug for r in rules if r.team_slug})}
    mapped = Mapped()
    for rule in rules:
        mapped.staff = mapped.staff or rule.staff
        team_id = teams.get(rule.team_slug)
        if team_id is None:
            continue  # an unknown team slug maps to nothing (docs/sso.md says to create the team first)
        grant = mapped.teams.get(team_id)
        if grant is None:
            mapped.teams[team_id] = Grant(role=rule.role, groups=[rule.group])
            continue
        if rule.group not in grant.groups:
            grant.groups.append(rule.group)
        if ROLE_STRENGTH[TeamRole(rule.role)] > ROLE_STRENGTH[TeamRole(grant.role)]:
            grant.role = rule.role
    return mapped
