"""Catalog pages. Thin: selectors read, services write, templates show."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog import errors, selectors
from catalog.actors import Actor
from catalog.forms import ProductFilterForm, TokenCreateForm
from catalog.models import ApiToken, Team
from catalog.permissions import ensure_can_manage_team
from catalog.services.tokens import token_create, token_revoke

PRODUCTS_PER_PAGE = 25


def forbidden_as_403(view):
    """Let the domain's PermissionDenied surface as Django's, which renders templates/403.html."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except errors.PermissionDenied as exc:
            raise HttpForbidden(exc.message) from exc

    return wrapper


@require_GET
def home(request):
    return render(request, "catalog/home.html", {"summary": selectors.home_summary()})


@require_GET
def domain_list(request):
    return render(request, "catalog/domain_list.html", {"tree": selectors.domain_tree()})


@require_GET
def domain_detail(request, slug: str):
    return render(request, "catalog/domain_detail.html", {"detail": selectors.domain_detail(slug)})


@require_GET
def product_list(request):
    form = ProductFilterForm(request.GET, **selectors.filter_choices())
    filters = form.filters()
    page = Paginator(selectors.products_list(filters), PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/product_list.html",
        {"form": form, "filters": filters, "page": page, "filtered": any(vars(filters).values())},
    )


@require_GET
def product_detail(request, domain_slug: str, slug: str):
    return render(request, "catalog/product_detail.html", {"detail": selectors.product_detail(domain_slug, slug)})


@require_GET
def team_list(request):
    return render(request, "catalog/team_list.html", {"teams": selectors.team_list()})


@require_GET
def team_detail(request, slug: str):
    detail = selectors.team_detail(slug)
    can_manage = Actor(user=request.user).is_team_owner(detail.team.pk)
    return render(request, "catalog/team_detail.html", {"detail": detail, "can_manage": can_manage})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
@forbidden_as_403
def team_tokens(request, slug: str):
    team = get_object_or_404(Team, slug=slug)
    actor = Actor(user=request.user)
    ensure_can_manage_team(actor, team)
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = token_create(
                actor=actor,
                team=team,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expiry(),
            )
        except errors.ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        else:
            # The secret exists only in this response: not in the session, not in a message, not in the DB.
            return render(request, "catalog/token_created.html", {"team": team, "issued": issued})
    return render(
        request,
        "catalog/team_tokens.html",
        {"team": team, "tokens": selectors.team_tokens(team), "form": form},
    )


@login_required
@require_POST
@forbidden_as_403
def token_revoke_view(request, slug: str, key_id: str):
    team = get_object_or_404(Team, slug=slug)
    actor = Actor(user=request.user)
    # Check first, so that people outside the team cannot probe which token ids exist.
    ensure_can_manage_team(actor, team)
    token = get_object_or_404(ApiToken.objects.select_related("team"), team=team, key_id=key_id)
    already = token.revoked_at is not None
    token_revoke(actor=actor, token=token)
    if already:
        messages.info(request, f"Token “{token.name}” was already revoked.")
    else:
        messages.success(request, f"Token “{token.name}” is revoked; requests that send it are now refused.")
    return redirect("team_tokens", slug=team.slug)
