"""Pages of the notices app: My data, following, preferences, saved searches, deprecating a product or port."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from catalog.api.product_input import parse_product
from catalog.models import DataProduct, Domain
from catalog.permissions import ensure_can_write_product
from catalog.selectors import product_spec_stored
from catalog.services.deprecations import deprecation_set
from catalog.services.descriptors import product_preview
from catalog.services.products import product_upsert
from core.actors import Actor
from core.errors import ApplicationError, ValidationFailed
from core.web import refusals_as_http
from glossary.models import Term
from notices import follows, saved, selectors, visits
from notices.documents import portal_document
from notices.forms import DeprecationForm, PreferencesForm, SavedSearchForm
from notices.models import NoticeKind, Preference
from notices.services import DEFAULT_FREQUENCY


@login_required
def my_data(request):
    since = visits.visit_record(user=request.user)
    data = selectors.my_data(request.user, since=since)
    return render(request, "notices/my_data.html", {"data": data, "saved_form": SavedSearchForm()})


def _next(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@login_required
@require_POST
@refusals_as_http
def follow(request, target: str, pk: int):
    obj: DataProduct | Domain | Term
    if target == "product":
        obj = get_object_or_404(DataProduct, pk=pk)
    elif target == "domain":
        obj = get_object_or_404(Domain, pk=pk)
    elif target == "term":
        obj = get_object_or_404(Term, pk=pk)
    else:
        return redirect("my_data")
    actor = Actor(user=request.user)
    if request.POST.get("action") == "unfollow":
        follows.follow_delete(actor=actor, target=obj)
        messages.success(request, "You no longer follow it.")
    else:
        follows.follow_create(actor=actor, target=obj)
        messages.success(request, "Following: you will be told of its changes (see your preferences).")
    return redirect(_next(request, "my_data"))


@login_required
@require_http_methods(["GET", "POST"])
@refusals_as_http
def preferences(request):
    stored = {p.kind: (p.frequency, p.mail) for p in Preference.objects.filter(user=request.user)}
    current = {k.value: stored.get(k.value, (DEFAULT_FREQUENCY[k], True)) for k in NoticeKind}
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        follows.preferences_set(actor=Actor(user=request.user), choices=form.choices())
        messages.success(request, "Your notice preferences are saved.")
        return redirect("notice_preferences")
    return render(request, "notices/preferences.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def saved_search_create(request):
    form = SavedSearchForm(request.POST)
    if form.is_valid():
        try:
            saved.saved_search_create(
                user=request.user, name=form.cleaned_data["name"], query=form.cleaned_data["query"]
            )
        except ValidationFailed as exc:
            messages.error(request, "; ".join(e.message for e in exc.errors))
        else:
            messages.success(request, "Search saved: you will be told when a new product matches it.")
    else:
        messages.error(request, "Give the search a name and a query.")
    return redirect(_next(request, "my_data"))


@login_required
@require_POST
def saved_search_delete(request, pk: int):
    saved.saved_search_delete(user=request.user, saved_id=pk)
    messages.success(request, "Saved search removed.")
    return redirect("my_data")


@login_required
@require_http_methods(["GET", "POST"])
@refusals_as_http
def deprecate(request, domain_slug: str, slug: str):
    product = get_object_or_404(
        DataProduct.objects.select_related("domain__parent"), domain__slug=domain_slug, slug=slug
    )
    actor = Actor(user=request.user)
    ensure_can_write_product(actor, product)
    form = DeprecationForm(request.POST or None, product=product)
    if request.method == "POST" and form.is_valid():
        try:
            deprecation_set(
                actor=actor,
                product=product,
                port=form.chosen_port(),
                sunset_on=form.cleaned_data["sunset_on"],
                reason=form.cleaned_data["reason"],
                replacement=form.cleaned_data["replacement"],
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        else:
            messages.success(request, "Deprecated: its consumers are being told.")
            return redirect(product)
    return render(
        request, "notices/deprecate.html", {"form": form, "product": product}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
@refusals_as_http
def product_publish(request, domain_slug: str, slug: str):
    """Owners edit the product's document and preview (the same verdict as `?dry_run=true`) or publish it: a
    breaking change without a major version bump is refused, naming each breaking field."""
    products = DataProduct.objects.select_related("domain__parent", "owner_team")
    product = get_object_or_404(products, domain__slug=domain_slug, slug=slug)
    actor = Actor(user=request.user)
    ensure_can_write_product(actor, product)
    text = request.POST.get("document") or json.dumps(portal_document(product_spec_stored(product)), indent=2)
    context: dict = {"product": product, "document": text, "errors": [], "preview": None}
    if request.method == "POST":
        try:
            spec = parse_product(json.loads(text))
            if request.POST.get("action") == "preview":
                context["preview"] = product_preview(actor=actor, domain_slug=domain_slug, slug=slug, spec=spec)
            else:
                result = product_upsert(actor=actor, domain_slug=domain_slug, slug=slug, spec=spec)
                if result.verdict is not None and result.verdict.status == "warning":
                    messages.warning(request, "Published with breaking changes and no major version bump.")
                messages.success(request, f"Published: {result.action}.")
                return redirect(reverse("product_detail", args=[domain_slug, slug]) + "?tab=history#versions")
        except json.JSONDecodeError as exc:
            context["errors"] = [("", f"Not JSON: {exc.msg} at line {exc.lineno}.")]
        except ApplicationError as exc:
            context["message"] = exc.message
            context["errors"] = [(e.path, e.message) for e in exc.errors]
    status = 400 if context["errors"] else 200
    return render(request, "notices/publish.html", context, status=status)
