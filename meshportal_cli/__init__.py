"""`meshportal`, the producer CLI: validate descriptors offline, diff and publish them to a portal from CI.

It imports the portal's own parsers (`catalog.descriptors`, `catalog.api.product_input`), which need no Django
settings, so `validate` gives the same messages and pointers as the API; everything else goes over the REST API.
"""

from importlib import metadata

try:
    __version__ = metadata.version("meshportal")
except metadata.PackageNotFoundError:  # run from a checkout, not installed
    __version__ = "0.1.0"
