"""An owner removes a field that another team consumes: refused without a major version bump, accepted with one;
the consumer sees the change on My data and in the inbox. In a real browser."""

from __future__ import annotations

import json
import re

import pytest

from tests.notices.conftest import consumers, orders_body  # noqa: F401  # the fixture, shared with tests/notices

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_as(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def test_a_breaking_change_is_refused_then_published_with_a_major_bump_and_the_consumer_is_told(
    consumers,  # noqa: F811  # the fixture imported above
    world,
    browser,
    live_server,
):
    owner = browser.new_context(base_url=live_server.url)
    page = owner.new_page()
    sign_in_as(page, world.owner.username)
    page.goto("/products/sales/orders/")
    page.get_by_role("link", name="Publish a new version").click()
    editor = page.get_by_label("Document (JSON)")
    assert '"note"' in editor.input_value()

    editor.fill(json.dumps(orders_body(drop="note"), indent=2))
    page.get_by_role("button", name="Publish").click()
    alert = page.get_by_role("alert")
    assert "without a major version bump" in alert.inner_text()
    assert "/outputPorts/orders_table/fields/note: Breaking: field removed." in alert.inner_text()

    page.get_by_label("Document (JSON)").fill(json.dumps(orders_body(version="2.0.0", drop="note"), indent=2))
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(re.compile(r".*/products/sales/orders/\?tab=history#versions$"))
    history = page.locator("#versions")
    assert "breaking" in history.inner_text()
    assert "/outputPorts/orders_table/fields/note field removed (breaking)" in history.inner_text()
    owner.close()

    consumer = browser.new_context(base_url=live_server.url)
    page = consumer.new_page()
    sign_in_as(page, consumers.oscar.username)  # finance-team's ledger takes orders_table as an input port
    page.locator(".nav-user summary").click()  # My data sits in the account menu
    page.get_by_role("link", name="My data").click()
    changed = page.locator("section", has=page.get_by_role("heading", name="Changed since your last visit"))
    assert "Breaking change to Orders 2.0.0" in changed.inner_text()
    row = page.get_by_role("row", name=re.compile("Orders"))
    assert "/outputPorts/orders_table/fields/note" in row.inner_text()
    page.get_by_role("link", name=re.compile("^Inbox")).click()
    assert page.get_by_text("Breaking change to Orders 2.0.0").count() >= 1
    consumer.close()
