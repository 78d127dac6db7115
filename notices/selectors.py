"""Reads of the notices app: the "My data" page (what I consume or follow, with health, incidents, sunsets and
what changed since my last visit), in a fixed number of queries whatever the number of products."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from access.models import Grant
from catalog.models import DataProduct, Deprecation, InputPort, ProductVersion, TeamMembership
from governance.health import Health, product_health
from notices.models import Follow, FollowTarget, Notice, SavedSearch
from slo.models import Incident

MAX_PRODUCTS = 200
FIRST_VISIT_DAYS = 30


@dataclass
class MyProduct:
    product: DataProduct
    reasons: set[str] = field(default_factory=set)
    health: Health | None = None
    open_incidents: int = 0
    deprecations: list[Deprecation] = field(default_factory=list)
    changes: list[ProductVersion] = field(default_factory=list)  # since the last visit

    @property
    def sunset(self):
        dates = [d.sunset_on for d in self.deprecations if d.retired_at is None]
        return min(dates) if dates else None


@dataclass
class MyData:
    products: list[MyProduct]
    follows: list[Follow]
    saved: list[SavedSearch]
    notices: list[Notice]  # since the last visit
    since: datetime | None


def consumed_product_ids(user) -> dict[int, set[str]]:
    """Products I consume (a grant to me or my team, an input port of my team's products) or follow."""
    found: dict[int, set[str]] = defaultdict(set)
    for (product_id,) in Grant.objects.active().held_by(user).order_by().values_list("product_id"):
        found[product_id].add("grant")
    teams = TeamMembership.objects.filter(user=user).values("team_id")
    inputs = InputPort.objects.filter(product__owner_team_id__in=teams, source_port__isnull=False).order_by()
    for (product_id,) in inputs.values_list("source_port__product_id"):
        found[product_id].add("input port")
    for (product_id,) in Follow.objects.filter(user=user, target=FollowTarget.PRODUCT).values_list("product_id"):
        found[product_id].add("follow")
    return found


def my_data(user, *, since: datetime | None) -> MyData:
    reasons = consumed_product_ids(user)
    ids = sorted(reasons)[:MAX_PRODUCTS]
    products = {
        p.pk: MyProduct(p, reasons[p.pk])
        for p in DataProduct.objects.filter(pk__in=ids).select_related("domain", "owner_team")
    }
    if products:
        for pid, health in product_health(list(products)).items():
            if pid in products:
                products[pid].health = health
        open_incidents = (
            Incident.objects.open()
            .filter(slo__product_id__in=list(products))
            .order_by()
            .values("slo__product_id")
            .annotate(n=Count("pk"))
        )
        for row in open_incidents:
            products[row["slo__product_id"]].open_incidents = row["n"]
        for deprecation in Deprecation.objects.filter(product_id__in=list(products)).select_related("port"):
            products[deprecation.product_id].deprecations.append(deprecation)
        # On a first visit, "since" is a month back: enough to show what changed lately.
        window = since or timezone.now() - timedelta(days=FIRST_VISIT_DAYS)
        versions = ProductVersion.objects.filter(product_id__in=list(products), created_at__gt=window)
        for version in versions.defer("snapshot").order_by("-created_at"):
            if version.changes:
                products[version.product_id].changes.append(version)
    ordered = sorted(
        products.values(),
        key=lambda row: (row.sunset is None, row.sunset or "", not row.changes, row.product.name.lower()),
    )
    follows = list(
        Follow.objects.filter(user=user)
        .exclude(target=FollowTarget.PRODUCT)
        .select_related("domain", "term__glossary__domain")
    )
    notices = Notice.objects.filter(user=user).select_related("product__domain")
    if since is not None:
        notices = notices.filter(created_at__gt=since)
    return MyData(
        products=ordered,
        follows=follows,
        saved=list(SavedSearch.objects.filter(user=user)),
        notices=list(notices[:50]),
        since=since,
    )
