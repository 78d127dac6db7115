"""Writes of ratings: rate (create or replace), delete one's own, reply, hide and show again, the weekly digest.

Rules, checked here so that the pages, the API and commands all obey them:
- a rating is a person's opinion: only a signed-in person rates (API tokens cannot), and not anyone in the
  product's owning team or in a team owning its domain;
- only published and deprecated products take ratings (drafts are not offered yet, retired ones are gone);
- one rating per person per product: rating again replaces it and keeps the replaced one as a RatingVersion;
- the "verified consumer" mark is decided when the rating is written or edited (access.selectors);
- writes per person are limited (RATINGS_WRITES_PER_MINUTE) against bursts;
- every change re-indexes the product, so its place in search follows its ratings.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from catalog.models import DataProduct, Domain, LifecycleStatus, TeamMembership
from catalog.signals import announce_products_changed
from core.actors import Actor
from core.errors import ApplicationError, Conflict, FieldError, PermissionDenied, ValidationFailed, pointer
from core.models import Notification
from core.notifications import notify
from ratings import selectors
from ratings.models import DIMENSIONS, ModerationAction, Rating, RatingModeration, RatingReply, RatingVersion

COMMENT_MAX = 5000
REPLY_MAX = 5000
REASON_MAX = 1000
RATEABLE = (LifecycleStatus.PUBLISHED, LifecycleStatus.DEPRECATED)
MAIL_AT_OR_BELOW = 2  # 1-2 star reviews are mailed at once; better ones wait in the inbox and the weekly digest
DIGEST_DAYS = 7
DIGEST_KIND = "ratings.weekly_digest"


class RateLimited(ApplicationError):
    def __init__(self, retry_after: int):
        super().__init__(
            message=f"Too many rating changes in a short time; try again in {retry_after} seconds.",
            status=429,
            code="throttled",
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class RatingInput:
    stars: int
    dimensions: dict[str, int | None]
    comment: str


def _score(value: Any, path: str, errors: list[FieldError], *, required: bool) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(FieldError(path, "This field is required: a whole number from 1 to 5."))
        return None
    if isinstance(value, bool):
        errors.append(FieldError(path, "Expected a whole number from 1 to 5, not true or false."))
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        errors.append(FieldError(path, f"Expected a whole number from 1 to 5, got {str(value)[:40]!r}."))
        return None
    if not 1 <= value <= 5:
        errors.append(FieldError(path, f"Must be from 1 to 5, got {value}."))
        return None
    return value


def rating_input_parse(data: Any) -> RatingInput:
    """Check a submitted rating: `stars` 1-5, `dimensions` {name: 1-5 or null} with known names, a plain-text
    `comment`. Raises ValidationFailed naming every bad field by JSON Pointer."""
    if not isinstance(data, Mapping):
        raise ValidationFailed([FieldError("", "Expected a JSON object.")])
    errors: list[FieldError] = []
    unknown = sorted(set(data) - {"stars", "dimensions", "comment"})
    for key in unknown:
        errors.append(FieldError(pointer(key), "Unknown field."))
    stars = _score(data.get("stars"), "/stars", errors, required=True)
    raw_dims = data.get("dimensions") or {}
    dims: dict[str, int | None] = dict.fromkeys(DIMENSIONS)
    if not isinstance(raw_dims, Mapping):
        errors.append(FieldError("/dimensions", f"Expected an object with any of: {', '.join(DIMENSIONS)}."))
    else:
        for name, value in raw_dims.items():
            if name not in DIMENSIONS:
                errors.append(
                    FieldError(pointer("dimensions", name), f"Unknown dimension; use {', '.join(DIMENSIONS)}.")
                )
                continue
            dims[name] = _score(value, pointer("dimensions", name), errors, required=False)
    comment = data.get("comment") or ""
    if not isinstance(comment, str):
        errors.append(FieldError("/comment", "Expected text."))
        comment = ""
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        errors.append(FieldError("/comment", f"At most {COMMENT_MAX} characters (got {len(comment)})."))
    if errors:
        raise ValidationFailed(errors)
    assert stars is not None
    return RatingInput(stars=stars, dimensions=dims, comment=comment)


# What tokens are told when they try: ratings and replies are people's words.
PERSONAL = "a rating is a person's opinion"


def _throttle(user) -> None:
    """A fixed one-minute window per person in the cache; each attempt counts, accepted or not."""
    limit = int(getattr(settings, "RATINGS_WRITES_PER_MINUTE", 10))
    if limit <= 0:
        return
    now = time.time()
    window = int(now // 60)
    key = f"ratings:writes:{user.pk}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > limit:
        raise RateLimited(retry_after=max(1, int((window + 1) * 60 - now)))


def _team_members(team_id: int) -> list:
    return [m.user for m in TeamMembership.objects.filter(team_id=team_id).select_related("user")]


def _product_url(product: DataProduct) -> str:
    return reverse("product_detail", args=[product.domain.slug, product.slug])


def _verified(user, product: DataProduct) -> bool:
    from access.selectors import user_has_held_grant  # the access app is optional to ratings; imported late

    return bool(user_has_held_grant(user=user, product=product))


@transaction.atomic
def rating_upsert(*, actor: Actor, product: DataProduct, data: Any) -> tuple[Rating, bool]:
    """Rate a product, or replace one's rating of it. Answers (rating, created).

    Submitting what the rating already says changes nothing (no version, no notification)."""
    user = actor.person("rate products", why=PERSONAL)
    _throttle(user)
    values = rating_input_parse(data)
    # The product row serialises the ratings of one product: its status cannot change under us, and one
    # person's two simultaneous first ratings meet here rather than at the unique constraint.
    product = DataProduct.objects.select_for_update().select_related("domain").get(pk=product.pk)
    if product.status not in RATEABLE:
        raise Conflict(
            f"Product '{product.identifier}' is {product.get_status_display().lower()}; only published and "
            "deprecated products can be rated.",
            path="",
        )
    if selectors.is_producer(actor, product):
        raise PermissionDenied("Members of the owning team cannot rate their own product; reply to reviews instead.")
    now = timezone.now()
    verified = _verified(user, product)
    rating = Rating.objects.filter(product=product, author=user).select_for_update().first()
    if rating is None:
        rating = Rating.objects.create(
            product=product,
            author=user,
            stars=values.stars,
            comment=values.comment,
            verified=verified,
            edited_at=now,
            **values.dimensions,
        )
        created = True
    else:
        same = (
            rating.stars == values.stars
            and rating.comment == values.comment
            and rating.dimension_scores() == values.dimensions
        )
        if same:
            if rating.verified != verified:
                rating.verified = verified
                rating.save(update_fields=["verified", "updated_at"])
            return rating, False
        RatingVersion.objects.create(
            rating=rating,
            number=rating.version,
            stars=rating.stars,
            dimensions=rating.dimension_scores(),
            comment=rating.comment,
            verified=rating.verified,
            written_at=rating.edited_at,
        )
        rating.stars = values.stars
        rating.comment = values.comment
        for name, value in values.dimensions.items():
            setattr(rating, name, value)
        rating.verified = verified
        rating.version += 1
        rating.edited_at = now
        rating.save()
        created = False
    announce_products_changed([product.pk])
    _announce_review(rating, created=created)
    return rating, created


def _announce_review(rating: Rating, *, created: bool) -> None:
    product = rating.product
    who = rating.author.get_full_name() or rating.author.get_username()
    verb = "rated" if created else "changed their rating of"
    body = f"{who} {verb} {product.name}: {rating.stars} of 5 stars."
    if rating.comment:
        body += f"\n\n{rating.comment[:500]}"
    notify(
        recipients=_team_members(product.owner_team_id),
        kind="ratings.review_new" if created else "ratings.review_changed",
        title=f"{rating.stars}★ review of {product.name}" + ("" if created else " (changed)"),
        body=body,
        url=reverse("ratings_feedback") + f"#review-{rating.pk}",
        mail=rating.stars <= MAIL_AT_OR_BELOW,
    )


@transaction.atomic
def rating_delete(*, actor: Actor, rating: Rating) -> None:
    """Withdraw one's own rating (with its versions and reply); the moderation trail stays."""
    user = actor.person("delete ratings", why=PERSONAL)
    _throttle(user)
    rating = Rating.objects.select_for_update().select_related("product").get(pk=rating.pk)
    if rating.author_id != user.pk:
        raise PermissionDenied("Only its author can delete a rating; stewards can hide it.")
    product_id = rating.product_id
    rating.delete()
    announce_products_changed([product_id])


