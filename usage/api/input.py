"""Request bodies of the usage API, checked by hand (a bulk holds up to 10,000 records; this is the hot path).

Types are strict: counts are JSON integers of 0 or more (not "12", not true, not 1.5), compute seconds a number,
cost a number or a decimal string of 0 or more. `day` is an ISO date (a UTC day) or an ISO date-time with a zone
(its UTC day); a date-time without a zone is refused rather than guessed, a day after today (UTC) is refused, and so
is one older than the retention (nothing would keep it). Every record is checked before anything is looked up, and
errors name the record by JSON Pointer (`/records/3/cost`).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from core.errors import FieldError, ValidationFailed, pointer
from usage.bulk import gc_paused
from usage.retention import retention_days
from usage.services import UsageIn

MAX_BULK = 10_000
CURRENCY = re.compile(r"[A-Z]{3}")
MAX_COST = Decimal("999999999999")  # the column holds 12 digits before the point
COUNTS = ("queries", "rows_read", "bytes_read")
SIX_PLACES = Decimal("0.000001")
MAX_COUNT = 2**63 - 1
KNOWN = frozenset({"day", "product", "port", "team", "user", "key", *COUNTS, "compute_seconds", "cost", "currency"})


def _is_int(value: Any) -> bool:
    return type(value) is int


def _day(raw: Any, today: date, oldest: date) -> tuple[date | None, str]:
    """The UTC day, or the message saying why not."""
    if type(raw) is not str:
        return None, "An ISO date (2025-01-31, a UTC day) or a date-time with a zone."
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            if moment.tzinfo is None or moment.utcoffset() is None:
                return None, "Give the time zone (Z or +hh:mm): a time without one is ambiguous."
            day = moment.astimezone(UTC).date()
    except ValueError:
        return None, "Not an ISO date (2025-01-31) or date-time (2025-01-31T09:30:00Z)."
    if day > today:
        return None, f"Lies in the future (today is {today.isoformat()} UTC)."
    if day < oldest:
        return None, f"Older than the {retention_days()} days of usage the portal keeps."
    return day, ""


def _cost(raw: Any) -> tuple[Decimal | None, str]:
    kind = type(raw)
    if kind is not int and kind is not float and kind is not str:
        return None, 'A number of 0 or more (or a decimal string such as "12.50").'
    try:
        value = Decimal(raw.strip()) if kind is str else Decimal(str(raw))
    except InvalidOperation:
        return None, "Not a decimal number."
    if not value.is_finite() or value < 0:
        return None, "A finite number of 0 or more."
    if value > MAX_COST:
        return None, f"At most {MAX_COST}."
    return value.quantize(SIX_PLACES), ""


def _record(data: Any, prefix: tuple[str | int, ...], today: date, oldest: date) -> tuple[UsageIn | None, list]:
    """One record; field paths are built only for the errors (a bulk of 10,000 valid records builds none)."""
    if type(data) is not dict:
        return None, [FieldError(pointer(*prefix), "Each usage record must be a JSON object.")]
    bad: list[tuple[str, str]] = []
    get = data.get
    raw_day = get("day")
    if raw_day is None:
        day, message = None, "Required: the UTC day the usage happened on."
    else:
        day, message = _day(raw_day, today, oldest)
    if message:
        bad.append(("day", message))
    port: Any = get("port")
    product = get("product", "")
    port_is_id = type(port) is int
    if port_is_id and not 0 < port <= MAX_COUNT:
        bad.append(("port", "An output port id is a positive whole number."))
    if not port_is_id:
        if type(port) is str and port.strip():
            if type(product) is not str or not product.strip():
                bad.append(("product", "Name the product (URN or 'domain/slug') when `port` is a port name."))
        else:
            bad.append(("port", "Required: the output port's id, or its name together with `product`."))
    if type(product) is not str:
        bad.append(("product", "A product URN (urn:dataproduct:domain:slug) or 'domain/slug'."))
    team, user = get("team"), get("user")
    if (team is None) == (user is None):
        bad.append(("team", "Name the consumer: a team slug in `team` or a username in `user` (one of the two)."))
    for name, value in (("team", team), ("user", user)):
        if value is not None and (type(value) is not str or not value.strip() or len(value) > 150):
            bad.append((name, "A non-empty string."))
    queries, rows_read, bytes_read = get("queries", 0), get("rows_read", 0), get("bytes_read", 0)
    for name, value in (("queries", queries), ("rows_read", rows_read), ("bytes_read", bytes_read)):
        if type(value) is not int or value < 0 or value > MAX_COUNT:
            bad.append((name, "A whole number of 0 or more."))
    seconds = get("compute_seconds", 0)
    if (type(seconds) is not int and type(seconds) is not float) or not math.isfinite(seconds) or seconds < 0:
        bad.append(("compute_seconds", "A finite number of 0 or more."))
    cost, message = _cost(get("cost", 0))
    if message:
        bad.append(("cost", message))
    currency = get("currency")
    if type(currency) is not str or not CURRENCY.fullmatch(currency):
        bad.append(("currency", "Required: an ISO 4217 code in capitals (EUR, USD, CHF...)."))
    key = get("key", "")
    if type(key) is not str or len(key) > 200:
        bad.append(("key", "A string of at most 200 characters."))
    if bad:
        return None, [FieldError(pointer(*prefix, name), message) for name, message in bad]
    assert day is not None and cost is not None and isinstance(currency, str)
    return (
        UsageIn(
            day=day,
            product=product.strip(),
            port_id=port if port_is_id else None,
            port_name="" if port_is_id else port.strip(),
            team=team.strip() if team is not None else "",
            user=user.strip() if user is not None else "",
            queries=queries,
            rows_read=rows_read,
            bytes_read=bytes_read,
            compute_seconds=float(seconds),
            cost=cost,
            currency=currency,
            key=key.strip(),
            path="/" + "/".join(str(p) for p in prefix) if prefix else "",  # plain names and numbers
        ),
        [],
    )


def parse_usage(data: Any) -> tuple[list[UsageIn], bool]:
    """One record or `{"records": [...]}` (1 to 10,000); answers the records and whether it was a bulk request."""
    today = timezone.now().astimezone(UTC).date()
    oldest = today - timedelta(days=retention_days())
    if isinstance(data, dict) and "records" in data:
        records = data["records"]
        if not isinstance(records, list):
            raise ValidationFailed([FieldError("/records", "A list of usage records.")])
        if not 1 <= len(records) <= MAX_BULK:
            raise ValidationFailed([FieldError("/records", f"Send 1 to {MAX_BULK:,} records per request.")])
        items, errors = [], []
        with gc_paused():
            for index, raw in enumerate(records):
                item, item_errors = _record(raw, ("records", index), today, oldest)
                errors.extend(item_errors)
                if item is not None:
                    items.append(item)
        if errors:
            raise ValidationFailed(errors, message="Some usage records are invalid; none was stored.")
        return items, True
    item, errors = _record(data, (), today, oldest)
    if errors:
        raise ValidationFailed(errors)
    assert item is not None
    return [item], False
