"""The mesh dashboard's whole-mesh row is pooled from the domains' rows: it must equal aggregating every score."""

from __future__ import annotations

from django.utils import timezone

from governance import selectors
from governance.models import ProductScore
from tests.factories import ProductFactory


def test_the_whole_mesh_row_equals_one_aggregate_over_every_score(world):
    now = timezone.now()
    values = [(80, 1, 0.9, 4.5, 3, 70.0), (60, 0, None, None, None, None), (100, 2, 0.5, 3.0, 0, 90.0)]
    for i, (score, errors, slo, rating, consumers, health) in enumerate(values):
        domain = world.domain if i < 2 else world.other_domain
        product = ProductFactory(domain=domain, slug=f"s{i}")
        ProductScore.objects.create(
            product=product, domain=domain, score=score, checked=5, passed=5 - errors, errors=errors,
            evaluated_at=now, slo_compliance=slo, rating_average=rating, consumers=consumers, health=health,
            health_at=now if health else None,
        )  # fmt: skip

    total = selectors.mesh_dashboard().total
    whole = selectors._figures(
        ProductScore.objects.aggregate(**selectors._AGGREGATES), domain_id=0, slug="", name="Whole mesh", url=""
    )
    whole.access_hours = total.access_hours
    assert total == whole
    assert (total.products, total.errors, total.rated_products, total.consumers) == (3, 3, 2, 3)
