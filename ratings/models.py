"""Ratings: a consumer's stars, dimension scores and comment on a product, the producers' public reply, the
versions an edit replaced, and the stewards' moderation record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from catalog.models import DataProduct, Team
from core.models import TimeStampedModel


class Dimension(models.TextChoices):
    ACCURACY = "accuracy", "Accuracy"
    COMPLETENESS = "completeness", "Completeness"
    TIMELINESS = "timeliness", "Timeliness"
    DOCUMENTATION = "documentation", "Documentation"
    USABILITY = "usability", "Usability"


DIMENSIONS: tuple[str, ...] = tuple(Dimension.values)
STARS = (1, 2, 3, 4, 5)


def _score_in_range(name: str) -> Q:
    return Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 1, f"{name}__lte": 5})


class RatingQuerySet(models.QuerySet["Rating"]):
    def visible(self) -> RatingQuerySet:
        """What the public listings and every aggregate count: hidden reviews are left out."""
        return self.filter(hidden_at__isnull=True)

    def unanswered(self) -> RatingQuerySet:
        """No reply yet, or the author changed the review after the reply was written."""
        return self.filter(Q(reply__isnull=True) | Q(reply__updated_at__lt=F("edited_at")))

    def with_relations(self) -> RatingQuerySet:
        """Everything a listed review shows (the pages and RatingSerializer), so that a list costs one query."""
        return self.select_related(
            "author", "reply__author", "reply__team", "hidden_by", "product__domain", "product__owner_team"
        )


class Rating(TimeStampedModel):
    """One per person per product; an edit replaces it in place and keeps what it replaced as a RatingVersion."""

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="ratings")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="product_ratings")
    stars = models.PositiveSmallIntegerField()
    accuracy = models.PositiveSmallIntegerField(null=True, blank=True)
    completeness = models.PositiveSmallIntegerField(null=True, blank=True)
    timeliness = models.PositiveSmallIntegerField(null=True, blank=True)
    documentation = models.PositiveSmallIntegerField(null=True, blank=True)
    usability = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    verified = models.BooleanField(
        default=False,
        help_text="The author held or holds a grant on one of the product's ports; decided when written or edited.",
    )
    version = models.PositiveIntegerField(default=1, help_text="1 when created, one more with each edit.")
    edited_at = models.DateTimeField(help_text="When the author last wrote it (moderation does not count).")
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.TextField(blank=True)

    objects = RatingQuerySet.as_manager()

    class Meta:
        ordering = ["-edited_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "author"], name="rating_unique_product_author"),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="rating_stars_1_to_5"),
            *(
                models.CheckConstraint(condition=_score_in_range(name), name=f"rating_{name}_1_to_5")
                for name in DIMENSIONS
            ),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""), name="rating_hidden_has_reason"
            ),
        ]
        indexes = [
            # Aggregates and the reviews tab read a product's visible ratings, newest first.
            models.Index(fields=["product", "hidden_at", "-edited_at"], name="rating_product_listing_idx"),
            # The weekly digest and the trend charts read ratings written since a date.
            models.Index(fields=["edited_at"], name="rating_edited_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author} rated {self.product}: {self.stars}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_answered(self) -> bool:
        reply = getattr(self, "reply", None)
        return reply is not None and reply.updated_at >= self.edited_at

    def dimension_scores(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in DIMENSIONS}

    def get_absolute_url(self) -> str:
        return reverse("product_detail", args=[self.product.domain.slug, self.product.slug]) + f"#review-{self.pk}"


class RatingVersion(models.Model):
    """What a rating said before an edit replaced it: readable by its author and the owning team."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    stars = models.PositiveSmallIntegerField()
    dimensions = models.JSONField(default=dict)
    comment = models.TextField(blank=True)
    verified = models.BooleanField(default=False)
    written_at = models.DateTimeField(help_text="When this version was written.")
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rating", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rating", "number"], name="ratingversion_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.rating_id} v{self.number}"


class RatingReply(TimeStampedModel):
    """The producers' public answer to a review; one per review, edited in place."""

    rating = models.OneToOneField(Rating, on_delete=models.CASCADE, related_name="reply")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="rating_replies")
    body = models.TextField()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="ratingreply_body_not_empty")]

    def __str__(self) -> str:
        return f"Reply to {self.rating_id}"


class ModerationAction(models.TextChoices):
    HIDE = "hide", "Hidden"
    UNHIDE = "unhide", "Shown again"


class RatingModeration(models.Model):
    """The audit trail of hiding and showing reviews; it outlives the review (its author may delete it)."""

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="rating_moderations")
    rating = models.ForeignKey(
        Rating, on_delete=models.SET_NULL, null=True, blank=True, related_name="moderation_events"
    )
    rating_author = models.CharField(max_length=150, help_text="Username of the review's author, kept for the trail.")
    action = models.CharField(max_length=10, choices=ModerationAction.choices)
    reason = models.TextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=ModerationAction.values), name="moderation_action_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="moderation_reason_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.action} review of {self.rating_author} on {self.product_id}"
