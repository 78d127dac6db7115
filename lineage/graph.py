"""The lineage graph in memory, one per process, analysed with networkx.

Nodes are integers: a dataset is its primary key, a job the negative of its primary key; edges run
dataset -> job (the job reads it) and job -> dataset (the job writes it). Names stay in the database: a request
turns the few ids it answers with into rows with one query, so 100k names need not live in every process.

Freshness: every request compares the graph with `lineage.state` (one row) and the output ports (count, newest id,
newest change) in a single query. A newer version loads only the rows stamped after the one held; a new generation
rebuilds; a change of ports re-maps datasets to ports. Nothing is rebuilt per request. After a full build the
objects are moved out of the collector's reach with `gc.freeze()`: a full collection would otherwise walk a few
million container objects and pause a request for well over 100 ms.

Downstream impact from a hub is the hot path. Besides the networkx graph it keeps a dense dataset -> dataset
projection (lists indexed by small integers, a bytearray for "seen"), which walks a closure of tens of thousands
of datasets several times faster than a traversal of the bipartite graph's dicts.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import networkx as nx
from django.conf import settings
from django.db import connection
from django.db.models import Q

from catalog.models import DataProduct, InputPort, OutputPort, Team
from core.bulk import chunked
from lineage.models import ColumnEdge, Dataset, DatasetSymlink, Direction, JobDataset, LineageState
from lineage.ports import FoundPort, PortMatch, dataset_keys, datasets_named, every_located_port, lookup, match

STREAM_CHUNK = 20_000
# Re-mapping every dataset reads every located port at once when there are at most this many (one query; a few MB
# for a moment); past it, it looks up each batch of datasets' keys (one indexed query per 500 keys), so that a mesh
# of a million ports never has them all in memory.
PORTS_READ_WHOLE = 50_000
# A change of ports matches again only the datasets it can move (those mapped to a changed port, and those whose
# keys a changed port's key names) while no port was deleted and at most this many changed; otherwise every one.
REMAP_PORTS_AT_MOST = 5_000
# Changed ports are found by their updated_at (indexed). On PostgreSQL a write may commit after another that stamped
# its rows later (transactions run side by side): it is caught by looking back this far before the newest change
# already seen, and past that by a re-map of every dataset at least this often while ports keep changing. SQLite
# writers take turns on one lock and stamp inside it, so commits come in stamp order there.
PORTS_LOOK_BACK = {"postgresql": timedelta(seconds=30)}
FULL_REMAP_SECONDS = 600.0
logger = logging.getLogger(__name__)


def _as_datetime(value: datetime | str) -> datetime:
    """A MAX(updated_at) read with raw SQL: a datetime on PostgreSQL, the stored text (UTC) on SQLite."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if settings.USE_TZ and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def written_since(max_id: int | None, newest: datetime | str | None) -> Q:
    """Rows inserted or written since a stamp of MAX(id) and MAX(updated_at) (read with raw SQL), for a model whose
    writes move `updated_at`: ids above the one, `updated_at` from the other on, less PostgreSQL's look-back for
    commits that landed after they stamped their rows (PORTS_LOOK_BACK). Seen again in the next look-back: the
    caller skips what it has applied."""
    changed = Q(pk__gt=max_id or 0)
    if newest:
        look_back = PORTS_LOOK_BACK.get(connection.vendor, timedelta(0))
        changed |= Q(updated_at__gte=_as_datetime(newest) - look_back)
    return changed


class _NoAttributes(dict):
    """The one attribute dict every node and edge shares: the graph stores none, and 300k empty dicts cost 20 MB."""

    def __setitem__(self, key, value):
        raise TypeError("lineage graph nodes and edges carry no attributes")

    def update(self, *args, **kwargs):
        if (args and args[0]) or kwargs:
            raise TypeError("lineage graph nodes and edges carry no attributes")


_SHARED = _NoAttributes()


class CompactDiGraph(nx.DiGraph):
    node_attr_dict_factory = staticmethod(lambda: _SHARED)  # type: ignore[assignment]
    edge_attr_dict_factory = staticmethod(lambda: _SHARED)  # type: ignore[assignment]


def job_node(job_id: int) -> int:
    return -job_id


@dataclass
class _PortIndex:
    """The output ports some dataset of the graph maps to, with their products and names. Only those: every port's
    location key in every process took 520 MB at 1M products (lineage.ports looks the matches up instead)."""

    product_of: dict[int, int] = field(default_factory=dict)
    name_of: dict[int, str] = field(default_factory=dict)

    def add(self, found: dict[str, list[FoundPort]], matched: set[int]) -> None:
        for ports in found.values():
            for port in ports:
                if port.id in matched:
                    self.product_of[port.id] = port.product_id
                    self.name_of[port.id] = port.name


