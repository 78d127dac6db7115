"""SLO pages: a product's objectives with their history, and the owners' forms. Thin: selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from catalog.models import DataProduct
from core import errors
from core.actors import Actor
from core.web import refusals_as_http
from slo.forms import SloForm
from slo.models import Incident, Measurement, ServiceLevelObjective
from slo.permissions import can_manage_slos, ensure_can_manage_slos
from slo.selectors import product_slos
from slo.services import slo_create, slo_delete, slo_update


def _product(domain: str, slug: str) -> DataProduct:
    return get_object_or_404(
        DataProduct.objects.select_related("domain__parent", "owner_team"), domain__slug=domain, slug=slug
    )


def _slo(pk: int) -> ServiceLevelObjective:
    return get_object_or_404(
        ServiceLevelObjective.objects.select_related("product__domain__parent", "product__owner_team", "port"), pk=pk
    )


@require_GET
def product_slo_page(request, domain: str, slug: str):
    product = _product(domain, slug)
    return render(
        request,
        "slo/product_slos.html",
        {
            "product": product,
            "data": product_slos(product, incidents_per_slo=20),
            "can_manage": can_manage_slos(Actor(user=request.user), product),
        },
    )


@require_GET
def slo_detail(request, pk: int):
    slo = _slo(pk)
    return render(
        request,
        "slo/slo_detail.html",
        {
            "slo": slo,
            "product": slo.product,
            "measurements": Measurement.objects.filter(slo=slo).order_by("-measured_at")[:100],
            "evaluations": slo.evaluations.order_by("-since")[:50],
            "incidents": Incident.objects.filter(slo=slo).order_by("-opened_at")[:50],
            "can_manage": can_manage_slos(Actor(user=request.user), slo.product),
        },
    )


def _save(form: SloForm, service, **kwargs) -> ServiceLevelObjective | None:
    """Call the create or update service with the form's objective; what it refuses is shown on the form."""
    try:
        return service(spec=form.spec(), **kwargs)
    except (errors.ValidationFailed, errors.Conflict, errors.NotFound) as exc:
        form.add_service_errors(exc.errors or [errors.FieldError("", exc.message)])
        return None


def _render_form(request, form, *, product, slo=None):
    context = {"form": form, "product": product, "slo": slo}
    return render(request, "slo/slo_form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@refusals_as_http
def slo_create_view(request, domain: str, slug: str):
    product = _product(domain, slug)
    actor = Actor(user=request.user)
    ensure_can_manage_slos(actor, product)
    form = SloForm(request.POST or None, product=product)
    if request.method == "POST" and form.is_valid():
        slo = _save(form, slo_create, actor=actor, product=product)
        if slo is not None:
            messages.success(request, f"Objective “{slo.name}” added.")
            return redirect("slo_product", domain=product.domain.slug, slug=product.slug)
    return _render_form(request, form, product=product)


@require_http_methods(["GET", "POST"])
@refusals_as_http
def slo_edit_view(request, pk: int):
    slo = _slo(pk)
    actor = Actor(user=request.user)
    ensure_can_manage_slos(actor, slo.product)
    if slo.is_from_contract:
        messages.error(request, f"“{slo.name}” comes from data contract {slo.contract_id}; change the contract.")
        return redirect("slo_detail", pk=slo.pk)
    form = SloForm(request.POST or None, product=slo.product, initial=SloForm.initial_for(slo))
    if request.method == "POST" and form.is_valid() and _save(form, slo_update, actor=actor, slo=slo) is not None:
        messages.success(request, "Objective saved; it is evaluated again against its measurements.")
        return redirect("slo_detail", pk=slo.pk)
    return _render_form(request, form, product=slo.product, slo=slo)


@require_http_methods(["GET", "POST"])
@refusals_as_http
def slo_delete_view(request, pk: int):
    slo = _slo(pk)
    actor = Actor(user=request.user)
    ensure_can_manage_slos(actor, slo.product)
    product = slo.product
    if request.method == "POST":
        try:
            slo_delete(actor=actor, slo=slo)
        except errors.Conflict as exc:
            messages.error(request, exc.message)
            return redirect("slo_detail", pk=slo.pk)
        messages.success(request, f"Objective “{slo.name}” deleted with its measurements.")
        return redirect("slo_product", domain=product.domain.slug, slug=product.slug)
    return render(request, "slo/slo_delete.html", {"slo": slo, "product": product})
