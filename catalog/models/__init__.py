from catalog.models.contracts import DataContract, QualityRule, SlaProperty
from catalog.models.counts import ProductCount
from catalog.models.org import Domain, Team, TeamMembership, TeamRole
from catalog.models.products import DataProduct, InputPort, OutputPort, SchemaField, Tag
from catalog.models.versions import Deprecation, ProductVersion, VersionSubject
from catalog.vocabulary import (
    AccessMode,
    Classification,
    ContractFormat,
    ContractStatus,
    DescriptorFormat,
    LifecycleStatus,
    PortType,
    ProductKind,
    SchemaSource,
)

__all__ = [
    "AccessMode",
    "Classification",
    "ContractFormat",
    "ContractStatus",
    "DataContract",
    "DataProduct",
    "Deprecation",
    "DescriptorFormat",
    "Domain",
    "InputPort",
    "LifecycleStatus",
    "OutputPort",
    "PortType",
    "ProductCount",
    "ProductKind",
    "ProductVersion",
    "QualityRule",
    "SchemaField",
    "SchemaSource",
    "SlaProperty",
    "Tag",
    "Team",
    "TeamMembership",
    "TeamRole",
    "VersionSubject",
]
