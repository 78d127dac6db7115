"""One error shape for the whole API: RFC 7807 problem+json, with a JSON Pointer and path for each bad field."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.errors import ApplicationError, FieldError, pointer
from core.http_errors import DETAIL as DATABASE_UNAVAILABLE
from core.http_errors import RETRY_AFTER_SECONDS, is_database_unavailable
from core.problems import problem_body

log = logging.getLogger(__name__)


class ProblemResponse(Response):
    """A problem is JSON whatever the view renders otherwise: the schema view's YAML renderer would write the
    problem as YAML under a problem+json label. The browsable API (format "api") keeps its page."""

    _renderer: BaseRenderer | None = None

    @property  # type: ignore[override]
    def accepted_renderer(self) -> BaseRenderer | None:
        return self._renderer

    @accepted_renderer.setter
    def accepted_renderer(self, renderer: BaseRenderer | None) -> None:
        if renderer is not None and getattr(renderer, "format", "") not in ("json", "api"):
            renderer = JSONRenderer()
        self._renderer = renderer


def problem(
    status_code: int,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    code: str | None = None,
    instance: str = "",
) -> Response:
    """The problem as DRF's Response, for views and the exception handler (content negotiation stays DRF's)."""
    body = problem_body(status_code, detail, errors=errors, code=code, instance=instance)
    return ProblemResponse(body, status=status_code, content_type="application/problem+json")


def flatten_drf_errors(detail: Any, prefix: tuple[str | int, ...] = ()) -> list[FieldError]:
    """DRF nests errors like the document; turn them into one flat list with pointers."""
    if isinstance(detail, dict):
        out: list[FieldError] = []
        for key, value in detail.items():
            sub = prefix if key in ("non_field_errors", "__all__") else (*prefix, key)
            out.extend(flatten_drf_errors(value, sub))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, str | exceptions.ErrorDetail) for item in detail):
            return [FieldError(pointer(*prefix), str(item)) for item in detail]
        out = []
        for index, item in enumerate(detail):
            if item:  # DRF puts {} for the items of a list that were fine
                out.extend(flatten_drf_errors(item, (*prefix, index)))
        return out
    return [FieldError(pointer(*prefix), str(detail))]


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    request = context.get("request")
    instance = request.path if request is not None else ""
    if isinstance(exc, ApplicationError):
        return problem(exc.status, exc.message, errors=exc.errors, code=exc.code, instance=instance)
    if isinstance(exc, RequestDataTooBig):
        return problem(
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            "The request body is over the size limit.",
            instance=instance,
        )
    if isinstance(exc, Http404):
        return problem(404, str(exc) or "Not found.", instance=instance)
    if isinstance(exc, DjangoPermissionDenied):
        return problem(403, str(exc) or "Not allowed.", instance=instance)
    if is_database_unavailable(exc):
        # Logged in full: a missing table is an OperationalError too, and that one is a bug, not an outage.
        log.exception("api: the database was unavailable for %s", instance)
        unavailable = problem(503, DATABASE_UNAVAILABLE, instance=instance)
        unavailable["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return unavailable
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_drf_errors(exc.detail)
        return problem(400, "The request has invalid fields.", errors=errors, instance=instance)

    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    if isinstance(detail, dict | list):
        return problem(
            response.status_code,
            "The request was refused.",
            errors=flatten_drf_errors(detail),
            instance=instance,
        )
    result = problem(response.status_code, str(detail), instance=instance)
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            result[header] = response[header]
    return result
