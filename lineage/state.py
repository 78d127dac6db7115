"""The graph's version stamp: one row that writers bump and every process's graph compares against.

Bumping is an `UPDATE ... RETURNING` inside the writer's transaction. On PostgreSQL that row lock is held until
commit, so writers that change the graph commit in version order, and a reader that sees version N also sees
every row stamped N or lower; on SQLite writers are serialised anyway. Writes that change nothing in the graph
(a job run again with the same inputs) do not bump, so they never wait on that lock.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import connection
from django.db.models import F

from lineage.models import LineageState

_TABLE = LineageState._meta.db_table


@dataclass(frozen=True)
class Stamp:
    generation: int
    version: int


def _new_generation() -> int:
    return secrets.randbits(62)


def current_stamp() -> Stamp:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT generation, version FROM {_TABLE} WHERE id = 1")  # noqa: S608 -- a constant
        row = cursor.fetchone()
    return Stamp(row[0], row[1]) if row else Stamp(0, 0)


def bump_version(*, new_generation: bool = False) -> int:
    """Take the next version (call inside the writing transaction); returns it."""
    sql = f"UPDATE {_TABLE} SET version = version + 1{', generation = %s' if new_generation else ''} WHERE id = 1 RETURNING version"  # noqa: S608, E501
    params = [_new_generation()] if new_generation else []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row:
        return int(row[0])
    # First write ever (or after a test flush): the row is created with a fresh random generation, so a graph
    # built against an earlier row of the same version is not mistaken for current.
    _state, created = LineageState.objects.get_or_create(id=1, defaults={"version": 1, "generation": _new_generation()})
    return 1 if created else bump_version(new_generation=new_generation)


def note_catalog_deletion(*, port: bool) -> None:
    """An output port (`port`), or a product, team or input port was deleted: what the graph holds of them is
    stale. Called inside the deleting transaction."""
    column = "port_deletions" if port else "catalog_deletions"
    updated = LineageState.objects.filter(id=1).update(**{column: F(column) + 1})
    if not updated:
        LineageState.objects.get_or_create(id=1, defaults={"version": 0, "generation": _new_generation(), column: 1})
