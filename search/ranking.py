"""How results are ordered: first by where the words matched, then by quality signals.

    score = TIER[where the query matched] x static_rank
    static_rank = quality x lifecycle factor
    quality = 1 + rating_weight x (rating_score - 0.5) + consumers_weight x consumer_score
                + slo_weight x (slo_score - 0.5)

Tiers are ten times apart and quality stays within [1 - (rating+slo)/2, 1 + rating/2 + consumers + slo/2]
(0.7 to 1.6 with the default weights), so signals reorder results within a tier and never across one: an
exact name match always beats a product that only mentions the words in its description. Every signal is
neutral when unknown (an unrated product scores 0.5 on rating, no consumers score 0, unknown SLO health 0.5).
The lifecycle factor demotes deprecated and draft products within their tier; retired ones are hidden unless
a query asks for them by `status=retired`.

The embedded backends store static_rank per document (so that the best matches of a common word can be read
off an index instead of sorting them all): after changing weights, run `manage.py search_reindex`.
Elasticsearch computes the same formula at query time in a function_score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.conf import settings

TIER_EXACT = 1000.0  # the name is the query
TIER_PREFIX = 100.0  # the name starts with the query
TIER_NAME = 10.0  # every query word is in the name
TIER_SHORT = 1.0  # ... in the name, tags, port and field names, domain, team, glossary terms
TIER_LONG = 0.1  # ... somewhere, descriptions included

SLO_SCORES = {"healthy": 1.0, "unknown": 0.5, "at_risk": 0.25, "breached": 0.0}


@dataclass(frozen=True)
class Weights:
    rating: float = 0.4
    consumers: float = 0.3
    slo: float = 0.2
    # consumers at which the consumer signal is full; it grows with log(1 + consumers) up to there
    consumers_saturation: int = 100
    # Bayesian average: `prior_weight` imaginary ratings of `prior_mean` stars pull few ratings to the middle
    rating_prior_mean: float = 3.0
    rating_prior_weight: float = 5.0
    status: dict[str, float] = field(
        default_factory=lambda: {"published": 1.0, "draft": 0.9, "deprecated": 0.5, "retired": 0.2}
    )

    @classmethod
    def from_settings(cls) -> Weights:
        raw = dict(getattr(settings, "SEARCH_RANKING", {}) or {})
        defaults = cls()
        status = {**defaults.status, **raw.pop("status", {})}
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        return cls(**{**known, "status": status})


def bayesian_average(ratings_sum: float, ratings_count: int, weights: Weights | None = None) -> float:
    """The rating to rank by: few ratings stay near the prior, many converge on their own mean."""
    w = weights or Weights.from_settings()
    if ratings_count <= 0:
        return 0.0
    return (w.rating_prior_mean * w.rating_prior_weight + ratings_sum) / (w.rating_prior_weight + ratings_count)


def rating_score(rating: float, rating_count: int) -> float:
    """1-5 stars to 0-1; unrated is neutral."""
    if rating_count <= 0 or rating <= 0:
        return 0.5
    return min(1.0, max(0.0, (rating - 1.0) / 4.0))


def consumer_score(consumers: int, weights: Weights) -> float:
    if consumers <= 0:
        return 0.0
    return min(1.0, math.log1p(consumers) / math.log1p(max(1, weights.consumers_saturation)))


def quality(rating: float, rating_count: int, consumers: int, slo_health: str, weights: Weights) -> float:
    return (
        1.0
        + weights.rating * (rating_score(rating, rating_count) - 0.5)
        + weights.consumers * consumer_score(consumers, weights)
        + weights.slo * (SLO_SCORES.get(slo_health, 0.5) - 0.5)
    )


def static_rank(
    *, rating: float, rating_count: int, consumers: int, slo_health: str, status: str, weights: Weights | None = None
) -> float:
    w = weights or Weights.from_settings()
    return quality(rating, rating_count, consumers, slo_health, w) * w.status.get(status, 1.0)


def rating_band(rating: float, rating_count: int) -> str:
    if rating_count <= 0:
        return "unrated"
    if rating >= 4.0:
        return "4_plus"
    if rating >= 3.0:
        return "3_to_4"
    return "below_3"
