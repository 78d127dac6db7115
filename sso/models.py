"""Who a person is at the identity provider, which memberships the provider manages, and the admin's mapping
from the provider's groups to teams and roles."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import Team, TeamMembership
from core.actors import TeamRole
from core.models import TimeStampedModel


class OidcIdentity(TimeStampedModel):
    """A person's account at one provider: the (issuer, sub) pair is the only thing a sign-in is matched on."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identities")
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255, help_text="The provider's `sub` claim.")
    groups = models.JSONField(default=list, blank=True, help_text="The groups of the last sign-in.")
    staff_from_provider = models.BooleanField(
        default=False, help_text="Staff status was given by a mapped group (and is taken away with it)."
    )
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "OIDC identity"
        verbose_name_plural = "OIDC identities"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="oidc_identity_unique_issuer_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class ProviderMembership(models.Model):
    """Marks a team membership as managed by the identity provider: added, changed and removed at each sign-in.
    A membership without this mark was made by hand and sign-in never touches it."""

    membership = models.OneToOneField(TeamMembership, on_delete=models.CASCADE, related_name="provider_mark")
    identity = models.ForeignKey(OidcIdentity, on_delete=models.CASCADE, related_name="memberships")
    groups = models.JSONField(default=list, help_text="The provider groups that gave this membership.")

    def __str__(self) -> str:
        return f"{self.membership} (from {', '.join(self.groups)})"


class GroupMapping(TimeStampedModel):
    """One provider group to one team role, or to staff status; added to what OIDC_TEAM_MAP says."""

    group = models.CharField(max_length=255, help_text="The group name exactly as the provider sends it.")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    role = models.CharField(max_length=20, choices=TeamRole.choices, default=TeamRole.MEMBER)
    staff = models.BooleanField(default=False, help_text="Members of the group are portal staff (the admin).")

    class Meta:
        ordering = ["group", "team__name"]
        constraints = [
            models.UniqueConstraint(fields=["group", "team"], name="group_mapping_unique_group_team"),
            models.CheckConstraint(
                condition=Q(team__isnull=False) | Q(staff=True), name="group_mapping_says_something"
            ),
            models.CheckConstraint(condition=Q(role__in=TeamRole.values), name="group_mapping_role_valid"),
        ]

    def __str__(self) -> str:
        parts = [f"{self.role} of {self.team}"] if self.team_id else []
        if self.staff:
            parts.append("staff")
        return f"{self.group} → {' and '.join(parts)}"