_STATE, _PORT = LineageState._meta.db_table, OutputPort._meta.db_table
_PRODUCT, _TEAM, _INPUT = DataProduct._meta.db_table, Team._meta.db_table, InputPort._meta.db_table
# One round trip tells whether anything the graph or its catalog facts depend on changed. Table names come
# from the models, never from input. Deletes are counted by lineage.receivers (LineageState).
_FRESHNESS_SQL = (
    f"SELECT (SELECT generation FROM {_STATE} WHERE id = 1), (SELECT version FROM {_STATE} WHERE id = 1), "  # noqa: S608
    f"(SELECT port_deletions FROM {_STATE} WHERE id = 1), (SELECT catalog_deletions FROM {_STATE} WHERE id = 1), "
    f"(SELECT MAX(id) FROM {_PORT}), (SELECT MAX(updated_at) FROM {_PORT}), "
    f"(SELECT MAX(id) FROM {_PRODUCT}), (SELECT MAX(updated_at) FROM {_PRODUCT}), "
    f"(SELECT MAX(id) FROM {_TEAM}), (SELECT MAX(updated_at) FROM {_TEAM}), "
    f"(SELECT MAX(id) FROM {_INPUT}), (SELECT MAX(updated_at) FROM {_INPUT})"
)


class LineageGraph:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.generation: int | None = None
        self.version = 0
        self.ports_stamp: tuple | None = None
        self.catalog_stamp: tuple | None = None
        self.full_builds = 0
        # The product graph (lineage.selectors.product_graph) is kept across lineage changes and brought up to date
        # from what changed: the datasets new edges touch, and whether any dataset's mapping to ports changed.
        self.product_state: object | None = None
        self._reset()

    def _reset(self) -> None:
        self.g = CompactDiGraph()
        self.columns = CompactDiGraph()
        self.ports = _PortIndex()
        self.port_matches: dict[int, tuple[PortMatch, ...]] = {}
        self.datasets_of_port: dict[int, list[int]] = defaultdict(list)
        self.dense: dict[int, int] = {}  # dataset id -> index into `down`
        self.dense_ids: list[int] = []
        # Tuples, not lists: most datasets feed nothing, and the empty tuple is one shared object.
        self.down: list[tuple[int, ...]] = []
        self.memo: dict[str, object] = {}  # results derived from the whole graph, valid for one version
        self.catalog_memo: dict[str, object] = {}  # catalog facts (lineage.selectors.catalog_info)
        self.touched: set[int] = set()  # datasets whose downstream walks new edges changed, since last taken
        self.remapped = True  # the product graph must be built again (every dataset was matched again)
        # Datasets whose ports changed since the product graph was brought up to date, and the products their
        # ports belonged to before: the product graph re-walks those products (lineage.selectors.product_graph).
        self.remapped_datasets: set[int] = set()
        self.remapped_products: set[int] = set()
        self.full_map_at = 0.0  # time.monotonic() of the last match of every dataset
        self.ports_seen: dict[int, datetime] = {}  # port id -> updated_at, of the ports in the last look-back

    # Freshness --------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(_FRESHNESS_SQL)
            row = cursor.fetchone()
        # Inserts move a MAX(id), writes a MAX(updated_at) (indexed), deletes the deletion counter: no COUNT(*),
        # which scans the table (2-3 ms each at 100k rows on SQLite).
        generation, version = row[0] or 0, row[1] or 0
        ports, catalog = (row[2] or 0, *row[4:6]), (row[3] or 0, *row[6:])
        with self.lock:
            if catalog != self.catalog_stamp:
                self.catalog_memo = {}
                self.catalog_stamp = catalog
            # A lower version than held is a read that raced a newer one in another thread, not a reset: a reset
            # (pruning, a test database flushed) always comes with a new generation.
            if generation != self.generation:
                self._build(generation, version, ports)
                return
            if version > self.version:
                self._load(self.version, version)
                self.version = version
                self.memo, self.catalog_memo = {}, {}
            if ports != self.ports_stamp:
                self._ports_changed(ports)
                self.ports_stamp = ports
                self.memo, self.catalog_memo = {}, {}

    def _build(self, generation: int, version: int, ports: tuple) -> None:
        self._reset()
        self._load(None, version)
        self._map_all_datasets()
        self.generation, self.version, self.ports_stamp = generation, version, ports
        self.full_builds += 1
        gc.collect()
        gc.freeze()

    def _load(self, after: int | None, upto: int) -> None:
        """Add the rows stamped in (after, upto]; `after=None` loads everything."""

        def stamped(queryset):
            queryset = queryset.filter(graph_version__lte=upto)
            return queryset if after is None else queryset.filter(graph_version__gt=after)

        edges = stamped(JobDataset.objects.order_by()).values_list("job_id", "dataset_id", "direction")
        added_out: list[tuple[int, int]] = []
        added_in: list[tuple[int, int]] = []
        # One int object per node: the database hands out a fresh one per row, and the adjacency dicts would keep
        # each of them (28 bytes x 2 per edge).
        canonical: dict[int, int] = {}
        same = canonical.setdefault
        for job_id, dataset_id, direction in edges.iterator(chunk_size=STREAM_CHUNK):
            job, dataset = same(-job_id, -job_id), same(dataset_id, dataset_id)
            if direction == Direction.INPUT:
                added_in.append((dataset, job))
            else:
                added_out.append((job, dataset))
        del canonical
        to_map: set[int] = set()
        if after is not None:
            datasets = stamped(Dataset.objects.order_by()).values_list("id", flat=True)
            symlinked = stamped(DatasetSymlink.objects.order_by()).values_list("dataset_id", flat=True)
            to_map = set(datasets.iterator()) | set(symlinked.iterator())
        known = {d for d in to_map if d in self.g}  # datasets the graph had before these rows
        self.g.add_edges_from(added_in)
        self.g.add_edges_from(added_out)
        self._project(added_in, added_out, full=after is None)
        if after is not None:
            # Walks through these datasets now reach further: a new read of d, or a new output of a job whose
            # inputs are these.
            pred = self.g._pred
            self.touched.update(d for d, _ in added_in)
            self.touched.update(i for job, _ in added_out for i in pred[job])
        columns = stamped(ColumnEdge.objects.order_by()).values_list("source_id", "target_id")
        self.columns.add_edges_from(columns.iterator(chunk_size=STREAM_CHUNK))
        if to_map:
            self._map_datasets(to_map, known=known)

    def _dense_index(self, dataset_id: int) -> int:
        index = self.dense.get(dataset_id)
        if index is None:
            index = self.dense[dataset_id] = len(self.dense_ids)
            self.dense_ids.append(dataset_id)
            self.down.append(())
        return index

    def _project(self, added_in: list[tuple[int, int]], added_out: list[tuple[int, int]], *, full: bool) -> None:
        """Keep dataset -> dataset (through a job) lists in step with the new edges."""
        pred, succ = self.g._pred, self.g._succ  # networkx's own adjacency: read directly on the hot path
        pairs: set[tuple[int, int]] = set()
        for dataset_id, job in added_in:
            pairs.update((dataset_id, out) for out in succ[job])
        for job, dataset_id in added_out:
            pairs.update((inp, dataset_id) for inp in pred[job])
        if full:
            for dataset_id in self.g:
                if dataset_id > 0:
                    self._dense_index(dataset_id)
        grouped: dict[int, list[int]] = defaultdict(list)
        for source, target in pairs:
            grouped[self._dense_index(source)].append(self._dense_index(target))
        down = self.down
        for source_index, targets in grouped.items():
            have = down[source_index]
            down[source_index] = have + tuple(t for t in targets if t not in have) if have else tuple(targets)

    # Datasets -> output ports -----------------------------------------------------------------------------

    def _ports_changed(self, stamp: tuple) -> None:
        """Match datasets to ports again: only the datasets the change can move when few ports changed and none
        was deleted, every dataset otherwise (a second at 100k datasets past PORTS_READ_WHOLE ports)."""
        old = self.ports_stamp
        changed = None
        if old is not None and old[0] == stamp[0] and time.monotonic() - self.full_map_at < FULL_REMAP_SECONDS:
            changed = self._changed_ports(old)
        if changed is None:
            self.remapped = True
            self._map_all_datasets()
            self._changed_ports(stamp)  # notes the ports of the look-back, matched just now
            return
        ids = {d for pk, _ in changed for d in self.datasets_of_port.get(pk, ())}
        ids |= datasets_named(key for _, key in changed)
        if ids:
            # A dataset whose ports change is noted for the product graph (_set_matches).
            self._map_datasets(ids, known=ids)

    def _changed_ports(self, old: tuple) -> list[tuple[int, str]] | None:
        """(id, location key) of the ports written since the stamp `old` (and in the look-back before it), or None
        when more than REMAP_PORTS_AT_MOST did. Ports looked at already (same id and updated_at) are left out."""
        _, max_id, newest = old
        rows = list(
            OutputPort.objects.filter(written_since(max_id, newest))
            .order_by()
            .values_list("pk", "location_key", "updated_at")[: 4 * REMAP_PORTS_AT_MOST]
        )
        if len(rows) == 4 * REMAP_PORTS_AT_MOST:
            return None
        fresh = [(pk, key) for pk, key, at in rows if self.ports_seen.get(pk) != at]
        # The next look-back sees these again. (Past REMAP_PORTS_AT_MOST every dataset is matched: them too.)
        self.ports_seen = {pk: at for pk, _, at in rows}
        return fresh if len(fresh) <= REMAP_PORTS_AT_MOST else None

    def _map_all_datasets(self) -> None:
        self.full_map_at = time.monotonic()
        self.ports_seen = {}
        self.ports = _PortIndex()
        self.port_matches, self.datasets_of_port = {}, defaultdict(list)
        self._map_datasets(None)

    def _map_datasets(self, ids: set[int] | None, *, known: set[int] | None = None) -> None:
        """Match datasets (all, or `ids`) and their symlinks against the output ports. `known`: those of `ids` the
        graph already had; a change of their mapping changes walks the product graph did (it is rebuilt)."""
        if ids is not None:
            for some in chunked(ids):
                self._map_datasets_rows(Dataset.objects.filter(id__in=some).order_by(), some, known or set(), None)
        else:
            whole = every_located_port(PORTS_READ_WHOLE)
            if whole == {}:
                return  # no port has a location: nothing to map
            self._map_datasets_rows(Dataset.objects.order_by(), None, set(), whole)

    def _map_datasets_rows(
        self, datasets, ids: list[int] | None, known: set[int], whole: dict[str, list[FoundPort]] | None
    ) -> None:
        """`whole`: every located port by key, or None to look each batch's keys up."""
        symlinks: dict[int, list[tuple[str, str]]] = defaultdict(list)
        links = DatasetSymlink.objects.order_by()
        links = links if ids is None else links.filter(dataset_id__in=ids)
        for dataset_id, namespace, name in links.values_list("dataset_id", "namespace", "name").iterator():
            symlinks[dataset_id].append((namespace, name))
        rows = datasets.values_list("id", "namespace", "name").iterator(STREAM_CHUNK)
        for batch in chunked(rows, STREAM_CHUNK):
            keyed = [(pk, dataset_keys(namespace, name, symlinks.get(pk, ()))) for pk, namespace, name in batch]
            found = whole if whole is not None else lookup(keys for _, keys in keyed)
            matched: set[int] = set()
            for dataset_id, keys in keyed:
                matches = match(keys, found)
                matched.update(m.port_id for m in matches)
                self._set_matches(dataset_id, matches, known)
            self.ports.add(found, matched)

    def _set_matches(self, dataset_id: int, matches: tuple[PortMatch, ...], known: set[int]) -> None:
        old = self.port_matches.pop(dataset_id, ())
        if old != matches and (old or dataset_id in known):
            self.remapped_datasets.add(dataset_id)
            self.remapped_products.update(self.ports.product_of[m.port_id] for m in old)
        for m in old:
            self.datasets_of_port[m.port_id].remove(dataset_id)
        if matches:
            self.port_matches[dataset_id] = matches
            for m in matches:
                self.datasets_of_port[m.port_id].append(dataset_id)

    def mapped_dense(self) -> list[tuple[int, int]]:
        """(dense index, dataset id) of every mapped dataset in the graph; kept until the graph or ports change."""
        cached = self.memo.get("mapped_dense")
        if cached is None:
            cached = self.memo["mapped_dense"] = [(self.dense[d], d) for d in self.port_matches if d in self.dense]
        return cached  # type: ignore[return-value]

    def products_of(self, dataset_id: int) -> set[int]:
        return {self.ports.product_of[m.port_id] for m in self.port_matches.get(dataset_id, ())}

    def mapped_datasets_of(self, products: set[int]) -> set[int]:
        """The datasets mapped to a port of one of these products."""
        product_of = self.ports.product_of
        return {d for port, ds in self.datasets_of_port.items() if product_of.get(port) in products for d in ds}

    # Analysis ---------------------------------------------------------------------------------------------

    def has(self, node: int) -> bool:
        return node in self.g

    def within(self, node: int, depth: int, *, up: bool, down: bool) -> dict[int, int]:
        """Nodes at most `depth` jobs away (upstream, downstream or both) -> their distance in edges."""
        if node not in self.g:
            return {node: 0}
        # A dataset's jobs are one edge away, their datasets two: `depth` jobs means 2*depth edges. From a job,
        # its own inputs and outputs come with depth 0.
        cutoff = 2 * depth + (1 if node < 0 else 0)
        found: dict[int, int] = {node: 0}
        if down:
            found.update(nx.single_source_shortest_path_length(self.g, node, cutoff=cutoff))
        if up:
            reverse = self.g.reverse(copy=False)
            for other, distance in nx.single_source_shortest_path_length(reverse, node, cutoff=cutoff).items():
                found[other] = min(distance, found.get(other, distance))
        return found

    def edges_among(self, nodes: set[int]) -> list[tuple[int, int]]:
        succ = self.g._succ
        return [(u, v) for u in nodes if u in succ for v in succ[u] if v in nodes]

    def downstream(self, node: int) -> Closure:
        """Every dataset downstream of a dataset or job (the start excluded), breadth-first."""
        if node < 0:
            starts = [self.dense[d] for d in self.g._succ.get(node, ()) if d in self.dense]
        else:
            starts = [self.dense[node]] if node in self.dense else []
        order, seen = self._closure(starts)
        if node > 0 and order:
            order = order[1:]
            seen[starts[0]] = 0
        return Closure(self, order, seen)

    def downstream_datasets(self, node: int) -> list[int]:
        return self.downstream(node).ids()

    def _closure(self, starts: list[int]) -> tuple[list[int], bytearray]:
        seen = bytearray(len(self.dense_ids))
        order: list[int] = []
        for start in starts:
            if not seen[start]:
                seen[start] = 1
                order.append(start)
        down, append = self.down, order.append
        for u in order:  # the list grows while it is walked: a breadth-first queue without popping
            for v in down[u]:
                if not seen[v]:
                    seen[v] = 1
                    append(v)
        return order, seen

    def upstream_datasets(self, node: int) -> list[int]:
        if node not in self.g:
            return []
        return [n for n in nx.ancestors(self.g, node) if n > 0]

    def path(self, source: int, target: int) -> list[int] | None:
        """Shortest directed path from source to target, or None."""
        try:
            return nx.shortest_path(self.g, source, target)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return None

    def column_within(self, fields: list[int], depth: int, *, up: bool, down: bool) -> dict[int, int]:
        found: dict[int, int] = {}
        for start in fields:
            found[start] = 0
            if start not in self.columns:
                continue
            views = ([self.columns] if down else []) + ([self.columns.reverse(copy=False)] if up else [])
            for view in views:
                for other, distance in nx.single_source_shortest_path_length(view, start, cutoff=depth).items():
                    found[other] = min(distance, found.get(other, distance))
        return found

    def column_edges_among(self, nodes: set[int]) -> list[tuple[int, int]]:
        succ = self.columns._succ
        return [(u, v) for u in nodes if u in succ for v in succ[u] if v in nodes]

    def column_downstream(self, fields: list[int]) -> set[int]:
        reached: set[int] = set()
        for start in fields:
            if start in self.columns:
                reached |= nx.descendants(self.columns, start)
        return reached - set(fields)


