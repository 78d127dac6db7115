from catalog.models.base import TimeStampedModel
from catalog.models.contracts import ContractFormat, ContractStatus, DataContract, QualityRule, SlaProperty
from catalog.models.notifications import Notification
from catalog.models.org import Domain, Team, TeamMembership, TeamRole
from catalog.models.products import (
    AccessMode,
    Classification,
    DataProduct,
    DescriptorFormat,
    InputPort,
    LifecycleStatus,
    OutputPort,
    PortType,
    ProductKind,
    SchemaField,
    SchemaSource,
    Tag,
)
from catalog.models.tokens import ApiToken, Scope

__all__ = [
    "AccessMode",
    "ApiToken",
    "Classification",
    "ContractFormat",
    "ContractStatus",
    "DataContract",
    "DataProduct",
    "DescriptorFormat",
    "Domain",
    "InputPort",
    "LifecycleStatus",
    "Notification",
    "OutputPort",
    "PortType",
    "ProductKind",
    "QualityRule",
    "SchemaField",
    "SchemaSource",
    "Scope",
    "SlaProperty",
    "Tag",
    "Team",
    "TeamMembership",
    "TeamRole",
    "TimeStampedModel",
]
