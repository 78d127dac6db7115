"""Every POST form carries the CSRF token, and a POST without it is refused (and audited as refused)."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

from audit.models import AuditEntry
from core.actors import Scope
from glossary.models import Proposal
from tests.factories import OutputPortFactory, ProductFactory
from tests.glossary.conftest import propose
from tokens.services import token_create

pytestmark = pytest.mark.django_db

START_PAGES = [
    "/",
    "/products/",
    "/products/sales/orders/",
    "/domains/sales/",
    "/teams/sales-team/",
    "/teams/sales-team/tokens/",
    "/inbox/",
    "/glossary/",
    "/glossary/domains/sales/",
    "/glossary/domains/sales/propose/",
    "/glossary/domains/sales/suggestions/",
    "/glossary/review/",
    "/lineage/",
    "/search/?q=orders",
    "/audit/",
]
MAX_PAGES = 80
SKIP = ("/admin/", "/static/", "/api/", "/accounts/logout", "export.")


class FormsAndLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self.forms.append(
                {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action"), "token": False}
            )
        elif tag == "input" and attrs.get("name") == "csrfmiddlewaretoken" and self.forms and attrs.get("value"):
            self.forms[-1]["token"] = True


@pytest.fixture
def site(world):
    product = ProductFactory(domain=world.domain, slug="orders", name="Orders")
    OutputPortFactory(product=product, name="orders_table")
    token_create(actor=None, team=world.team, name="ci", scopes=[Scope.READ])
    propose(world.member, name="Churn", definition="Customers lost.")
    world.owner.is_staff = True  # so the crawl reaches the audit page too
    world.owner.save()


def test_every_post_form_on_the_crawled_pages_carries_the_token(site, world):
    client = Client()
    client.force_login(world.owner)
    queue = list(START_PAGES)
    seen: set[str] = set()
    post_forms: list[tuple[str, str]] = []
    missing: list[tuple[str, str]] = []
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code < 500, path
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        parser = FormsAndLinks()
        parser.feed(response.content.decode())
        for form in parser.forms:
            if form["method"] == "post":
                post_forms.append((path, form["action"]))
                if not form["token"]:
                    missing.append((path, form["action"]))
        for href in parser.links:
            target = urlsplit(urljoin(path, href))
            if target.netloc or not target.path.startswith("/") or target.path.startswith(SKIP):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    assert len(post_forms) >= 5, post_forms  # the crawl did reach the pages with forms
    assert missing == []


def test_a_post_without_the_token_is_refused_and_audited(site, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.owner)
    proposal = Proposal.objects.get()
    for path, data in [
        ("/teams/sales-team/tokens/", {"name": "sneaky", "scopes": ["read"]}),
        (f"/glossary/proposals/{proposal.pk}/comment/", {"body": "forged"}),
        ("/inbox/read/", {}),
        ("/accounts/logout/", {}),
    ]:
        response = client.post(path, data)
        assert response.status_code == 403, path
    assert not proposal.events.filter(body="forged").exists()
    assert world.team.tokens.filter(name="sneaky").count() == 0
    refused = AuditEntry.objects.filter(status_code=403)
    assert refused.count() == 4
    assert set(refused.values_list("username", flat=True)) == {"olivia"}


def test_a_post_with_the_token_from_the_form_is_accepted(site, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.owner)
    page = client.get("/teams/sales-team/tokens/")
    token = page.context["csrf_token"]
    response = client.post(
        "/teams/sales-team/tokens/", {"name": "honest", "scopes": ["read"], "csrfmiddlewaretoken": str(token)}
    )
    assert response.status_code == 200
    assert world.team.tokens.filter(name="honest").exists()


def test_the_api_with_a_session_needs_the_token_too_but_bearer_tokens_do_not(site, world, team_client):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.owner)
    response = client.post("/api/v1/products/sales/orders/retire")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert team_client.post("/api/v1/products/sales/orders/retire").status_code == 200
