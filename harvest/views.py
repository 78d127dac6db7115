"""Harvest pages: a domain's SQL connections with their latest runs and errors, adding one, harvesting now."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from catalog.models import Domain
from catalog.permissions import can_write_domain, ensure_can_write_domain
from core import errors
from core.actors import Actor
from core.web import refusals_as_http
from harvest.forms import ConnectionForm
from harvest.models import Connection, RunStatus
from harvest.selectors import domain_connections, domain_runs
from harvest.services.sql import connection_create, connection_delete, harvest_connection


def _domain(slug: str) -> Domain:
    return get_object_or_404(Domain.objects.select_related("parent", "owner_team"), slug=slug)


def _connection(domain: str, name: str) -> Connection:
    return get_object_or_404(
        Connection.objects.select_related("domain__parent", "domain__owner_team"), domain__slug=domain, name=name
    )


@require_http_methods(["GET", "POST"])
@refusals_as_http
def connections_page(request, domain: str):
    the_domain = _domain(domain)
    actor = Actor(user=request.user)
    can_manage = can_write_domain(actor, the_domain)
    form = ConnectionForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        ensure_can_write_domain(actor, the_domain)
        assert form is not None
        if form.is_valid():
            try:
                created = connection_create(actor=actor, domain=the_domain, **form.cleaned_data)
            except (errors.ValidationFailed, errors.Conflict) as exc:
                form.add_service_errors(exc.errors or [errors.FieldError("", exc.message)])
            else:
                messages.success(request, f"Connection “{created.name}” added.")
                return redirect("harvest_connections", domain=the_domain.slug)
    context = {
        "domain": the_domain,
        "rows": domain_connections(the_domain),
        "runs": domain_runs(the_domain),
        "can_manage": can_manage,
        "form": form,
    }
    return render(request, "harvest/connections.html", context, status=400 if form is not None and form.errors else 200)


@require_POST
@refusals_as_http
def connection_run(request, domain: str, name: str):
    connection = _connection(domain, name)
    run = harvest_connection(actor=Actor(user=request.user), connection=connection)
    if run.status == RunStatus.OK:
        messages.success(request, f"Harvested “{connection.name}”: {run.counts.get('changed', 0)} tables changed.")
    else:
        messages.error(request, f"Harvest of “{connection.name}” {run.get_status_display().lower()}: {run.error}")
    return redirect("harvest_connections", domain=domain)


@require_POST
@refusals_as_http
def connection_remove(request, domain: str, name: str):
    connection = _connection(domain, name)
    connection_delete(actor=Actor(user=request.user), connection=connection)
    messages.success(request, f"Connection “{name}” removed; what it observed stays until the next harvest.")
    return redirect("harvest_connections", domain=domain)
