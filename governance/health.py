"""The product health score: one number (0-100) for "does this product keep its promises and is it used".

    health = 100 x sum(weight_i x part_i) / sum(weight_i)   over the parts that are known

    part slo        = SLO compliance over 30 days (0..1); unknown without SLOs or measurements
    part governance = governance score / 100; unknown for products the policies do not apply to (not published)
    part rating     = (Bayesian average stars - 1) / 4; unknown while nobody has rated the product
    part consumers  = log(1 + consumers) / log(1 + saturation), capped at 1; zero consumers is a known 0
    part usage      = mean of log(1 + active consumers) / log(1 + usage_consumers_saturation) and
                      log(1 + queries) / log(1 + usage_queries_saturation), each capped at 1, over the last 30 days
                      of reported usage (usage app); unknown for a product no usage was ever reported for, a known
                      0 for one that was used before but not in the last 30 days

A part whose input app is not installed, or which is unknown for the product, is left out and its weight is
spread over the others (the sum of the weights present divides). With no part known the health is None
("not enough data"), never a made-up number. Weights and saturation: settings.GOVERNANCE_HEALTH.
docs/governance.md explains the formula for people; keep both in step.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TypedDict

from django.conf import settings

from access.selectors import consumer_counts
from governance.models import ProductScore
from ratings.selectors import rating_summaries
from slo.selectors import slo_summaries
from usage.selectors import usage_signals

PARTS = ("slo", "governance", "rating", "consumers", "usage")
PART_LABELS = {
    "slo": "SLO compliance (30 days)",
    "governance": "Governance score",
    "rating": "Consumer rating",
    "consumers": "Consumers",
    "usage": "Usage (30 days)",
}


class _Config(TypedDict):
    """The shape of settings.GOVERNANCE_HEALTH (any part of it may be left out there)."""

    weights: dict[str, float]
    consumers_saturation: int
    usage_consumers_saturation: int
    usage_queries_saturation: int
    bands: dict[str, float]


DEFAULTS: _Config = {
    "weights": {"slo": 0.35, "governance": 0.30, "rating": 0.20, "consumers": 0.15, "usage": 0.15},
    "consumers_saturation": 25,
    "usage_consumers_saturation": 10,
    "usage_queries_saturation": 10_000,
    "bands": {"good": 80, "fair": 60},
}


def config() -> dict:
    raw = dict(getattr(settings, "GOVERNANCE_HEALTH", {}) or {})
    weights = {**DEFAULTS["weights"], **raw.get("weights", {})}
    bands = {**DEFAULTS["bands"], **raw.get("bands", {})}
    return {
        "weights": weights,
        "consumers_saturation": int(raw.get("consumers_saturation", DEFAULTS["consumers_saturation"])),
        "usage_consumers_saturation": int(
            raw.get("usage_consumers_saturation", DEFAULTS["usage_consumers_saturation"])
        ),
        "usage_queries_saturation": int(raw.get("usage_queries_saturation", DEFAULTS["usage_queries_saturation"])),
        "bands": bands,
    }


@dataclass
class Inputs:
    """The raw figures a health score is made of; None = unknown."""

    slo_compliance: float | None = None  # 0..1
    slo_state: str = "none"
    governance: float | None = None  # 0..100
    rating_average: float | None = None  # Bayesian, stars
    rating_count: int = 0
    consumers: int | None = None
    active_consumers: int | None = None  # with usage in the last 30 days; None: no usage ever reported
    queries_30d: int = 0
    last_used: date | None = None  # the last day with reported usage (for the retirement-candidate policy)


@dataclass
class Health:
    score: float | None  # 0..100, None when nothing is known
    parts: dict[str, float | None]  # 0..1 per part, None when unknown
    weights: dict[str, float]  # the weights that counted (unknown parts have none)
    inputs: Inputs = field(default_factory=Inputs)

    @property
    def band(self) -> str:
        return band_of(self.score)

    @property
    def band_label(self) -> str:
        return {"good": "Good", "fair": "Fair", "poor": "Poor", "unknown": "Not enough data"}[self.band]

    def breakdown(self) -> list[dict]:
        """Per part: label, value (0..1 or None), weight share (0..1 of the score, 0 when unknown)."""
        total = sum(self.weights.values())
        return [
            {
                "part": name,
                "label": PART_LABELS[name],
                "value": (value := self.parts[name]),
                "percent": None if value is None else round(value * 100),
                "share": (self.weights.get(name, 0.0) / total) if total else 0.0,
            }
            for name in PARTS
        ]


def shown(score: float) -> int:
    """The score as pages show it: a whole number, halves rounded up (as the templates' floatformat:0 does)."""
    return int(Decimal(str(score)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def band_of(score: float | None, bands: dict | None = None) -> str:
    """good / fair / poor by the configured thresholds; unknown without a score (also the search facet's values).

    The band is that of the score as shown: 59.6 reads "60" and is fair with the default bands, so that two
    badges saying the same number never differ in colour."""
    if score is None:
        return "unknown"
    bands = bands or config()["bands"]
    value = shown(score)
    if value >= bands["good"]:
        return "good"
    if value >= bands["fair"]:
        return "fair"
    return "poor"


def consumer_part(consumers: int, saturation: int) -> float:
    if consumers <= 0:
        return 0.0
    return min(1.0, math.log1p(consumers) / math.log1p(max(1, saturation)))


def usage_part(active_consumers: int, queries: int, cfg: dict) -> float:
    consumers = consumer_part(active_consumers, cfg["usage_consumers_saturation"])
    volume = (
        0.0 if queries <= 0 else min(1.0, math.log1p(queries) / math.log1p(max(1, cfg["usage_queries_saturation"])))
    )
    return (consumers + volume) / 2


def compute(inputs: Inputs, cfg: dict | None = None) -> Health:
    """The formula, on figures already read: used for products and for domain aggregates alike."""
    cfg = cfg or config()
    parts: dict[str, float | None] = {
        "slo": None if inputs.slo_compliance is None else max(0.0, min(1.0, inputs.slo_compliance)),
        "governance": None if inputs.governance is None else max(0.0, min(1.0, inputs.governance / 100.0)),
        "rating": (
            None
            if not inputs.rating_count or inputs.rating_average is None
            else max(0.0, min(1.0, (inputs.rating_average - 1.0) / 4.0))
        ),
        "consumers": None if inputs.consumers is None else consumer_part(inputs.consumers, cfg["consumers_saturation"]),
        "usage": (
            None if inputs.active_consumers is None else usage_part(inputs.active_consumers, inputs.queries_30d, cfg)
        ),
    }
    known = {name: value for name, value in parts.items() if value is not None}
    weights = {name: float(cfg["weights"].get(name, 0.0)) for name in known}
    total = sum(weights.values())
    if total <= 0:
        return Health(score=None, parts=parts, weights={}, inputs=inputs)
    score = 100.0 * sum(weights[name] * known[name] for name in weights) / total
    return Health(score=round(score, 1), parts=parts, weights=weights, inputs=inputs)


def gather_inputs(product_ids: Iterable[int], *, governance: bool = True) -> dict[int, Inputs]:
    """The five inputs for many products: one call to each input app, batched, plus one query for governance.
    `governance=False` skips that query and leaves the part for the caller, which has the scores at hand."""
    ids = sorted(set(product_ids))
    out = {pid: Inputs() for pid in ids}
    if not ids:
        return out
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        if governance:
            for pid, score in ProductScore.objects.filter(product_id__in=chunk).values_list("product_id", "score"):
                out[pid].governance = score
        for pid, slo_summary in slo_summaries(chunk).items():
            if pid in out:
                out[pid].slo_compliance = slo_summary.compliance_30d
                out[pid].slo_state = slo_summary.state
        for pid, rating_summary in rating_summaries(chunk).items():
            if pid in out and rating_summary.count:
                out[pid].rating_average = rating_summary.average
                out[pid].rating_count = rating_summary.count
        counts = consumer_counts(chunk)
        for pid in chunk:
            out[pid].consumers = int(counts.get(pid, 0))
        for pid, signal in usage_signals(chunk).items():
            if pid in out:
                out[pid].active_consumers = signal.active_consumers
                out[pid].queries_30d = signal.queries_30d
                out[pid].last_used = signal.last_used
    return out


def product_health(product_ids: Iterable[int]) -> dict[int, Health]:
    """Health of each product, read live from the input apps (for product pages, the API and other apps)."""
    cfg = config()
    return {pid: compute(inputs, cfg) for pid, inputs in gather_inputs(product_ids).items()}
