"""Writes: usage records in (all or none, idempotent), their rollups, and product milestones.

A record's identity is (day, output port, consumer). Sending it again with the same figures changes nothing
("unchanged"); with other figures it replaces the stored one ("updated": the platform recounted the day). The
monthly and daily rollups are kept by adding each record's change (new minus old), so they never need a rescan and
outlive the pruning of raw records. Writes go table by table with one multi-row upsert each (executemany), which
is what keeps a bulk of 10,000 records to a fraction of a second.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from catalog.models import DataProduct, LifecycleStatus, OutputPort, Team
from core.actors import Actor
from core.errors import ApplicationError, Conflict, FieldError, ValidationFailed
from search.extensions import on_commit_index
from usage.bulk import gc_paused
from usage.models import ProductMilestone, UsageDay, UsageMonth, UsageRecord, UsageSource, consumer_key
from usage.permissions import ensure_can_send_usage

ACTIVE_DAYS = 30
CHUNK = 500  # ids per IN (...) list
SIX_PLACES = Decimal("0.000001")


@dataclass(slots=True)
class UsageIn:
    """One record as sent; `path` is its JSON Pointer ('' for a single record, '/records/3' in a bulk)."""

    day: date
    product: str
    port_id: int | None
    port_name: str
    team: str
    user: str
    queries: int
    rows_read: int
    bytes_read: int
    compute_seconds: float
    cost: Decimal
    currency: str
    key: str = ""
    path: str = ""

    def at(self, name: str) -> str:
        return f"{self.path}/{name}"


@dataclass
class IngestResult:
    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def parse_product_ref(ref: str) -> tuple[str, str] | None:
    """'urn:dataproduct:domain:slug' or 'domain/slug' -> (domain, slug)."""
    text = ref.strip()
    prefix = "urn:dataproduct:"
    parts = text[len(prefix) :].split(":") if text.startswith(prefix) else text.split("/")
    if len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]


def _chunks(values: list) -> list[list]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def _not_found(errors: list[FieldError]) -> ApplicationError:
    return ApplicationError(
        message="Some usage records name ports or consumers the portal does not know; none was stored.",
        status=404,
        code="not-found",
        errors=errors,
    )


def _resolve_ports(items: list[UsageIn]) -> tuple[dict[int, OutputPort], list[FieldError]]:
    """The port of each item by position, locked (two ingests of one port queue up, so rollups add up)."""
    ids = sorted({i.port_id for i in items if i.port_id is not None})
    named: dict[tuple[str, str], set[str]] = defaultdict(set)
    errors: list[FieldError] = []
    refs: dict[int, tuple[str, str]] = {}
    for position, item in enumerate(items):
        if item.port_id is None:
            ref = parse_product_ref(item.product)
            if ref is None:
                errors.append(
                    FieldError(item.at("product"), "A product URN (urn:dataproduct:domain:slug) or 'domain/slug'.")
                )
                continue
            refs[position] = ref
            named[ref].add(item.port_name)
    if errors:
        raise ValidationFailed(errors, message="Some usage records are invalid; none was stored.")
    query = Q(pk__in=ids) if ids else Q(pk__in=[])
    for (domain, slug), names in named.items():
        query |= Q(product__domain__slug=domain, product__slug=slug, name__in=sorted(names))
    ports = list(
        OutputPort.objects.filter(query)
        .select_related("product__domain__parent")
        .order_by("pk")
        .select_for_update(of=("self",))
    )
    by_id = {p.pk: p for p in ports}
    by_name: dict[tuple[str, str, str], OutputPort] = {}
    for p in sorted(ports, key=lambda p: p.version):  # the latest version of a name wins, as elsewhere
        by_name[(p.product.domain.slug, p.product.slug, p.name)] = p
    out: dict[int, OutputPort] = {}
    for position, item in enumerate(items):
        if item.port_id is not None:
            port = by_id.get(item.port_id)
            if port is None:
                errors.append(FieldError(item.at("port"), f"No output port with id {item.port_id}."))
                continue
        else:
            domain, slug = refs[position]
            port = by_name.get((domain, slug, item.port_name))
            if port is None:
                errors.append(
                    FieldError(
                        item.at("port"),
                        f"Product '{domain}/{slug}' has no output port '{item.port_name}' (or no such product).",
                    )
                )
                continue
        out[position] = port
    return out, errors


def _resolve_consumers(items: list[UsageIn]) -> tuple[dict[str, int], dict[str, int], list[FieldError]]:
    slugs = sorted({i.team for i in items if i.team})
    names = sorted({i.user for i in items if i.user})
    teams: dict[str, int] = {}
    for chunk in _chunks(slugs):
        teams.update(Team.objects.filter(slug__in=chunk).values_list("slug", "pk"))
    users: dict[str, int] = {}
    model = get_user_model()
    for chunk in _chunks(names):
        users.update(
            model.objects.filter(**{f"{model.USERNAME_FIELD}__in": chunk}).values_list(model.USERNAME_FIELD, "pk")
        )
    errors = []
    for item in items:
        if item.team and item.team not in teams:
            errors.append(FieldError(item.at("team"), f"No team '{item.team}'."))
        elif item.user and item.user not in users:
            errors.append(FieldError(item.at("user"), f"No user '{item.user}'."))
    return teams, users, errors


_FIGURES = ("queries", "rows_read", "bytes_read", "compute_seconds", "cost", "currency")


@dataclass(slots=True)
class _Row:
    day: date
    port_id: int
    product_id: int
    team_id: int | None
    user_id: int | None
    consumer: str
    key: str
    queries: int
    rows_read: int
    bytes_read: int
    compute_seconds: float
    cost: Decimal
    currency: str

    def figures(self) -> tuple:
        return (self.queries, self.rows_read, self.bytes_read, round(self.compute_seconds, 6), self.cost, self.currency)


def usage_record(*, actor: Actor | None, items: list[UsageIn], source: str = UsageSource.API) -> IngestResult:
    """Store usage records, all or none. Unknown ports, teams and users answer 404 naming every one of them; a
    record twice in one request, or a key already used for another record, is refused (400, 409).
    `actor=None` is the portal itself (demo data, imports): no permission check."""
    result = IngestResult(received=len(items))
    if not items:
        return result
    with gc_paused(), transaction.atomic():
        ports, errors = _resolve_ports(items)
        teams, users, consumer_errors = _resolve_consumers(items)
        errors += consumer_errors
        if errors:
            errors.sort(key=lambda e: [int(p) if p.isdigit() else p for p in e.path.split("/")])
            raise _not_found(errors)
        checked: set[int] = set()
        for port in ports.values():
            if actor is not None and port.product_id not in checked:
                ensure_can_send_usage(actor, port.product)
                checked.add(port.product_id)
        rows = _rows(items, ports, teams, users)
        _store(rows, items, source, result)
    return result


def _rows(items, ports, teams, users) -> list[_Row]:
    rows: list[_Row] = []
    seen: dict[tuple, str] = {}
    keys: dict[str, tuple] = {}
    errors = []
    for position, item in enumerate(items):
        port = ports[position]
        team_id = teams[item.team] if item.team else None
        user_id = users[item.user] if item.user else None
        row = _Row(
            day=item.day,
            port_id=port.pk,
            product_id=port.product_id,
            team_id=team_id,
            user_id=user_id,
            consumer=consumer_key(team_id, user_id),
            key=item.key,
            queries=item.queries,
            rows_read=item.rows_read,
            bytes_read=item.bytes_read,
            compute_seconds=item.compute_seconds,
            cost=item.cost,
            currency=item.currency,
        )
        natural = (row.day, row.port_id, row.consumer)
        if natural in seen:
            errors.append(
                FieldError(
                    item.path or "/",
                    f"The same day, port and consumer as {seen[natural] or '/'}: send one record for each.",
                )
            )
        seen.setdefault(natural, item.path)
        if row.key:
            if row.key in keys and keys[row.key] != natural:
                errors.append(FieldError(item.at("key"), "This key is used by another record of the request."))
            keys.setdefault(row.key, natural)
        rows.append(row)
    if errors:
        raise ValidationFailed(errors, message="Some usage records repeat each other; none was stored.")
    return rows


def _existing(rows: list[_Row]) -> dict[tuple, _Row]:
    """The stored records with the same (day, port, consumer) as the ones sent. Read with the queryset's SQL but
    without the ORM's per-value converters (a third of a bulk's time at 1M records): SQLite answers days as text
    and costs as numbers, normalised here to what the rows sent carry."""
    ports = sorted({r.port_id for r in rows})
    days = sorted({r.day for r in rows})
    wanted = {(r.day, r.port_id, r.consumer) for r in rows}
    found: dict[tuple, _Row] = {}
    parse_day = date.fromisoformat
    for chunk in _chunks(ports):
        query = UsageRecord.objects.filter(port_id__in=chunk, day__in=days).values_list(
            "day", "port_id", "product_id", "team_id", "user_id", "consumer", "key", *_FIGURES
        )
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for day, port_id, product_id, team_id, user_id, consumer, key, q, r, b, sec, cost, cur in cursor:
                day = day if isinstance(day, date) else parse_day(day)
                natural = (day, port_id, consumer)
                if natural in wanted:
                    amount = cost if isinstance(cost, Decimal) else Decimal(str(cost))
                    found[natural] = _Row(
                        day, port_id, product_id, team_id, user_id, consumer, key, q, r, b, float(sec),
                        amount.quantize(SIX_PLACES), cur,
                    )  # fmt: skip
    return found


def _key_conflicts(rows: list[_Row], items: list[UsageIn]) -> None:
    keyed = {r.key: (r.day, r.port_id, r.consumer) for r in rows if r.key}
    if not keyed:
        return
    path_of = {r.key: items[i].at("key") for i, r in enumerate(rows) if r.key}
    for chunk in _chunks(sorted(keyed)):
        for key, day, port_id, consumer in UsageRecord.objects.filter(key__in=chunk).values_list(
            "key", "day", "port_id", "consumer"
        ):
            if (day, port_id, consumer) != keyed[key]:
                raise Conflict(
                    f"Key '{key}' was already used for the record of {day.isoformat()}, port {port_id}, consumer "
                    f"{consumer}; use a new key for another record.",
                    path=path_of[key],
                )


def _store(rows: list[_Row], items: list[UsageIn], source: str, result: IngestResult) -> None:
    _key_conflicts(rows, items)
    existing = _existing(rows)
    before_active = _recent_pairs({r.product_id for r in rows})
    now = timezone.now()
    writes: list[tuple[_Row, _Row | None]] = []
    for row in rows:
        old = existing.get((row.day, row.port_id, row.consumer))
        if old is not None and old.figures() == row.figures() and (not row.key or row.key == old.key):
            result.unchanged += 1
            continue
        if old is None:
            result.created += 1
        else:
            result.updated += 1
            row.key = row.key or old.key
        writes.append((row, old))
    if not writes:
        return
    _upsert_records([w for w, _ in writes], source, now)
    _add_to_rollups(writes)
    today = now.date()
    after = {(r.product_id, r.consumer) for r, _ in writes if r.day > today - timedelta(days=ACTIVE_DAYS)}
    changed = {pid for pid, _ in after - before_active}
    if changed:
        # Search ranks by consumers, and a new active consumer is one more (usage.receivers.product_enricher).
        on_commit_index("product", sorted(changed))


def _recent_pairs(product_ids: set[int]) -> set[tuple[int, str]]:
    """(product, consumer) pairs with usage this month or last (from the monthly rollup: a covering index read,
    where the raw records would need every row of 30 days). A consumer returning after more than a month away is
    taken as already known: the hourly health refresh re-indexes the product once its health moves."""
    this_month = timezone.now().date().replace(day=1)
    months = [this_month, (this_month - timedelta(days=1)).replace(day=1)]
    out: set[tuple[int, str]] = set()
    for chunk in _chunks(sorted(product_ids)):
        out |= set(
            UsageMonth.objects.filter(month__in=months, product_id__in=chunk).values_list("product_id", "consumer")
        )
    return out


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _upsert_records(rows: list[_Row], source: str, now: datetime) -> None:
    ops = connection.ops
    table = _q(UsageRecord._meta.db_table)
    columns = [
        "day",
        "port_id",
        "product_id",
        "team_id",
        "user_id",
        "consumer",
        "key",
        "source",
        "received_at",
        "queries",
        "rows_read",
        "bytes_read",
        "compute_seconds",
        "cost",
        "currency",
    ]
    updated = [
        "key",
        "source",
        "received_at",
        "queries",
        "rows_read",
        "bytes_read",
        "compute_seconds",
        "cost",
        "currency",
    ]
    # Table and column names come from the models, quoted by the backend; values go as parameters.
    sql = (
        f"INSERT INTO {table} ({', '.join(_q(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "  # noqa: S608
        f"ON CONFLICT ({_q('day')}, {_q('port_id')}, {_q('consumer')}) DO UPDATE SET "
        + ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in updated)
    )
    at = ops.adapt_datetimefield_value(now)
    params = [
        (
            ops.adapt_datefield_value(r.day),
            r.port_id,
            r.product_id,
            r.team_id,
            r.user_id,
            r.consumer,
            r.key,
            source,
            at,
            r.queries,
            r.rows_read,
            r.bytes_read,
            r.compute_seconds,
            ops.adapt_decimalfield_value(r.cost, 18, 6),
            r.currency,
        )
        for r in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


_SUMMED = ("queries", "rows_read", "bytes_read", "compute_seconds", "cost")


def _add_to_rollups(writes: list[tuple[_Row, _Row | None]]) -> None:
    """Add (new - old) of every written record to its month and day rows."""
    months: dict[tuple, list] = {}
    days: dict[tuple, list] = {}

    def add(row: _Row, sign: int) -> None:
        key = (row.day.replace(day=1), row.product_id, row.consumer, row.currency)
        m = months.get(key)
        if m is None:
            m = months[key] = [row.team_id, row.user_id, 0, 0, 0, 0.0, Decimal(0), 0]
        d = days.get((row.day, row.product_id, row.currency))
        if d is None:
            d = days[(row.day, row.product_id, row.currency)] = [0, 0, 0, 0.0, Decimal(0), 0]
        queries, rows_read, bytes_read = sign * row.queries, sign * row.rows_read, sign * row.bytes_read
        seconds, cost = sign * row.compute_seconds, row.cost if sign > 0 else -row.cost
        m[2] += queries
        m[3] += rows_read
        m[4] += bytes_read
        m[5] += seconds
        m[6] += cost
        m[7] += sign
        d[0] += queries
        d[1] += rows_read
        d[2] += bytes_read
        d[3] += seconds
        d[4] += cost
        d[5] += sign

    for new, old in writes:
        add(new, 1)
        if old is not None:
            add(old, -1)
    ops = connection.ops

    def increments(table: str, conflict: list[str], columns: list[str], counter: str) -> str:
        summed = [*_SUMMED, counter]
        names = [*columns, *summed]
        # Names from the models, quoted by the backend; values as parameters.
        return (
            f"INSERT INTO {table} ({', '.join(_q(c) for c in names)}) VALUES ({', '.join(['%s'] * len(names))}) "  # noqa: S608
            f"ON CONFLICT ({', '.join(_q(c) for c in conflict)}) DO UPDATE SET "
            + ", ".join(f"{_q(c)} = {table}.{_q(c)} + excluded.{_q(c)}" for c in summed)
        )

    month_table = _q(UsageMonth._meta.db_table)
    day_table = _q(UsageDay._meta.db_table)
    month_sql = increments(
        month_table,
        ["month", "product_id", "consumer", "currency"],
        ["month", "product_id", "consumer", "currency", "team_id", "user_id"],
        "days",
    )
    day_sql = increments(day_table, ["product_id", "day", "currency"], ["day", "product_id", "currency"], "records")
    month_params = [
        (
            ops.adapt_datefield_value(k[0]),
            k[1],
            k[2],
            k[3],
            v[0],
            v[1],
            v[2],
            v[3],
            v[4],
            v[5],
            ops.adapt_decimalfield_value(v[6], 18, 6),
            v[7],
        )
        for k, v in sorted(months.items())
    ]
    day_params = [
        (
            ops.adapt_datefield_value(k[0]),
            k[1],
            k[2],
            v[0],
            v[1],
            v[2],
            v[3],
            ops.adapt_decimalfield_value(v[4], 18, 6),
            v[5],
        )
        for k, v in sorted(days.items())
    ]
    with connection.cursor() as cursor:
        cursor.executemany(month_sql, month_params)
        cursor.executemany(day_sql, day_params)


# Milestones -------------------------------------------------------------------------------------------------


def milestones_record(*, product_ids: list[int], at: datetime | None = None) -> int:
    """Note when products were first seen published (after a product write; the catalog keeps no lifecycle
    history). A product's draft began when it was created; a product created published took no time. Answers how
    many milestones were new."""
    now = at or timezone.now()
    done = 0
    for chunk in _chunks(sorted(set(product_ids))):
        with transaction.atomic():
            products = list(DataProduct.objects.filter(pk__in=chunk).values_list("pk", "status", "created_at"))
            known = {
                m.pk: m
                for m in ProductMilestone.objects.filter(product_id__in=chunk).select_for_update().order_by("pk")
            }
            new, published = [], []
            for pk, status, created_at in products:
                is_published = status != LifecycleStatus.DRAFT
                milestone = known.get(pk)
                if milestone is None:
                    new.append(
                        ProductMilestone(
                            product_id=pk, drafted_at=created_at, published_at=now if is_published else None
                        )
                    )
                elif milestone.published_at is None and is_published:
                    milestone.published_at = now
                    published.append(milestone)
            ProductMilestone.objects.bulk_create(new, ignore_conflicts=True)
            ProductMilestone.objects.bulk_update(published, ["published_at"])
            done += len(new) + len(published)
    return done


def milestones_set_history(*, rows: list[tuple[int, datetime, datetime | None]]) -> int:
    """Demo and imports: (product id, drafted at, published at) as they were, replacing what was recorded."""
    with transaction.atomic():
        ProductMilestone.objects.bulk_create(
            [ProductMilestone(product_id=pk, drafted_at=d, published_at=p) for pk, d, p in rows],
            update_conflicts=True,
            unique_fields=["product"],
            update_fields=["drafted_at", "published_at", "estimated"],
        )
    return len(rows)
