"""JSON parsing with a nesting limit, for DRF and for the views that read raw bodies (lineage).

A document nested thousands deep makes json.loads raise RecursionError (an error 500 if nobody catches it), and
one nested a few hundred deep parses but then sends every recursive walk downstream (validation, serialisers,
search documents) toward the interpreter's limit. No document the portal accepts needs more than a few dozen
levels, so anything past MAX_JSON_DEPTH is refused before parsing, with a 400 saying so.
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from core.json_tree import check_tree

DEFAULT_MAX_JSON_DEPTH = 64


def max_json_depth() -> int:
    return int(getattr(settings, "PORTAL_MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH))


def json_depth(value) -> int:
    """The deepest nesting of arrays and objects in a parsed JSON value (a scalar is 0), walked without recursion."""
    deepest = 0
    containers = (dict, list)  # a tuple: isinstance with it is faster than with `dict | list` (bench/usage.py)
    stack = [(value, 1)] if isinstance(value, containers) else []
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
        for child in node.values() if type(node) is dict else node:
            if isinstance(child, containers):
                stack.append((child, depth + 1))
    return deepest


class JSONTooDeep(ValueError):
    def __init__(self, limit: int):
        super().__init__(f"The JSON document is nested deeper than {limit} levels.")
        self.limit = limit


def check_json_depth(text: str, value) -> None:
    """Refuse a parsed document nested past the limit. The C parser is safe up to the interpreter's recursion
    limit (beyond it RecursionError, which load_json turns into JSONTooDeep); what must not pass is a document
    deep enough to push later recursive walks toward that limit. A text with no more brackets than the limit
    cannot exceed it, which spares the walk for most single-object bodies. (Counting brackets in the text with a
    regular expression instead cost 12 ms for a 50-product bulk body.)"""
    limit = max_json_depth()
    if text.count("{") + text.count("[") <= limit:
        return
    if json_depth(value) > limit:
        raise JSONTooDeep(limit)


# NUL and lone surrogates can only reach a JSON text as \u escapes (raw ones are not valid JSON or UTF-8); SQLite
# stores them, PostgreSQL refuses them with an error 500. Seen in the text, the parsed tree is walked to name
# the field.
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def check_storable(text: str, value) -> None:
    """Refuse strings no database column can hold, naming the field (400, problem+json)."""
    if isinstance(value, dict | list) and _UNSTORABLE_ESCAPE.search(text):
        check_tree(value)  # raises ValidationFailed with the JSON Pointer of the first bad string


def load_json(text: str | bytes):
    """json.loads with the nesting limit and the storable-strings check; JSONTooDeep or ValueError otherwise."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise JSONTooDeep(max_json_depth()) from None
    check_json_depth(text, value)
    check_storable(text, value)
    return value


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


class DepthLimitedJSONParser(JSONParser):
    """DRF's JSON parser with the nesting limit; otherwise the same (strict: no NaN or Infinity)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - the body is not valid {encoding}.") from exc
        try:
            return load_json(text)
        except JSONTooDeep as exc:
            raise ParseError(str(exc)) from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
