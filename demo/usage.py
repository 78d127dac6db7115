"""Usage and cost for the demo mesh (`manage.py seed_demo` calls `seed_demo_usage()`), written through the usage
app's services as a platform would send it.

90 days of daily records: each published product is read by the teams holding grants on it, by the owners of the
products that declare it as an input, and by a few other teams, each with its own level, a weekly rhythm (less
on weekends) and a trend (growing, steady or fading). Cost follows compute and bytes read at list prices. A few
products get no usage at all, and products get a believable history (draft for some days, published weeks or
months ago), so time to market and the retirement candidates have something to show. Deterministic: the same
demo each time.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from access.models import Grant
from catalog.models import DataProduct, InputPort, LifecycleStatus, OutputPort, Team
from usage.models import UsageRecord, UsageSource
from usage.services import UsageIn, milestones_set_history, usage_record

DAYS = 90
PRICE_PER_COMPUTE_SECOND = Decimal("0.00042")  # about 1.50 EUR per compute hour
PRICE_PER_GB = Decimal("0.005")  # 5 EUR per TB scanned
UNUSED_EVERY = 7  # one published product in seven is used by nobody


def _history(rng: random.Random, products: list[tuple[int, str, int]], unused: set[int]) -> dict[int, int]:
    """Draft and publication dates: the demo mesh grew over the last three months; the products nobody uses were
    published long before (so they are retirement candidates). Answers days since publication per product."""
    now = timezone.now()
    rows, ages = [], {}
    for pk, status, _ in products:
        age = rng.randint(120, 300) if pk in unused else rng.randint(3, 85)
        draft_days = rng.choice([0, 0, 1, 2, 3, 5, 8, 13, 21, 34])
        drafted = now - timedelta(days=age + draft_days, hours=rng.randint(0, 23))
        published = None if status == LifecycleStatus.DRAFT else now - timedelta(days=age)
        rows.append((pk, drafted, published))
        ages[pk] = age
    milestones_set_history(rows=rows)
    return ages


def seed_demo_usage() -> str:
    if UsageRecord.objects.exists():
        return "already there"
    rng = random.Random(20)
    products = list(DataProduct.objects.order_by("pk").values_list("pk", "status", "owner_team_id"))
    published = [p for p in products if p[1] == LifecycleStatus.PUBLISHED]
    unused = {pk for index, (pk, *_) in enumerate(published) if index % UNUSED_EVERY == UNUSED_EVERY - 1}
    ages = _history(rng, products, unused)
    ports: dict[int, list[int]] = {}
    for port_id, product_id in (
        OutputPort.objects.filter(product__status=LifecycleStatus.PUBLISHED)
        .values_list("pk", "product_id")
        .order_by("pk")
    ):
        ports.setdefault(product_id, []).append(port_id)
    teams = dict(Team.objects.values_list("pk", "slug"))
    readers: dict[int, set[str]] = {pk: set() for pk, *_ in published}
    for product_id, team_id in Grant.objects.active().filter(team__isnull=False).values_list("product_id", "team_id"):
        if product_id in readers:
            readers[product_id].add(teams[team_id])
    for product_id, team_id in InputPort.objects.filter(source_port__isnull=False).values_list(
        "source_port__product_id", "product__owner_team_id"
    ):
        if product_id in readers:
            readers[product_id].add(teams[team_id])
    slugs = sorted(teams.values())
    today = timezone.now().date()
    items: list[UsageIn] = []
    for pk, _, owner_team_id in published:
        if pk in unused or pk not in ports:
            continue
        who = readers[pk] | set(rng.sample(slugs, k=min(len(slugs), rng.randint(1, 3))))
        who.add(teams[owner_team_id])  # a team reads its own product too
        found_after = rng.choice([1, 2, 3, 4, 6, 9, 14, 21])  # days until its first consumer
        for slug in sorted(who):
            port_id = rng.choice(ports[pk])
            level = rng.lognormvariate(3.2, 1.0)  # queries on a weekday, median about 25
            trend = rng.choice([1.012, 1.004, 1.0, 0.99])
            bytes_per_query = rng.lognormvariate(19.5, 1.2)  # about 300 MB, widely spread
            # Its first query some days after publication (time to first consumer), then every day.
            first = ages[pk] - found_after - rng.choice([0, 0, 1, 3, 7])
            for back in range(min(DAYS - 1, first), -1, -1):
                day = today - timedelta(days=back)
                weekday = 0.25 if day.weekday() >= 5 else 1.0
                expected = level * weekday * trend ** (DAYS - back)
                queries = max(0, int(rng.gauss(expected, expected * 0.25)))
                if queries == 0:
                    continue
                bytes_read = int(queries * bytes_per_query * rng.uniform(0.7, 1.3))
                seconds = round(bytes_read / 4e8 * rng.uniform(0.8, 1.2), 1)  # about 400 MB per compute second
                cost = PRICE_PER_COMPUTE_SECOND * Decimal(str(seconds)) + PRICE_PER_GB * Decimal(bytes_read) / Decimal(
                    10**9
                )
                items.append(
                    UsageIn(
                        day=day,
                        product="",
                        port_id=port_id,
                        port_name="",
                        team=slug,
                        user="",
                        queries=queries,
                        rows_read=int(bytes_read / rng.uniform(80, 400)),
                        bytes_read=bytes_read,
                        compute_seconds=seconds,
                        cost=cost.quantize(Decimal("0.000001")),
                        currency="EUR",
                    )
                )
    stored = 0
    for start in range(0, len(items), 10_000):
        stored += usage_record(actor=None, items=items[start : start + 10_000], source=UsageSource.DEMO).created
    return f"{stored:,} daily records over {DAYS} days for {sum(1 for p in published if p[0] in ports)} products"
