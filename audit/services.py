"""Writing the audit log. Called by the middleware after the response exists; never fails the request."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction

from audit.models import AuditEntry, Channel

logger = logging.getLogger("audit")

AUDITED_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OBJECT_REF_ATTR = "_audit_object_ref"


def audit_object_note(request, ref: str) -> None:
    """Let a view say what a write was about when the URL does not (a create whose identifier is in the body)."""
    target = getattr(request, "_request", request)  # DRF wraps the Django request
    setattr(target, OBJECT_REF_ATTR, ref[:500])


def _who(request) -> dict[str, object]:
    from catalog.actors import TokenPrincipal
    from catalog.models import ApiToken

    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiToken):
        return {"token_key_id": auth.key_id, "team_slug": auth.team.slug}
    user = getattr(request, "user", None)
    if user is None or isinstance(user, TokenPrincipal) or not user.is_authenticated:
        return {}
    return {"user_id": user.pk, "username": user.get_username()[:150]}


def _object_ref(request) -> str:
    noted = getattr(request, OBJECT_REF_ATTR, "")
    if noted:
        return noted
    match = getattr(request, "resolver_match", None)
    if match is None or not match.kwargs:
        return ""
    return ", ".join(f"{key}={value}" for key, value in match.kwargs.items())[:500]


def audit_request_record(*, request, status_code: int, client_ip: str | None, at: datetime | None = None) -> AuditEntry:
    """Store one entry for a state-changing request: who, what route, which object, and the answer's status.

    Its own transaction, after the view's has ended, so a write that failed and rolled back is still recorded.
    """
    match = getattr(request, "resolver_match", None)
    fields = {
        "channel": Channel.API if request.path.startswith("/api/") else Channel.PAGE,
        "method": request.method,
        "path": request.path[:1000],
        "route": (match.view_name if match is not None else "")[:200],
        "object_ref": _object_ref(request),
        "status_code": status_code,
        "client_ip": client_ip,
        **_who(request),
    }
    if at is not None:
        fields["at"] = at
    with transaction.atomic():
        return AuditEntry.objects.create(**fields)


def audit_entries_purge(*, older_than: datetime) -> int:
    """Delete entries recorded before `older_than`; returns how many. Run by `manage.py audit_purge`."""
    with transaction.atomic():
        deleted, _ = AuditEntry.objects.older_than(older_than).delete()
    return deleted
