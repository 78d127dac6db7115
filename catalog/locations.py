"""Port locations and the keys lineage matches OpenLineage datasets to them by.

A port's `location` is written by people ("snowflake://acme/SALES/ORDERS", "warehouse.sales.orders",
"s3://bucket/orders/") while OpenLineage integrations name datasets by namespace + name
("snowflake://acme", "SALES.ORDERS"). Both are reduced to the same key:

- the namespace is `scheme://authority`, lower-cased, without a trailing slash ("file" and "file://" are one);
- for path-like schemes (file, s3, gs, abfss, hdfs, ...) the name is the path without leading or trailing
  slashes, case kept (paths are case-sensitive);
- for everything else (databases, warehouses, topics) the name is lower-cased, quotes and backticks dropped,
  and "/" read as "." (so a URI path "/SALES/ORDERS" equals the table name "SALES.ORDERS").

A location with a scheme is split after its authority into namespace + name and matched exactly. A location
without one (a bare "warehouse.sales.orders") matches the dataset name in any namespace.

Each output port stores its location's key (`OutputPort.location_key`, indexed), "=" + the exact key or "~" + the
bare one, so lineage looks up only the ports its datasets name instead of holding every port's key in memory.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

PATH_SCHEMES = frozenset(
    {"file", "s3", "s3a", "s3n", "gs", "gcs", "abfs", "abfss", "wasb", "wasbs", "hdfs", "dbfs", "http", "https"}
)


def scheme_of(namespace: str) -> str:
    return namespace.split("://", 1)[0].lower() if "://" in namespace else namespace.lower()


def normalise_namespace(namespace: str) -> str:
    value = namespace.strip().rstrip("/")
    if value.lower().endswith(":"):  # "file:" as some integrations write it
        value = value[:-1]
    if "://" in value:
        scheme, rest = value.split("://", 1)
        value = f"{scheme.lower()}://{rest.lower()}" if rest else scheme.lower()
    else:
        value = value.lower()
    return value


def normalise_name(name: str, scheme: str) -> str:
    value = name.strip()
    if scheme in PATH_SCHEMES:
        return value.strip("/")
    for quote in ('"', "`", "[", "]"):
        value = value.replace(quote, "")
    return value.strip("/").replace("/", ".").lower()


def dataset_key(namespace: str, name: str) -> str:
    """The key an OpenLineage dataset (or symlink) is matched by."""
    ns = normalise_namespace(namespace)
    return f"{ns}|{normalise_name(name, scheme_of(ns))}"


def bare_name_key(name: str) -> str:
    """The key a location without a scheme is matched by: the dataset's name, read as a table name."""
    return normalise_name(name, "")


@dataclass(frozen=True)
class LocationKey:
    key: str
    bare: bool  # True: compare with bare_name_key(dataset name) in any namespace

    @property
    def stored(self) -> str:
        return ("~" if self.bare else "=") + self.key


def location_key(location: str) -> LocationKey | None:
    value = location.strip()
    if not value:
        return None
    if "://" not in value:
        return LocationKey(bare_name_key(value), bare=True)
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    namespace = "file" if scheme == "file" and not parts.netloc else f"{scheme}://{parts.netloc}"
    return LocationKey(dataset_key(namespace, parts.path), bare=False)


def stored_location_key(location: str) -> str:
    """What `OutputPort.location_key` holds for this location: "" when it has none."""
    key = location_key(location)
    return key.stored if key else ""


def dataset_lookup_keys(namespace: str, name: str) -> tuple[str, str]:
    """The stored port keys a dataset named so matches: its exact key, and the bare key of its name."""
    exact = LocationKey(dataset_key(namespace, name), bare=False)
    return exact.stored, LocationKey(bare_name_key(name), bare=True).stored


def key_digest(stored_key: str) -> str:
    """16 hex digits standing for a stored key, which datasets keep (indexed) so that the datasets a port's key
    names can be found without holding every dataset's keys: a key may be 1,500 characters, more than a
    PostgreSQL index entry takes. Two keys sharing a digest only make lineage match one dataset more again."""
    return hashlib.blake2b(stored_key.encode(), digest_size=8).hexdigest()
