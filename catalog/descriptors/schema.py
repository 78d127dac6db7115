"""The contract schema the API serves, one shape whatever standard the contract came in.

An object (a table, a topic, a model) has properties and relationships; a property's name is dotted for nested
ones (`address.city`), as the ports' fields are. Built from documents the parsers have already checked, so
nothing here refuses: a value of the wrong shape is left out.
"""

from __future__ import annotations

from typing import Any

TEXT_MAX = 2000


def text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value).strip()[:TEXT_MAX]


def truth(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on")
    return value is True


def schema_property(
    name: str,
    *,
    type: str = "",
    physical_type: str = "",
    required: bool = False,
    unique: bool = False,
    primary_key: bool = False,
    classification: str = "",
    description: str = "",
) -> dict[str, Any]:
    return {
        "name": name,
        "type": type,
        "physical_type": physical_type,
        "required": required,
        "unique": unique,
        "primary_key": primary_key,
        "classification": classification,
        "description": description,
    }


def schema_object(
    name: str,
    *,
    physical_name: str = "",
    type: str = "",
    description: str = "",
    properties: list[dict[str, Any]] | None = None,
    relationships: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "physical_name": physical_name,
        "type": type,
        "description": description,
        "properties": properties or [],
        "relationships": relationships or [],
    }


def relationship(source: Any, target: Any, kind: str = "foreignKey") -> dict[str, Any] | None:
    """`from` and `to` as written: `table.column`, or lists of them for a composite key."""
    ends = [[text(i) for i in end if text(i)] if isinstance(end, list) else text(end) for end in (source, target)]
    if not ends[0] or not ends[1]:
        return None
    return {"type": text(kind) or "foreignKey", "from": ends[0], "to": ends[1]}
