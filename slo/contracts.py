"""Objectives read out of data contracts' SLA properties (ODCS `slaProperties`, DPDS promises/obligations).

Mapped (property names compared case-insensitively, `x-` and group prefixes already dropped by the catalog):

| property | objective | value |
|---|---|---|
| latency, freshness, dataLatency | freshness | maximum age: value + unit (ODCS units d/day/days, h, m, s, ms, w, y) |
| availability, uptime | availability | minimum ratio: 0.999, or 99.9 with unit % (above 1 reads as a percentage) |
| responseTime, response_time, responsetime | latency | maximum seconds: value + unit (`1s`, `250ms`, `2` + unit `s`) |
| completeness | completeness | minimum ratio, as availability |
| volume, rowCount, row_count | volume | `value` minimum rows, `valueExt` maximum rows (either may be empty) |

Ignored, because they are not objectives the portal can measure: retention (how long data is kept), frequency
(the update schedule; `latency` states the staleness consumers may rely on), timeOfAvailability (a time of day),
generalAvailability, endOfSupport, endOfLife (dates), throughput, errorRate and anything else. A property whose value
cannot be read (no number, unknown unit) is skipped too; `unreadable` in the result says which and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from slo.models import SloKind

SECONDS = {
    "ms": 0.001,
    "millisecond": 0.001,
    "milliseconds": 0.001,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
    "y": 31536000,
    "yr": 31536000,
    "year": 31536000,
    "years": 31536000,
}

FRESHNESS_NAMES = {"latency", "freshness", "datalatency"}
AVAILABILITY_NAMES = {"availability", "uptime"}
RESPONSE_NAMES = {"responsetime", "response_time"}
COMPLETENESS_NAMES = {"completeness"}
VOLUME_NAMES = {"volume", "rowcount", "row_count"}

_NUMBER = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z%]*)\s*$")


@dataclass(frozen=True)
class DerivedObjective:
    kind: str
    label: str  # the property's name as the contract wrote it
    threshold: float | None = None
    min_rows: int | None = None
    max_rows: int | None = None
    element: str = ""
    description: str = ""


def _number(value: str, unit: str) -> tuple[float, str] | None:
    match = _NUMBER.match(value or "")
    if match is None:
        return None
    number, inline_unit = float(match.group(1)), match.group(2)
    return number, (inline_unit or unit or "").strip().lower()


def _seconds(value: str, unit: str) -> float | None:
    parsed = _number(value, unit)
    if parsed is None:
        return None
    number, unit_name = parsed
    factor = SECONDS.get(unit_name or "s")
    return None if factor is None else number * factor


def _ratio(value: str, unit: str) -> float | None:
    parsed = _number(value, unit)
    if parsed is None:
        return None
    number, unit_name = parsed
    if unit_name not in ("", "%", "percent"):
        return None
    ratio = number / 100 if unit_name in ("%", "percent") or number > 1 else number
    return ratio if 0 <= ratio <= 1 else None


def _rows(value: str) -> int | None:
    parsed = _number(value, "")
    return int(parsed[0]) if parsed is not None and parsed[1] in ("", "rows") else None


def derive(name: str, value: str, value_ext: str = "", unit: str = "", element: str = "") -> DerivedObjective | str:
    """The objective an SLA property states, or a reason it gives none."""
    key = name.strip().lower().replace(" ", "")
    described = f"From the contract's SLA property {name} = {value}{(' ' + unit) if unit else ''}."
    if key in FRESHNESS_NAMES:
        seconds = _seconds(value, unit)
        if seconds is None or seconds <= 0:
            return f"{name}: '{value}{unit}' is not a duration"
        return DerivedObjective(SloKind.FRESHNESS, name, threshold=seconds, element=element, description=described)
    if key in RESPONSE_NAMES:
        seconds = _seconds(value, unit)
        if seconds is None or seconds <= 0:
            return f"{name}: '{value}{unit}' is not a duration"
        return DerivedObjective(SloKind.LATENCY, name, threshold=seconds, element=element, description=described)
    if key in AVAILABILITY_NAMES or key in COMPLETENESS_NAMES:
        ratio = _ratio(value, unit)
        if ratio is None:
            return f"{name}: '{value}{unit}' is not a ratio or percentage"
        kind = SloKind.AVAILABILITY if key in AVAILABILITY_NAMES else SloKind.COMPLETENESS
        return DerivedObjective(kind, name, threshold=ratio, element=element, description=described)
    if key in VOLUME_NAMES:
        low = _rows(value) if value else None
        high = _rows(value_ext) if value_ext else None
        if low is None and high is None:
            return f"{name}: '{value}' gives no row count"
        if low is not None and high is not None and low > high:
            return f"{name}: minimum {low} is above maximum {high}"
        return DerivedObjective(
            SloKind.VOLUME, name, min_rows=low, max_rows=high, element=element, description=described
        )
    return f"{name}: not an objective the portal measures"
