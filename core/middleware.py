"""Request-body limits applied before any view, parser or middleware reads the body.

Django itself refuses an oversized body only when something reads it, and reads a body sent with
`Transfer-Encoding: chunked` (no Content-Length) as empty. Here a declared length over the limit is refused with
413 unread, and a chunked body is read up to the limit and handed on with its real length, or refused.
"""

from __future__ import annotations

import io
import re

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponse
from django.http.multipartparser import MultiPartParserError

from core.api_paths import is_api_path
from core.http_errors import api_server_error
from core.problems import problem_response

READ_CHUNK = 64 * 1024
_NUL_ESCAPE = re.compile("%00")


def max_body_bytes() -> int:
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def _too_large(request, limit: int) -> HttpResponse:
    return problem_response(
        413,
        f"The request body is over the limit of {limit} bytes.",
        code="payload-too-large",
        instance=request.path,
    )


class BodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = max_body_bytes()
        raw_length = request.META.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if raw_length.strip():
            try:
                length = int(raw_length)
            except ValueError:
                return problem_response(400, "The Content-Length header is not a number.", code="bad-request")
            if length < 0:
                return problem_response(400, "The Content-Length header is negative.", code="bad-request")
            if length > limit:
                return _too_large(request, limit)
        elif chunked:
            refused = self._buffer_chunked(request, limit)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _buffer_chunked(self, request, limit: int) -> HttpResponse | None:
        """Read a body of unknown length up to the limit, then present it to Django as a body of known length."""
        stream = request.META.get("wsgi.input")
        if stream is None:
            return None
        buffer = io.BytesIO()
        while True:
            chunk = stream.read(min(READ_CHUNK, limit + 1 - buffer.tell()))
            if not chunk:
                break
            buffer.write(chunk)
            if buffer.tell() > limit:
                return _too_large(request, limit)
        data = buffer.getvalue()
        request.META["CONTENT_LENGTH"] = str(len(data))
        request.META["wsgi.input"] = io.BytesIO(data)
        # WSGIRequest opened its stream over the old input with length 0; point it at the buffered body.
        from django.core.handlers.wsgi import LimitedStream

        request._stream = LimitedStream(io.BytesIO(data), len(data))
        return None


class NulCharacterMiddleware:
    """NUL characters in the URL: never meaningful, and PostgreSQL refuses them in any query (an error 500).

    In the query string they are dropped, so a search for "ord<NUL>ers" is a search for "orders" and answers
    like any other; a path with one names nothing that can exist, so it is not found.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            if is_api_path(request.path):
                return problem_response(
                    404,
                    "No such resource: the path holds a NUL character.",
                    code="not-found",
                    instance=request.path.replace("\x00", ""),
                )
            raise Http404("The path holds a NUL character.")
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            request.META["QUERY_STRING"] = _NUL_ESCAPE.sub("", query).replace("\x00", "")
            request.__dict__.pop("GET", None)  # WSGIRequest caches it; let it parse the cleaned string
        return self.get_response(request)


class PortalLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Pages need a signed-in person; the API authenticates itself (tokens or session) and answers 401."""

    open_prefixes = ("/static/", "/healthz")

    def process_view(self, request, view_func, view_args, view_kwargs):
        if is_api_path(request.path) or request.path.startswith(self.open_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class ApiErrorMiddleware:
    """An exception a view under /api/ did not handle answers problem+json 500 (or 503 for a lost database), with
    DEBUG on or off; see core.http_errors. An Http404 a view raises answers problem+json 404, DEBUG on or off;
    Django's other 4xx exceptions keep Django's handling."""

    client_errors = (Http404, PermissionDenied, BadRequest, SuspiciousOperation, MultiPartParserError)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_api_path(request.path):
            return None
        if isinstance(exception, Http404):
            # With DEBUG on Django would answer its HTML page, not handler404.
            return problem_response(
                404, "No API endpoint or object at this address.", code="not-found", instance=request.path
            )
        if isinstance(exception, self.client_errors):
            return None
        return api_server_error(request, exception)
