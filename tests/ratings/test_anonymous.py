"""Anonymous readers, in both modes of the portal: private (the default; the sign-in middleware sends everyone
to sign in) and PORTAL_PUBLIC_READ (anonymous readers browse; every write, and every page that is a person's,
still sends them to sign in rather than answering a bare 403)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from ratings.models import Rating, RatingModeration, RatingReply

pytestmark = pytest.mark.django_db

PRODUCT_PAGE = "/products/sales/orders/?tab=reviews"


@pytest.fixture
def public(settings):
    settings.PORTAL_PUBLIC_READ = True
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("LoginRequiredMiddleware")]


@pytest.fixture
def private(settings):
    settings.PORTAL_PUBLIC_READ = False
    if "core.middleware.PortalLoginRequiredMiddleware" not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, "core.middleware.PortalLoginRequiredMiddleware"]


@pytest.fixture
def reviewed(world, product, consumer, rate):
    """A visible review, and a hidden one whose text must not leak."""
    from tests.factories import UserFactory

    rating = rate(consumer, product, 2, comment="Late on Mondays")
    rate(consumer, product, 3, comment="Better now")  # a second version
    hidden = rate(UserFactory(username="troll"), product, 1, comment="Abusive words")
    Rating.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now(), hidden_reason="Abuse")
    return rating, hidden


def _sends_to_sign_in(response, url: str) -> None:
    assert response.status_code == 302, (url, response.status_code)
    assert response["Location"] == f"{reverse('login')}?next={quote(url)}", response["Location"]


def _writes(rating, hidden) -> list[tuple[str, str, dict]]:
    return [
        ("get", "/products/sales/orders/rate/", {}),
        ("post", "/products/sales/orders/rate/", {"stars": "5", "comment": "anonymous"}),
        ("post", "/products/sales/orders/rate/withdraw/", {}),
        ("get", f"/reviews/{rating.pk}/reply/", {}),
        ("post", f"/reviews/{rating.pk}/reply/", {"body": "anonymous reply"}),
        ("get", f"/reviews/{rating.pk}/hide/", {}),
        ("post", f"/reviews/{rating.pk}/hide/", {"reason": "anonymous"}),
        ("get", f"/reviews/{hidden.pk}/unhide/", {}),
        ("post", f"/reviews/{hidden.pk}/unhide/", {"reason": "anonymous"}),
        ("get", f"/reviews/{rating.pk}/versions/", {}),
        ("get", "/feedback/", {}),
    ]


READS = ["/products/sales/orders/reviews/", "/domains/sales/scorecard/", "/scorecards/"]


def _nothing_written(rating) -> None:
    rating.refresh_from_db()
    assert (Rating.objects.count(), rating.stars, rating.is_hidden) == (2, 3, False)
    assert not RatingReply.objects.exists()
    assert not RatingModeration.objects.exists()


def test_public_read_sends_anonymous_writers_and_personal_pages_to_sign_in(public, reviewed):
    rating, hidden = reviewed
    client = Client()
    for method, url, data in _writes(rating, hidden):
        _sends_to_sign_in(getattr(client, method)(url, data), url)
    _nothing_written(rating)


def test_public_read_lets_anonymous_readers_see_reviews_and_scorecards_without_hidden_ones(public, reviewed):
    client = Client()
    for url in [PRODUCT_PAGE, *READS]:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "Abusive words" not in html and "Abuse" not in html, url
    page = client.get(PRODUCT_PAGE).content.decode()
    assert "Better now" in page
    assert f'href="{reverse("login")}?next={quote(PRODUCT_PAGE)}">Sign in to rate this product' in page
    assert 'class="rating-form"' not in page  # no form that could only fail
    assert "Publish reply" not in page and "Hide this review" not in page
    reviews = client.get("/products/sales/orders/reviews/").content.decode()
    assert "Better now" in reviews and "Earlier versions" not in reviews
    scorecard = client.get("/domains/sales/scorecard/").content.decode()
    assert "Scorecard of Sales" in scorecard and "Better now" in scorecard


def test_private_mode_sends_anonymous_readers_and_writers_to_sign_in(private, reviewed):
    rating, hidden = reviewed
    client = Client()
    for method, url, data in [*_writes(rating, hidden), *(("get", url, {}) for url in READS)]:
        _sends_to_sign_in(getattr(client, method)(url, data), url)
    _nothing_written(rating)


def test_public_read_api_reads_but_asks_anonymous_writers_to_authenticate(public, reviewed):
    rating, hidden = reviewed
    api = APIClient()
    listing = api.get("/api/v1/products/sales/orders/ratings")
    assert listing.status_code == 200
    assert [r["comment"] for r in listing.json()["results"]] == ["Better now"]
    assert api.get("/api/v1/products/sales/orders/ratings/summary").json()["summary"]["count"] == 1
    assert api.get(f"/api/v1/ratings/{hidden.pk}").status_code == 404
    assert api.get("/api/v1/ratings/scorecards/sales").status_code == 200
    for method, url, body in [
        ("post", "/api/v1/products/sales/orders/ratings", {"stars": 5}),
        ("put", "/api/v1/products/sales/orders/ratings/mine", {"stars": 5}),
        ("delete", "/api/v1/products/sales/orders/ratings/mine", None),
        ("put", f"/api/v1/ratings/{rating.pk}/reply", {"body": "x"}),
        ("post", f"/api/v1/ratings/{rating.pk}/hide", {"reason": "x"}),
        # a person's own reads: not 404 ("you have not rated") nor 403, but "authenticate"
        ("get", "/api/v1/products/sales/orders/ratings/mine", None),
        ("get", "/api/v1/ratings/feedback", None),
        ("get", f"/api/v1/ratings/{rating.pk}/versions", None),
    ]:
        response = getattr(api, method)(url, body, format="json")
        assert response.status_code == 401, (method, url, response.status_code)
        assert response["Content-Type"].startswith("application/problem+json"), url
    _nothing_written(rating)
