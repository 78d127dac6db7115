"""In Chromium: sign in through the test provider's own sign-in page, land as the right team's owner in the
approvals inbox; move to another group at the provider and land in the other team's inbox next time."""

from __future__ import annotations

import copy
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from access.services import access_request_create
from catalog.models import AccessMode, LifecycleStatus
from core.actors import Actor
from tests.factories import OutputPortFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Not an assertion: pictures of the login page and of a failure page to look at after a run (not committed).
SCREENSHOTS = Path(tempfile.gettempdir()) / "meshportal-sso"


@pytest.fixture
def waiting_requests(world):
    """One request waits on each team: oscar (finance) asks sales for orders, mia (sales) asks finance for ledger."""
    for domain, slug, who, purpose in [
        (world.domain, "orders", world.outsider, "Churn model for finance"),
        (world.other_domain, "ledger", world.member, "Margin report for sales"),
    ]:
        product = ProductFactory(domain=domain, slug=slug, name=slug.title(), status=LifecycleStatus.PUBLISHED)
        port = OutputPortFactory(product=product, name=f"{slug}_table", access_mode=AccessMode.ON_REQUEST)
        access_request_create(actor=Actor(user=who), port=port, purpose=purpose, duration_days=10)


@pytest.fixture
def browser_provider(provider, sso_settings, live_server):
    provider.redirect_uris.append(f"{live_server.url}/sso/callback/")
    provider.write()
    # What config/settings.py does when OIDC_ISSUER is set, for the issuer this test's provider got.
    policy = copy.deepcopy(sso_settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append(provider.url)
    sso_settings.CONTENT_SECURITY_POLICY = policy
    return provider


def sign_in_through_the_provider(page, provider, username: str) -> None:
    page.goto("/accounts/login/?next=/access/approvals/")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "login.png")
    page.get_by_role("button", name="Sign in with Test IdP").click()
    page.wait_for_url(f"{provider.url}/authorize?**")
    page.get_by_label("Provider username").fill(username)
    page.get_by_label("Provider password").fill(provider.users[username]["password"])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/access/approvals/")


def test_sign_in_by_sso_lands_in_the_teams_inbox_and_follows_a_group_move(
    page, world, browser_provider, waiting_requests
):
    provider = browser_provider
    provider.add_user("alice", groups=["sales-owners"], name="Alice Liddell")

    sign_in_through_the_provider(page, provider, "alice")

    expect(page.get_by_role("heading", level=1)).to_have_text("Approvals")
    expect(page.locator("article.access-approval")).to_have_count(1)
    expect(page.locator("article.access-approval")).to_contain_text("Churn model for finance")
    page.locator("summary", has_text="alice").click()
    expect(page.get_by_role("link", name=re.compile(r"Sales Team\s*\(owner\)"))).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")  # back from the provider's end-session endpoint
    provider.set_groups("alice", ["finance-owners"])

    sign_in_through_the_provider(page, provider, "alice")

    expect(page.locator("article.access-approval")).to_have_count(1)
    expect(page.locator("article.access-approval")).to_contain_text("Margin report for sales")
    page.locator("summary", has_text="alice").click()
    expect(page.get_by_role("link", name=re.compile(r"Finance Team\s*\(owner\)"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"Sales Team"))).to_have_count(0)


def test_a_failed_sign_in_shows_what_happened(page, world, browser_provider):
    provider = browser_provider
    provider.add_user("alice", groups=["sales-owners"])
    provider.sign_with_unpublished_key()
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with Test IdP").click()
    page.get_by_label("Provider username").fill("alice")
    page.get_by_label("Provider password").fill(provider.users["alice"]["password"])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The sign-in token could not be trusted")
    expect(page.get_by_role("alert")).to_contain_text("signed with a key that Test IdP does not publish")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "failed.png")
    page.get_by_role("button", name="Back to the sign-in page").click()
    page.wait_for_url("**/accounts/login/")
