"""Reading live table schemas with SQLAlchemy inspection: columns, types, nullability, primary keys, comments, and
where asked row counts and last-modified times. Pure (no models); one engine per harvest, disposed after."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import NoSuchTableError

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


class TableMissing(Exception):
    pass


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


def read_table(engine: Engine, ref: TableRef, *, measure: bool) -> ObservedTable:
    inspector = inspect(engine)
    try:
        raw = inspector.get_columns(ref.name, schema=ref.schema)
    except NoSuchTableError:
        raise TableMissing(f"table or view {ref.label} not found") from None
    # Some dialects answer an empty list for a missing table rather than raising.
    if not raw and not (inspector.has_table(ref.name, schema=ref.schema) or ref.name in _views(inspector, ref.schema)):
        raise TableMissing(f"table or view {ref.label} not found")
    try:
        pk = set(inspector.get_pk_constraint(ref.name, schema=ref.schema).get("constrained_columns") or [])
    except NotImplementedError:
        pk = set()
    observed = ObservedTable(
        ref,
        [
            ObservedColumn(
                name=str(c["name"]),
                data_type=str(c["type"]),
                nullable=bool(c.get("nullable", True)) and c["name"] not in pk,
                primary_key=c["name"] in pk,
                comment=str(c.get("comment") or ""),
            )
            for c in raw
        ],
    )
    if measure:
        with engine.connect() as conn:
            observed.rows = int(
                conn.execute(select(func.count()).select_from(table(ref.name, schema=ref.schema))).scalar_one()
            )
            observed.modified = _modified(conn, engine.dialect.name, ref)
    return observed


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
