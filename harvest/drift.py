"""Drift: how a live table differs from the schema its port declares. Pure: compares plain values.

- a declared column the table lacks: missing (breaking);
- a column the table has and the port does not declare: new (not breaking);
- a type of another family (integer, decimal, text, boolean, date, timestamp, time, json, binary, uuid): changed
  (breaking); types of one family (varchar(40) and text, int and bigint) are not drift;
- a column declared required that the table lets be null: breaking. The other way round (declared nullable,
  required in the table) is no difference: consumers lose nothing, and ports rarely declare NOT NULL.
Names are compared case-insensitively (databases fold them); a port that declares no fields has no drift but a
missing table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

FAMILIES = {
    "integer": {
        "int",
        "integer",
        "int2",
        "int4",
        "int8",
        "smallint",
        "bigint",
        "tinyint",
        "mediumint",
        "serial",
        "bigserial",
        "long",
        "short",
    },
    "decimal": {
        "numeric",
        "decimal",
        "number",
        "float",
        "float4",
        "float8",
        "double",
        "real",
        "money",
        "double precision",
    },
    "text": {
        "varchar",
        "char",
        "character",
        "text",
        "string",
        "character varying",
        "nvarchar",
        "nchar",
        "clob",
        "tinytext",
        "mediumtext",
        "longtext",
        "bpchar",
        "enum",
    },
    "boolean": {"bool", "boolean", "bit"},
    "date": {"date"},
    "timestamp": {
        "timestamp",
        "datetime",
        "timestamptz",
        "timestamp with time zone",
        "timestamp without time zone",
        "datetime2",
    },
    "time": {"time", "timetz", "time with time zone", "time without time zone"},
    "json": {"json", "jsonb", "object", "variant"},
    "binary": {"bytea", "blob", "binary", "varbinary", "longblob", "bytes"},
    "uuid": {"uuid", "uniqueidentifier"},
}
_FAMILY_OF = {name: family for family, names in FAMILIES.items() for name in names}


@lru_cache(maxsize=4096)  # asked twice per column per harvest; the same few types repeat
def type_family(data_type: str) -> str:
    """The family of a type as databases and contracts write it ("VARCHAR(40)" -> text); the bare type if unknown."""
    bare = re.sub(r"\(.*?\)", "", data_type.strip().lower())
    bare = re.sub(r"\s+", " ", bare.replace("unsigned", "")).strip()
    if bare == "tinyint(1)":
        return "boolean"
    return _FAMILY_OF.get(bare, _FAMILY_OF.get(bare.split(" ")[0], bare))


@dataclass(frozen=True)
class Difference:
    kind: str  # a harvest.models.DriftKind value
    column: str
    declared: str
    observed: str
    breaking: bool

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.column


@dataclass(frozen=True)
class Declared:
    name: str
    data_type: str
    nullable: bool


@dataclass(frozen=True)
class Observed:
    name: str
    data_type: str
    nullable: bool


def differences(declared: list[Declared], observed: list[Observed] | None) -> list[Difference]:
    """None for `observed`: the table is not there."""
    if observed is None:
        return [Difference("table_missing", "", "", "", True)]
    if not declared:
        return []
    seen = {c.name.lower(): c for c in observed}
    out: list[Difference] = []
    named = set()
    for field in declared:
        named.add(field.name.lower())
        column = seen.get(field.name.lower())
        if column is None:
            out.append(Difference("missing_column", field.name, field.data_type or "declared", "", True))
            continue
        if field.data_type and type_family(field.data_type) != type_family(column.data_type):
            out.append(Difference("type_changed", field.name, field.data_type, column.data_type, True))
        if not field.nullable and column.nullable:
            out.append(Difference("nullability_changed", field.name, "required", "nullable", True))
    for column in observed:
        if column.name.lower() not in named:
            out.append(Difference("new_column", column.name, "", column.data_type, False))
    return out
