"""The pages: the reviews section of a product page, rating from the browser, replies, moderation, the
feedback inbox and the scorecards."""

from __future__ import annotations

import pytest
from django.test import Client

from core.models import Notification
from ratings.models import Rating, RatingModeration

pytestmark = pytest.mark.django_db

PRODUCT_PAGE = "/products/sales/orders/?tab=reviews"
RATE = "/products/sales/orders/rate/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_product_page_shows_the_reviews_section_with_form(product, consumer):
    html = signed_in(consumer).get(PRODUCT_PAGE).content.decode()
    assert 'data-tab="reviews" aria-current="page">Reviews</a>' in html
    assert 'id="reviews"' in html
    assert "Rate this product" in html
    assert "No ratings yet." in html


def test_rating_from_the_page_changes_the_average_shown(product, consumer, consumers, rate):
    rate(consumers(1)[0], product, 2)
    client = signed_in(consumer)
    before = client.get(PRODUCT_PAGE).content.decode()
    assert "2.83" in before  # (15 + 2) / 6
    response = client.post(
        RATE, {"stars": "5", "dim_accuracy": "4", "dim_usability": "", "comment": "Clean data."}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith(PRODUCT_PAGE)
    html = response.content.decode()
    assert "Thank you: your rating is saved." in html
    assert "3.14" in html  # (15 + 2 + 5) / 7
    assert "Clean data." in html
    assert "Change your rating" in html
    assert "Ratings by stars" in html  # the histogram
    assert '<svg class="chart chart-bars"' in html


def test_a_comment_with_html_is_escaped_when_shown(product, consumer, rate):
    rate(consumer, product, 3, comment='<script>alert("x")</script><b>bold</b>')
    html = signed_in(consumer).get(PRODUCT_PAGE).content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html


def test_a_missing_star_count_is_shown_next_to_the_field_and_nothing_stored(product, consumer):
    response = signed_in(consumer).post(RATE, {"stars": "", "comment": "no stars"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="stars-error"' in html
    assert "no stars" in html  # what was typed comes back
    assert not Rating.objects.exists()


def test_a_made_up_star_count_is_refused(product, consumer):
    response = signed_in(consumer).post(RATE, {"stars": "9"})
    assert response.status_code == 400
    assert not Rating.objects.exists()


def test_a_burst_gets_a_message_on_the_page(settings, product, consumer):
    settings.RATINGS_WRITES_PER_MINUTE = 1
    client = signed_in(consumer)
    client.post(RATE, {"stars": "4"})
    response = client.post(RATE, {"stars": "2"})
    assert response.status_code == 429
    assert "Too many rating changes" in response.content.decode()
    assert Rating.objects.get().stars == 4


def test_the_owning_team_sees_no_form_and_cannot_post_one(world, product):
    client = signed_in(world.member)
    assert "cannot rate it" in client.get(PRODUCT_PAGE).content.decode()
    assert client.post(RATE, {"stars": "5"}).status_code == 403
    assert not Rating.objects.exists()


def test_a_retired_product_takes_no_ratings_from_the_page(product, consumer):
    product.status = "retired"
    product.save()
    client = signed_in(consumer)
    assert "it takes no ratings" in client.get(PRODUCT_PAGE).content.decode()
    response = client.post(RATE, {"stars": "5"})
    assert response.status_code == 409
    assert not Rating.objects.exists()


def test_an_owner_replies_from_the_page_and_the_reply_shows(world, product, consumer, rate):
    rating = rate(consumer, product, 2, comment="Late again")
    client = signed_in(world.owner)
    response = client.post(
        f"/reviews/{rating.pk}/reply/", {"body": "Moved the job to 05:00.", "next": PRODUCT_PAGE}, follow=True
    )
    html = response.content.decode()
    assert "Moved the job to 05:00." in html
    assert "Reply from Sales Team" in html
    assert signed_in(consumer).post(f"/reviews/{rating.pk}/reply/", {"body": "x"}).status_code == 403


def test_an_empty_reply_is_shown_next_to_the_field(world, product, consumer, rate):
    rating = rate(consumer, product, 2)
    response = signed_in(world.owner).post(f"/reviews/{rating.pk}/reply/", {"body": ""})
    assert response.status_code == 400
    assert 'id="id_body_error"' in response.content.decode()


def test_a_steward_hides_from_the_page(world, product, consumer, other_team_member, rate):
    rating = rate(consumer, product, 1, comment="Spam spam spam")
    response = signed_in(world.steward).post(f"/reviews/{rating.pk}/hide/", {"reason": "Spam"})
    assert response.status_code == 302
    assert RatingModeration.objects.get().reason == "Spam"
    assert "Spam spam spam" not in signed_in(other_team_member).get(PRODUCT_PAGE).content.decode()
    own = signed_in(consumer).get(PRODUCT_PAGE).content.decode()
    assert "Spam spam spam" in own and "Hidden" in own
    assert signed_in(world.member).post(f"/reviews/{rating.pk}/unhide/", {"reason": "x"}).status_code == 403


def test_the_feedback_inbox_lists_unanswered_reviews_first(world, product, consumers, rate):
    first, second = consumers(2)
    answered = rate(first, product, 4, comment="answered one")
    rate(second, product, 3, comment="waiting one")
    signed_in(world.owner).post(f"/reviews/{answered.pk}/reply/", {"body": "Thanks"})
    html = signed_in(world.member).get("/feedback/").content.decode()
    assert html.index("waiting one") < html.index("answered one")
    only = signed_in(world.member).get("/feedback/?show=unanswered").content.decode()
    assert "waiting one" in only and "answered one" not in only
    assert Notification.objects.filter(recipient=world.member, kind="ratings.review_new").count() == 2


def test_the_domain_scorecard_and_mesh_pages(world, product, consumer, rate):
    rate(consumer, product, 2, comment="Needs work")
    client = signed_in(world.outsider)
    domain_page = client.get("/domains/sales/").content.decode()
    assert 'href="/domains/sales/scorecard/"' in domain_page
    html = client.get("/domains/sales/scorecard/").content.decode()
    assert "Scorecard of Sales" in html
    assert "Lowest rated" in html and "Orders" in html
    assert "Needs work" in html
    assert '<svg class="chart chart-lines"' in html
    assert '<table class="visually-hidden chart-data">' in html
    mesh = client.get("/scorecards/").content.decode()
    assert 'href="/domains/sales/scorecard/"' in mesh
    assert "chart-spark" in mesh


def test_the_versions_page_is_for_the_author_and_the_team(world, product, consumer, other_team_member, rate):
    rating = rate(consumer, product, 2, comment="first take")
    rate(consumer, product, 4, comment="second take")
    assert "first take" in signed_in(consumer).get(f"/reviews/{rating.pk}/versions/").content.decode()
    assert signed_in(world.member).get(f"/reviews/{rating.pk}/versions/").status_code == 200
    assert signed_in(other_team_member).get(f"/reviews/{rating.pk}/versions/").status_code == 403


def test_the_pages_have_no_inline_style_or_script(world, product, consumer, rate):
    rate(consumer, product, 3)
    for url in (PRODUCT_PAGE, "/domains/sales/scorecard/", "/scorecards/", "/feedback/"):
        html = signed_in(world.owner).get(url).content.decode()
        assert " style=" not in html, url
        assert "<script>" not in html, url
        assert " onclick=" not in html, url


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        PRODUCT_PAGE,
        "/products/sales/orders/reviews/",
        "/feedback/",
        "/domains/sales/scorecard/",
        "/scorecards/",
        "/api/v1/products/sales/orders/ratings",
        "/api/v1/ratings/feedback",
    ],
)
def test_pages_do_not_query_per_review(world, product, consumers, rate, url):
    from core.actors import Actor
    from ratings.services import rating_reply

    people = consumers(6)
    first = rate(people[0], product, 2, comment="one")
    rating_reply(actor=Actor(user=world.owner), rating=first, body="answer")
    client = signed_in(world.owner)
    client.get(url)  # warm per-process caches (content types, sessions)
    baseline = _queries(client, url)
    for index, person in enumerate(people[1:], start=1):
        rating = rate(person, product, 1 + index % 5, comment=f"review {index}")
        rating_reply(actor=Actor(user=world.owner), rating=rating, body=f"answer {index}")
    assert _queries(client, url) <= baseline


def test_the_product_page_links_to_all_reviews_past_twenty(world, product, consumer):
    from django.utils import timezone

    from ratings.models import Rating as R
    from tests.factories import UserFactory

    now = timezone.now()
    R.objects.bulk_create(
        R(product=product, author=UserFactory(username=f"r{i}"), stars=4, edited_at=now) for i in range(21)
    )
    html = signed_in(consumer).get(PRODUCT_PAGE).content.decode()
    assert html.count('class="review"') == 20
    assert "All 21 reviews" in html
    every = signed_in(consumer).get("/products/sales/orders/reviews/?page=1").content.decode()
    assert every.count('class="review"') == 21


def test_the_feedback_inbox_puts_waiting_reviews_before_newer_answered_ones(world, product, consumers, rate):
    from core.actors import Actor
    from ratings.services import rating_moderate, rating_reply

    old_waiting, changed, hidden, answered = consumers(4)
    rate(old_waiting, product, 3, comment="old and waiting")
    first = rate(changed, product, 4, comment="answered then changed")
    rating_reply(actor=Actor(user=world.owner), rating=first, body="Thanks")
    rate(changed, product, 2, comment="changed after the reply")
    spam = rate(hidden, product, 1, comment="hidden spam")
    rating_moderate(actor=Actor(user=world.steward), rating=spam, hide=True, reason="Spam")
    done = rate(answered, product, 5, comment="newest and answered")
    rating_reply(actor=Actor(user=world.owner), rating=done, body="Thanks")
    html = signed_in(world.member).get("/feedback/").content.decode()
    order = ["changed after the reply", "old and waiting", "newest and answered", "hidden spam"]
    assert [html.index(text) for text in order] == sorted(html.index(text) for text in order)
    only = signed_in(world.member).get("/feedback/?show=unanswered").content.decode()
    assert "old and waiting" in only and "changed after the reply" in only
    assert "newest and answered" not in only and "hidden spam" not in only


def test_hiding_a_hidden_review_again_says_so_and_records_nothing_more(world, product, consumer, rate):
    rating = rate(consumer, product, 1, comment="Rude words")
    client = signed_in(world.steward)
    assert client.post(f"/reviews/{rating.pk}/hide/", {"reason": "Rude"}).status_code == 302
    again = client.post(f"/reviews/{rating.pk}/hide/", {"reason": "Still rude"})
    assert again.status_code == 409
    assert "This review is hidden already." in again.content.decode()
    blank = client.post(f"/reviews/{rating.pk}/unhide/", {"reason": "   "})
    assert blank.status_code == 400 and 'id="id_reason_error"' in blank.content.decode()
    assert list(RatingModeration.objects.values_list("reason", flat=True)) == ["Rude"]
