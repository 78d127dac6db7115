"""Queries on hot paths whose SQL is compiled once per database connection instead of on every call.

Building a queryset and compiling it costs far more Python than running a small indexed query: about 0.5 ms for
`SomeModel.objects.filter(...).exists()` against ~30 us in SQLite. For a query whose shape and parameters never
change, `PreparedExists` keeps the SQL and parameters the ORM produced the first time and runs them directly.
Nothing about the answer is cached: every call asks the database. `PerConnection` is the shared piece: one value
(a compiled statement, its converters) per database connection, built on first use; the token lookup
(tokens.auth) and the audit insert (audit.services) keep theirs in it too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

T = TypeVar("T")


class PerConnection(Generic[T]):
    """`build(connection)` once per database connection (each thread has its own), kept while it lives."""

    def __init__(self, build: Callable[[Any], T]) -> None:
        self.build = build
        self.values: WeakKeyDictionary = WeakKeyDictionary()

    def get(self, connection) -> T:
        value = self.values.get(connection)
        if value is None:
            value = self.values[connection] = self.build(connection)
        return value


class PreparedExists:
    """`PreparedExists(lambda: Model.objects.filter(...))()` answers like `.exists()` on that queryset.

    The factory must not depend on anything that changes between calls (no user input, no time): its SQL and
    parameters are taken once per connection and reused as they are.
    """

    def __init__(self, queryset: Callable[[], QuerySet]) -> None:
        self.queryset = queryset
        self.compiled: PerConnection[tuple[str, tuple]] = PerConnection(self._compile)

    def _compile(self, connection) -> tuple[str, tuple]:
        query = self.queryset().order_by().values("pk")[:1].query
        return query.get_compiler(connection=connection).as_sql()

    def __call__(self) -> bool:
        connection = connections[DEFAULT_DB_ALIAS]
        sql, params = self.compiled.get(connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone() is not None
