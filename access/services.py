"""Writes about access: requests and their decisions, grants and their ends, domain settings, deliveries.

Every write checks who acts (403 here, not only in views), locks the request or grant row it changes
(`select_for_update`) so two deciders at once make one decision, audits the transition, and announces it after
commit: mail through `notify`, and a signed webhook through a `WebhookDelivery` row written in the same
transaction. Delivery happens later and never undoes a decision.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from access import deliveries, selectors
from access.models import (
    OPEN_STATUSES,
    AccessEvent,
    AccessRequest,
    DomainAccessSettings,
    EventSubject,
    Grant,
    GrantStatus,
    RequestStatus,
    WebhookEvent,
    new_signing_secret,
)
from access.webhooks import WebhookRefused, check_endpoint
from catalog.models import AccessMode, Domain, LifecycleStatus, OutputPort, Team
from catalog.services.deprecations import deprecation_for
from catalog.signals import announce_products_changed
from core.actors import Actor
from core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from core.notifications import notify

PURPOSE_MAX = 2000
REASON_MAX = 2000


# ---- helpers -------------------------------------------------------------------------------------------------


def _event(*, req: AccessRequest, actor_user, from_state: str, to_state: str, reason: str = "", subject=None) -> None:
    AccessEvent.objects.create(
        request=req,
        subject=subject or EventSubject.REQUEST,
        actor=actor_user,
        actor_label=actor_user.get_username() if actor_user is not None else "system",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )


def _locked_request(request_id: int) -> AccessRequest:
    try:
        return (
            AccessRequest.objects.select_for_update(of=("self",))
            .select_related("port", "product__domain", "requester", "team")
            .get(pk=request_id)
        )
    except AccessRequest.DoesNotExist:
        raise _not_found(request_id) from None


def _not_found(request_id: int) -> NotFound:
    return NotFound(f"Access request {request_id} does not exist.")


def _ensure_visible(user, req: AccessRequest) -> None:
    """Who may not see a request is told it does not exist, the answer for a missing id, so that request ids
    are no side channel; a 403 is only for people who see the request but may not do what they asked."""
    if not selectors.can_see_request(user, req):
        raise _not_found(req.pk)


def _clean_text(value: str, path: str, *, required: bool, limit: int, what: str) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed([FieldError(path, f"Give {what}.")])
    if len(value) > limit:
        raise ValidationFailed([FieldError(path, f"Keep {what} under {limit} characters.")])
    return value


def _port_label(row: AccessRequest | Grant) -> str:
    return f"{row.product.name} / {row.port.label}"


def _move(req: AccessRequest, to: str, *, actor_user, reason: str, decided_at: datetime | None = None) -> None:
    """Change the request's status and audit it; a decision (approve, reject) also records who, when and why."""
    previous = req.status
    req.status = to
    fields = ["status", "updated_at"]
    if decided_at is not None:
        req.decided_by = actor_user
        req.decided_at = decided_at
        req.decision_reason = reason
        fields += ["decided_by", "decided_at", "decision_reason"]
    req.save(update_fields=fields)
    _event(req=req, actor_user=actor_user, from_state=previous, to_state=to, reason=reason)


def _tell(recipients: list, req: AccessRequest, *, kind: str, title: str, body: str) -> None:
    """Mail about a request, titled with its product and port and linking to its page."""
    notify(
        recipients=recipients,
        kind=kind,
        title=f"{title}: {_port_label(req)}",
        body=body,
        url=req.get_absolute_url(),
    )


def _others(users: list, user) -> list:
    return [u for u in users if u.pk != user.pk]


def _grant_holders(grant: Grant) -> list:
    """Who is told about a grant: the requester; for a team grant, the team's members too."""
    people = [grant.request.requester]
    if grant.team is not None:
        people += [m.user for m in grant.team.memberships.select_related("user")]
    return people


# ---- requests ------------------------------------------------------------------------------------------------


