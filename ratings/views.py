"""Ratings pages: rate, reply, hide and show, versions, the producers' feedback inbox, the scorecards.

Thin views: selectors read, services write and decide who may; a refused write shows its message next to the
field (or as a 403 page), and nothing is stored.

Every write page, and every page that is a person's own (the feedback inbox, a review's versions), carries
`login_required`: the site-wide sign-in middleware covers them only while the portal is private, and with
PORTAL_PUBLIC_READ an anonymous visitor must be sent to sign in, not shown a bare 403. The reviews list and
the scorecards are reads, open to whoever may read the catalog.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.models import DataProduct, Domain
from core import errors
from core.actors import Actor
from core.web import refusals_as_http
from ratings import selectors
from ratings.forms import RatingForm, ReasonForm, ReplyForm
from ratings.models import Rating
from ratings.services import RATEABLE, RateLimited, rating_delete, rating_moderate, rating_reply, rating_upsert

FEEDBACK_PER_PAGE = 25
REVIEWS_PER_PAGE = 25
SCORECARD_PRODUCTS_PER_PAGE = 25


def _product(domain_slug: str, slug: str) -> DataProduct:
    return get_object_or_404(
        DataProduct.objects.select_related("domain", "owner_team"), domain__slug=domain_slug, slug=slug
    )


def _reviews_url(product: DataProduct) -> str:
    return product.get_tab_url("reviews", "reviews")


def _next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _apply_errors(form, exc: errors.ApplicationError, field_for) -> None:
    placed = False
    for error in exc.errors:
        name = field_for(error.path)
        if name and name in form.fields:
            form.add_error(name, error.message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _submit(form, field: str, write) -> int | None:
    """Post a one-field form (a reply, a reason) to its service: None when done, else the status of the page that
    shows the form again with the service's message next to the field (400) or above it (409)."""
    if not form.is_valid():
        return 400
    try:
        write(form.cleaned_data[field])
    except errors.ValidationFailed as exc:
        _apply_errors(form, exc, lambda path: field)
        return 400
    except errors.Conflict as exc:
        form.add_error(None, exc.message)
        return 409
    return None


@login_required
@require_http_methods(["GET", "POST"])
@refusals_as_http
def rate(request, domain_slug: str, slug: str):
    """The rating form on a page of its own: the product page's form posts here, and errors come back here."""
    product = _product(domain_slug, slug)
    actor = Actor(user=request.user)
    own = selectors.own_rating(product, request.user)
    status = 200
    if request.method == "POST":
        form = RatingForm(request.POST)
        if form.is_valid():
            try:
                rating, created = rating_upsert(actor=actor, product=product, data=form.service_data())
            except RateLimited as exc:
                form.add_error(None, exc.message)
                status = 429
            except errors.ValidationFailed as exc:
                _apply_errors(form, exc, RatingForm.field_for)
                status = 400
            except errors.Conflict as exc:
                form.add_error(None, exc.message)
                status = 409
            else:
                messages.success(request, "Thank you: your rating is saved." if created else "Your rating is updated.")
                return redirect(product.get_tab_url("reviews", f"review-{rating.pk}"))
        else:
            status = 400
    else:
        form = RatingForm(initial=RatingForm.initial_from(own))
    context = {
        "product": product,
        "form": form,
        "own": own,
        "is_producer": selectors.is_producer(actor, product),
        "rateable": product.status in RATEABLE,
    }
    return render(request, "ratings/rate.html", context, status=status)


@login_required
@require_POST
@refusals_as_http
def rating_withdraw(request, domain_slug: str, slug: str):
    product = _product(domain_slug, slug)
    own = selectors.own_rating(product, request.user)
    if own is None:
        raise Http404("You have not rated this product.")
    try:
        rating_delete(actor=Actor(user=request.user), rating=own)
    except RateLimited as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Your rating is withdrawn.")
    return redirect(_reviews_url(product))


@require_GET
def reviews(request, domain_slug: str, slug: str):
    """Every review of a product, a page at a time (the product page shows the newest)."""
    product = _product(domain_slug, slug)
    actor = Actor(user=request.user)
    page = Paginator(selectors.product_reviews(product, actor), REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "product": product,
        "page": page,
        "summary": selectors.rating_summary(product),
        "can_reply": selectors.can_reply(actor, product),
        "can_moderate": selectors.can_moderate(actor, product),
    }
    return render(request, "ratings/reviews.html", context)


def _rating(pk: int) -> Rating:
    return get_object_or_404(Rating.objects.with_relations(), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
@refusals_as_http
def reply(request, pk: int):
    rating = _rating(pk)
    actor = Actor(user=request.user)
    if not selectors.can_reply(actor, rating.product):
        raise errors.PermissionDenied("Only the team owning this product can reply to its reviews.")
    if request.method == "POST":
        form = ReplyForm(request.POST)
        status = _submit(form, "body", lambda text: rating_reply(actor=actor, rating=rating, body=text))
        if status is None:
            messages.success(request, "Your reply is published.")
            return redirect(_next(request, rating.get_absolute_url()))
    else:
        existing = getattr(rating, "reply", None)
        form, status = ReplyForm(initial={"body": existing.body if existing else ""}), 200
    context = {"rating": rating, "form": form, "next": _next(request, "")}
    return render(request, "ratings/reply.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@refusals_as_http
def moderate(request, pk: int, hide: bool):
    rating = _rating(pk)
    actor = Actor(user=request.user)
    if not selectors.can_moderate(actor, rating.product):
        raise errors.PermissionDenied("Only owners and stewards of the owning team can hide or show reviews.")
    if request.method == "POST":
        form = ReasonForm(request.POST)
        status = _submit(
            form, "reason", lambda text: rating_moderate(actor=actor, rating=rating, hide=hide, reason=text)
        )
        if status is None:
            messages.success(request, "The review is hidden." if hide else "The review is shown again.")
            return redirect(_next(request, rating.get_absolute_url()))
    else:
        form, status = ReasonForm(), 200
    context = {"rating": rating, "form": form, "hide": hide, "next": _next(request, "")}
    return render(request, "ratings/moderate.html", context, status=status)


@login_required
@require_GET
@refusals_as_http
def versions(request, pk: int):
    rating = _rating(pk)
    if not selectors.can_see_versions(Actor(user=request.user), rating):
        raise errors.PermissionDenied("Only the rating's author and the owning team see its earlier versions.")
    context = {"rating": rating, "versions": rating.versions.order_by("-number")}
    return render(request, "ratings/versions.html", context)


@login_required
@require_GET
def feedback(request):
    """The producers' feedback inbox: reviews of their teams' products, unanswered first."""
    unanswered_only = request.GET.get("show") == "unanswered"
    reviews = selectors.feedback_inbox(request.user, unanswered_only=unanswered_only)
    page = Paginator(reviews, FEEDBACK_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "ratings/feedback.html",
        {"page": page, "unanswered_only": unanswered_only, "reply_form": ReplyForm()},
    )


@require_GET
def domain_scorecard(request, slug: str):
    domain = get_object_or_404(Domain.objects.select_related("owner_team", "parent"), slug=slug)
    scorecard = selectors.domain_rating_summary(domain, rows=False)
    page = Paginator(selectors.domain_products(domain), SCORECARD_PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = selectors.product_ratings(page.object_list)
    context = {"domain": domain, "scorecard": scorecard, "page": page, "rows": rows}
    return render(request, "ratings/domain_scorecard.html", context)


@require_GET
def mesh_scorecards(request):
    return render(request, "ratings/mesh_scorecards.html", {"rows": selectors.mesh_rating_overview()})
