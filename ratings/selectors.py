"""Reads of ratings: per-product summaries, trends, the domain scorecard, the mesh-wide view, the producers'
feedback inbox, and what search ranks by. Every aggregate counts visible ratings only (hidden ones are out).

Others rely on `rating_summaries(product_ids)` and `domain_rating_summary(domain)` (the governance and health
pages); keep their shapes stable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Avg, Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from catalog import counts as product_counts
from catalog.models import DataProduct, Domain, LifecycleStatus, TeamRole
from catalog.permissions import domain_team_ids
from core import per_request
from core.actors import Actor
from ratings.models import DIMENSIONS, STARS, Rating, RatingVersion
from search.extensions import ProductExtras, Weights, bayesian_average

TREND_WEEKS = 12
LOWEST_LIMIT = 5
UNANSWERED_LIMIT = 10


@dataclass
class RatingSummary:
    """The ratings of one product: `average` is the Bayesian average that search ranks by (0.0 when unrated),
    `mean` the plain mean (None when unrated), `distribution` {1..5: n}, `dimensions` {name: mean or None},
    `unanswered` the visible reviews without a current reply."""

    product_id: int
    average: float = 0.0
    mean: float | None = None
    count: int = 0
    distribution: dict[int, int] = field(default_factory=lambda: dict.fromkeys(STARS, 0))
    dimensions: dict[str, float | None] = field(default_factory=lambda: dict.fromkeys(DIMENSIONS))
    unanswered: int = 0

    @property
    def histogram(self) -> list[tuple[str, int]]:
        """(label, count) from 5 stars down to 1, ready for core.charts.bar_chart."""
        return [(f"{s} star{'s' if s > 1 else ''}", self.distribution[s]) for s in reversed(STARS)]

    @property
    def dimension_rows(self) -> list[tuple[str, float | None]]:
        return [(name.capitalize(), value) for name, value in self.dimensions.items()]


def _live_ratings():
    """Aggregates over domains leave retired products out, as the listings (DataProduct.visible) do."""
    return Rating.objects.exclude(product__status=LifecycleStatus.RETIRED)


def _dimension_means(row: dict) -> dict[str, float | None]:
    return {n: (float(row[n]) if row[n] is not None else None) for n in DIMENSIONS}


def _summaries(ratings, keys: Iterable[int], key: str, weights: Weights) -> dict[int, RatingSummary]:
    """Summaries grouped by `key` (product_id or product__domain_id) in three queries."""
    out = {k: RatingSummary(product_id=k) for k in keys}
    if not out:
        return out
    scoped = ratings.visible().filter(**{f"{key}__in": list(out)}).order_by()
    sums: dict[int, int] = defaultdict(int)
    for k, stars, n in scoped.values_list(key, "stars").annotate(n=Count("pk")):
        out[k].distribution[stars] = n
        out[k].count += n
        sums[k] += stars * n
    for k, summary in out.items():
        if summary.count:
            summary.mean = sums[k] / summary.count
            summary.average = bayesian_average(sums[k], summary.count, weights)
    rated = [k for k, s in out.items() if s.count]
    if rated:
        averages = scoped.filter(**{f"{key}__in": rated}).values(key).annotate(**{n: Avg(n) for n in DIMENSIONS})
        for row in averages:
            out[row[key]].dimensions = _dimension_means(row)
        for k, n in scoped.filter(**{f"{key}__in": rated}).unanswered().values_list(key).annotate(n=Count("pk")):
            out[k].unanswered = n
    return out


@per_request.by_ids("ratings.summaries")
def rating_summaries(product_ids: Iterable[int]) -> dict[int, RatingSummary]:
    """One RatingSummary per asked product (unrated ones too), in at most three queries."""
    return _summaries(Rating.objects.all(), set(product_ids), "product_id", Weights.from_settings())


def rating_summaries_as_of(product_ids: Iterable[int], *, moment: datetime) -> dict[int, float]:
    """Bayesian averages at `moment`, for the products that had ratings then, in two queries.

    A rating edited since counts with the stars of the version it had at `moment` (kept as a RatingVersion), so
    that a review changed from 5 to 1 stars moves the average down from where it really was. Ratings withdrawn
    since are gone with their versions, and moderation counts as it stands now (hidden ones are left out)."""
    weights = Weights.from_settings()
    ids = list(product_ids)
    visible = Rating.objects.visible().filter(product_id__in=ids).order_by()
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for pid, s, n in (
        visible.filter(edited_at__lt=moment).values_list("product_id").annotate(s=Sum("stars"), n=Count("pk"))
    ):
        totals[pid][0] += s
        totals[pid][1] += n
    seen: set[int] = set()
    older = (
        RatingVersion.objects.filter(rating__in=visible.filter(edited_at__gte=moment), written_at__lt=moment)
        .order_by("rating_id", "-number")
        .values_list("rating_id", "rating__product_id", "stars")
    )
    for rating_id, pid, stars in older:
        if rating_id not in seen:  # the newest version written before `moment`
            seen.add(rating_id)
            totals[pid][0] += stars
            totals[pid][1] += 1
    return {pid: bayesian_average(s, n, weights) for pid, (s, n) in totals.items() if n}


def rating_summary(product: DataProduct) -> RatingSummary:
    return rating_summaries([product.pk])[product.pk]


def _pooled(key: int, parts: Iterable[RatingSummary], ratings, weights: Weights) -> RatingSummary:
    """One summary of several products from their own summaries; only the dimension means (a mean of means
    would weigh products, not ratings) take a query, over `ratings`, which must be those same products' ones."""
    out = RatingSummary(product_id=key)
    total = 0
    for part in parts:
        out.count += part.count
        out.unanswered += part.unanswered
        for stars, n in part.distribution.items():
            out.distribution[stars] += n
            total += stars * n
    if out.count:
        out.mean = total / out.count
        out.average = bayesian_average(total, out.count, weights)
        out.dimensions = _dimension_means(ratings.visible().aggregate(**{n: Avg(n) for n in DIMENSIONS}))
    return out


