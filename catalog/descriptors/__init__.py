"""Descriptor documents (ODCS, ODPS, DPDS; JSON or YAML) into the spec dataclasses the services write.

`load_document` turns a request body into a mapping; `parse_descriptor` picks the parser by content. Both
raise `core.errors.ValidationFailed` with a JSON Pointer per problem, listing every problem at once.
"""

from catalog.descriptors.detect import parse_descriptor
from catalog.descriptors.dpds import DpdsResult, parse_dpds
from catalog.descriptors.loading import MAX_DEPTH, load_document
from catalog.descriptors.odcs import parse_odcs
from catalog.descriptors.odps import ProductDocument, parse_odps

__all__ = [
    "MAX_DEPTH",
    "DpdsResult",
    "ProductDocument",
    "load_document",
    "parse_descriptor",
    "parse_dpds",
    "parse_odcs",
    "parse_odps",
]
