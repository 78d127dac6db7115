"""Following `$ref`s: to a place in the same document (`#/components/outputPorts/a`), or to a file that came
with it (`ports/a.json`, `ports/a.json#/promises`) in a multipart upload or a zip.

Open Data Mesh's own test descriptors write internal references without the slash (`#components/...`); both
spellings are read. A reference is followed at most MAX_HOPS times in a row (a cycle ends there), and a
reference that leads nowhere is reported by the caller, who knows what it was looking for.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from typing import Any

from catalog.descriptors.loading import load_document
from core.errors import ValidationFailed

MAX_HOPS = 16

# The files given with the document: path -> bytes, read with load_document when a reference names one.
Files = Mapping[str, bytes]


def normal_path(name: str) -> str:
    """`./ports/a.json` and `ports//a.json` are `ports/a.json`; `..` past the top stays out."""
    path = posixpath.normpath(name.replace("\\", "/").lstrip("/"))
    return "" if path in (".", "") or path.startswith("..") else path


def pointer_get(doc: Any, fragment: str) -> Any:
    """The value a JSON Pointer fragment (`/a/b`, or `a/b` as ODM writes it) names in `doc`, or None."""
    node = doc
    for raw in fragment.strip("/").split("/") if fragment.strip("/") else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


class Resolver:
    """Resolves references against one document and the files sent with it (already loaded)."""

    def __init__(self, doc: dict[str, Any], files: Files | None = None, *, base: str = ""):
        self.doc = doc
        self.files = {normal_path(k): v for k, v in (files or {}).items()}
        self.base = base
        self.loaded: dict[str, Any] = {}

    def target(self, ref: str) -> tuple[Any, str]:
        """The value `ref` names and the file it is in ("" for the document), or (None, reason)."""
        where, _, fragment = ref.partition("#")
        if not where:
            found = pointer_get(self.doc, fragment)
            return (found, "") if found is not None else (None, f"nothing in this document is at #{fragment}")
        if "://" in where:
            return None, "the portal does not fetch documents from the network"
        name = normal_path(posixpath.join(posixpath.dirname(self.base), where))
        if name not in self.files:
            return None, f"no file {name!r} came with the document (send it in a multipart upload or a zip)"
        if name not in self.loaded:
            try:
                self.loaded[name] = load_document(self.files[name])
            except ValidationFailed as exc:
                return None, f"{name!r} is not a document the portal can read: {exc.errors[0].message}"
        found = pointer_get(self.loaded[name], fragment)
        return (found, name) if found is not None else (None, f"nothing in {name!r} is at #{fragment}")

    def inline(self, value: Any, report: Callable[[str], None]) -> Any:
        """`value` with its own `$ref` followed (its sibling keys win over what the reference gives), repeatedly;
        anything else is returned as it is. `report` is told why a reference could not be followed."""
        hops = 0
        while isinstance(value, dict) and isinstance(value.get("$ref"), str):
            if hops == MAX_HOPS:
                report(f"references follow each other more than {MAX_HOPS} times (a cycle?)")
                return value
            found, reason = self.target(value["$ref"])
            if not isinstance(found, dict):
                report(f"refers to {value['$ref']!r}: {reason or 'which is not an object'}")
                return value
            siblings = {k: v for k, v in value.items() if k != "$ref"}
            value = {**found, **siblings}
            hops += 1
        return value