@dataclass
class TrendPoint:
    """One week: reviews written in it, their mean, and the Bayesian average of all ratings as they stand at its
    end (a rating counts from when it was last written, with its current stars)."""

    week: date
    written: int
    week_mean: float | None
    average: float | None

    @property
    def label(self) -> str:
        return self.week.strftime("%d %b")


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _trend_window(weeks: int, now: datetime) -> tuple[date, datetime]:
    """The Monday `weeks - 1` weeks before the current week's, as a date and as the moment it begins."""
    first = _week_start(timezone.localdate(now)) - timedelta(weeks=weeks - 1)
    return first, timezone.make_aware(datetime.combine(first, datetime.min.time()))


def _by_week(daily_rows) -> dict[date, list[int]]:
    """(day, stars sum, count) rows summed per week."""
    weekly: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for day, s, n in daily_rows:
        bucket = weekly[_week_start(day)]
        bucket[0] += s
        bucket[1] += n
    return weekly


def _running(total_s: int, total_n: int, weekly: dict[date, list[int]], first: date, weeks: int, weights: Weights):
    """Per week from `first`: (week, stars written in it, ratings written in it, Bayesian average at its end)."""
    for index in range(weeks):
        week = first + timedelta(weeks=index)
        s, n = weekly.get(week, (0, 0))
        total_s, total_n = total_s + s, total_n + n
        yield week, s, n, (bayesian_average(total_s, total_n, weights) if total_n else None)


def rating_trend(ratings, *, weeks: int = TREND_WEEKS, now: datetime | None = None) -> list[TrendPoint]:
    """The last `weeks` weeks (Monday to Sunday, the current one last) of a queryset of ratings."""
    now = now or timezone.now()
    first, start = _trend_window(weeks, now)
    scoped = ratings.visible().order_by()
    before = scoped.filter(edited_at__lt=start).aggregate(s=Sum("stars"), n=Count("pk"))
    weekly = _by_week(
        scoped.filter(edited_at__gte=start, edited_at__lte=now)
        .annotate(day=TruncDate("edited_at"))
        .values_list("day")
        .annotate(s=Sum("stars"), n=Count("pk"))
    )
    return [
        TrendPoint(week=week, written=n, week_mean=(s / n) if n else None, average=average)
        for week, s, n, average in _running(
            before["s"] or 0, before["n"] or 0, weekly, first, weeks, Weights.from_settings()
        )
    ]


def product_trend(product: DataProduct, *, weeks: int = TREND_WEEKS) -> list[TrendPoint]:
    return rating_trend(Rating.objects.filter(product=product), weeks=weeks)


def _producer_teams(product: DataProduct) -> set[int]:
    """The product's owning team and the teams owning its domain (or a domain above it)."""
    return {product.owner_team_id, *domain_team_ids(product.domain)}


def can_moderate(actor: Actor, product: DataProduct) -> bool:
    """Owners and stewards of the product's team or of the teams owning its domain (and staff) hide reviews."""
    if actor.user is None:
        return False
    if actor.is_staff:
        return True
    return any(actor.roles_by_team.get(t) in (TeamRole.OWNER, TeamRole.STEWARD) for t in _producer_teams(product))


