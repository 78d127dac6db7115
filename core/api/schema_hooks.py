"""OpenAPI post-processing: document the error answers every operation can give, in one place; and the links
between operations that cannot be told from names (`add_links`).

Each view declares what is particular to it (its 2xx, and the errors it chooses to describe). Some answers come
from the shared machinery instead and can follow any request: 401/403 from authentication and permissions, 404
from a path naming nothing (or a page past the end of a list), 400 from the validation of parameters or a body,
413/415 from the parsers, 503 when the database is unreachable and 500 with an error id for a bug
(core.http_errors). Without them in the schema a client generator, or a fuzzer checking conformance, meets
answers the contract never mentioned.
"""

from __future__ import annotations

from typing import Any

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 7807 problem details; `errors` names each bad field by JSON Pointer and JSON path.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "error_id": {"type": "string", "description": "A 500's id; the server's log names it with the error."},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string"},
                    "path": {"type": "string"},
                    "detail": {"type": "string"},
                },
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}

DESCRIPTIONS = {
    "400": "Invalid parameters or body (problem+json naming each bad field).",
    "401": "No credentials, or an unknown, expired or revoked token.",
    "403": "Authenticated, but not allowed (wrong team, missing scope).",
    "404": "Nothing at this address, or a page past the end of the list.",
    "409": "Conflicts with the current state (a concurrent change, a duplicate).",
    "413": "The request body is over the size limit.",
    "415": "The body's media type is not accepted.",
    "500": "An unexpected error on the server; `error_id` names it in the server's log.",
    "503": "The database is unavailable for a moment; retry after the Retry-After seconds.",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}

# OpenAPI links: which later calls an answer's `id` names. Client generators show them, and schemathesis's
# stateful tests follow them (tests/fuzz). Declared for what it cannot infer from names alone: a request just
# made is decided, withdrawn or answered; a rating just written is replied to or moderated.
_REQUEST_ACTIONS = {
    "decide": "v1_access_requests_decision_create",
    "withdraw": "v1_access_requests_withdraw_create",
    "answer": "v1_access_requests_info_create",
    "events": "v1_access_requests_events_list",
}
_RATING_ACTIONS = {
    "reply": "v1_ratings_reply_update",
    "unreply": "v1_ratings_reply_destroy",
    "hide": "v1_ratings_hide_create",
    "versions": "v1_ratings_versions_list",
}
LINKS: dict[tuple[str, str], dict[str, str]] = {
    ("v1_access_requests_create", "201"): _REQUEST_ACTIONS,
    ("v1_products_ratings_create", "201"): _RATING_ACTIONS,
    ("v1_products_ratings_create", "200"): _RATING_ACTIONS,
    ("v1_products_ratings_mine_update", "201"): _RATING_ACTIONS,
    ("v1_products_ratings_mine_update", "200"): _RATING_ACTIONS,
}


def _statuses(method: str, path: str, operation: dict) -> list[str]:
    parameters = operation.get("parameters", [])
    statuses = ["401", "403", "500", "503"]
    # A path naming an object, a page past the end, or a body naming a domain or product that does not exist.
    if "{" in path or any(p.get("name") == "page" for p in parameters) or "requestBody" in operation:
        statuses.append("404")
    if any(p.get("in") == "query" for p in parameters) or "requestBody" in operation:
        statuses.append("400")
    if method in WRITE_METHODS:
        statuses.append("409")
    if "requestBody" in operation:
        statuses += ["413", "415"]
    return statuses


def _any_of_for_any_value(node: Any) -> None:
    """A nullable JSON field (a proposal's `base_content`, a quality rule's `threshold`) comes out of
    drf-spectacular as `oneOf: [{}, {type: null}]`; `{}` matches null as well, so null matched twice and was
    invalid (found by schemathesis). A `oneOf` with an anything-goes branch means `anyOf`."""
    if isinstance(node, dict):
        if isinstance(node.get("oneOf"), list) and {} in node["oneOf"]:
            node["anyOf"] = node.pop("oneOf")
        for value in node.values():
            _any_of_for_any_value(value)
    elif isinstance(node, list):
        for value in node:
            _any_of_for_any_value(value)


def add_problem_responses(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: add the shared error answers each operation lacks (and
    mend the nullable JSON fields' `oneOf`)."""
    _any_of_for_any_value(result)
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            # Errors a view declared without a body (or as JSON) come from the same handler: problem+json.
            for status, response in responses.items():
                if status[0] in "45" and "application/problem+json" not in response.get("content", {}):
                    response.setdefault("content", {})["application/problem+json"] = {"schema": reference}
            for status in _statuses(method, path, operation):
                if status not in responses:
                    responses[status] = {
                        "description": DESCRIPTIONS[status],
                        "content": {"application/problem+json": {"schema": reference}},
                    }
    return result


def add_links(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: the LINKS, on the answers they start from."""
    operations = {
        operation.get("operationId"): operation
        for item in result.get("paths", {}).values()
        for operation in item.values()
    }
    for (source, status), targets in LINKS.items():
        response = operations.get(source, {}).get("responses", {}).get(status)
        if response is None:
            continue
        links = response.setdefault("links", {})
        for name, target in targets.items():
            if target in operations:
                links[name] = {"operationId": target, "parameters": {"id": "$response.body#/id"}}
    return result


# Mounts that repeat endpoints of the portal under another prefix for another tool's clients (Marquez's read API
# at /marquez/api/v1/, described by Marquez's own document, docs/lineage.md): left out of the portal's schema,
# where they would only repeat operations under clashing ids.
MIRROR_PREFIXES = ("/marquez/",)


def skip_mirrors(endpoints: list[tuple], **kwargs: Any) -> list[tuple]:
    return [e for e in endpoints if not e[0].startswith(MIRROR_PREFIXES)]
