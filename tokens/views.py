"""The team's token page: owners issue and revoke their team's pipeline tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from catalog.models import Team
from catalog.permissions import ensure_can_manage_team
from core.actors import Actor
from core.errors import ValidationFailed
from core.web import refusals_as_http
from tokens import selectors
from tokens.forms import TokenCreateForm
from tokens.models import ApiToken
from tokens.services import token_create, token_revoke


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
@refusals_as_http
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
        except ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        else:
            # The secret exists only in this response: not in the session, not in a message, not in the DB.
            return render(request, "tokens/token_created.html", {"team": team, "issued": issued})
    return render(
        request,
        "tokens/team_tokens.html",
        {"team": team, "tokens": selectors.team_tokens(team), "form": form},
    )


@login_required
@require_POST
@refusals_as_http
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
