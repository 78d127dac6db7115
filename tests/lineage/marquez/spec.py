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
    components: dict = _drop_empty_types(yaml.safe_load(SPEC.read_text())["components"])  # type: ignore[assignment]
    # GraphNode.data names a discriminator `type` mapped from DATASET/JOB, but those are the node's type; the data's
    # own `type` is DB_TABLE, BATCH, ... (in Marquez's answers too), so the mapping cannot resolve. The node's
    # data is checked against Dataset or Job by the node's type instead (`assert_valid` below).
    data = components["schemas"]["GraphNode"]["properties"]["data"]
    data.pop("discriminator", None)
    data["anyOf"] = data.pop("oneOf")
    return components


def problems(instance: object, schema: str) -> list[str]:
    """Every way `instance` breaks `#/components/schemas/<schema>`, as 'path: message' lines (empty when valid)."""
    root = {"$ref": f"#/components/schemas/{schema}", "components": _components()}
    validator = OAS30Validator(root)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def assert_valid(instance: object, schema: str) -> None:
    found = problems(instance, schema)
    if schema == "LineageGraph" and isinstance(instance, dict):
        for node in instance.get("graph", []):
            kind = "Dataset" if node.get("type") == "DATASET" else "Job"
            found += [f"{node.get('id')}: {p}" for p in problems(node.get("data"), kind)]
    assert not found, f"not a valid Marquez {schema}:\n" + "\n".join(found[:20])
