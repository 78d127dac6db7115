"""Bulk SQL for the hot write paths: a handful of statements per write, without the ORM's per-query compilation.

OpenLineage ingestion runs about ten statements per event, a product PUT about as many in its write
transaction. Compiling each through the ORM (or bulk_update's CASE WHEN per
row and field) costs more Python than the database spends running it, so the hot statements are written here
from the models' own metadata: table and column names from `_meta`, values prepared and results converted by
the fields themselves, exactly as the ORM would. Callers pass column names only through `where_in`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.utils import timezone

T = TypeVar("T")
M = TypeVar("M", bound=Model)
CHUNK = 500  # values per IN (...) list, well under every backend's parameter limit
PARAMS_PER_STATEMENT = 900  # SQLite builds may cap parameters at 999


def chunked(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _db() -> BaseDatabaseWrapper:
    # The wrapper itself, not the `connection` proxy, whose every attribute goes through a thread-local lookup.
    return connections[DEFAULT_DB_ALIAS]


# How a field's preparation treats values it stores as they are, and whose pre_save only reads the attribute:
# text fields keep any str (CharField.to_python returns a str instance, an enum member of TextChoices too, as it
# is), integer fields an int, and so on (exact types there: True is an int but goes in as 1). Exact field
# classes: a subclass may prepare or pre_save otherwise (catalog.locations' digest fields compute theirs in
# pre_save). Preparing every value through its field was the largest single cost of the runner's inserts.
_TEXT = (models.CharField, models.TextField, models.SlugField)
_EXACT: dict[type[Field], frozenset[type]] = {
    **dict.fromkeys(
        [
            models.IntegerField,
            models.BigIntegerField,
            models.SmallIntegerField,
            models.PositiveIntegerField,
            models.PositiveBigIntegerField,
            models.PositiveSmallIntegerField,
        ],
        frozenset({int}),
    ),
    models.BooleanField: frozenset({bool}),
    models.FloatField: frozenset({float}),
}
_INTEGER_KEYS = (models.AutoField, models.BigAutoField, models.SmallAutoField)


@dataclass(frozen=True)
class _Column:
    field: Field
    attname: str
    exact: frozenset[type]  # value types stored as they are
    text: bool  # any str is stored as it is


def _column(field: Field) -> _Column:
    kind = type(field)
    exact: frozenset[type] = _EXACT.get(kind, frozenset())
    if kind in (models.ForeignKey, models.OneToOneField):
        target = cast(models.ForeignKey, field).target_field
        exact = frozenset({int}) if type(target) in _INTEGER_KEYS else frozenset()
    return _Column(field, field.attname, exact, kind in _TEXT)


def _values(columns: list[_Column], rows: Sequence[Model], db: BaseDatabaseWrapper, *, add: bool) -> list:
    out = []
    for row in rows:
        stored = row.__dict__
        for c in columns:
            if c.exact or c.text:
                value = stored.get(c.attname, _MISSING)
                if value is None or type(value) in c.exact or (c.text and isinstance(value, str)):
                    out.append(value)
                    continue
            out.append(c.field.get_db_prep_save(c.field.pre_save(row, add), db))
    return out


_MISSING = object()


@dataclass(frozen=True)
class _Plan:
    table: str
    fields: list[Field]  # every concrete field, the primary key first
    columns: str
    inserted: list[_Column]  # what an INSERT names: every field but a key the database makes (AutoField)
    inserted_columns: str
    names: list[str]
    converters: list[tuple[int, list, Any]]


_plans: dict[tuple[type[Model], str], _Plan] = {}


def _plan(model: type[Model], db: BaseDatabaseWrapper) -> _Plan:
    key = (model, db.vendor)
    plan = _plans.get(key)
    if plan is None:
        meta = model._meta
        fields = [cast(Field, meta.pk), *(f for f in meta.concrete_fields if not f.primary_key)]
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(meta.db_table)
            chain = db.ops.get_db_converters(column) + column.get_db_converters(db)
            if chain:
                converters.append((index, chain, column))
        inserted = fields[1:] if getattr(fields[0], "db_returning", False) else fields
        plan = _plans[key] = _Plan(
            table=db.ops.quote_name(cast(str, meta.db_table)),
            fields=fields,
            columns=", ".join(db.ops.quote_name(cast(str, f.column)) for f in fields),
            inserted=[_column(f) for f in inserted],
            inserted_columns=", ".join(db.ops.quote_name(cast(str, f.column)) for f in inserted),
            names=[f.attname for f in fields],
            converters=converters,
        )
    return plan


def _field(model: type[Model], name: str) -> Field:
    return cast(Field, model._meta.get_field(name))


def where_in(model: type[Model], field_name: str, values: Iterable) -> tuple[str, list]:
    """`"column" IN (%s, ...)` and its parameters, prepared as the field stores them (a UUID on SQLite is hex)."""
    db = _db()
    field = _field(model, field_name)
    params = [field.get_db_prep_value(v, db, prepared=False) for v in values]
    if not params:
        return "1 = 0", []
    return f"{db.ops.quote_name(cast(str, field.column))} IN ({', '.join(['%s'] * len(params))})", params


def fetch(model: type[M], where: str, params: Sequence) -> list[M]:
    """Model instances for `SELECT <every column> FROM <table> WHERE <where>`, converted as the ORM converts."""
    db = _db()
    plan = _plan(model, db)
    out: list[M] = []
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {plan.columns} FROM {plan.table} WHERE {where}", params)  # noqa: S608
        rows = cursor.fetchall()
    for raw in rows:
        row = list(raw)
        for index, chain, column in plan.converters:
            value = row[index]
            for convert in chain:
                value = convert(value, column, db)
            row[index] = value
        out.append(model.from_db(db.alias, plan.names, row))
    return out


def _insert_slices(model: type[Model], rows: Sequence[Model], tail: str) -> Iterator[tuple[list[Model], list]]:
    """`INSERT INTO <table> (<every column but a generated key>) VALUES ... <tail>`, one statement per slice of the
    rows (values prepared by the fields, as the ORM prepares them); yields each slice with the rows its statement
    answered."""
    db = _db()
    plan = _plan(model, db)
    fields, columns = plan.inserted, plan.inserted_columns
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with db.cursor() as cursor:
        for part in chunked(rows, max(1, PARAMS_PER_STATEMENT // len(fields))):
            cursor.execute(
                f"INSERT INTO {plan.table} ({columns}) VALUES {', '.join([row_sql] * len(part))} {tail}",  # noqa: S608
                _values(fields, part, db, add=True),
            )
            yield part, cursor.fetchall() if cursor.description else []


def _columns(model: type[Model], names: Iterable[str]) -> list[str]:
    quote = _db().ops.quote_name
    return [quote(cast(str, _field(model, name).column)) for name in names]


def insert(model: type[Model], rows: Sequence[Model], *, related: bool = False) -> None:
    """INSERT new rows, one statement per slice, and set their primary keys from RETURNING: bulk_create for models
    without multi-table inheritance, at about half its Python cost. `related=True` first checks each row's
    foreign keys as bulk_create does (a related object assigned before it was saved gets its key now)."""
    if not rows:
        return
    if related:
        for row in rows:
            # Private, but what bulk_create itself calls for each row; django-stubs leave it out.
            row._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
    db = _db()
    pk = _plan(model, db).fields[0]
    for part, returned in _insert_slices(model, rows, f"RETURNING {db.ops.quote_name(cast(str, pk.column))}"):
        # Rows come back in VALUES order, which Django's own bulk_create relies on for both backends too.
        for row, (key,) in zip(part, returned, strict=True):
            setattr(row, pk.attname, key)
            row._state.adding, row._state.db = False, db.alias


def insert_new(model: type[Model], rows: Sequence[Model], unique: str) -> set:
    """Insert the rows whose `unique` value is not taken yet; returns the values that went in.
    (`INSERT ... ON CONFLICT DO NOTHING RETURNING`, SQLite 3.35+ and PostgreSQL.)"""
    (key,) = _columns(model, [unique])
    inserted: set = set()
    for _part, returned in _insert_slices(model, rows, f"ON CONFLICT ({key}) DO NOTHING RETURNING {key}"):
        inserted.update(value for (value,) in returned)
    return inserted


def insert_ignoring_conflicts(model: type[Model], rows: Sequence[Model]) -> None:
    """Insert the rows, skipping each one that would break a unique constraint (partial ones included):
    bulk_create(ignore_conflicts=True) without its compilation (`INSERT ... ON CONFLICT DO NOTHING`, SQLite
    3.24+ and PostgreSQL). Primary keys are not set, as with bulk_create."""
    for _slice in _insert_slices(model, rows, "ON CONFLICT DO NOTHING"):
        pass


def upsert(
    model: type[Model], rows: Sequence[Model], *, unique: Sequence[str], update: Sequence[str], when: str = ""
) -> None:
    """Insert the rows; where the `unique` columns are taken already, the stored row takes this row's `update`
    fields (only if the condition `when` holds: SQL in which `excluded.` names this row's columns). Like
    bulk_create(update_conflicts=True), one statement per slice, without its compilation (`INSERT ... ON
    CONFLICT DO UPDATE`, SQLite 3.24+ and PostgreSQL). `unique` must name a unique constraint, and no two rows of
    one call may share its values."""
    if not rows:
        return
    conflict = ", ".join(_columns(model, unique))
    assignments = ", ".join(f"{column} = excluded.{column}" for column in _columns(model, update))
    tail = f"ON CONFLICT ({conflict}) DO UPDATE SET {assignments}" + (f" WHERE {when}" if when else "")
    for _slice in _insert_slices(model, rows, tail):
        pass


def insert_or_keep_earliest(
    model: type[Model], rows: Sequence[Model], *, unique: Sequence[str], earliest: str, also: Sequence[str] = ()
) -> None:
    """Insert the rows; where the `unique` columns are taken already, the stored row takes this row's `earliest`
    value (and the `also` fields with it) only if it is earlier. One statement per slice instead of a read and a
    write."""
    (first,) = _columns(model, [earliest])
    table = _plan(model, _db()).table
    upsert(model, rows, unique=unique, update=[earliest, *also], when=f"excluded.{first} < {table}.{first}")


def update_rows(model: type[Model], rows: Sequence[Model], fields: Sequence[str]) -> None:
    """`UPDATE ... SET f = %s WHERE id = %s` for each row, as one executemany (bulk_update builds a CASE WHEN per
    row and field: milliseconds of Python for a single row)."""
    if not rows:
        return
    db = _db()
    meta = model._meta
    # auto_now columns (updated_at) move with every write, as Model.save() would move them.
    stamped = [f.name for f in meta.concrete_fields if getattr(f, "auto_now", False) and f.name not in fields]
    now = timezone.now()
    for row in rows if stamped else ():
        for name in stamped:
            setattr(row, name, now)
    columns = [_field(model, name) for name in (*fields, *stamped)]
    quote = db.ops.quote_name
    assignments = ", ".join(f"{quote(cast(str, f.column))} = %s" for f in columns)
    table, pk = quote(cast(str, meta.db_table)), quote(cast(str, cast(Field, meta.pk).column))
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608
    params = [[f.get_db_prep_save(getattr(row, f.attname), db) for f in columns] + [row.pk] for row in rows]
    with db.cursor() as cursor:
        cursor.executemany(sql, params)
