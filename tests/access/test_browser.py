"""In a real browser: request -> approve -> the grant is visible; and a rejection with its reason."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def request_access(page, shop, purpose: str, days: str) -> None:
    page.goto(shop.product.get_absolute_url())
    page.locator(".product-header").get_by_role("button", name="Request access").click()  # to the Access tab
    form = page.locator(f"form[action='/access/ports/{shop.port.pk}/request/']")
    form.get_by_label("Purpose").fill(purpose)
    form.get_by_label("Duration (days)").fill(days)
    form.get_by_role("button", name="Send request").click()
    expect(page.get_by_text("Your request is with the product's owners.")).to_be_visible()


def sign_out(page) -> None:
    page.context.clear_cookies()


def test_request_approve_and_see_the_grant(page, sign_in, world, shop):
    sign_in("oscar")
    request_access(page, shop, "Churn model", "20")
    expect(page.get_by_test_id("request-status")).to_have_text("Pending")
    sign_out(page)

    sign_in("olivia")
    page.locator(".nav-user summary").click()  # the account menu holds the approvals inbox, its count outside
    page.get_by_role("link", name=re.compile(r"^Approvals\s*1")).click()
    article = page.locator("article.access-approval").filter(has_text="Churn model")
    article.get_by_label("Approve").check()
    article.get_by_role("button", name="Decide").click()
    expect(page.get_by_text("Nothing waits for your decision.")).to_be_visible()
    sign_out(page)

    sign_in("oscar")
    page.goto(shop.product.get_absolute_url())
    expect(page.locator(".product-header").get_by_text("You have access")).to_be_visible()
    page.goto(shop.product.get_tab_url("access"))
    expect(page.locator("#access").get_by_text("You have access")).to_be_visible()
    consumers = page.locator("#access table")
    expect(consumers).to_contain_text("oscar")
    page.locator(".nav-user summary").click()
    page.get_by_role("link", name="My requests").click()
    expect(page.get_by_role("heading", name="Active grants (1)")).to_be_visible()


def test_rejection_shows_its_reason(page, sign_in, world, shop):
    sign_in("oscar")
    request_access(page, shop, "Curiosity", "5")
    request_url = page.url
    sign_out(page)

    sign_in("olivia")
    page.goto(request_url)
    page.get_by_label("Reject").check()
    page.get_by_role("button", name="Decide").click()
    expect(page.get_by_text("Give a reason for the rejection.")).to_be_visible()
    page.get_by_label("Reject").check()
    page.get_by_label("Reason or question").fill("Use the open sample port instead")
    page.get_by_role("button", name="Decide").click()
    expect(page.get_by_test_id("request-status")).to_have_text("Rejected")
    sign_out(page)

    sign_in("oscar")
    page.goto(request_url)
    expect(page.get_by_test_id("request-status")).to_have_text("Rejected")
    expect(page.locator("dl.facts")).to_contain_text("Use the open sample port instead")
    expect(page.locator("table")).to_contain_text("rejected")
