"""The catalog's vocabulary: the choices its models store and the sizes of the columns the parsers fill.

It imports no model, so the descriptor parsers (`catalog.descriptors`) and the producer CLI can validate a
document without Django settings or the app registry. `catalog.models` re-exports the choices;
`tests/catalog/test_vocabulary.py` checks every size below against the model field it mirrors.
"""

from __future__ import annotations

from django.db import models


class ContractStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    DEPRECATED = "deprecated", "Deprecated"
    RETIRED = "retired", "Retired"


class ContractFormat(models.TextChoices):
    ODCS = "odcs", "ODCS"
    DCS = "dcs", "Data Contract Specification"
    DPDS = "dpds", "DPDS promises"


class ProductKind(models.TextChoices):
    SOURCE_ALIGNED = "source-aligned", "Source-aligned"
    AGGREGATE = "aggregate", "Aggregate"
    CONSUMER_ALIGNED = "consumer-aligned", "Consumer-aligned"


class LifecycleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    DEPRECATED = "deprecated", "Deprecated"
    RETIRED = "retired", "Retired"


class DescriptorFormat(models.TextChoices):
    PORTAL = "portal", "Portal JSON"
    ODPS = "odps", "ODPS"
    DPDS = "dpds", "DPDS"


class PortType(models.TextChoices):
    TABLE = "table", "Table"
    VIEW = "view", "View"
    TOPIC = "topic", "Topic"
    FILE = "file", "File"
    API = "api", "API"
    OTHER = "other", "Other"


class AccessMode(models.TextChoices):
    OPEN = "open", "Open"
    ON_REQUEST = "on_request", "On request"


class SchemaSource(models.TextChoices):
    DECLARED = "declared", "Declared with the port"
    CONTRACT = "contract", "Taken from the port's data contract"


class Classification(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"
    PII = "pii", "Personal data (PII)"


# (model, field) -> max_length of that CharField: a value the parsers accept is one the database can hold.
COLUMN_SIZES: dict[tuple[str, str], int] = {
    ("DataContract", "contract_id"): 200,
    ("DataContract", "name"): 200,
    ("DataContract", "version"): 40,
    ("DataContract", "api_version"): 20,
    ("DataContract", "status_as_written"): 100,
    ("Domain", "slug"): 80,
    ("SchemaField", "name"): 200,
    ("SchemaField", "object_name"): 200,
    ("SchemaField", "data_type"): 100,
    ("SchemaField", "classification"): 40,
    ("OutputPort", "location"): 500,
    ("OutputPort", "format"): 60,
    ("SlaProperty", "name"): 100,
    ("SlaProperty", "value"): 200,
    ("SlaProperty", "value_ext"): 200,
    ("SlaProperty", "unit"): 40,
    ("SlaProperty", "element"): 200,
    ("SlaProperty", "driver"): 60,
    ("QualityRule", "name"): 200,
    ("QualityRule", "rule_type"): 40,
    ("QualityRule", "metric"): 100,
    ("QualityRule", "dimension"): 60,
    ("QualityRule", "severity"): 40,
    ("QualityRule", "schedule"): 100,
    ("QualityRule", "element"): 300,
    ("DataProduct", "name"): 200,
    ("DataProduct", "slug"): 100,
    ("DataProduct", "summary"): 500,
    ("DataProduct", "version"): 40,
    ("DataProduct", "external_id"): 200,
    ("Tag", "name"): 60,
    ("Team", "slug"): 80,
    ("OutputPort", "name"): 120,
    ("OutputPort", "version"): 40,
    ("InputPort", "name"): 120,
}


def column_size(model: str, name: str) -> int:
    """The size of the column `name` of `model`, as declared in COLUMN_SIZES."""
    return COLUMN_SIZES[(model, name)]
