from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.http.multipartparser import MultiPartParserError

from catalog.views_errors import api_server_error


class PortalLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Pages need a signed-in person; the API authenticates itself (tokens or session) and answers 401."""

    open_prefixes = ("/api/", "/static/", "/healthz")

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(self.open_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class ApiErrorMiddleware:
    """An exception a view under /api/ did not handle answers problem+json 500 (or 503 for a lost database), with
    DEBUG on or off; see catalog.views_errors. Django's own 4xx exceptions keep Django's handling (handler404
    answers problem+json under /api/ already)."""

    client_errors = (Http404, PermissionDenied, BadRequest, SuspiciousOperation, MultiPartParserError)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not request.path.startswith("/api/") or isinstance(exception, self.client_errors):
            return None
        return api_server_error(request, exception)