def _clean_text(value: Any, path: str, limit: int, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed([FieldError(path, f"Write {what}.")])
    value = value.strip()
    if len(value) > limit:
        raise ValidationFailed([FieldError(path, f"At most {limit} characters (got {len(value)}).")])
    return value


@transaction.atomic
def rating_reply(*, actor: Actor, rating: Rating, body: Any) -> RatingReply:
    """The producers' public answer to a review; replying again replaces it. Tells the review's author."""
    user = actor.person("reply to reviews", why=PERSONAL)
    rating = Rating.objects.select_for_update().select_related("product__domain", "author").get(pk=rating.pk)
    if not selectors.can_reply(actor, rating.product):
        raise PermissionDenied(f"Only the team owning '{rating.product.identifier}' can reply to its reviews.")
    text = _clean_text(body, "/body", REPLY_MAX, "a reply")
    if rating.is_hidden:
        raise Conflict("This review is hidden; show it again before replying.")
    reply, _ = RatingReply.objects.update_or_create(
        rating=rating, defaults={"author": user, "body": text, "team_id": rating.product.owner_team_id}
    )
    notify(
        recipients=[rating.author],
        kind="ratings.reply",
        title=f"{rating.product.owner_team.name} replied to your review of {rating.product.name}",
        body=text[:1000],
        url=rating.get_absolute_url(),
    )
    return reply


@transaction.atomic
def rating_reply_delete(*, actor: Actor, rating: Rating) -> None:
    actor.person("delete replies", why=PERSONAL)
    rating = Rating.objects.select_for_update().select_related("product__domain").get(pk=rating.pk)
    if not selectors.can_reply(actor, rating.product):
        raise PermissionDenied(f"Only the team owning '{rating.product.identifier}' can delete its replies.")
    RatingReply.objects.filter(rating=rating).delete()


@transaction.atomic
def rating_moderate(*, actor: Actor, rating: Rating, hide: bool, reason: Any) -> Rating:
    """Hide an abusive review from listings and aggregates, or show it again; the reason goes on the record
    and to the review's author."""
    user = actor.person("moderate reviews", why=PERSONAL)
    rating = Rating.objects.select_for_update().select_related("product__domain", "author").get(pk=rating.pk)
    if not selectors.can_moderate(actor, rating.product):
        raise PermissionDenied(
            f"Only owners and stewards of the team owning '{rating.product.identifier}' can hide or show its reviews."
        )
    text = _clean_text(reason, "/reason", REASON_MAX, "a reason")
    if hide == rating.is_hidden:
        raise Conflict("This review is hidden already." if hide else "This review is not hidden.")
    if hide:
        rating.hidden_at, rating.hidden_by, rating.hidden_reason = timezone.now(), user, text
    else:
        rating.hidden_at, rating.hidden_by, rating.hidden_reason = None, None, ""
    rating.save(update_fields=["hidden_at", "hidden_by", "hidden_reason", "updated_at"])
    RatingModeration.objects.create(
        product=rating.product,
        rating=rating,
        rating_author=rating.author.get_username(),
        action=ModerationAction.HIDE if hide else ModerationAction.UNHIDE,
        reason=text,
        actor=user,
    )
    announce_products_changed([rating.product_id])
    notify(
        recipients=[rating.author],
        kind="ratings.hidden" if hide else "ratings.shown",
        title=f"Your review of {rating.product.name} was {'hidden' if hide else 'shown again'}",
        body=f"Reason given: {text}",
        url=rating.get_absolute_url(),
        mail=False,
    )
    return rating


def weekly_digest_send(*, domain: Domain, now=None) -> int:
    """Tell the domain's owning team how its products' ratings moved in the seven days before `now` (a half-open
    window, so a review written at the very moment of one run counts in the next week only), and which reviews
    wait for an answer. Nothing is sent in a week without news, nor a second time within six days. Answers how
    many people were told."""
    now = now or timezone.now()
    since = now - timedelta(days=DIGEST_DAYS)
    members = _team_members(domain.owner_team_id)
    url = reverse("ratings_domain_scorecard", args=[domain.slug])
    # A retried task (the broker was away when the mails were queued) or a second beat must not send it twice.
    already = Notification.objects.filter(
        recipient__in=members, kind=DIGEST_KIND, url=url, created_at__gt=now - timedelta(days=DIGEST_DAYS - 1)
    )
    if already.exists():
        return 0
    scorecard = selectors.domain_rating_summary(domain)
    # Reviews written or changed in the week, counted per product.
    written = dict(
        Rating.objects.visible()
        .filter(product__in=[row.product for row in scorecard.products], edited_at__gte=since, edited_at__lt=now)
        .order_by()
        .values_list("product_id")
        .annotate(n=Count("pk"))
    )
    total = sum(written.values())
    waiting = scorecard.summary.unanswered
    if not total and not waiting:
        return 0
    before = selectors.rating_summaries_as_of(written, moment=since)
    lines = [f"Ratings of {domain.name}, week to {timezone.localdate(now):%d %b %Y}", ""]
    if total:
        lines.append(f"{total} review{'s' if total != 1 else ''} written or changed:")
        for row in scorecard.products:  # by name
            if row.product.pk not in written:
                continue
            old = before.get(row.product.pk)
            change = f"{old:.2f} → {row.summary.average:.2f}" if old else f"now {row.summary.average:.2f}"
            lines.append(f"- {row.product.name}: {written[row.product.pk]} new or changed, Bayesian average {change}")
    else:
        lines.append("No new reviews this week.")
    if waiting:
        lines += ["", f"{waiting} review{'s' if waiting != 1 else ''} wait for an answer."]
    if scorecard.lowest:
        low = scorecard.lowest[0]
        lines += ["", f"Lowest rated: {low.product.name} ({low.summary.average:.2f} from {low.summary.count})."]
    with transaction.atomic():
        rows = notify(
            recipients=members,
            kind=DIGEST_KIND,
            title=f"Weekly ratings digest: {domain.name}",
            body="\n".join(lines),
            url=url,
        )
    return len(rows)
