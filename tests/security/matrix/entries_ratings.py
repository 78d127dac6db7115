"""Ratings: consumers rate (never the producers, never a token), producers reply, owners and stewards moderate.

Read from ratings/services.py and ratings/selectors.py: `is_producer` is anyone in the owning team (member, steward,
owner), who may reply (`can_reply`, staff too) but not rate; `can_moderate` is its owners and stewards, and staff.
Staff are in no team, so they may rate. Tokens read (any scope, any team) and write nothing. A hidden review is
404 to everyone but its author, the producers and staff; "my rating" is 404 to whoever has not rated.
"""

from __future__ import annotations

from core.actors import Scope

from .core import HIDDEN, OK, Entry, api_anyone, api_read, api_write, page_read, page_write, token

PRODUCERS = ("member", "steward", "owner")
MODERATORS = ("steward", "owner")
TOKENS_HIDDEN = {**{token(s): HIDDEN for s in Scope.values}, "other-team token": HIDDEN}

# Rating: outsider and staff (in no team of the sales domain) may; the owning team and every token may not.
RATE = api_write(None, roles=(), outsider=OK)
RATE_PAGE = page_write(roles=(), outsider=OK)


def product(scene) -> dict:
    scene.rating  # noqa: B018 -- a product with a review
    return {"domain": "sales", "slug": scene.product.slug}


def product_page(scene) -> dict:
    scene.rating  # noqa: B018
    return {"domain_slug": "sales", "slug": scene.product.slug}


def oscars(scene) -> dict:
    """The product on which oscar (the outsider) has a rating of his own."""
    scene.outsider_rating  # noqa: B018
    return {"domain": "sales", "slug": scene.product.slug}


def rating(scene) -> dict:
    return {"pk": scene.rating.pk}


def replied(scene) -> dict:
    return {"pk": scene.reply.rating_id}


def hidden(scene) -> dict:
    return {"pk": scene.hidden_rating.pk}


def sales(scene) -> dict:
    scene.rating  # noqa: B018
    return {"slug": "sales"}


def with_rating(scene) -> dict:
    scene.rating  # noqa: B018
    return {}


STARS = {"stars": 5, "comment": "Fresh every morning."}
STARS_FORM = {"stars": "5", "comment": "Fresh every morning."}

ENTRIES = [
    Entry("api-product-ratings", "GET", api_read(), kwargs=product),
    Entry("api-product-ratings", "POST", RATE, kwargs=product, body=lambda s: STARS),
    Entry(
        "api-product-rating-mine",
        "GET",
        api_read(**dict.fromkeys(("member", "steward", "owner", "staff"), HIDDEN), **TOKENS_HIDDEN),
        kwargs=oscars,
    ),
    # Oscar replaces his rating; staff write a first one.
    Entry("api-product-rating-mine", "PUT", RATE, kwargs=oscars, body=lambda s: STARS),
    Entry(
        "api-product-rating-mine",
        "DELETE",
        api_write(None, roles=(), outsider=OK, **dict.fromkeys(("member", "steward", "owner", "staff"), HIDDEN)),
        kwargs=oscars,
    ),
    Entry("api-product-rating-summary", "GET", api_read(), kwargs=product),
    # The feedback inbox is a person's (empty for whoever produces nothing); tokens are refused.
    Entry("api-ratings-feedback", "GET", api_anyone(None), kwargs=with_rating),
    Entry("api-ratings-scorecards", "GET", api_read(), kwargs=with_rating),
    Entry("api-ratings-scorecard", "GET", api_read(), kwargs=sales),
    Entry("api-rating", "GET", api_read(), kwargs=rating),
    Entry("api-rating", "GET", api_read(outsider=HIDDEN, **TOKENS_HIDDEN), kwargs=hidden, note="hidden review"),
    Entry(
        "api-rating-reply", "PUT", api_write(None, roles=PRODUCERS), kwargs=rating, body=lambda s: {"body": "Fixed."}
    ),
    Entry("api-rating-reply", "DELETE", api_write(None, roles=PRODUCERS), kwargs=replied),
    Entry(
        "api-rating-hide", "POST", api_write(None, roles=MODERATORS), kwargs=rating, body=lambda s: {"reason": "Rude."}
    ),
    # Showing a hidden review again: whoever may not even see it gets 404; the member sees it but may not moderate.
    Entry(
        "api-rating-unhide",
        "POST",
        api_write(None, roles=MODERATORS, outsider=HIDDEN, **TOKENS_HIDDEN),
        kwargs=hidden,
        body=lambda s: {"reason": "Reviewed again."},
    ),
    Entry("api-rating-versions", "GET", api_write(None, roles=PRODUCERS), kwargs=rating),
    # Pages.
    Entry("ratings_rate", "GET", page_read(), kwargs=product_page),
    Entry("ratings_rate", "POST", RATE_PAGE, kwargs=product_page, body=lambda s: STARS_FORM),
    Entry(
        "ratings_withdraw",
        "POST",
        page_write(roles=(), outsider=OK, **dict.fromkeys(("member", "steward", "owner", "staff"), HIDDEN)),
        kwargs=lambda s: {"domain_slug": "sales", "slug": oscars(s)["slug"]},
        body=lambda s: {},
    ),
    Entry("ratings_reviews", "GET", page_read(), kwargs=product_page),
    Entry("ratings_reply", "GET", page_write(roles=PRODUCERS), kwargs=rating),
    Entry("ratings_reply", "POST", page_write(roles=PRODUCERS), kwargs=rating, body=lambda s: {"body": "Fixed."}),
    Entry("ratings_hide", "GET", page_write(roles=MODERATORS), kwargs=rating),
    Entry("ratings_hide", "POST", page_write(roles=MODERATORS), kwargs=rating, body=lambda s: {"reason": "Rude."}),
    Entry("ratings_unhide", "GET", page_write(roles=MODERATORS), kwargs=hidden),
    Entry(
        "ratings_unhide", "POST", page_write(roles=MODERATORS), kwargs=hidden, body=lambda s: {"reason": "Reviewed."}
    ),
    Entry("ratings_versions", "GET", page_write(roles=PRODUCERS), kwargs=rating),
    Entry("ratings_feedback", "GET", page_read(), kwargs=with_rating),
    Entry("ratings_domain_scorecard", "GET", page_read(), kwargs=sales),
    Entry("ratings_mesh_scorecards", "GET", page_read(), kwargs=with_rating),
]
