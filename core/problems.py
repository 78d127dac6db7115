"""RFC 7807 problem details: the one error shape of the API, built here for every path that answers one.

`problem_body` is the document; `problem_response` sends it without DRF, for refusals made before a view runs
(body limits, a lost database, an address under /api/ that matches nothing, an unexpected error), and
`core.api.errors.problem` sends it through DRF for the views and their exception handler.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

from core.errors import FieldError

PROBLEM_TYPES = {
    400: ("validation-error", "Invalid request"),
    401: ("not-authenticated", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("throttled", "Too many requests"),
    500: ("server-error", "Internal server error"),
    503: ("service-unavailable", "Service unavailable"),
}


def json_path(ptr: str) -> str:
    """'/output_ports/0/name' -> '$.output_ports[0].name', the form people read in logs."""
    if not ptr:
        return "$"
    out = "$"
    for raw in ptr.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        out += f"[{part}]" if part.isdigit() else f".{part}"
    return out


def problem_body(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    errors: list[FieldError] | None = None,
    instance: str = "",
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The problem document; `extensions` are RFC 7807 extension members (the error id of a 500, say)."""
    default_code, default_title = PROBLEM_TYPES.get(status, ("error", "Error"))
    body: dict[str, Any] = {
        "type": f"/problems/{code or default_code}",
        "title": title or default_title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = [{"pointer": e.path, "path": json_path(e.path), "detail": e.message} for e in errors]
    body.update(extensions or {})
    return body


def problem_response(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    errors: list[FieldError] | None = None,
    instance: str = "",
    extensions: dict[str, Any] | None = None,
) -> HttpResponse:
    """The problem as a plain HttpResponse, for answers made outside DRF."""
    body = problem_body(status, detail, code=code, title=title, errors=errors, instance=instance, extensions=extensions)
    return HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")
