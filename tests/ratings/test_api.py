"""The ratings API: people rate and reply over their session, tokens read; errors are problem+json."""

from __future__ import annotations

import pytest
import time_machine
from rest_framework.test import APIClient

from core.actors import Scope
from ratings.models import Rating
from tests.conftest import bearer_client
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

RATINGS = "/api/v1/products/sales/orders/ratings"


@pytest.fixture
def session(user_client):
    return user_client


def test_a_consumer_rates_then_changes_the_rating(session, product, consumer):
    client = session(consumer)
    created = client.post(RATINGS, {"stars": 5, "dimensions": {"accuracy": 5}, "comment": "Great"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["stars"], body["dimensions"]["accuracy"], body["author"], body["version"]) == (5, 5, "carla", 1)
    changed = client.put(f"{RATINGS}/mine", {"stars": 3}, format="json")
    assert changed.status_code == 200
    assert changed.json()["version"] == 2
    summary = client.get(f"{RATINGS}/summary").json()
    assert summary["summary"]["count"] == 1
    assert summary["summary"]["distribution"] == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 0}
    assert len(summary["trend"]) == 12
    versions = client.get(f"/api/v1/ratings/{body['id']}/versions").json()
    assert [(v["number"], v["stars"]) for v in versions] == [(1, 5)]


def test_bad_stars_are_a_problem_naming_the_field(session, product, consumer):
    response = session(consumer).post(RATINGS, {"stars": 7, "dimensions": {"usability": "abc"}}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert pointers == {"/stars", "/dimensions/usability"}
    assert not Rating.objects.exists()


def test_an_unknown_product_is_404_and_a_retired_one_409(session, world, consumer):
    assert session(consumer).post("/api/v1/products/sales/nope/ratings", {"stars": 4}, format="json").status_code == 404
    ProductFactory(domain=world.domain, slug="old", status="retired")
    response = session(consumer).post("/api/v1/products/sales/old/ratings", {"stars": 4}, format="json")
    assert response.status_code == 409
    assert not Rating.objects.exists()


def test_the_owning_team_is_refused(session, world, product):
    response = session(world.member).post(RATINGS, {"stars": 5}, format="json")
    assert response.status_code == 403
    assert "owning team" in response.json()["detail"]


def test_tokens_read_but_do_not_rate(world, product, consumer, rate):
    rate(consumer, product, 4)
    token = bearer_client(world.other_team, [Scope.READ])
    assert token.get(f"{RATINGS}/summary").json()["summary"]["count"] == 1
    assert token.get(RATINGS).json()["results"][0]["author"] == "carla"
    response = token.post(RATINGS, {"stars": 1}, format="json")
    assert response.status_code == 403
    assert Rating.objects.count() == 1
    # the owning team's own pipeline token cannot answer or moderate either: those are people's acts
    own_token = bearer_client(world.team, [Scope.READ, Scope.WRITE_PRODUCTS])
    rating_id = Rating.objects.get().pk
    assert own_token.put(f"/api/v1/ratings/{rating_id}/reply", {"body": "hi"}, format="json").status_code == 403
    assert own_token.post(f"/api/v1/ratings/{rating_id}/hide", {"reason": "x"}, format="json").status_code == 403
    assert not Rating.objects.get().is_hidden


def test_anonymous_callers_are_asked_to_authenticate(product):
    assert APIClient().post(RATINGS, {"stars": 4}, format="json").status_code in (401, 403)


def test_a_burst_is_429_with_retry_after(settings, session, world, consumer):
    settings.RATINGS_WRITES_PER_MINUTE = 1
    ProductFactory(domain=world.other_domain, slug="a", status="published")
    ProductFactory(domain=world.other_domain, slug="b", status="published")
    client = session(consumer)
    with time_machine.travel("2026-03-02 10:00:30", tick=False):
        assert client.post("/api/v1/products/finance/a/ratings", {"stars": 4}, format="json").status_code == 201
        response = client.post("/api/v1/products/finance/b/ratings", {"stars": 4}, format="json")
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/problem+json")
    assert response["Retry-After"] == "30"
    assert Rating.objects.count() == 1


def test_reply_hide_and_the_hidden_reason_shown_only_to_author_and_producers(session, world, product, consumer, rate):
    rating = rate(consumer, product, 1, comment="Rubbish!!!")
    url = f"/api/v1/ratings/{rating.pk}"
    replied = session(world.owner).put(f"{url}/reply", {"body": "Which rows?"}, format="json")
    assert replied.status_code == 200
    assert replied.json()["reply"]["body"] == "Which rows?"
    assert session(world.outsider).put(f"{url}/reply", {"body": "x"}, format="json").status_code == 403
    assert session(world.member).post(f"{url}/hide", {"reason": "Rude"}, format="json").status_code == 403
    missing = session(world.steward).post(f"{url}/hide", {}, format="json")
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["pointer"] == "/reason"
    hidden = session(world.steward).post(f"{url}/hide", {"reason": "Rude"}, format="json")
    assert hidden.status_code == 200
    assert hidden.json()["hidden"] is True
    assert session(consumer).get(url).json()["hidden_reason"] == "Rude"
    assert session(world.outsider).get(url).status_code == 404
    assert session(world.outsider).get(RATINGS).json()["results"] == []
    assert session(consumer).get(f"{RATINGS}/summary").json()["summary"]["count"] == 0


def test_the_author_deletes_their_rating(session, product, consumer, rate):
    rate(consumer, product, 2)
    assert session(consumer).delete(f"{RATINGS}/mine").status_code == 204
    assert session(consumer).get(f"{RATINGS}/mine").status_code == 404


def test_versions_are_for_the_author_and_the_owning_team(session, world, product, consumer, other_team_member, rate):
    rating = rate(consumer, product, 2)
    rate(consumer, product, 3)
    url = f"/api/v1/ratings/{rating.pk}/versions"
    assert session(world.member).get(url).status_code == 200
    assert session(other_team_member).get(url).status_code == 403


def test_scorecards_and_feedback(session, world, product, consumer, rate):
    rate(consumer, product, 2)
    card = session(world.outsider).get("/api/v1/ratings/scorecards/sales").json()
    assert card["summary"]["count"] == 1
    assert card["lowest"][0]["product"] == "sales/orders"
    assert card["unanswered_reviews"][0]["author"] == "carla"
    mesh = session(world.outsider).get("/api/v1/ratings/scorecards").json()
    assert {row["domain"]: row["summary"]["count"] for row in mesh} == {"sales": 1, "finance": 0}
    inbox = session(world.member).get("/api/v1/ratings/feedback?unanswered=1").json()
    assert [r["author"] for r in inbox["results"]] == ["carla"]
    assert session(world.outsider).get("/api/v1/ratings/feedback").json()["results"] == []


def test_the_endpoints_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/products/{domain}/{slug}/ratings",
        "/api/v1/products/{domain}/{slug}/ratings/mine",
        "/api/v1/products/{domain}/{slug}/ratings/summary",
        "/api/v1/ratings/{id}/reply",
        "/api/v1/ratings/{id}/hide",
        "/api/v1/ratings/scorecards/{slug}",
    ):
        assert path in schema["paths"], path
    assert "429" in schema["paths"]["/api/v1/products/{domain}/{slug}/ratings"]["post"]["responses"]


def test_a_body_that_is_not_an_object_is_a_400(session, world, product, consumer, rate):
    assert session(consumer).post(RATINGS, [4], format="json").status_code == 400
    rating = rate(consumer, product, 2)
    response = session(world.owner).put(f"/api/v1/ratings/{rating.pk}/reply", ["hello"], format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/body"
