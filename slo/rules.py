"""What a value means for an objective, and the objective's state over time: pure functions, no database.

State of one value:
- upper bounds (freshness age, latency, custom `lte`): breached above the threshold, at risk above
  threshold * (1 - margin);
- lower-bound ratios (completeness, availability): breached below the minimum, at risk below
  minimum + margin * (1 - minimum), i.e. when less than `margin` of the error budget is left;
- custom `gte`: breached below the threshold, at risk below threshold + margin * |threshold|;
- volume: breached outside [min_rows, max_rows], at risk within margin * bound of either bound.

Timeline: each measurement holds from its time until the next one. A freshness measurement is the data's age
at `measured_at`, and the age grows with the clock afterwards, so a freshness objective moves to at risk and then
breached at the exact moment the age crosses each line, without any new measurement. Any other value goes stale
after `stale_after`: the objective has no data from then until the next measurement.

Compliance over a window = the time within the window the objective was met or at risk, divided by the time it
had a known state (met, at risk or breached). Time without data counts neither way; no known time at all gives
None. Evaluation keeps these two durations per UTC day (`per_day`, stored as SloDay rows), so a window is a sum of
days plus today so far.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from slo.models import SloKind, SloState

UPPER_BOUND_KINDS = {SloKind.FRESHNESS, SloKind.LATENCY}
RATIO_KINDS = {SloKind.COMPLETENESS, SloKind.AVAILABILITY}


@dataclass(frozen=True)
class Objective:
    """The parts of an objective its state depends on (a model row, a form, a test may give them)."""

    kind: str
    threshold: float | None = None
    min_rows: int | None = None
    max_rows: int | None = None
    comparator: str = ""
    risk_margin: float = 0.1

    @classmethod
    def of(cls, slo) -> Objective:
        return cls(slo.kind, slo.threshold, slo.min_rows, slo.max_rows, slo.comparator, slo.risk_margin)

    @property
    def is_upper_bound(self) -> bool:
        return self.kind in UPPER_BOUND_KINDS or (self.kind == SloKind.CUSTOM and self.comparator == "lte")


def value_state(objective: Objective, value: float) -> str:
    margin = objective.risk_margin
    if objective.kind == SloKind.VOLUME:
        low, high = objective.min_rows, objective.max_rows
        if (low is not None and value < low) or (high is not None and value > high):
            return SloState.BREACHED
        if (low is not None and value < low + margin * abs(low)) or (
            high is not None and value > high - margin * abs(high)
        ):
            return SloState.AT_RISK
        return SloState.MET
    threshold = objective.threshold if objective.threshold is not None else 0.0
    if objective.is_upper_bound:
        if value > threshold:
            return SloState.BREACHED
        return SloState.AT_RISK if value > threshold * (1 - margin) else SloState.MET
    if value < threshold:
        return SloState.BREACHED
    headroom = (1 - threshold) if objective.kind in RATIO_KINDS else abs(threshold)
    return SloState.AT_RISK if value < threshold + margin * headroom else SloState.MET


def badness(objective: Objective, value: float) -> float:
    """Larger is worse: used to keep an incident's worst value."""
    if objective.kind == SloKind.VOLUME:
        low, high = objective.min_rows, objective.max_rows
        below = (low - value) if low is not None else float("-inf")
        above = (value - high) if high is not None else float("-inf")
        return max(below, above)
    return value if objective.is_upper_bound else -value


@dataclass(frozen=True)
class Segment:
    start: datetime
    end: datetime
    state: str
    value: float | None  # the value at the segment's start (freshness: the age then)


