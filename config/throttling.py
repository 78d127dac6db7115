"""API throttles: anonymous callers per address, people per account, pipelines per API token.

Each class answers for one kind of caller and steps aside (no cache key) for the others, so one request meets
exactly one limit. Rates come from settings.PORTAL_THROTTLE_RATES at request time (not at import, as DRF's
own classes do), so an operator's env and a test's override both take effect.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from catalog.actors import TokenPrincipal
from catalog.models import ApiToken
from config.client_ip import client_ip


class _PortalThrottle(SimpleRateThrottle):
    def __init__(self):
        # SimpleRateThrottle reads the rate in __init__; do it from the live settings.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    scope: str

    def get_rate(self) -> str | None:
        return settings.PORTAL_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_PortalThrottle):
    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


class PersonThrottle(_PortalThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        user = request.user
        if not (user and user.is_authenticated) or isinstance(user, TokenPrincipal):
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}


class TokenThrottle(_PortalThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.key_id}
