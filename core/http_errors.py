"""The project's error handlers (handler404, handler500), for what the views' own handling cannot see.

`page_not_found`: an address under /api/ that matches no route (a slug with characters a slug cannot have, say)
gets the API's problem+json 404 instead of the HTML page, like every other API error.

A lost database is a temporary outage, not a server bug: answer 503 with Retry-After so clients try again.

Two places turn the database's connection errors into 503s:
- the API's exception handler (core.api.errors) for errors raised in API views, as problem+json;
- `server_error`, the project's `handler500`, for everything else (pages, middleware, an API view whose error
  escaped the handler): Django calls it while the exception is being handled, so it can look at it.

A write interrupted this way has rolled back with its transaction (services write inside `transaction.atomic`),
so retrying the same request is safe: PUTs are idempotent by identifier and the other writes are refused as
duplicates or applied once.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views.defaults import page_not_found as django_page_not_found
from django.views.defaults import server_error as django_server_error

from core.problems import problem_response

# Seconds a client should wait before retrying: a database restart or fail-over takes a few.
RETRY_AFTER_SECONDS = 5

DETAIL = "The database is unavailable for a moment. Nothing was changed; retry the request."


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Connection lost, server restarting, too many clients, SQLite busy: the kinds a retry can cure."""
    return isinstance(exc, OperationalError | InterfaceError)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    exc = sys.exc_info()[1]
    if not is_database_unavailable(exc):
        return django_server_error(request, template_name)
    if request.path.startswith("/api/"):
        response = problem_response(503, DETAIL, code="service-unavailable", instance=request.path)
    else:
        # Rendered without a request context, like the 500 page: no navigation, user or database needed.
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def page_not_found(request: HttpRequest, exception: Exception, template_name: str = "404.html") -> HttpResponse:
    if not request.path.startswith("/api/"):
        return django_page_not_found(request, exception, template_name)
    return problem_response(404, "No API endpoint or object at this address.", code="not-found", instance=request.path)
