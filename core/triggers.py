"""Counters kept by the database: a set of triggers on one table that keep a summary table exact, whatever writes
the table (services, bulk writes, seeds, raw SQL, cascades), so that pages read a few rows instead of counting
100k on every request.

A `TriggerSet` is (re)installed after every `migrate` by the app that owns it (`install`, connected to
post_migrate): SQLite drops a table's triggers when Django's schema editor rebuilds the table for an altered
column, so a later migration would otherwise lose them silently. Whenever a trigger had to be created, the summary
is recomputed from the table in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections, transaction


@dataclass(frozen=True)
class TriggerSet:
    table: str  # the table the triggers watch
    summary: str  # the table they keep
    names: tuple[str, ...]  # every trigger's name
    sqlite: tuple[str, ...]  # statements creating them on SQLite (CREATE TRIGGER IF NOT EXISTS ...)
    postgresql: tuple[str, ...]  # and on PostgreSQL >= 14 (CREATE OR REPLACE FUNCTION / TRIGGER ...)
    recount: tuple[str, ...]  # statements computing the summary again from the table

    def installed(self, using: str = "default") -> set[str]:
        """The names of this set's triggers present now."""
        connection = connections[using]
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [self.table])
            else:
                cursor.execute(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [self.table]
                )
            return {name for (name,) in cursor.fetchall()} & set(self.names)

    def install(self, using: str = "default") -> bool:
        """Create the triggers that are missing and, if any was, recount; answers whether it did."""
        connection = connections[using]
        if connection.vendor not in {"sqlite", "postgresql"}:
            return False
        with transaction.atomic(using=using):
            present = self.installed(using)
            if self.summary not in connection.introspection.table_names():
                # Migrated back to before the summary existed: triggers writing to it would break every write.
                with connection.cursor() as cursor:
                    for name in present:
                        suffix = f" ON {self.table}" if connection.vendor == "postgresql" else ""
                        cursor.execute(f"DROP TRIGGER IF EXISTS {name}{suffix}")
                return False
            if present == set(self.names):
                return False
            with connection.cursor() as cursor:
                for statement in self.sqlite if connection.vendor == "sqlite" else self.postgresql:
                    cursor.execute(statement)
                for statement in self.recount:
                    cursor.execute(statement)
        return True

    def count_again(self, using: str = "default") -> None:
        """Compute the summary again from the table."""
        with transaction.atomic(using=using), connections[using].cursor() as cursor:
            for statement in self.recount:
                cursor.execute(statement)
