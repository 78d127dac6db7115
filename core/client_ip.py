"""The client's address, as the audit log and login throttling see it.

Behind a reverse proxy REMOTE_ADDR is the proxy. X-Forwarded-For is only believed for as many hops as the
operator says there are proxies (PORTAL_PROXY_COUNT); anything further left was written by the client and can lie.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(value: str) -> str | None:
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    hops = int(getattr(settings, "PORTAL_PROXY_COUNT", 0))
    if hops > 0:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return _valid(forwarded[-hops] if len(forwarded) >= hops else forwarded[0])
    return _valid(request.META.get("REMOTE_ADDR", ""))


def client_ip_for_axes(request) -> str | None:
    """For django-axes: None when there is no address (force_login in tests), which its inet column accepts."""
    return client_ip(request) if request is not None else None
