"""Validating answers against Marquez's own OpenAPI document (kept beside this file)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from openapi_schema_validator import OAS30Validator

SPEC = Path(__file__).with_name("openapi.yml")


def _drop_empty_types(node: object) -> object:
    """The document writes `type:` with no value in two places (SearchResult's name and updatedAt), which YAML reads
    as null and no validator accepts; an empty type constrains nothing, so it is dropped."""
    if isinstance(node, dict):
        return {k: _drop_empty_types(v) for k, v in node.items() if not (k == "type" and v is None)}
    if isinstance(node, list):
        return [_drop_empty_types(v) for v in node]
    return node


@cache
def _components() -> dict:
    return _drop_empty_types(yaml.safe_load(SPEC.read_text())["components"])  # type: ignore[return-value]


def problems(instance: object, schema: str) -> list[str]:
    """Every way `instance` breaks `#/components/schemas/<schema>`, as 'path: message' lines (empty when valid)."""
    root = {"$ref": f"#/components/schemas/{schema}", "components": _components()}
    validator = OAS30Validator(root)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def assert_valid(instance: object, schema: str) -> None:
    found = problems(instance, schema)
    assert not found, f"not a valid Marquez {schema}:\n" + "\n".join(found[:20])
