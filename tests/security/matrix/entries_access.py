"""Access: requests (anyone signed in asks, except the product's deciders), decisions and revocations (the
product's deciders, never for their own request), the requester's own actions, and the domain's settings (its owners
change them; staff, as platform operators, read them without the secret) and webhook log (owners and staff).

Read from access/services.py and access/selectors.py: the sales domain has no `stewards_may_decide`, so its deciders
are the owning team's owners only (olivia); staff see every request but decide none; tokens are nobody in person,
so they read lists (empty, or their team's grants) and write nothing. Who may not see a request, grant or delivery
gets 404 on every action on it; 403 is for people who see it but may not do that.
"""

from __future__ import annotations

from .core import FORBIDDEN, HIDDEN, OK, TOKENS, Entry, api_anyone, api_read, api_write, page_read, page_write

OWNER = ("owner",)
NOBODY = ()  # of the principals: the requester's own actions belong to someone outside the sales team

# One request's readers: its requester (Carla, not a principal), the product's deciders and staff.
SEES_REQUEST = {"outsider": HIDDEN, "member": HIDDEN, "steward": HIDDEN}
# A delivery's readers: the domain's owners and staff.
SEES_DELIVERY = SEES_REQUEST
# Oscar's request: he (the outsider) sees it as its requester.
SEES_OSCARS = {"member": HIDDEN, "steward": HIDDEN}
SEES_REQUEST_API = {**SEES_REQUEST, **dict.fromkeys(TOKENS, HIDDEN)}


def with_rows(scene) -> dict:
    """No URL arguments; a request, a grant and a delivery exist, so that the lists have something to hide."""
    scene.delivery  # noqa: B018 -- builds the grant and its request too
    return {}


def request(scene) -> dict:
    return {"pk": scene.access_request.pk}


def outsiders_request(scene) -> dict:
    return {"pk": scene.outsider_request.pk}


def owners_request(scene) -> dict:
    return {"pk": scene.owner_request.pk}


def stewards_decide(scene) -> dict:
    """Carla's request, in a domain whose owners let its stewards decide too (set before the cell runs)."""
    from access.models import DomainAccessSettings

    DomainAccessSettings.objects.update_or_create(domain=scene.world.domain, defaults={"stewards_may_decide": True})
    return request(scene)


def grant(scene) -> dict:
    return {"pk": scene.grant.pk}


def delivery(scene) -> dict:
    return {"pk": scene.delivery.pk}


def sales(scene) -> dict:
    return {"slug": "sales"}


def port(scene) -> dict:
    return {"port_id": scene.port.pk}


def request_form(scene) -> dict:
    prefix = f"port{scene.port.pk}"
    return {f"{prefix}-grantee": "me", f"{prefix}-purpose": "Churn analysis.", f"{prefix}-duration_days": "7"}


def request_body(scene) -> dict:
    return {"product": "sales/orders", "port": scene.port.name, "purpose": "Churn analysis.", "duration_days": 7}


REASON = {"reason": "For the quarterly report."}
APPROVE = {"decision": "approve", "reason": ""}

