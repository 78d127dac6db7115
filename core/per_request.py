"""Answers kept for the rest of one web request.

A page is drawn by many template tags, and each builds its own `Actor` for the signed-in person: each read the
person's team roles again (six times on the home page; each a query, 1.5 ms on PostgreSQL), and the product
page's health score read the product's ratings, SLOs and usage again after their own sections had. `remember`
keeps such an answer until the request ends; `by_ids` does it for a function of a list of ids.

Only reads keep answers: a GET, HEAD or OPTIONS request. A request that may write (POST, PUT, PATCH, DELETE)
computes every answer afresh, and so do commands and tests calling services outside a request. `forget` drops
answers a write in a reading request has made stale (catalog.apps connects it to team membership writes, which
signing in through the identity provider makes).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from django.core.signals import request_finished, request_started

T = TypeVar("T")
V = TypeVar("V")

_local = threading.local()


def remember(key: Hashable, compute: Callable[[], T]) -> T:
    store: dict | None = getattr(_local, "store", None)
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]


def forget(prefix: str) -> None:
    """Drop every kept answer whose key is a tuple starting with `prefix`."""
    store: dict | None = getattr(_local, "store", None)
    if store:
        for key in [k for k in store if isinstance(k, tuple) and k and k[0] == prefix]:
            del store[key]


_ABSENT = object()


def by_ids(name: str) -> Callable[[Callable[[list[int]], dict[int, V]]], Callable[[Iterable[int]], dict[int, V]]]:
    """Keep a function's answers per id, for the request. The function takes a list of ids and answers a dict by
    id (an id may be absent); asked again, only the ids not asked before are computed."""

    def decorate(function: Callable[[list[int]], dict[int, V]]) -> Callable[[Iterable[int]], dict[int, V]]:
        @functools.wraps(function)
        def kept(ids: Iterable[int]) -> dict[int, V]:
            wanted = list(dict.fromkeys(ids))
            store: dict | None = getattr(_local, "store", None)
            if store is None:
                return function(wanted)
            missing = [pk for pk in wanted if (name, pk) not in store]
            if missing:
                found = function(missing)
                for pk in missing:
                    store[(name, pk)] = found.get(pk, _ABSENT)
            answers = {pk: store[(name, pk)] for pk in wanted}
            return {pk: value for pk, value in answers.items() if value is not _ABSENT}

        return kept

    return decorate


_READS = {"GET", "HEAD", "OPTIONS"}


def _started(environ=None, **kwargs) -> None:
    method = (environ or {}).get("REQUEST_METHOD", "GET")
    _local.store = {} if method in _READS else None


def end() -> None:
    """Keep nothing more in this thread (the request's response is out)."""
    _local.store = None


def _finished(**kwargs) -> None:
    end()


request_started.connect(_started, dispatch_uid="core.per_request.started")
request_finished.connect(_finished, dispatch_uid="core.per_request.finished")
