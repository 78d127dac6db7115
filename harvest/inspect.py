"""Reading live table schemas with SQLAlchemy inspection: columns, types, nullability, primary keys, comments, and
where asked row counts and last-modified times. Pure (no models); one engine per harvest, disposed after."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.engine.reflection import ObjectKind

CONNECT_TIMEOUT = 10


@dataclass(frozen=True)
class TableRef:
    schema: str | None
    name: str

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass
class ObservedColumn:
    name: str
    data_type: str
    nullable: bool
    primary_key: bool = False
    comment: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "data_type": self.data_type,
            "nullable": self.nullable,
            "primary_key": self.primary_key,
            "comment": self.comment,
        }


@dataclass
class ObservedTable:
    ref: TableRef
    columns: list[ObservedColumn] = field(default_factory=list)
    rows: int | None = None
    modified: datetime | None = None


def open_engine(url: URL) -> Engine:
    args: dict[str, Any] = {}
    backend = url.get_backend_name()
    if backend in ("postgresql", "mysql", "mariadb"):
        args["connect_timeout"] = CONNECT_TIMEOUT
    return create_engine(url, connect_args=args, pool_pre_ping=False, poolclass=None)


def check(engine: Engine) -> None:
    """Connect once, so a wrong password or a host that is down fails before any table is read."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _type_name(value: Any, dialect: Any) -> str:
    # Compiled with the engine's dialect: str() would build a default dialect for every column.
    try:
        return str(value.compile(dialect=dialect))
    except Exception:  # a type the dialect cannot render (NullType): its generic name
        return str(value)


def _observed(ref: TableRef, raw: list, pk: set[str], dialect: Any) -> ObservedTable:
    return ObservedTable(
        ref,
        [
            ObservedColumn(
                name=str(c["name"]),
                data_type=_type_name(c["type"], dialect),
                nullable=bool(c.get("nullable", True)) and c["name"] not in pk,
                primary_key=c["name"] in pk,
                comment=str(c.get("comment") or ""),
            )
            for c in raw
        ],
    )


def read_tables(engine: Engine, refs: list[TableRef], *, measure: bool) -> dict[TableRef, ObservedTable | None]:
    """Every table at once, a few catalog queries per schema (SQLAlchemy's multi-table reflection), not per table;
    None for a table or view that is not there."""
    inspector = inspect(engine)
    by_schema: dict[str | None, list[TableRef]] = {}
    for ref in refs:
        by_schema.setdefault(ref.schema, []).append(ref)
    out: dict[TableRef, ObservedTable | None] = {}
    for schema, wanted in by_schema.items():
        names = sorted({r.name for r in wanted})
        columns = inspector.get_multi_columns(schema=schema, filter_names=names, kind=ObjectKind.ANY)
        pks = inspector.get_multi_pk_constraint(schema=schema, filter_names=names, kind=ObjectKind.ANY)
        # Keys carry the schema as the dialect reports it (None for the default one): match on the table name.
        columns_by_name = {key[1]: value for key, value in columns.items()}
        pk_by_name = {key[1]: set(value.get("constrained_columns") or []) for key, value in pks.items()}
        for ref in wanted:
            raw = columns_by_name.get(ref.name)
            out[ref] = None if raw is None else _observed(ref, raw, pk_by_name.get(ref.name, set()), engine.dialect)
    if measure:
        with engine.connect() as conn:
            for ref, table_seen in out.items():
                if table_seen is not None:
                    count = select(func.count()).select_from(table(ref.name, schema=ref.schema))
                    table_seen.rows = int(conn.execute(count).scalar_one())
                    table_seen.modified = _modified(conn, engine.dialect.name, ref)
    return out


def _views(inspector, schema: str | None) -> list[str]:
    try:
        return list(inspector.get_view_names(schema=schema))
    except NotImplementedError:
        return []


def _modified(conn, dialect: str, ref: TableRef) -> datetime | None:
    """Where the engine keeps it: MySQL/MariaDB's information_schema UPDATE_TIME; others keep none."""
    if dialect not in ("mysql", "mariadb"):
        return None
    value = conn.execute(
        text(
            "SELECT UPDATE_TIME FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(:schema, DATABASE()) "
            "AND TABLE_NAME = :name"
        ),
        {"schema": ref.schema, "name": ref.name},
    ).scalar()
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
