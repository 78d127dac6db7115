"""Through which path a write came: the page, the API, the producer CLI, a harvester, the admin.

Product versions record it (docs/notices.md). Requests set it in `WriteChannelMiddleware`; code that writes
outside a request (a harvester's task, a management command) says so with `write_channel("harvest")`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

PAGE, API, CLI, HARVEST, ADMIN, OTHER = "page", "api", "cli", "harvest", "admin", "other"
CHANNELS = (PAGE, API, CLI, HARVEST, ADMIN, OTHER)
CLI_AGENT = "meshportal-cli/"  # the User-Agent the producer CLI sends
CHANNEL_HEADER = "HTTP_X_PORTAL_CHANNEL"  # a caller may name its path (harvest) on the API

_current: ContextVar[str] = ContextVar("write_channel", default=OTHER)


def current_channel() -> str:
    return _current.get()


@contextmanager
def write_channel(name: str) -> Iterator[None]:
    token = _current.set(name if name in CHANNELS else OTHER)
    try:
        yield
    finally:
        _current.reset(token)


def channel_of(request) -> str:
    path = request.path
    if path.startswith("/admin/"):
        return ADMIN
    if not path.startswith("/api/"):
        return PAGE
    named = request.META.get(CHANNEL_HEADER, "").strip().lower()
    if named == HARVEST:
        return HARVEST
    if request.META.get("HTTP_USER_AGENT", "").startswith(CLI_AGENT):
        return CLI
    return API


class WriteChannelMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with write_channel(channel_of(request)):
            return self.get_response(request)
