"""My data, following with CSRF, preferences and saved searches, as a signed-in person uses them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.services.deprecations import deprecation_set
from core.actors import Actor
from notices.models import Follow, Notice, Preference, SavedSearch
from notices.saved import saved_search_create, saved_searches_check
from tests.factories import ProductFactory
from tests.notices.conftest import orders_body, upsert

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


def csrf(browser: Client, url: str) -> str:
    browser.get(url)
    return browser.cookies["csrftoken"].value


def test_my_data_shows_what_i_consume_with_changes_since_my_last_visit(consumers, world, publish):
    browser = signed_in(consumers.gina)
    first = browser.get("/my-data/").content.decode()
    assert "this is your first visit" in first and "Orders" in first
    publish(orders_body(version="2.0.0", drop="note"))
    deprecation_set(
        actor=Actor(user=world.owner),
        product=consumers.orders,
        port=consumers.orders.output_ports.get(name="orders_table"),
        sunset_on=timezone.localdate() + dt.timedelta(days=20),
        reason="Use v2.",
    )
    html = browser.get("/my-data/").content.decode()
    assert "since your last visit" in html
    assert "Breaking change to Orders 2.0.0" in html
    assert "<code>/outputPorts/orders_table/fields/note</code> field removed" in html
    sunset = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    assert f'port orders_table: sunset <time datetime="{sunset}">' in html
    assert "grant" in html
    again = browser.get("/my-data/").content.decode()
    assert "Breaking change to Orders 2.0.0" not in again  # seen now


def test_the_header_links_my_data(consumers):
    assert 'href="/my-data/"' in signed_in(consumers.gina).get("/").content.decode()


def test_my_data_reads_a_fixed_number_of_queries_whatever_the_number_of_products(consumers, world):
    browser = signed_in(consumers.fred)

    def count() -> int:
        browser.get("/my-data/")  # the visit before, so both counts read "since"
        with CaptureQueriesContext(connection) as queries:
            assert browser.get("/my-data/").status_code == 200
        return len(queries)

    for i in range(3):
        Follow.objects.create(
            user=consumers.fred, target="product", product=ProductFactory(domain=world.domain, slug=f"a{i}")
        )
    few = count()
    for i in range(30):
        Follow.objects.create(
            user=consumers.fred, target="product", product=ProductFactory(domain=world.domain, slug=f"b{i}")
        )
    assert count() == few


def test_following_and_unfollowing_a_product_takes_a_csrf_token(consumers):
    browser = signed_in(consumers.ana)
    url = f"/follow/product/{consumers.orders.pk}/"
    assert browser.post(url).status_code == 403
    token = csrf(browser, "/products/sales/orders/")
    assert browser.post(url, {"csrfmiddlewaretoken": token, "next": "/products/sales/orders/"}).status_code == 302
    assert Follow.objects.filter(user=consumers.ana, product=consumers.orders).exists()
    assert "Unfollow" in browser.get("/products/sales/orders/").content.decode()
    browser.post(url, {"csrfmiddlewaretoken": token, "action": "unfollow"})
    assert not Follow.objects.filter(user=consumers.ana, product=consumers.orders).exists()


def test_preferences_are_chosen_per_kind_on_the_page_and_the_api(consumers, user_client):
    browser = signed_in(consumers.gina)
    token = csrf(browser, "/my-data/preferences/")
    form = {"csrfmiddlewaretoken": token}
    for kind in ("breaking_change", "deprecation", "incident", "new_version", "new_match"):
        form[f"{kind}__frequency"] = "digest" if kind == "new_version" else "immediately"
        form[f"{kind}__mail"] = "on"
    form["breaking_change__frequency"] = "off"
    assert browser.post("/my-data/preferences/", form).status_code == 302
    assert Preference.objects.get(user=consumers.gina, kind="breaking_change").frequency == "off"
    api = user_client(consumers.gina)
    assert api.get("/api/v1/notices/preferences").json()["breaking_change"] == {"frequency": "off", "mail": True}
    bad = api.put("/api/v1/notices/preferences", {"incident": {"frequency": "hourly"}}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["pointer"] == "/incident/frequency"
    # Not a string, not an object, not JSON: each refused with the field named, and nothing stored.
    form = {"content_type": "application/x-www-form-urlencoded"}  # a form body flattens the per-kind objects
    for body, how, pointer in [
        ({"incident": {"frequency": 3}}, {"format": "json"}, "/incident/frequency"),
        ({"incident": "off"}, {"format": "json"}, "/incident"),
        ([{"incident": {"frequency": "off"}}], {"format": "json"}, ""),
        ("incident=frequency", form, "/incident"),
    ]:
        bad = api.put("/api/v1/notices/preferences", body, **how)
        assert bad.status_code == 400 and bad.json()["errors"][0]["pointer"] == pointer, body
    assert not Preference.objects.filter(user=consumers.gina, kind="incident").exclude(frequency="immediately").exists()


def test_the_follows_api_follows_a_domain(consumers, user_client):
    api = user_client(consumers.ana)
    assert api.post("/api/v1/follows", {"domain": "sales"}, format="json").status_code == 201
    assert api.get("/api/v1/follows").json()["results"] == [{"target": "domain", "domain": "sales"}]
    assert api.post("/api/v1/follows", {"product": "sales/nope"}, format="json").status_code == 404


def test_a_saved_search_alerts_on_a_new_match_only(consumers, world, django_capture_on_commit_callbacks):
    saved = saved_search_create(user=consumers.fred, name="Orders things", query="q=orders")
    assert consumers.orders.pk in saved.seen  # what it finds today is the baseline
    assert saved_searches_check() == 0
    with django_capture_on_commit_callbacks(execute=True):
        upsert(Actor(user=world.owner), "sales", "orders-eu", {"name": "Orders EU", "summary": "European orders."})
    assert saved_searches_check() == 1
    notice = Notice.objects.get(user=consumers.fred, kind="new_match")
    assert notice.title == "New match for 'Orders things': Orders EU"
    assert saved_searches_check() == 0
    assert SavedSearch.objects.get().checked_at is not None


def test_an_opened_incident_tells_consumers_but_not_the_owners(consumers, world):
    from notices.services import incidents_announce
    from slo.models import Incident, ServiceLevelObjective, SloSource

    slo = ServiceLevelObjective.objects.create(
        product=consumers.orders, name="rows", kind="volume", min_rows=1, source=SloSource.MANUAL
    )
    incident = Incident.objects.create(slo=slo, opened_at=timezone.now())
    assert incidents_announce(incident_ids=[incident.pk]) == 5
    assert not Notice.objects.filter(user=world.owner).exists()
    html = signed_in(consumers.gina).get("/my-data/").content.decode()
    assert "Incident: Orders" in html


def test_owners_publish_from_the_page_with_the_same_verdict_as_the_api(
    consumers, world, django_capture_on_commit_callbacks
):
    import json

    browser = signed_in(world.owner)
    url = "/products/sales/orders/publish/"
    page = browser.get(url).content.decode()
    assert "&quot;note&quot;" in page  # the current document, to edit
    token = browser.cookies["csrftoken"].value
    document = json.dumps(orders_body(drop="note"))
    preview = browser.post(url, {"csrfmiddlewaretoken": token, "document": document, "action": "preview"})
    assert "Verdict: <strong>refused</strong>" in preview.content.decode()
    refused = browser.post(url, {"csrfmiddlewaretoken": token, "document": document, "action": "publish"})
    assert refused.status_code == 400
    assert "<code>/outputPorts/orders_table/fields/note</code>: Breaking: field removed." in refused.content.decode()
    bumped = json.dumps(orders_body(version="2.0.0", drop="note"))
    with django_capture_on_commit_callbacks(execute=True):
        done = browser.post(url, {"csrfmiddlewaretoken": token, "document": bumped, "action": "publish"})
    assert done.status_code == 302
    version = consumers.orders.versions.latest("number")
    assert (version.channel, version.author, version.breaking) == ("page", world.owner, True)
    assert signed_in(consumers.gina).get(url).status_code == 403
