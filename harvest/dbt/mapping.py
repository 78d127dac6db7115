"""Which dbt model lands on which data product and output port, and what its columns and tests become.

Pure: reads a parsed Project (harvest.dbt.manifest) and a mapping file, and answers plain specs.

A model maps to a product by, in this order: the mapping file's entry for its unique id or its name; its
`meta.data_product` (or `config.meta.data_product`). The product is a slug in the harvested domain ("orders"), or
"domain/slug" naming that same domain. The port is named by `meta.output_port`, else the model's name; a
versioned model's version becomes the port's version. Owners: `meta.owner` names a team by slug; else the model's
dbt group, whose name (or owner name) names a team.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.text import slugify

from catalog.specs import FieldSpec, QualityRuleSpec
from core.errors import FieldError, ValidationFailed
from harvest.dbt.manifest import Node, Project, Test

CLASSIFICATIONS = ("public", "internal", "confidential", "restricted", "pii")
# dbt's generic tests as ODCS library metrics (ODCS v3 quality rules: metric, mustBe 0).
LIBRARY_METRICS = {
    "not_null": "nullValues",
    "unique": "duplicateValues",
    "accepted_values": "invalidValues",
    "relationships": "invalidValues",
}


@dataclass
class ModelTarget:
    node: Node
    product: str  # slug
    port: str
    owner_hint: str = ""  # team slug candidates, tried in order
    group_hint: str = ""
    product_name: str = ""


@dataclass
class Skip:
    unique_id: str
    reason: str


@dataclass
class Mapped:
    targets: list[ModelTarget] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


def read_mapping(raw: Any) -> dict[str, dict[str, str]]:
    """The mapping file: {"models": {"<unique id or name>": "product-slug" | {"product", "port", "owner"}}}."""
    if raw is None:
        return {}
    models = raw.get("models") if isinstance(raw, dict) else None
    if not isinstance(models, dict):
        raise ValidationFailed([FieldError("/mapping/models", "The mapping file names models under `models`.")])
    out: dict[str, dict[str, str]] = {}
    for key, value in models.items():
        if isinstance(value, str):
            out[str(key)] = {"product": value}
        elif isinstance(value, dict) and isinstance(value.get("product"), str):
            out[str(key)] = {k: str(v) for k, v in value.items() if isinstance(v, str | int)}
        elif value is None:
            out[str(key)] = {}
        else:
            raise ValidationFailed(
                [FieldError(f"/mapping/models/{key}", "A product slug, or an object with `product` (and `port`).")]
            )
    return out


def _product_slug(value: str, domain: str) -> tuple[str, str]:
    """(slug, reason it cannot be used)."""
    value = value.strip()
    if "/" in value:
        named_domain, _, value = value.partition("/")
        if named_domain != domain:
            return "", f"meta.data_product names domain '{named_domain}'; this harvest writes domain '{domain}'"
    slug = slugify(value)[:100]
    return (slug, "") if slug else ("", f"data product '{value}' gives no usable slug")


def map_models(project: Project, domain: str, mapping: dict[str, dict[str, str]]) -> Mapped:
    out = Mapped()
    for node in project.nodes.values():
        if node.resource_type != "model":
            continue
        entry = mapping.get(node.unique_id, mapping.get(node.name))
        if entry is not None and not entry:
            out.skipped.append(Skip(node.unique_id, "the mapping file leaves it out"))
            continue
        wanted = (entry or {}).get("product") or str(node.meta.get("data_product") or "")
        if not wanted:
            out.skipped.append(Skip(node.unique_id, "no meta.data_product and not in the mapping file: lineage only"))
            continue
        slug, reason = _product_slug(wanted, domain)
        if reason:
            out.skipped.append(Skip(node.unique_id, reason))
            continue
        port = (entry or {}).get("port") or str(node.meta.get("output_port") or "") or node.name
        out.targets.append(
            ModelTarget(
                node=node,
                product=slug,
                port=port[:120],
                owner_hint=(entry or {}).get("owner") or str(node.meta.get("owner") or ""),
                group_hint=node.group,
                product_name=str(node.meta.get("data_product_name") or ""),
            )
        )
    return out


def group_teams(project: Project, group: str) -> list[str]:
    """Team slugs a dbt group may stand for: the group's name, then its owner's name."""
    if not group:
        return []
    owner = project.groups.get(f"group.{project.name}.{group}", {}).get("owner") or {}
    names = [group, owner.get("name", "") if isinstance(owner, dict) else ""]
    return [slugify(n) for n in names if isinstance(n, str) and slugify(n)]


def classification(meta: dict[str, Any]) -> str:
    value = meta.get("classification")
    if isinstance(value, str) and value.strip():
        return value.strip().lower()[:40]
    if meta.get("pii") is True or meta.get("contains_pii") is True:
        return "pii"
    return ""


def fields_of(node: Node) -> list[FieldSpec]:
    """Columns as fields. Required only where the table enforces it (a not_null or primary_key constraint of a
    dbt model contract); a not_null *test* is a quality rule of the contract, not a property of the table."""
    return [
        FieldSpec(
            name=c.name[:200],
            data_type=c.data_type[:100],
            description=c.description,
            nullable=not (c.not_null or c.primary_key),
            primary_key=c.primary_key,
            classification=classification(c.meta),
        )
        for c in node.columns
    ]


def quality_rules(node: Node, tests: list[Test]) -> list[QualityRuleSpec]:
    rules = []
    for test in sorted(tests, key=lambda t: t.unique_id):
        metric = LIBRARY_METRICS.get(test.test_name, "")
        element = f"{node.name}.{test.column}" if test.column else node.name
        definition: dict[str, Any] = {"dbt": {"uniqueId": test.unique_id, "test": test.test_name}}
        if test.kwargs:
            definition["dbt"]["kwargs"] = test.kwargs
        rules.append(
            QualityRuleSpec(
                element=element,
                name=test.name[:200],
                rule_type="library" if metric else "custom",
                metric=metric,
                dimension="completeness" if test.test_name == "not_null" else "",
                description=f"dbt test {test.test_name}" + (f" on column {test.column}" if test.column else ""),
                severity=test.severity or "error",
                operator="mustBe",
                threshold=0,
                definition=definition,
            )
        )
    return rules