def access_request_create(
    *, actor: Actor, port: OutputPort, purpose: str, duration_days: int, team: Team | None = None
) -> AccessRequest:
    """Ask for access to a port, for oneself or for a team one belongs to. Open ports grant at once.

    At most one open request per person and port: a second one is a 409 pointing at the first."""
    user = actor.person("request access")
    if team is None and selectors.is_decider(user, port.product):
        # Nobody decides their own request, so a decider's request could wait for ever when they decide alone;
        # the people who decide a product's access have no need to ask for it.
        raise PermissionDenied("You decide access to this product's ports; there is nothing for you to request.")
    errors: list[FieldError] = []
    purpose = (purpose or "").strip()
    if not purpose:
        errors.append(FieldError("/purpose", "Say what you need the data for."))
    elif len(purpose) > PURPOSE_MAX:
        errors.append(FieldError("/purpose", f"Keep the purpose under {PURPOSE_MAX} characters."))
    if not isinstance(duration_days, int) or isinstance(duration_days, bool) or duration_days < 1:
        errors.append(FieldError("/duration_days", "Ask for at least one day."))
    elif duration_days > port.max_access_days:
        errors.append(FieldError("/duration_days", f"This port grants at most {port.max_access_days} days at a time."))
    product = port.product
    if product.status == LifecycleStatus.RETIRED:
        errors.append(FieldError("/product", f"Product '{product.identifier}' is retired; it grants no new access."))
    deprecation = deprecation_for(product, port)
    warning = ""
    if deprecation is not None and (
        deprecation.retired_at is not None or deprecation.sunset_on <= timezone.localdate()
    ):
        errors.append(
            FieldError("/port", f"This port was retired at its sunset on {deprecation.sunset_on}; it grants no access.")
        )
    elif deprecation is not None:
        warning = _deprecation_warning(deprecation)
    if team is not None and not team.memberships.filter(user=user).exists():
        errors.append(FieldError("/team", f"You are not a member of team '{team.slug}'."))
    elif team is not None and team.pk == product.owner_team_id:
        errors.append(FieldError("/team", f"Team '{team.slug}' owns this product; it needs no grant for its ports."))
    if errors:
        raise ValidationFailed(errors)

    with transaction.atomic():
        # The port row serialises two requests by the same person for the same port (the partial unique
        # constraint is the backstop).
        OutputPort.objects.select_for_update().filter(pk=port.pk).first()
        existing = AccessRequest.objects.open().filter(requester=user, port=port).first()
        if existing is not None:
            raise Conflict(f"You already have an open request (#{existing.pk}) for this port.", path="/port")
        try:
            with transaction.atomic():
                req = AccessRequest.objects.create(
                    port=port, product=product, requester=user, team=team, purpose=purpose, duration_days=duration_days
                )
        except IntegrityError:
            raise Conflict("You already have an open request for this port.", path="/port") from None
        _event(req=req, actor_user=user, from_state="", to_state=RequestStatus.PENDING, reason=purpose)
        req.warning = warning
        if port.access_mode == AccessMode.OPEN:
            _approve(req, actor_user=None, reason="Open port: granted at once.")
            return req
        _tell(
            _others(selectors.deciders_of(product), user),
            req,
            kind="access.request_submitted",
            title="Access requested",
            body=f"{user.get_username()} asks for {duration_days} days for {req.grantee_label}.\n\n{purpose}",
        )
    return req


def _deprecation_warning(deprecation) -> str:
    what = "This port" if deprecation.port_id else "This product"
    text = f"{what} is deprecated and will be retired on {deprecation.sunset_on}: {deprecation.reason}"
    if deprecation.replacement is not None:
        text += f" Its replacement is {deprecation.replacement.identifier}."
    return text


def grants_end_at_sunset(*, product_id: int, port_id: int | None, reason: str) -> int:
    """The deprecated port (or every port of the product) reached its sunset: its active grants end, each
    holder told, the provisioning endpoint asked to take the access away. Idempotent; answers how many ended."""
    grants = Grant.objects.filter(product_id=product_id, status=GrantStatus.ACTIVE)
    if port_id is not None:
        grants = grants.filter(port_id=port_id)
    done = 0
    for grant_id in grants.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            grant = _locked_grant(grant_id)
            if grant.status != GrantStatus.ACTIVE:
                continue
            _end_grant(grant, status=GrantStatus.REVOKED, actor_user=None, reason=reason)
            notify(
                recipients=_grant_holders(grant),
                kind="access.grant_ended_at_sunset",
                title=f"Access ended at sunset: {_port_label(grant)}",
                body=reason,
                url=grant.product.get_absolute_url(),
            )
            done += 1
    return done