def is_producer(actor: Actor, product: DataProduct) -> bool:
    """Anyone in the owning team, or in a team owning the product's domain: they answer, they do not rate."""
    if actor.user is None:
        return False
    return bool(actor.team_ids & _producer_teams(product))


def can_reply(actor: Actor, product: DataProduct) -> bool:
    return actor.user is not None and (actor.is_staff or is_producer(actor, product))


def product_reviews(product: DataProduct, actor: Actor):
    """The reviews the viewer may see, the viewer's own first, then newest first: visible ones, the viewer's own
    even when hidden, and for moderators the hidden ones too (to show them again)."""
    ratings = Rating.objects.filter(product=product).with_relations()
    if actor.user is not None:
        mine = Case(When(author=actor.user, then=Value(0)), default=Value(1), output_field=IntegerField())
        ratings = ratings.annotate(mine_first=mine).order_by("mine_first", "-edited_at", "-pk")
    if can_moderate(actor, product):
        return ratings
    if actor.user is not None:
        return ratings.filter(Q(hidden_at__isnull=True) | Q(author=actor.user))
    return ratings.visible()


def own_rating(product: DataProduct, user) -> Rating | None:
    if user is None or not user.is_authenticated:
        return None
    return Rating.objects.filter(product=product, author=user).select_related("reply").first()


def can_see_versions(actor: Actor, rating: Rating) -> bool:
    return actor.user is not None and (rating.author_id == actor.user.pk or can_reply(actor, rating.product))


@dataclass
class ProductRating:
    product: DataProduct
    summary: RatingSummary


@dataclass
class DomainRatingSummary:
    """A domain's scorecard of ratings, over the products in the domain itself (sub-domains have their own):
    the domain-wide `summary` (every rating of its products pooled; `product_id` holds the domain's id),
    each product's summary (`products`: all of them, or none when asked without rows), the lowest-rated rated
    products, the oldest unanswered reviews, the weekly trend, and how many products there are and are rated."""

    domain: Domain
    summary: RatingSummary
    products: list[ProductRating]
    lowest: list[ProductRating]
    unanswered_reviews: list[Rating]
    trend: list[TrendPoint]
    product_count: int = 0
    rated_products: int = 0


def domain_products(domain: Domain) -> QuerySet[DataProduct]:
    """The products a domain's scorecard covers, by name (pk breaks ties, so pages never overlap)."""
    return DataProduct.objects.visible().in_domain(domain).select_related("domain").order_by("name", "pk")


def product_ratings(products: Iterable[DataProduct]) -> list[ProductRating]:
    """Each product with its summary (unrated ones too), in at most three queries."""
    products = list(products)
    summaries = rating_summaries(p.pk for p in products)
    return [ProductRating(p, summaries[p.pk]) for p in products]


def domain_rating_summary(domain: Domain, *, weeks: int = TREND_WEEKS, rows: bool = True) -> DomainRatingSummary:
    """The scorecard. Everything but `products` is computed from the domain's ratings, whose number is bounded
    by the people rating, not by the products: only rated products are read. With `rows=False`, `products` is
    left empty (the page shows one page of them: `domain_products` and `product_ratings`)."""
    products = domain_products(domain)
    ratings = Rating.objects.filter(product__in=products.values("pk"))
    # Products with any rating, hidden ones too: an unrated product's summary adds nothing to the pooled one.
    with_ratings = set(ratings.order_by().values_list("product_id", flat=True).distinct())
    summarised = product_ratings(products.filter(pk__in=with_ratings)) if with_ratings else []
    pooled = _pooled(domain.pk, (r.summary for r in summarised), ratings, Weights.from_settings())
    rated = [r for r in summarised if r.summary.count]
    lowest = sorted(rated, key=lambda r: (r.summary.average, r.product.name))
    unanswered = list(
        Rating.objects.visible()
        .unanswered()
        .filter(product__in=products.values("pk"))
        .with_relations()
        .order_by("edited_at", "pk")[:UNANSWERED_LIMIT]
    )
    trend = rating_trend(ratings, weeks=weeks)
    return DomainRatingSummary(
        domain,
        pooled,
        product_ratings(products) if rows else [],
        lowest[:LOWEST_LIMIT],
        unanswered,
        trend,
        product_count=products.count(),
        rated_products=len(rated),
    )


@dataclass
class DomainRow:
    domain: Domain
    products: int
    summary: RatingSummary
    trend: list[float | None]


