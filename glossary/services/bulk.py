"""Raw bulk writes for imports: tens of thousands of rows in a few seconds on SQLite and PostgreSQL.

Django's bulk_create builds a model instance per row and bulk_update writes a CASE per column and row (about a
minute for 10,000 terms); these send plain multi-row INSERTs and per-backend batched UPDATEs instead. Values
pass through each field's get_db_prep_save where the backend needs it (JSON, dates), so they are stored exactly
as the ORM would store them.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models

PG_BATCH_ROWS = 1000


def _column(field) -> str:
    return str(field.column)


def _attname(field) -> str:
    return str(field.attname)


def _needs_adapting(field) -> bool:
    return isinstance(field, models.JSONField | models.DateTimeField)


def _prepared(fields: list, rows: Sequence[Sequence]) -> list[list]:
    adapt = [i for i, f in enumerate(fields) if _needs_adapting(f)]
    out = []
    for row in rows:
        values = list(row)
        for i in adapt:
            values[i] = fields[i].get_db_prep_save(values[i], connection)
        out.append(values)
    return out


def _batch_rows(columns: int) -> int:
    # SQLite counts bound parameters per statement (Django assumes 999); PostgreSQL allows 65,535.
    limit = connection.features.max_query_params or PG_BATCH_ROWS * columns
    return max(1, min(PG_BATCH_ROWS, limit // columns))


def insert_rows(model: type[models.Model], names: list[str], rows: Sequence[Sequence]) -> None:
    """INSERT `rows` (values in the order of the field `names`) as multi-row statements."""
    if not rows:
        return
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(f)) for f in fields)
    head = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "  # noqa: S608 -- identifiers from the model
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    values = _prepared(fields, rows)
    if connection.vendor == "postgresql":
        # COPY streams the rows: no SQL text to build and parse per batch (psycopg's placeholder parsing alone
        # took seconds on 40,000 key rows).
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy,
        ):
            for row in values:
                copy.write_row(row)
        return
    size = _batch_rows(len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(values), size):
            batch = values[start : start + size]
            cursor.execute(head + ", ".join([one] * len(batch)), [v for row in batch for v in row])


def update_rows(objects: Sequence[models.Model], names: list[str]) -> None:
    """UPDATE the `names` columns of each object, by primary key."""
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(_column(meta.pk))
    rows = _prepared(fields, [[getattr(o, _attname(f)) for f in fields] for o in objects])
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            # SQLite runs a prepared UPDATE per row in-process: as fast as any batched form there.
            sets = ", ".join(f"{quote(_column(f))} = %s" for f in fields)
            sql = f"UPDATE {table} SET {sets} WHERE {pk} = %s"  # noqa: S608 -- identifiers from the model
            cursor.executemany(sql, [[*r, o.pk] for r, o in zip(rows, objects, strict=True)])
            return
        # PostgreSQL: one UPDATE ... FROM (VALUES ...) per batch, instead of a network round trip per row.
        casts = [meta.pk.db_type(connection)] + [f.db_type(connection) for f in fields]
        one = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
        names_sql = ", ".join([pk] + [quote(_column(f)) for f in fields])
        sets = ", ".join(f"{quote(_column(f))} = v.{quote(_column(f))}" for f in fields)
        size = _batch_rows(len(casts))
        for start in range(0, len(rows), size):
            batch = list(zip(objects[start : start + size], rows[start : start + size], strict=True))
            sql = (
                f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([one] * len(batch))}) AS v({names_sql}) "  # noqa: S608
                f"WHERE {table}.{pk} = v.{pk}"
            )
            cursor.execute(sql, [v for obj, row in batch for v in [obj.pk, *row]])


def allocate_ids(model: type[models.Model], count: int) -> list[int] | None:
    """On PostgreSQL, take `count` ids from the table's sequence so that rows can refer to each other before
    they are written (then COPY needs no second pass); None elsewhere (SQLite inserts, then updates)."""
    if connection.vendor != "postgresql" or count == 0:
        return None
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
        )
        return [row[0] for row in cursor.fetchall()]


def insert_objects(objects: Sequence[models.Model], names: list[str]) -> None:
    """INSERT model instances (their `names` fields, by attribute), e.g. rows whose ids were allocated."""
    if objects:
        meta = type(objects[0])._meta
        attnames = [_attname(meta.get_field(name)) for name in names]
        insert_rows(type(objects[0]), names, [[getattr(o, a) for a in attnames] for o in objects])
