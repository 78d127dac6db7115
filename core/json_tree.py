"""Checks on a parsed JSON or YAML tree before anything walks it recursively or stores it.

Shared by the descriptor loader (catalog.descriptors.loading) and the API's JSON parser (core.parsers): nesting
past MAX_DEPTH, numbers JSON cannot hold, and NUL or lone surrogate characters that PostgreSQL's jsonb rejects.
"""

from __future__ import annotations

import math
import re
from typing import Any

from core.errors import FieldError, ValidationFailed, pointer

MAX_DEPTH = 64

Path = tuple[str | int, ...]

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def check_tree(doc: Any) -> None:
    """Walk a parsed tree without recursion: depth, and strings the database cannot store.

    load_document runs it; the parsers run it again so that a mapping from anywhere else (a DRF parser, a
    test) cannot make their recursive walks over nested properties hit the interpreter's recursion limit.
    """
    stack: list[tuple[Any, int, Path]] = [(doc, 1, ())]
    while stack:
        value, depth, at = stack.pop()
        if isinstance(value, str):
            if _UNSTORABLE.search(value):
                raise ValidationFailed(
                    [
                        FieldError(
                            pointer(*at),
                            "contains a NUL or unpaired surrogate character, which cannot be stored",
                        )
                    ]
                )
            continue
        if isinstance(value, float) and not math.isfinite(value):
            # 1e400 parses as infinity, which JSON cannot hold.
            raise ValidationFailed([FieldError(pointer(*at), "is a number too large to store")])
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise refused(f"The document is nested deeper than {MAX_DEPTH} levels (at {pointer(*at)}).")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            if isinstance(key, str) and _UNSTORABLE.search(key):
                raise ValidationFailed([FieldError(pointer(*at), "has a key with a NUL or unpaired surrogate")])
            stack.append((child, depth + 1, (*at, key)))


def refused(message: str) -> ValidationFailed:
    return ValidationFailed([FieldError("", message)], message="The document could not be read.")