ENTRIES = [
    Entry("api-access-requests", "GET", api_read(), kwargs=with_rows),
    # Asking is personal: every signed-in person may ask (members of the owning team too), no token may; the
    # product's deciders (olivia) may not, since nobody decides their own request.
    Entry("api-access-requests", "POST", api_anyone(None, owner=FORBIDDEN), body=request_body),
    Entry("api-access-request", "GET", api_write(None, roles=OWNER, **SEES_REQUEST_API), kwargs=request),
    Entry("api-access-request-events", "GET", api_write(None, roles=OWNER, **SEES_REQUEST_API), kwargs=request),
    Entry(
        "api-access-decision",
        "POST",
        api_write(None, roles=OWNER, staff=False, **SEES_REQUEST),
        kwargs=request,
        body=lambda s: APPROVE,
    ),
    Entry(
        "api-access-decision",
        "POST",
        api_write(None, roles=NOBODY, staff=False, **SEES_REQUEST),
        kwargs=owners_request,
        body=lambda s: APPROVE,
        note="own request",
    ),
    Entry(
        "api-access-decision",
        "POST",
        api_write(None, roles=("steward", "owner"), staff=False, outsider=HIDDEN, member=HIDDEN),
        kwargs=stewards_decide,
        body=lambda s: {"decision": "reject", "reason": "Not for this purpose."},
        note="stewards may decide",
    ),
    Entry(
        "api-access-withdraw",
        "POST",
        api_write(None, roles=NOBODY, staff=False, outsider=OK, **SEES_OSCARS),
        kwargs=outsiders_request,
        body=lambda s: {"reason": ""},
    ),
    Entry(
        "api-access-info",
        "POST",
        api_write(None, roles=NOBODY, staff=False, outsider=OK, **SEES_OSCARS),
        kwargs=outsiders_request,
        body=lambda s: REASON,
    ),
    Entry("api-access-approvals", "GET", api_read(), kwargs=with_rows),
    Entry("api-access-grants", "GET", api_read(), kwargs=with_rows),
    Entry(
        "api-access-revoke",
        "POST",
        api_write(None, roles=OWNER, staff=False, **SEES_REQUEST),
        kwargs=grant,
        body=lambda s: {"reason": "The project ended."},
    ),
    # Domain settings: the domain's owners change them and see the signing secret; staff read them (no secret).
    Entry("api-access-settings", "GET", api_write(None, roles=OWNER), kwargs=sales),
    Entry(
        "api-access-settings",
        "PUT",
        api_write(None, roles=OWNER, staff=False),
        kwargs=sales,
        body=lambda s: {"stewards_may_decide": True, "provisioning_url": ""},
    ),
    Entry("api-access-deliveries", "GET", api_write(None, roles=OWNER), kwargs=lambda s: {**with_rows(s), **sales(s)}),
    # Sending a failed delivery again is operations: the domain's owners and staff; others do not see it (404).
    Entry("api-access-redeliver", "POST", api_write(None, roles=OWNER, **SEES_DELIVERY), kwargs=delivery),
    # Pages.
    Entry("access:my_requests", "GET", page_read(), kwargs=with_rows),
    Entry("access:approvals", "GET", page_read(), kwargs=with_rows),
    Entry("access:request_create", "GET", page_read(), kwargs=port),
    Entry(
        "access:request_create",
        "POST",
        page_write(roles=("member", "steward"), outsider=OK),
        kwargs=port,
        body=request_form,
    ),
    Entry("access:request", "GET", page_write(roles=OWNER, **SEES_REQUEST), kwargs=request),
    Entry(
        "access:decide",
        "POST",
        page_write(roles=OWNER, staff=False, **SEES_REQUEST),
        kwargs=request,
        body=lambda s: APPROVE,
    ),
    Entry(
        "access:decide",
        "POST",
        page_write(roles=NOBODY, staff=False, **SEES_REQUEST),
        kwargs=owners_request,
        body=lambda s: APPROVE,
        note="own request",
    ),
    Entry(
        "access:withdraw",
        "POST",
        page_write(roles=NOBODY, staff=False, outsider=OK, **SEES_OSCARS),
        kwargs=outsiders_request,
        body=lambda s: {"reason": ""},
    ),
    Entry(
        "access:answer",
        "POST",
        page_write(roles=NOBODY, staff=False, outsider=OK, **SEES_OSCARS),
        kwargs=outsiders_request,
        body=lambda s: REASON,
    ),
    Entry(
        "access:revoke",
        "POST",
        page_write(roles=OWNER, staff=False, **SEES_REQUEST),
        kwargs=grant,
        body=lambda s: {"reason": "The project ended."},
    ),
    Entry("access:domain_settings", "GET", page_write(roles=OWNER), kwargs=sales),
    Entry(
        "access:domain_settings",
        "POST",
        page_write(roles=OWNER, staff=False),
        kwargs=sales,
        body=lambda s: {"stewards_may_decide": "on", "provisioning_url": ""},
    ),
    Entry("access:redeliver", "POST", page_write(roles=OWNER, **SEES_DELIVERY), kwargs=delivery, body=lambda s: {}),
]
