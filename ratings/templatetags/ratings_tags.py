"""`{% load ratings_tags %}`: the reviews section of a product page, a rating badge, and accessible stars.

{% product_reviews product %}   the Reviews section (summary, histogram, dimensions, form, reviews)
{% rating_badge product %}      "★ 4.2 · 12 ratings" with the numbers as text (one query; not for lists)
{% stars value %}               glyphs hidden from screen readers, "4.2 out of 5 stars" for them
{% list_ratings products as r %}  every listed product's average and count, one query (see core's rating_stars)
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from catalog.models import DataProduct
from core.actors import Actor
from core.templatetags import quality
from ratings import selectors
from ratings.forms import RatingForm, ReasonForm, ReplyForm
from ratings.services import RATEABLE

register = template.Library()
REVIEWS_ON_PRODUCT_PAGE = 20


# The glyphs are the kernel's (core/templatetags/quality.py), shared with the search page and product lists.
register.simple_tag(quality.stars, name="stars")


@register.simple_tag
def list_ratings(products: Iterable[DataProduct]) -> dict[int, selectors.RatingFigures]:
    """`{% list_ratings products as ratings %}`: every listed product's average and count in one query, for
    `{% rating_stars ratings|item:product.pk %}` rows (the list is read once, whatever its length)."""
    return selectors.rating_figures([p.pk for p in products])


def _summary(product: DataProduct) -> selectors.RatingSummary:
    """Once per product object: the badge and the reviews section of one page share it."""
    cached = getattr(product, "_ratings_summary", None)
    if cached is None:
        cached = selectors.rating_summary(product)
        setattr(product, "_ratings_summary", cached)  # noqa: B010 -- not a model field
    return cached


@register.simple_tag
def rating_badge(product: DataProduct) -> SafeString:
    summary = _summary(product)
    if not summary.count:
        return format_html('<span class="badge rating-badge" title="{}">Not rated yet</span>', "Consumer rating")
    return format_html(
        '<a class="badge rating-badge" href="{}" title="Consumer rating (Bayesian average)">'
        '<span aria-hidden="true">★</span> {} <span class="visually-hidden">out of 5</span> · {} rating{}</a>',
        product.get_tab_url("reviews", "reviews"),
        f"{summary.average:.1f}",
        summary.count,
        "" if summary.count == 1 else "s",
    )


@register.inclusion_tag("ratings/_partials/product_reviews.html", takes_context=True)
def product_reviews(context, product: DataProduct) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    actor = Actor(user=user)
    own = selectors.own_rating(product, user)
    # One more than shown tells whether to link to the page of all reviews, without counting them.
    reviews = list(selectors.product_reviews(product, actor)[: REVIEWS_ON_PRODUCT_PAGE + 1])
    return {
        "request": request,
        "user": user,
        "csrf_token": context.get("csrf_token"),
        "product": product,
        "summary": _summary(product),
        "trend": selectors.product_trend(product),
        "reviews": reviews[:REVIEWS_ON_PRODUCT_PAGE],
        "more_reviews": len(reviews) > REVIEWS_ON_PRODUCT_PAGE,
        "own": own,
        "form": RatingForm(initial=RatingForm.initial_from(own)),
        "reply_form": ReplyForm(),
        "reason_form": ReasonForm(),
        "is_producer": selectors.is_producer(actor, product),
        "can_reply": selectors.can_reply(actor, product),
        "can_moderate": selectors.can_moderate(actor, product),
        "rateable": product.status in RATEABLE,
    }


@register.filter
def trend_labels(points) -> list[str]:
    return [p.label for p in points]


@register.filter
def trend_series(points, name: str = "Bayesian average") -> dict:
    return {name: [p.average for p in points]}


@register.filter
def lowest_items(rows) -> list[tuple[str, float]]:
    """ProductRating rows as (name, Bayesian average) pairs for a bar chart."""
    return [(row.product.name, round(row.summary.average, 2)) for row in rows]


@register.inclusion_tag("ratings/_partials/home_top_rated.html")
def home_top_rated(limit: int = 5) -> dict:
    return {"rows": selectors.top_rated(limit=limit)}


@register.inclusion_tag("ratings/_partials/home_reviews_task.html", takes_context=True)
def home_reviews_task(context, limit: int = 5) -> dict:
    """The home page's ratings task: reviews of the person's teams' products that wait for a reply."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"reviews": [], "producer": False}
    reviews = selectors.reviews_to_answer(user, limit=limit)
    return {"reviews": reviews, "producer": bool(Actor(user=user).team_ids)}
