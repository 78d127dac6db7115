"""In a real browser: a consumer rates a product and sees the average change; an owner replies; the reply shows."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from core.actors import Actor
from ratings.services import rating_upsert
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rate_see_the_average_change_then_the_owner_replies(page, sign_in, world, product):
    earlier = UserFactory(username="early")
    rating_upsert(actor=Actor(user=earlier), product=product, data={"stars": 2})
    UserFactory(username="carla")

    sign_in("carla")
    page.goto("/products/sales/orders/?tab=reviews")
    average = page.get_by_test_id("rating-average")
    assert "2.83" in average.inner_text()  # (3 x 5 + 2) / 6
    assert "2.8 out of 5 stars" in average.inner_text()

    reviews = page.get_by_role("region", name="Reviews")
    reviews.get_by_role("radio", name="5 stars").check()
    reviews.get_by_label("Accuracy").select_option("4")
    reviews.get_by_label("Comment (optional)").fill("Clean data, <b>thanks</b>.")
    reviews.get_by_role("button", name="Submit rating").click()
    page.wait_for_url("**/products/sales/orders/?tab=reviews#review-*")
    assert "your rating is saved" in page.get_by_role("status").first.inner_text()
    assert "3.14" in page.get_by_test_id("rating-average").inner_text()  # (15 + 2 + 5) / 7
    comment = page.locator("p.review-comment", has_text="Clean data")
    assert comment.inner_text() == "Clean data, <b>thanks</b>."  # shown as text, not markup

    page.context.clear_cookies()
    sign_in("olivia")
    page.goto("/feedback/")
    review = page.locator("li.review", has_text="Clean data")
    review.get_by_text("Reply", exact=True).click()
    review.get_by_label("Public reply to carla").fill("Glad it helps; accuracy fixes land next week.")
    review.get_by_role("button", name="Publish reply").click()
    page.wait_for_url("**/products/sales/orders/?tab=reviews#review-*")
    reply = page.locator("blockquote.review-reply", has_text="accuracy fixes land next week")
    assert reply.is_visible()
    assert "Reply from Sales Team" in reply.inner_text()
    # Not an assertion: a picture of the reviews section to look at after a run (not committed).
    page.locator("#reviews").screenshot(path=str(Path(tempfile.gettempdir()) / "meshportal-reviews.png"))

    # the owning team sees it on its scorecard, reached from the domain page
    page.goto("/domains/sales/")
    page.get_by_role("link", name="Scorecard: how consumers rate Sales").click()
    page.wait_for_url("**/domains/sales/scorecard/")
    assert page.get_by_role("heading", level=1).inner_text() == "Scorecard of Sales"
    assert "3.14" in page.get_by_test_id("domain-average").inner_text()
    assert page.get_by_role("img", name="Bayesian average at the end of each week").is_visible()
    page.screenshot(path=str(Path(tempfile.gettempdir()) / "meshportal-scorecard.png"), full_page=True)
