"""The project's error handlers (handler404, handler500), for what the views' own handling cannot see.

An address under /api/ that matches no route (a slug with characters a slug cannot have, a path nobody serves,
a missing trailing slash) gets the API's problem+json 404, like every other API error. Django calls handler404
only with DEBUG off (with DEBUG on it answers its own HTML page, and the embedded profile runs with DEBUG on),
so the answer cannot live in handler404 alone: `api_not_found` is the last route under /api/ (config/urls.py)
and answers every address the API's routes leave, DEBUG on or off. Because that route matches, Django's
APPEND_SLASH never redirects under /api/ (a redirected POST would lose its body); the 404 names the address
with the slash when that one exists. `page_not_found` still answers problem+json under /api/ for an Http404
that reaches it some other way.

An unexpected error under /api/ (a bug) answers problem+json 500 with a short detail and an `error_id`; the same
id is in the log line that carries the traceback, so a client's report leads to it. Pages keep the HTML page
`templates/500.html`. Two places answer it, with `api_server_error`:
- `core.middleware.ApiErrorMiddleware` for an exception raised in a view, whatever DEBUG says (DEBUG would
  otherwise answer Django's debug page, which no API client can read);
- `server_error`, the project's `handler500`, for everything else with DEBUG off (an error in a middleware).
With DEBUG on, an error raised in a middleware, outside any view, still gets Django's debug page.

A lost database is a temporary outage, not a server bug: answer 503 with Retry-After so clients try again.

The database's connection errors become 503s in:
- the API's exception handler (core.api.errors) for errors raised in API views, as problem+json;
- `api_server_error` for anything else under /api/ (reached by the two ways above), as problem+json;
- `server_error` for pages and their middleware: Django calls it while the exception is being handled, so it
  can look at it.

A write interrupted this way has rolled back with its transaction (services write inside `transaction.atomic`),
so retrying the same request is safe: PUTs are idempotent by identifier and the other writes are refused as
duplicates or applied once.
"""

from __future__ import annotations

import logging
import secrets
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from django.views.defaults import page_not_found as django_page_not_found
from django.views.defaults import server_error as django_server_error

from core.api_paths import is_api_path
from core.problems import problem_response

log = logging.getLogger(__name__)

# Seconds a client should wait before retrying: a database restart or fail-over takes a few.
RETRY_AFTER_SECONDS = 5

DETAIL = "The database is unavailable for a moment. Nothing was changed; retry the request."


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Connection lost, server restarting, too many clients, SQLite busy: the kinds a retry can cure."""
    return isinstance(exc, OperationalError | InterfaceError)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    exc = sys.exc_info()[1]
    if is_api_path(request.path):
        return api_server_error(request, exc)
    if not is_database_unavailable(exc):
        return django_server_error(request, template_name)
    # Rendered without a request context, like the 500 page: no navigation, user or database needed.
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def api_server_error(request: HttpRequest, exc: BaseException | None) -> HttpResponse:
    """The answer to an exception nothing else handled under /api/: 503 for a lost database, else a 500 naming
    an error id that the log line with the traceback names too."""
    if is_database_unavailable(exc):
        log.exception("api: the database was unavailable for %s", request.path, exc_info=exc)
        response = problem_response(503, DETAIL, code="service-unavailable", instance=request.path)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    error_id = secrets.token_hex(8)
    log.exception("api: unexpected error %s on %s %s", error_id, request.method, request.path, exc_info=exc)
    return problem_response(
        500,
        f"The request failed on the server. Quote error id {error_id} when you report it.",
        code="server-error",
        instance=request.path,
        extensions={"error_id": error_id},
    )


def page_not_found(request: HttpRequest, exception: Exception, template_name: str = "404.html") -> HttpResponse:
    if not is_api_path(request.path):
        return django_page_not_found(request, exception, template_name)
    return problem_response(404, "No API endpoint or object at this address.", code="not-found", instance=request.path)


# Exempt from CSRF: it changes nothing, and a POST without a CSRF cookie must get this 404, not Django's HTML 403.
@csrf_exempt
def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """The catch-all route under /api/: nothing is served here, whatever the method."""
    detail = "No API endpoint or object at this address."
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            detail += f" Did you mean {request.path}/ (with the trailing slash)?"
    return problem_response(404, detail, code="not-found", instance=request.path)