def _ensure_decider(user, req: AccessRequest, doing: str) -> None:
    decides = selectors.is_decider(user, req.product)
    if not decides:
        _ensure_visible(user, req)  # a decider sees the request: only the others need the check
    if req.requester_id == user.pk:
        raise PermissionDenied("Nobody decides their own request; another owner of the product must.")
    if not decides:
        raise PermissionDenied(f"Only the owners of product '{req.product.identifier}' may {doing}.")


def _ensure_open(req: AccessRequest, allowed=OPEN_STATUSES) -> None:
    if req.status not in allowed:
        raise Conflict(f"Request #{req.pk} is {req.get_status_display().lower()}; it can no longer change.")


def access_request_approve(*, actor: Actor, request_id: int, reason: str = "") -> AccessRequest:
    user = actor.person("decide access requests")
    reason = _clean_text(reason, "/reason", required=False, limit=REASON_MAX, what="the reason")
    with transaction.atomic():
        req = _locked_request(request_id)
        _ensure_decider(user, req, "approve its access requests")
        _ensure_open(req, (RequestStatus.PENDING,))
        _approve(req, actor_user=user, reason=reason)
    return req


def _approve(req: AccessRequest, *, actor_user, reason: str) -> Grant:
    now = timezone.now()
    _move(req, RequestStatus.APPROVED, actor_user=actor_user, reason=reason, decided_at=now)

    # A renewal replaces the grantee's active grant on the same port: the new one runs from now.
    grantee = {"team": req.team} if req.team_id else {"user": req.requester, "team__isnull": True}
    renewed = list(Grant.objects.select_for_update().filter(port=req.port, status=GrantStatus.ACTIVE, **grantee))
    for old in renewed:
        old.status = GrantStatus.RENEWED
        old.ended_at = now
        old.ended_by = actor_user
        old.end_reason = f"Renewed by request #{req.pk}."
        old.save(update_fields=["status", "ended_at", "ended_by", "end_reason", "updated_at"])
        _event(
            req=old.request,
            actor_user=actor_user,
            from_state=GrantStatus.ACTIVE,
            to_state=GrantStatus.RENEWED,
            reason=old.end_reason,
            subject=EventSubject.GRANT,
        )
    grant = Grant.objects.create(
        request=req,
        port=req.port,
        product=req.product,
        user=None if req.team_id else req.requester,
        team=req.team,
        starts_at=now,
        expires_at=now + timedelta(days=req.duration_days),
    )
    _event(
        req=req,
        actor_user=actor_user,
        from_state="",
        to_state=GrantStatus.ACTIVE,
        reason=f"Until {grant.expires_at:%Y-%m-%d %H:%M} UTC.",
        subject=EventSubject.GRANT,
    )
    deliveries.delivery_queue(grant, WebhookEvent.GRANTED, extra={"renews": [g.pk for g in renewed]})
    _tell(
        [req.requester],
        req,
        kind="access.request_approved",
        title="Access granted",
        body=f"Your access runs until {grant.expires_at:%Y-%m-%d}." + (f"\n\n{reason}" if reason else ""),
    )
    announce_products_changed([req.product_id])
    return grant


def access_request_reject(*, actor: Actor, request_id: int, reason: str) -> AccessRequest:
    user = actor.person("decide access requests")
    reason = _clean_text(reason, "/reason", required=True, limit=REASON_MAX, what="a reason for the rejection")
    with transaction.atomic():
        req = _locked_request(request_id)
        _ensure_decider(user, req, "reject its access requests")
        _ensure_open(req, (RequestStatus.PENDING,))
        _move(req, RequestStatus.REJECTED, actor_user=user, reason=reason, decided_at=timezone.now())
        _tell([req.requester], req, kind="access.request_rejected", title="Access rejected", body=reason)
    return req


