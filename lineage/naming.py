"""Names: Marquez node ids, and the normalisation that matches OpenLineage datasets to output port locations.

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
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

PATH_SCHEMES = frozenset(
    {"file", "s3", "s3a", "s3n", "gs", "gcs", "abfs", "abfss", "wasb", "wasbs", "hdfs", "dbfs", "http", "https"}
)


def _scheme_of(namespace: str) -> str:
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
    return f"{ns}|{normalise_name(name, _scheme_of(ns))}"


def bare_name_key(name: str) -> str:
    """The key a location without a scheme is matched by: the dataset's name, read as a table name."""
    return normalise_name(name, "")


@dataclass(frozen=True)
class LocationKey:
    key: str
    bare: bool  # True: compare with bare_name_key(dataset name) in any namespace


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


# Marquez node ids ---------------------------------------------------------------------------------------------


def dataset_node_id(namespace: str, name: str) -> str:
    return f"dataset:{namespace}:{name}"


def job_node_id(namespace: str, name: str) -> str:
    return f"job:{namespace}:{name}"


def field_node_id(namespace: str, name: str, field: str) -> str:
    return f"datasetField:{namespace}:{name}:{field}"


@dataclass(frozen=True)
class NodeRef:
    """A parsed node id. Namespaces may hold ':' (postgres://db:5432), so a dataset or job id may split in
    several places; `candidates` lists every (namespace, name) reading, and the database decides which exists."""

    kind: str  # "dataset" | "job" | "datasetField"
    candidates: tuple[tuple[str, str], ...]
    field: str = ""


NODE_KINDS = ("dataset", "job", "datasetField")


def parse_node_id(node_id: str) -> NodeRef | None:
    kind, sep, rest = node_id.partition(":")
    if not sep or kind not in NODE_KINDS or not rest:
        return None
    field = ""
    if kind == "datasetField":
        rest, sep, field = rest.rpartition(":")
        if not sep or not field or not rest:
            return None
    candidates = []
    start = 0
    while True:
        index = rest.find(":", start)
        if index < 0:
            break
        namespace, name = rest[:index], rest[index + 1 :]
        if namespace and name:
            candidates.append((namespace, name))
        start = index + 1
    if not candidates:
        return None
    return NodeRef(kind=kind, candidates=tuple(candidates), field=field)