def mesh_rating_overview(*, weeks: int = TREND_WEEKS) -> list[DomainRow]:
    """Every domain with its pooled ratings and a weekly trend, lowest average first among the rated ones.

    Queries do not grow with the number of domains: the trend is computed from one grouped query."""
    weights = Weights.from_settings()
    domains = list(Domain.objects.order_by("name"))
    counts = product_counts.visible_per_domain()
    live = _live_ratings()
    pooled = _summaries(live, [d.pk for d in domains], "product__domain_id", weights)
    first, start = _trend_window(weeks, timezone.now())
    visible = live.visible().order_by()
    base = {
        d: (s or 0, n)
        for d, s, n in visible.filter(edited_at__lt=start)
        .values_list("product__domain_id")
        .annotate(s=Sum("stars"), n=Count("pk"))
    }
    daily: dict[int, list[tuple[date, int, int]]] = defaultdict(list)
    for d, day, s, n in (
        visible.filter(edited_at__gte=start)
        .annotate(day=TruncDate("edited_at"))
        .values_list("product__domain_id", "day")
        .annotate(s=Sum("stars"), n=Count("pk"))
    ):
        daily[d].append((day, s, n))
    rows = []
    for domain in domains:
        total_s, total_n = base.get(domain.pk, (0, 0))
        weekly = _by_week(daily.get(domain.pk, ()))
        line = [average for *_, average in _running(total_s, total_n, weekly, first, weeks, weights)]
        rows.append(DomainRow(domain, counts.get(domain.pk, 0), pooled[domain.pk], line))
    rows.sort(key=lambda r: (r.summary.count == 0, r.summary.average, r.domain.name))
    return rows


def feedback_inbox(user, *, unanswered_only: bool = False):
    """Reviews of the products the user's teams produce (owning team or domain team), unanswered first, then
    newest; hidden ones included (marked) so that owners see what was moderated."""
    actor = Actor(user=user)
    teams = actor.team_ids
    if not teams:
        return Rating.objects.none()
    query = Q(product__owner_team_id__in=teams) | Q(product__domain__owner_team_id__in=teams)
    ratings = Rating.objects.filter(query).with_relations()
    if unanswered_only:
        return ratings.visible().unanswered().order_by("edited_at", "pk")
    # The same condition as visible().unanswered(), as a column of the one listing query (no GROUP BY, no subquery).
    waiting = Q(hidden_at__isnull=True) & (Q(reply__isnull=True) | Q(reply__updated_at__lt=F("edited_at")))
    return ratings.annotate(
        waiting=Case(When(waiting, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).order_by("-waiting", "-edited_at", "-pk")


def _sums(product_ids: Iterable[int]):
    """(product_id, sum of stars, count) of the products' visible ratings, rated products only: one query."""
    return (
        Rating.objects.visible()
        .filter(product_id__in=list(product_ids))
        .order_by()
        .values_list("product_id")
        .annotate(s=Sum("stars"), n=Count("pk"))
    )


@dataclass(frozen=True)
class RatingFigures:
    """What a list row shows of a product's ratings: the Bayesian average (0.0 when unrated) and the count."""

    average: float = 0.0
    count: int = 0


def rating_figures(product_ids: Iterable[int]) -> dict[int, RatingFigures]:
    """Average and count for every asked product (unrated ones too), in one query: for lists of products."""
    ids = set(product_ids)
    if not ids:
        return {}
    weights = Weights.from_settings()
    out = dict.fromkeys(ids, RatingFigures())
    for pid, s, n in _sums(ids):
        out[pid] = RatingFigures(average=bayesian_average(s, n, weights), count=n)
    return out


def search_enricher(product_ids: list[int]) -> dict:
    """For search.documents.register_product_enricher: each product's visible ratings' sum and count."""
    return {pid: ProductExtras(rating_sum=float(s), rating_count=n) for pid, s, n in _sums(product_ids)}


def top_rated(*, limit: int = 5, min_ratings: int = 1) -> list[tuple[DataProduct, RatingFigures]]:
    """Published products by Bayesian average, best first (few ratings pull towards the middle): two queries."""
    weights = Weights.from_settings()
    rows = (
        Rating.objects.visible()
        .filter(product__status=LifecycleStatus.PUBLISHED)
        .order_by()
        .values_list("product_id")
        .annotate(s=Sum("stars"), n=Count("pk"))
    )
    scored = sorted(
        (
            (pid, RatingFigures(average=bayesian_average(s, n, weights), count=n))
            for pid, s, n in rows
            if n >= min_ratings
        ),
        key=lambda item: (-item[1].average, -item[1].count, item[0]),
    )[:limit]
    products = DataProduct.objects.select_related("domain").in_bulk([pid for pid, _ in scored])
    return [(products[pid], figures) for pid, figures in scored if pid in products]


def reviews_to_answer(user, *, limit: int = 5) -> list[Rating]:
    """Visible reviews of the person's teams' products that wait for a reply, oldest first."""
    return list(feedback_inbox(user, unanswered_only=True)[:limit])
