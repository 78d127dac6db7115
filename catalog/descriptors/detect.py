"""Telling the descriptor formats apart by what a document says about itself."""

from __future__ import annotations

from typing import Any

from catalog.descriptors.dcs import parse_dcs
from catalog.descriptors.dpds import DpdsResult, parse_dpds
from catalog.descriptors.odcs import parse_odcs
from catalog.descriptors.odps import ProductDocument, parse_odps
from catalog.descriptors.refs import Files
from catalog.specs import ContractSpec
from core.errors import FieldError, ValidationFailed

ACCEPTED = (
    "ODCS v3 data contracts (kind: DataContract), Data Contract Specification contracts (a "
    "dataContractSpecification key), ODPS data products (kind: DataProduct) or DPDS descriptors (a "
    "dataProductDescriptor key)"
)


def parse_descriptor(doc: dict[str, Any], files: Files | None = None) -> ProductDocument | ContractSpec | DpdsResult:
    """Parse a loaded document as whichever standard it declares, or say which ones are accepted. `files` are
    the loaded files sent with it, which its `$ref`s may name."""
    # DPDS has no `kind`; its version key is the marker, so it is looked for first.
    if "dataProductDescriptor" in doc:
        return parse_dpds(doc, files)
    # The Data Contract Specification has no `kind` either.
    if "dataContractSpecification" in doc:
        return parse_dcs(doc)
    kind = doc.get("kind")
    if kind == "DataContract":
        return parse_odcs(doc)
    if kind == "DataProduct":
        return parse_odps(doc)
    if kind is None:
        message = f"is missing, so the format is unknown; accepted are {ACCEPTED}"
    else:
        message = f"{kind!r} is not a kind this portal reads; accepted are {ACCEPTED}"
    raise ValidationFailed([FieldError("/kind", message)], message="The document's format is not recognised.")
