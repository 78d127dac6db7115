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
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
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
MAX_COUNT = 2**63 - 1
KNOWN = frozenset({"day", "product", "port", "team", "user", "key", *COUNTS, "compute_seconds", "cost", "currency"})


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _day(raw: Any, path: str, today: date, oldest: date) -> tuple[date | None, FieldError | None]:
    if not isinstance(raw, str):
        return None, FieldError(path, "An ISO date (2025-01-31, a UTC day) or a date-time with a zone.")
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            if moment.tzinfo is None or moment.utcoffset() is None:
                return None, FieldError(path, "Give the time zone (Z or +hh:mm): a time without one is ambiguous.")
            day = moment.astimezone(dt_timezone.utc).date()
    except ValueError:
        return None, FieldError(path, "Not an ISO date (2025-01-31) or date-time (2025-01-31T09:30:00Z).")
    if day > today:
        return None, FieldError(path, f"Lies in the future (today is {today.isoformat()} UTC).")
    if day < oldest:
        return None, FieldError(path, f"Older than the {retention_days()} days of usage the portal keeps.")
    return day, None


def _cost(raw: Any, path: str) -> tuple[Decimal | None, FieldError | None]:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return None, FieldError(path, "A number of 0 or more (or a decimal string such as \"12.50\").")
    try:
        value = Decimal(raw.strip()) if isinstance(raw, str) else Decimal(str(raw))
    except InvalidOperation:
        return None, FieldError(path, "Not a decimal number.")
    if not value.is_finite() or value < 0:
        return None, FieldError(path, "A finite number of 0 or more.")
    if value > MAX_COST:
        return None, FieldError(path, f"At most {MAX_COST}.")
    return value.quantize(Decimal("0.000001")), None


def _record(data: Any, prefix: tuple[str | int, ...], today: date, oldest: date) -> tuple[UsageIn | None, list]:
    if not isinstance(data, dict):
        return None, [FieldError(pointer(*prefix), "Each usage record must be a JSON object.")]
    errors: list[FieldError] = []

    def bad(name: str, message: str) -> None:
        errors.append(FieldError(pointer(*prefix, name), message))

    day, error = _day(data.get("day"), pointer(*prefix, "day"), today, oldest)
    if "day" not in data:
        error = FieldError(pointer(*prefix, "day"), "Required: the UTC day the usage happened on.")
    if error:
        errors.append(error)
    port = data.get("port")
    product = data.get("product", "")
    if _is_int(port):
        pass
    elif isinstance(port, str) and port.strip():
        if not isinstance(product, str) or not product.strip():
            bad("product", "Name the product (URN or 'domain/slug') when `port` is a port name.")
    else:
        bad("port", "Required: the output port's id, or its name together with `product`.")
    if not isinstance(product, str):
        bad("product", "A product URN (urn:dataproduct:domain:slug) or 'domain/slug'.")
    team, user = data.get("team"), data.get("user")
    if (team is None) == (user is None):
        bad("team", "Name the consumer: a team slug in `team` or a username in `user` (one of the two).")
    for name, value in (("team", team), ("user", user)):
        if value is not None and (not isinstance(value, str) or not value.strip() or len(value) > 150):
            bad(name, "A non-empty string.")
    counts = {}
    for name in COUNTS:
        value = data.get(name, 0)
        if not _is_int(value) or value < 0 or value > MAX_COUNT:
            bad(name, "A whole number of 0 or more.")
        counts[name] = value
    seconds = data.get("compute_seconds", 0)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds) or seconds < 0:
        bad("compute_seconds", "A finite number of 0 or more.")
    cost, error = _cost(data.get("cost", 0), pointer(*prefix, "cost"))
    if error:
        errors.append(error)
    currency = data.get("currency")
    if not isinstance(currency, str) or not CURRENCY.fullmatch(currency):
        bad("currency", "Required: an ISO 4217 code in capitals (EUR, USD, CHF...).")
    key = data.get("key", "")
    if not isinstance(key, str) or len(key) > 200:
        bad("key", "A string of at most 200 characters.")
    if errors:
        return None, errors
    assert day is not None and cost is not None
    return (
        UsageIn(
            day=day,
            product=product.strip(),
            port_id=port if _is_int(port) else None,
            port_name=port.strip() if isinstance(port, str) else "",
            team=team.strip() if isinstance(team, str) else "",
            user=user.strip() if isinstance(user, str) else "",
            queries=counts["queries"],
            rows_read=counts["rows_read"],
            bytes_read=counts["bytes_read"],
            compute_seconds=float(seconds),
            cost=cost,
            currency=currency,
            key=key.strip(),
            path=pointer(*prefix),
        ),
        [],
    )


def parse_usage(data: Any) -> tuple[list[UsageIn], bool]:
    """One record or `{"records": [...]}` (1 to 10,000); answers the records and whether it was a bulk request."""
    today = timezone.now().astimezone(dt_timezone.utc).date()
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
