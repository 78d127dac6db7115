"""Access pages: ask for access (from the product page), my requests, the approvals inbox, one request with its
audit trail and actions, and a domain's access settings with the webhook delivery log."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access import deliveries, selectors, services
from access.forms import DecisionForm, ReasonForm, RequestForm, SettingsForm
from access.models import AccessEvent, AccessRequest, Grant, RequestStatus, WebhookDelivery
from catalog.models import Domain, OutputPort
from core import errors
from core.actors import Actor
from core.web import refusals_as_http

APPROVALS_PER_PAGE = 20


@login_required
@require_http_methods(["GET", "POST"])
@refusals_as_http
def request_create(request, port_id: int):
    """The product page posts here; a form with errors is shown again on a page of its own (works without JS)."""
    port = get_object_or_404(OutputPort.objects.select_related("product__domain"), pk=port_id)
    form = RequestForm(request.POST or None, port=port, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            req = services.access_request_create(
                actor=Actor(user=request.user),
                port=port,
                team=form.team(),
                purpose=form.cleaned_data["purpose"],
                duration_days=form.cleaned_data["duration_days"],
            )
        except errors.ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        except errors.Conflict as exc:
            form.add_error(None, exc.message)
        else:
            if req.warning:
                messages.warning(request, req.warning)
            if req.status == RequestStatus.APPROVED:
                messages.success(request, "Access granted: this port is open.")
            else:
                messages.success(request, "Your request is with the product's owners.")
            return redirect(req)
    status = 400 if form.errors else 200
    context = {
        "form": form,
        "port": port,
        "product": port.product,
        "can_decide": selectors.is_decider(request.user, port.product),
    }
    return render(request, "access/request_form.html", context, status=status)


@login_required
@require_GET
def my_requests(request):
    page = Paginator(selectors.my_requests(request.user), 50).get_page(request.GET.get("page"))
    grants = selectors.my_grants(request.user).active()
    return render(request, "access/my_requests.html", {"page": page, "grants": grants})


@login_required
@require_GET
def approvals(request):
    page = Paginator(selectors.approvals_inbox(request.user), APPROVALS_PER_PAGE).get_page(request.GET.get("page"))
    # One form per request, all with the same field names; distinct ids keep labels tied to their own inputs.
    forms = [(req, DecisionForm(auto_id=f"r{req.pk}_%s")) for req in page.object_list]
    return render(request, "access/approvals.html", {"items": forms, "page": page})


def _visible(request, pk: int) -> AccessRequest:
    req = (
        AccessRequest.objects.with_relations()
        .prefetch_related(Prefetch("events", queryset=AccessEvent.objects.select_related("actor").order_by("at", "pk")))
        .filter(pk=pk)
        .first()
    )
    if req is None or not selectors.can_see_request(request.user, req):
        raise Http404("No such request.")
    return req


def _detail(request, req: AccessRequest, *, decision_form=None, reason_form=None, status: int = 200):
    user = request.user
    grant = getattr(req, "grant", None)
    context = {
        "req": req,
        "grant": grant,
        "events": req.events.all(),
        "can_decide": req.requester_id != user.pk and selectors.is_decider(user, req.product),
        "is_requester": req.requester_id == user.pk,
        "decision_form": decision_form or DecisionForm(),
        "reason_form": reason_form or ReasonForm(),
    }
    return render(request, "access/request_detail.html", context, status=status)


@login_required
@require_GET
def request_detail(request, pk: int):
    return _detail(request, _visible(request, pk))


@login_required
@require_POST
@refusals_as_http
def request_decide(request, pk: int):
    """From the request page and from the approvals inbox (which sends next=inbox to come back)."""
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            req = services.access_request_decide(
                actor=Actor(user=request.user),
                request_id=pk,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except errors.ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        except errors.Conflict as exc:
            messages.error(request, exc.message)
            return redirect("access:request", pk=pk)
        else:
            messages.success(request, f"Request #{req.pk} is {req.get_status_display().lower()}.")
            if request.POST.get("next") == "inbox":
                return redirect("access:approvals")
            return redirect(req)
    # Errors go next to the fields on the request page, with what was typed kept.
    return _detail(request, _visible(request, pk), decision_form=form, status=400)


@login_required
@require_POST
@refusals_as_http
def request_withdraw(request, pk: int):
    return _reason_action(request, pk, partial(services.access_request_withdraw, request_id=pk), "Request withdrawn.")


@login_required
@require_POST
@refusals_as_http
def request_answer(request, pk: int):
    answer = partial(services.access_request_provide_info, request_id=pk)
    return _reason_action(request, pk, answer, "Answer sent; the request is pending.")


@login_required
@require_POST
@refusals_as_http
def grant_revoke(request, pk: int):
    grant = get_object_or_404(Grant, pk=pk)
    return _reason_action(request, grant.request_id, partial(services.grant_revoke, grant_id=pk), "Grant revoked.")


def _reason_action(request, request_pk: int, service, done: str):
    """A write that takes a reason (withdraw, answer, revoke), back to the request's page: with a message once done
    or refused for its state, or shown again with the form's errors next to its field."""
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            service(actor=Actor(user=request.user), reason=form.cleaned_data["reason"])
        except errors.ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        except errors.Conflict as exc:
            messages.error(request, exc.message)
            return redirect("access:request", pk=request_pk)
        else:
            messages.success(request, done)
            return redirect("access:request", pk=request_pk)
    return _detail(request, _visible(request, request_pk), reason_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
@refusals_as_http
def domain_settings(request, slug: str):
    """The domain's owners change the settings and see the signing secret; staff (operating the platform) read
    the settings and the delivery log and send failed deliveries again."""
    domain = get_object_or_404(Domain, slug=slug)
    if not selectors.can_operate_webhooks(request.user, domain):
        raise errors.PermissionDenied(f"Only the owners of domain '{slug}' manage its access settings.")
    is_owner = selectors.is_domain_owner(request.user, domain)
    if request.method == "POST" and not is_owner:
        raise errors.PermissionDenied(f"Only the owners of domain '{slug}' change its access settings.")
    current = services.access_settings_get(domain)
    form = SettingsForm(
        request.POST or None,
        initial={"stewards_may_decide": current.stewards_may_decide, "provisioning_url": current.provisioning_url},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.access_settings_update(actor=Actor(user=request.user), domain=domain, **form.cleaned_data)
        except errors.ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        else:
            messages.success(request, "Access settings saved.")
            return redirect("access:domain_settings", slug=slug)
    deliveries = Paginator(selectors.domain_deliveries(domain), 50).get_page(request.GET.get("page"))
    context = {
        "domain": domain,
        "form": form if is_owner else None,
        "is_owner": is_owner,
        "settings_row": current,
        "deliveries": deliveries,
    }
    return render(request, "access/domain_settings.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
@refusals_as_http
def delivery_redeliver(request, pk: int):
    try:
        delivery = deliveries.webhook_redeliver(actor=Actor(user=request.user), delivery_id=pk)
    except errors.Conflict as exc:
        # The service let this person see the delivery before refusing the state: its domain is no secret.
        messages.error(request, exc.message)
        delivery = WebhookDelivery.objects.select_related("domain").get(pk=pk)
    else:
        messages.success(request, "Delivery queued again.")
    return redirect("access:domain_settings", slug=delivery.domain.slug)
