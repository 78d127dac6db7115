"""Which output ports a dataset maps to, looked up by the stored keys of their locations (catalog.locations).

The graph keeps only the ports its datasets match; everything else stays in the database, behind
`outputport_location_key_idx`. A dataset is matched by its own exact key, the exact keys of its symlinks, and the
bare key of each name (for locations written without a scheme).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q

from catalog.locations import dataset_lookup_keys, key_digest
from catalog.models import OutputPort
from core.bulk import chunked
from lineage.models import Dataset, DatasetSymlink

# (exact key, bare key, from a symlink), as stored in OutputPort.location_key
DatasetKeys = list[tuple[str, str, bool]]


@dataclass(frozen=True)
class PortMatch:
    port_id: int
    matched_by: str  # "location" | "symlink" | "name"


@dataclass(frozen=True)
class FoundPort:
    id: int
    product_id: int
    name: str


def dataset_keys(namespace: str, name: str, symlinks: Iterable[Sequence[str]] = ()) -> DatasetKeys:
    keys = [(*dataset_lookup_keys(namespace, name), False)]
    keys += [(*dataset_lookup_keys(ns, n), True) for ns, n in symlinks]
    return keys


_COLUMNS = ("location_key", "id", "product_id", "name")


def _located():
    return OutputPort.objects.exclude(location_key="").order_by()


def _collect(rows: Iterable[tuple[str, int, int, str]], found: dict[str, list[FoundPort]]) -> None:
    for key, pk, product_id, name in rows:
        found[key].append(FoundPort(pk, product_id, name))


def ports_by_key(keys: Iterable[str]) -> dict[str, list[FoundPort]]:
    """Stored key -> the ports whose location has it, for the keys any port has."""
    found: dict[str, list[FoundPort]] = defaultdict(list)
    for some in chunked(sorted(set(keys))):
        _collect(_located().filter(location_key__in=some).values_list(*_COLUMNS), found)
    return found


def every_located_port(at_most: int) -> dict[str, list[FoundPort]] | None:
    """Stored key -> ports, for every port with a location; None when there are more than `at_most` of them. One
    query: past `at_most` it has read that many rows for nothing, which costs less than a second query every time."""
    rows = list(_located().values_list(*_COLUMNS)[: at_most + 1])
    if len(rows) > at_most:
        return None
    found: dict[str, list[FoundPort]] = defaultdict(list)
    _collect(rows, found)
    return found


def lookup(keyed: Iterable[DatasetKeys]) -> dict[str, list[FoundPort]]:
    """The ports every one of these datasets' keys name, in one query per 500 keys."""
    return ports_by_key(key for keys in keyed for exact, bare, _ in keys for key in (exact, bare))


def datasets_named(keys: Iterable[str]) -> set[int]:
    """Ids of the datasets that one of these stored port keys names, by their own name or a symlink's (through the
    indexed key digests; a digest two keys share brings a dataset too many, never one too few)."""
    digests = sorted({key_digest(key) for key in keys if key})
    found: set[int] = set()
    for some in chunked(digests):
        for model, column in ((Dataset, "id"), (DatasetSymlink, "dataset_id")):
            rows = model.objects.filter(Q(exact_digest__in=some) | Q(bare_digest__in=some)).order_by()
            found.update(rows.values_list(column, flat=True))
    return found


def match(keys: DatasetKeys, found: dict[str, list[FoundPort]]) -> tuple[PortMatch, ...]:
    """The ports one dataset maps to, by the strongest way each was matched, in port id order."""
    how: dict[int, str] = {}
    for exact, bare, from_symlink in keys:
        for port in found.get(exact, ()):
            how.setdefault(port.id, "symlink" if from_symlink else "location")
        for port in found.get(bare, ()):
            how.setdefault(port.id, "name")
    return tuple(PortMatch(p, way) for p, way in sorted(how.items()))