def timeline(
    objective: Objective,
    points: Sequence[tuple[datetime, float]],
    *,
    start: datetime,
    now: datetime,
    stale_after: timedelta,
) -> list[Segment]:
    """Segments covering [start, now] in time order; `points` are (measured_at, value), any order.

    Give the last point before `start` too, so the window opens with the state it was in.
    """
    ordered = sorted(p for p in points if p[0] <= now)
    segments: list[Segment] = []

    def add(a: datetime, b: datetime, state: str, value: float | None) -> None:
        a, b = max(a, start), min(b, now)
        if b <= a:
            return
        if segments and segments[-1].state == state and segments[-1].end == a:
            segments[-1] = Segment(segments[-1].start, b, state, segments[-1].value)
        else:
            segments.append(Segment(a, b, state, value))

    first_time = ordered[0][0] if ordered else now
    add(start, first_time, SloState.NO_DATA, None)
    for index, (at, value) in enumerate(ordered):
        until = ordered[index + 1][0] if index + 1 < len(ordered) else now
        if until <= start:
            continue
        if objective.kind == SloKind.FRESHNESS:
            _freshness_segments(objective, at, value, until, add)
        else:
            stale = at + stale_after
            add(at, min(until, stale), value_state(objective, value), value)
            if stale < until:
                add(stale, until, SloState.NO_DATA, None)
    if not segments:
        segments.append(Segment(start, now, SloState.NO_DATA, None))
    return segments


def _freshness_segments(objective: Objective, at: datetime, age: float, until: datetime, add) -> None:
    threshold = objective.threshold or 0.0
    risk_line = threshold * (1 - objective.risk_margin)
    # Moments the growing age crosses the risk line and the threshold.
    risk_at = at + timedelta(seconds=max(risk_line - age, 0))
    breach_at = at + timedelta(seconds=max(threshold - age, 0))
    if age > threshold:
        add(at, until, SloState.BREACHED, age)
        return
    if age > risk_line:
        add(at, min(breach_at, until), SloState.AT_RISK, age)
    else:
        add(at, min(risk_at, until), SloState.MET, age)
        if risk_at < until:
            add(risk_at, min(breach_at, until), SloState.AT_RISK, risk_line)
    if breach_at < until:
        add(breach_at, until, SloState.BREACHED, threshold)


def compliance(segments: Sequence[Segment], *, since: datetime) -> float | None:
    good = known = 0.0
    for segment in segments:
        if segment.end <= since:
            continue
        seconds = (segment.end - max(segment.start, since)).total_seconds()
        if segment.state == SloState.NO_DATA:
            continue
        known += seconds
        if segment.state != SloState.BREACHED:
            good += seconds
    return good / known if known > 0 else None


def day_start(moment: datetime) -> datetime:
    """Midnight UTC of the moment's day: rollups and compliance windows are whole UTC days."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def per_day(segments: Sequence[Segment]) -> dict[date, tuple[float, float]]:
    """(good seconds, known seconds) per UTC day the segments cover; good = met or at risk, known = any state but
    no data. Days without known time are left out."""
    out: dict[date, list[float]] = {}
    for segment in segments:
        if segment.state == SloState.NO_DATA:
            continue
        a = segment.start
        while a < segment.end:
            b = min(day_start(a) + timedelta(days=1), segment.end)
            seconds = (b - a).total_seconds()
            totals = out.setdefault(day_start(a).date(), [0.0, 0.0])
            totals[1] += seconds
            if segment.state != SloState.BREACHED:
                totals[0] += seconds
            a = b
    return {day: (min(good, known), known) for day, (good, known) in out.items()}


def current_value(objective: Objective, last: tuple[datetime, float] | None, now: datetime) -> float | None:
    """The value the current state is judged on: for freshness, the age of the data now."""
    if last is None:
        return None
    at, value = last
    if objective.kind == SloKind.FRESHNESS:
        return value + max((now - at).total_seconds(), 0)
    return value


def state_now(
    objective: Objective, last: tuple[datetime, float] | None, now: datetime, *, stale_after: timedelta
) -> str:
    """The state at `now` from the latest measurement (a measurement taken this instant counts already)."""
    if last is None:
        return SloState.NO_DATA
    at, value = last
    if objective.kind == SloKind.FRESHNESS:
        return value_state(objective, current_value(objective, last, now) or 0.0)
    if now - at >= stale_after:
        return SloState.NO_DATA
    return value_state(objective, value)
