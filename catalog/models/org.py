"""Who owns what: teams with people in roles, and the domains they own."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.actors import TeamRole
from core.models import TimeStampedModel


class TeamQuerySet(models.QuerySet["Team"]):
    def of_user(self, user) -> TeamQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Team(TimeStampedModel):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    contact_email = models.EmailField(blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams", blank=True
    )

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("team_detail", args=[self.slug])


class TeamMembership(TimeStampedModel):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=TeamRole.choices, default=TeamRole.MEMBER)

    class Meta:
        ordering = ["team", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_team_user"),
            models.CheckConstraint(condition=Q(role__in=TeamRole.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.team}"


class BreakingChangePolicy(models.TextChoices):
    REFUSE = "refuse", "Refuse it"
    WARN = "warn", "Accept it with a warning"


class DomainQuerySet(models.QuerySet["Domain"]):
    def top_level(self) -> DomainQuerySet:
        return self.filter(parent__isnull=True)


class Domain(TimeStampedModel):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown.")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="subdomains")
    owner_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="domains")
    breaking_changes = models.CharField(
        max_length=10,
        choices=BreakingChangePolicy.choices,
        default=BreakingChangePolicy.REFUSE,
        help_text="A breaking change without a major version bump: refused, or accepted with a warning.",
    )

    objects = DomainQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="domain_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("domain_detail", args=[self.slug])

    def ancestors(self) -> list[Domain]:
        """Parents from the nearest up; guards against a cycle written around the constraint."""
        chain: list[Domain] = []
        seen = {self.pk}
        node = self.parent
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain
