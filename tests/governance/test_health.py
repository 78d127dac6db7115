"""The health formula, its treatment of unknown parts, and the live figures from the input apps."""

import math

import pytest

from governance import services
from governance.health import Inputs, compute, product_health
from governance.models import ProductScore

WEIGHTS = {"slo": 0.35, "governance": 0.30, "rating": 0.20, "consumers": 0.15}


@pytest.fixture(autouse=True)
def _weights(settings):
    settings.GOVERNANCE_HEALTH = {"weights": WEIGHTS, "consumers_saturation": 25, "bands": {"good": 80, "fair": 60}}


def test_all_parts_known():
    h = compute(Inputs(slo_compliance=1.0, governance=50.0, rating_average=5.0, rating_count=3, consumers=25))
    assert h.score == pytest.approx(100 * (0.35 * 1 + 0.30 * 0.5 + 0.20 * 1 + 0.15 * 1), abs=0.1)
    assert h.band == "good"


def test_unknown_parts_spread_their_weight():
    h = compute(Inputs(governance=80.0))
    assert h.score == 80.0  # governance alone carries the whole weight
    assert h.parts["slo"] is None and h.parts["rating"] is None
    assert set(h.weights) == {"governance"}


def test_zero_consumers_is_known_and_counts_as_zero():
    h = compute(Inputs(governance=100.0, consumers=0))
    assert h.score == pytest.approx(100 * 0.30 / (0.30 + 0.15), abs=0.1)


def test_consumers_saturate_logarithmically():
    few = compute(Inputs(consumers=3)).parts["consumers"]
    assert few == pytest.approx(math.log1p(3) / math.log1p(25))
    assert compute(Inputs(consumers=1000)).parts["consumers"] == 1.0


def test_nothing_known_is_no_score():
    h = compute(Inputs())
    assert h.score is None and h.band == "unknown"


def test_unrated_product_has_no_rating_part():
    assert compute(Inputs(rating_average=3.0, rating_count=0, governance=60)).parts["rating"] is None


def test_product_health_reads_the_installed_apps(good_product):
    services.governance_evaluate(product_ids=[good_product.pk])
    health = product_health([good_product.pk])[good_product.pk]
    stored = ProductScore.objects.get(product=good_product)
    assert health.inputs.governance == stored.score
    assert health.parts["governance"] == pytest.approx(stored.score / 100)
    # Stored health equals the live one while nothing changed in between.
    assert stored.health == health.score


def test_search_documents_carry_the_stored_health(good_product):
    from search.documents import build

    services.governance_evaluate(product_ids=[good_product.pk])
    docs, _ = build("product", [good_product.pk])
    stored = ProductScore.objects.get(product=good_product).health
    assert stored is not None  # else a document without health would match it
    assert docs[0].display["health"] == stored


def test_health_refresh_stores_the_live_health_again(good_product):
    services.governance_evaluate(product_ids=[good_product.pk])
    ProductScore.objects.filter(product=good_product).update(health=None, health_at=None)
    assert services.health_refresh() == 1
    stored = ProductScore.objects.get(product=good_product)
    live = product_health([good_product.pk])[good_product.pk]
    assert stored.health is not None and stored.health_at is not None
    assert stored.health == live.score  # the governance part comes from the stored score