def access_request_ask_info(*, actor: Actor, request_id: int, reason: str) -> AccessRequest:
    """A decider asks the requester for more; the request waits for the answer and cannot be decided meanwhile."""
    user = actor.person("decide access requests")
    reason = _clean_text(reason, "/reason", required=True, limit=REASON_MAX, what="the question")
    with transaction.atomic():
        req = _locked_request(request_id)
        _ensure_decider(user, req, "ask about its access requests")
        _ensure_open(req, (RequestStatus.PENDING,))
        _move(req, RequestStatus.NEEDS_INFO, actor_user=user, reason=reason)
        _tell([req.requester], req, kind="access.info_requested", title="More information asked", body=reason)
    return req


def access_request_provide_info(*, actor: Actor, request_id: int, reason: str) -> AccessRequest:
    """The requester answers a question; the request is pending again."""
    user = actor.person("answer for an access request")
    reason = _clean_text(reason, "/reason", required=True, limit=REASON_MAX, what="your answer")
    with transaction.atomic():
        req = _locked_request(request_id)
        _ensure_visible(user, req)
        if req.requester_id != user.pk:
            raise PermissionDenied("Only the requester may answer for a request.")
        _ensure_open(req, (RequestStatus.NEEDS_INFO,))
        _move(req, RequestStatus.PENDING, actor_user=user, reason=reason)
        _tell(
            _others(selectors.deciders_of(req.product), user),
            req,
            kind="access.info_provided",
            title="Answer on access request",
            body=reason,
        )
    return req


def access_request_withdraw(*, actor: Actor, request_id: int, reason: str = "") -> AccessRequest:
    user = actor.person("withdraw access requests")
    reason = _clean_text(reason, "/reason", required=False, limit=REASON_MAX, what="the reason")
    with transaction.atomic():
        req = _locked_request(request_id)
        _ensure_visible(user, req)
        if req.requester_id != user.pk:
            raise PermissionDenied("Only the requester may withdraw a request.")
        _ensure_open(req)
        _move(req, RequestStatus.WITHDRAWN, actor_user=user, reason=reason)
    return req


DECISIONS = {
    "approve": access_request_approve,
    "reject": access_request_reject,
    "ask_info": access_request_ask_info,
}


def access_request_decide(*, actor: Actor, request_id: int, decision: str, reason: str = "") -> AccessRequest:
    """One entry point for the API and the inbox: approve, reject (reason required) or ask for information."""
    service = DECISIONS.get(decision)
    if service is None:
        raise ValidationFailed([FieldError("/decision", f"Use one of: {', '.join(DECISIONS)}.")])
    return service(actor=actor, request_id=request_id, reason=reason)


# ---- grants --------------------------------------------------------------------------------------------------


def _locked_grant(grant_id: int) -> Grant:
    try:
        return (
            Grant.objects.select_for_update(of=("self",))
            .select_related("port", "product__domain", "request__requester", "team", "user")
            .get(pk=grant_id)
        )
    except Grant.DoesNotExist:
        raise _grant_not_found(grant_id) from None


def _grant_not_found(grant_id: int) -> NotFound:
    return NotFound(f"Grant {grant_id} does not exist.")


def grant_revoke(*, actor: Actor, grant_id: int, reason: str) -> Grant:
    """The product's deciders end a grant early; the provisioning endpoint is told to take the access away."""
    user = actor.person("revoke grants")
    reason = _clean_text(reason, "/reason", required=True, limit=REASON_MAX, what="a reason for revoking")
    with transaction.atomic():
        grant = _locked_grant(grant_id)
        if not selectors.is_decider(user, grant.product):
            # A decider sees the grant; the others who do not are told it does not exist.
            if not selectors.can_see_grant(user, grant):
                raise _grant_not_found(grant_id)
            raise PermissionDenied(f"Only the owners of product '{grant.product.identifier}' may revoke its grants.")
        if grant.status != GrantStatus.ACTIVE:
            raise Conflict(f"Grant #{grant.pk} is {grant.get_status_display().lower()} already.")
        _end_grant(grant, status=GrantStatus.REVOKED, actor_user=user, reason=reason)
        notify(
            recipients=_grant_holders(grant),
            kind="access.grant_revoked",
            title=f"Access revoked: {_port_label(grant)}",
            body=reason,
            url=grant.request.get_absolute_url(),
        )
    return grant


