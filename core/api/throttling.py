"""API throttles: anonymous callers per address, people per account, pipelines per API token.

Each class answers for one kind of caller and steps aside (no cache key) for the others, so one request meets
exactly one limit. Rates come from settings.PORTAL_THROTTLE_RATES at request time (not at import, as DRF's
own classes do), so an operator's env and a test's override both take effect.

Counting is a fixed window per caller: one integer in the cache per (scope, caller, window), raised with an
atomic `incr`. DRF's own SimpleRateThrottle keeps a list of every request's timestamp and reads and writes the
whole list on each request; at the token rate (12,000/min) that is a list of thousands of floats pickled both ways
(and sent to and from Redis) per request, and two workers racing lose each other's entries. A fixed window costs
one or two small cache calls and never undercounts; the price is that a caller may send up to twice its rate
across a window boundary (the end of one window and the start of the next), which is fine for abuse protection.
"""

from __future__ import annotations

import time

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from core.actors import TokenPrincipal
from core.client_ip import client_ip


class _PortalThrottle(SimpleRateThrottle):
    def __init__(self):
        # SimpleRateThrottle reads the rate in __init__; do it from the live settings.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    scope: str

    def get_rate(self) -> str | None:
        return settings.PORTAL_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        assert self.num_requests is not None and self.duration is not None  # parse_rate gives both for a rate
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = time.time()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        key = f"{key}:{window}"
        try:
            count = self.cache.incr(key)
        except ValueError:  # the first request of this window (or the counter expired just now)
            count = 1 if self.cache.add(key, 1, self.duration + 1) else self.cache.incr(key)
        return count <= self.num_requests

    def wait(self) -> float:
        """Seconds until the window ends and the caller may send again (DRF puts it in Retry-After)."""
        return max(1.0, self.window_ends - self.now)


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
        user = request.user
        if not isinstance(user, TokenPrincipal):
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.token.key_id}
