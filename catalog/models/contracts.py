"""Data contracts (ODCS v3): the stored document plus what the portal reads out of it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from catalog.models.org import Domain, Team
from catalog.specs import FieldSpec
from catalog.vocabulary import ContractFormat, ContractStatus
from core.models import TimeStampedModel


class DataContract(TimeStampedModel):
    contract_id = models.CharField(max_length=200, unique=True, help_text="The contract's own id (ODCS `id`).")
    name = models.CharField(max_length=200, blank=True)
    version = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    status_as_written = models.CharField(
        max_length=100,
        blank=True,
        help_text="The document's own status word; `status` is where it sits in the lifecycle.",
    )
    api_version = models.CharField(max_length=20, blank=True)
    source_format = models.CharField(max_length=10, choices=ContractFormat.choices, default=ContractFormat.ODCS)
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, null=True, blank=True, related_name="contracts")
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        help_text="The team whose registry holds the contract while it names no domain (a standalone contract).",
    )
    purpose = models.TextField(blank=True)
    document = models.JSONField(default=dict, help_text="The contract as published.")
    schema_fields = models.JSONField(
        default=list,
        blank=True,
        help_text="Fields read out of the contract's schema, for the ports that follow it.",
    )
    schema_objects = models.JSONField(
        default=list,
        blank=True,
        help_text="The contract's schema objects with their properties and relationships, as the API serves them.",
    )
    servers = models.JSONField(default=list, blank=True, help_text="The servers the contract names, as written.")
    fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["name", "contract_id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ContractStatus.values), name="contract_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.contract_id} {self.version}"

    def schema(self) -> list[dict]:
        """The schema objects with their properties; for a contract stored before they were kept, rebuilt from
        its fields (without what only the document says: uniqueness, relationships)."""
        if self.schema_objects:
            return self.schema_objects
        objects: dict[str, dict] = {}
        for item in self.schema_fields:
            name = item.get("object_name", "")
            obj = objects.setdefault(
                name,
                {
                    "name": name,
                    "physical_name": "",
                    "type": "",
                    "description": "",
                    "properties": [],
                    "relationships": [],
                },
            )
            obj["properties"].append(
                {
                    "name": item.get("name", ""),
                    "type": item.get("data_type", ""),
                    "physical_type": "",
                    "required": not item.get("nullable", True),
                    "unique": False,
                    "primary_key": bool(item.get("primary_key")),
                    "classification": item.get("classification", ""),
                    "description": item.get("description", ""),
                }
            )
        return list(objects.values())

    def schema_display(self) -> list[dict]:
        """The schema for the page: each relationship's ends as text (a composite key's columns joined)."""
        shown = []
        for obj in self.schema():
            relationships = [
                {**rel, "from_text": _ends(rel.get("from")), "to_text": _ends(rel.get("to"))}
                for rel in obj.get("relationships", [])
            ]
            shown.append({**obj, "relationships": relationships})
        return shown

    def field_specs(self) -> list[FieldSpec]:
        """The fields of the contract's schema, as the ports that follow it take them."""
        return [FieldSpec(**item) for item in self.schema_fields]


def _ends(value: object) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value or "")


class SlaProperty(models.Model):
    contract = models.ForeignKey(DataContract, on_delete=models.CASCADE, related_name="sla_properties")
    name = models.CharField(max_length=100, help_text="ODCS `property`: latency, retention, frequency, ...")
    value = models.CharField(max_length=200)
    value_ext = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=40, blank=True)
    element = models.CharField(max_length=200, blank=True)
    driver = models.CharField(max_length=60, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["contract", "position"]

    def __str__(self) -> str:
        return f"{self.name}={self.value}{self.unit}"


class QualityRule(models.Model):
    contract = models.ForeignKey(DataContract, on_delete=models.CASCADE, related_name="quality_rules")
    element = models.CharField(max_length=300, blank=True, help_text="'' for the contract, `obj` or `obj.prop`.")
    name = models.CharField(max_length=200, blank=True)
    rule_type = models.CharField(max_length=40, blank=True, help_text="library, text, sql, custom.")
    metric = models.CharField(max_length=100, blank=True)
    dimension = models.CharField(max_length=60, blank=True)
    description = models.TextField(blank=True)
    severity = models.CharField(max_length=40, blank=True)
    operator = models.CharField(max_length=40, blank=True, help_text="mustBe, mustBeGreaterThan, ...")
    threshold = models.JSONField(null=True, blank=True)
    schedule = models.CharField(max_length=100, blank=True)
    definition = models.JSONField(default=dict, help_text="The rule as written in the contract.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["contract", "position"]

    def __str__(self) -> str:
        return self.name or self.metric or self.rule_type