def _end_grant(grant: Grant, *, status: str, actor_user, reason: str) -> None:
    grant.status = status
    grant.ended_at = timezone.now()
    grant.ended_by = actor_user
    grant.end_reason = reason
    grant.save(update_fields=["status", "ended_at", "ended_by", "end_reason", "updated_at"])
    _event(
        req=grant.request,
        actor_user=actor_user,
        from_state=GrantStatus.ACTIVE,
        to_state=status,
        reason=reason,
        subject=EventSubject.GRANT,
    )
    event = WebhookEvent.REVOKED if status == GrantStatus.REVOKED else WebhookEvent.EXPIRED
    deliveries.delivery_queue(grant, event)
    announce_products_changed([grant.product_id])


def grants_expire(*, now=None, batch: int = 200) -> int:
    """End the grants past their expiry. Idempotent: each grant is locked and re-checked, so two runs at once
    (or a redelivered task) expire it once."""
    now = now or timezone.now()
    done = 0
    ids = list(Grant.objects.due_to_expire(now).order_by("expires_at").values_list("pk", flat=True)[:batch])
    for grant_id in ids:
        with transaction.atomic():
            grant = _locked_grant(grant_id)
            if grant.status != GrantStatus.ACTIVE or grant.expires_at > now:
                continue
            _end_grant(grant, status=GrantStatus.EXPIRED, actor_user=None, reason="Reached its expiry.")
            notify(
                recipients=_grant_holders(grant),
                kind="access.grant_expired",
                title=f"Access expired: {_port_label(grant)}",
                body="Request access again if you still need it.",
                url=grant.product.get_absolute_url(),
            )
            done += 1
    return done


def grants_remind(*, now=None) -> int:
    """Tell holders once that their grant ends within ACCESS_REMIND_DAYS; renewing is a fresh request."""
    now = now or timezone.now()
    horizon = now + timedelta(days=settings.ACCESS_REMIND_DAYS)
    ids = list(
        Grant.objects.filter(
            status=GrantStatus.ACTIVE, reminded_at__isnull=True, expires_at__gt=now, expires_at__lte=horizon
        ).values_list("pk", flat=True)
    )
    done = 0
    for grant_id in ids:
        with transaction.atomic():
            grant = _locked_grant(grant_id)
            if grant.reminded_at is not None or grant.status != GrantStatus.ACTIVE:
                continue
            grant.reminded_at = now
            grant.save(update_fields=["reminded_at", "updated_at"])
            notify(
                recipients=_grant_holders(grant),
                kind="access.grant_expiring",
                title=f"Access ends {grant.expires_at:%Y-%m-%d}: {_port_label(grant)}",
                body="Renew it by requesting access again from the product page.",
                url=grant.product.get_absolute_url(),
            )
            done += 1
    return done


# ---- domain settings -----------------------------------------------------------------------------------------


def access_settings_get(domain: Domain) -> DomainAccessSettings:
    row, _ = DomainAccessSettings.objects.get_or_create(domain=domain)
    return row


def access_settings_update(
    *,
    actor: Actor,
    domain: Domain,
    provisioning_url: str,
    stewards_may_decide: bool,
    rotate_secret: bool = False,
) -> DomainAccessSettings:
    """The domain's owners set who decides and where grants are provisioned; the URL must be allowed."""
    user = actor.person("change access settings")
    if not selectors.is_domain_owner(user, domain):
        raise PermissionDenied(f"Only the owners of domain '{domain.slug}' may change its access settings.")
    url = (provisioning_url or "").strip()
    if url:
        if len(url) > 500:
            raise ValidationFailed([FieldError("/provisioning_url", "Keep the URL under 500 characters.")])
        try:
            check_endpoint(url)
        except WebhookRefused as exc:
            raise ValidationFailed([FieldError("/provisioning_url", str(exc))]) from None
    with transaction.atomic():
        DomainAccessSettings.objects.get_or_create(domain=domain)
        row = DomainAccessSettings.objects.select_for_update().get(domain=domain)
        row.provisioning_url = url
        row.stewards_may_decide = bool(stewards_may_decide)
        if rotate_secret:
            row.signing_secret = new_signing_secret()
        row.save()
    return row
