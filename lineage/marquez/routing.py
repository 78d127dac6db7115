"""Splitting `/namespaces/{namespace}/...` paths, where namespaces and names may hold slashes.

Marquez's clients percent-encode each name (`postgres%3A%2F%2Fdb%3A5432`), but the server sees the path decoded,
so `postgres://db:5432/datasets/public.orders` can only be split by asking which namespace and name exist. Every
reading of the path is listed, most specific first, and the first whose namespace (and dataset or job) exists wins;
when none does, the first reading names what is missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

VERSION_TAIL = re.compile(r"^(?P<name>.+)/versions/(?P<version>[0-9a-fA-F-]{36})$")


@dataclass(frozen=True)
class Route:
    what: str  # namespace | datasets | dataset | dataset-versions | dataset-version | jobs | job | job-... | job-runs
    namespace: str
    name: str = ""
    version: str = ""

    @property
    def kind(self) -> str:
        return "job" if self.what.startswith("job") else "dataset"


def readings(rest: str) -> list[Route]:
    found: list[Route] = []
    for plural, single in (("datasets", "dataset"), ("jobs", "job")):
        for match in re.finditer(f"/{plural}(?=/|$)", rest):
            ns, tail = rest[: match.start()], rest[match.end() :]
            if not ns:
                continue
            if not tail:
                found.append(Route(plural, ns))
                continue
            tail = tail[1:]
            if not tail:
                continue
            versioned = VERSION_TAIL.match(tail)
            if versioned:
                found.append(Route(f"{single}-version", ns, versioned["name"], versioned["version"].lower()))
            if tail.endswith("/versions") and len(tail) > len("/versions"):
                found.append(Route(f"{single}-versions", ns, tail[: -len("/versions")]))
            if single == "job" and tail.endswith("/runs") and len(tail) > len("/runs"):
                found.append(Route("job-runs", ns, tail[: -len("/runs")]))
            found.append(Route(single, ns, tail))
    found.append(Route("namespace", rest))
    return found


def resolve(rest: str, *, namespace_exists: Callable[[str], bool], named_exists: Callable[[Route], bool]) -> Route:
    options = readings(rest)
    for route in options:
        # A dataset or job that exists implies its namespace: one look-up instead of two.
        if route.name and named_exists(route):
            return route
        if not route.name and namespace_exists(route.namespace):
            return route
    # Nothing exists: answer for the first reading whose namespace exists, else the first reading, so the 404
    # names the missing dataset or job rather than a namespace nobody meant.
    return next((r for r in options if r.what != "namespace" and namespace_exists(r.namespace)), options[0])