@dataclass
class Closure:
    """A downstream closure in the graph's dense numbering: counting it or asking which mapped datasets it holds
    costs nothing per dataset in it."""

    graph: LineageGraph
    order: list[int]
    seen: bytearray

    def __len__(self) -> int:
        return len(self.order)

    def ids(self, limit: int | None = None) -> list[int]:
        ids = self.graph.dense_ids
        return [ids[i] for i in (self.order if limit is None else self.order[:limit])]

    def mapped(self) -> list[int]:
        """The datasets in the closure that are mapped to output ports."""
        seen = self.seen
        return [d for index, d in self.graph.mapped_dense() if seen[index]]


_graph = LineageGraph()


def get_graph() -> LineageGraph:
    """This process's graph, brought up to date with the database (one query when nothing changed)."""
    _graph.refresh()
    return _graph


def warm_up_in_background(then: Callable[[LineageGraph], object] | None = None) -> threading.Thread:
    """Build this process's graph in a daemon thread, so the first request a new worker serves does not wait for
    the full build (seconds at 100k datasets). Requests that come before it is done wait on the graph's lock, as
    they would have anyway. `then` runs next in the same thread, with the graph (what is derived from it: the
    product graph). For gunicorn: config.gunicorn."""

    def build() -> None:
        from django.db import connections

        try:
            built = get_graph()
            if then is not None:
                then(built)
        except Exception:  # a database not migrated yet, say: the first request builds it instead
            logger.exception("Building the lineage graph at start failed; the first request will build it.")
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=build, name="lineage-graph-warm-up", daemon=True)
    thread.start()
    return thread
