"""The browser pages of the catalog core: what a signed-in person sees, and who may manage tokens."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import DataContract, InputPort, SlaProperty, Tag
from catalog.templatetags.portal import markdown
from core.actors import Actor, Scope
from core.templatetags.quality import ago_text
from ratings.services import rating_upsert
from search.ranking import bayesian_average
from slo.models import ServiceLevelObjective
from tests.factories import (
    OutputPortFactory,
    ProductFactory,
    SchemaFieldFactory,
    UserFactory,
)
from tokens.models import ApiToken, hash_secret
from tokens.services import token_create

SECRET_RE = re.compile(r'<code id="token-secret" class="secret">(mp_[0-9a-f]+_[A-Za-z0-9_-]+)</code>')


def text(response) -> str:
    return response.content.decode()


def first(pattern: str | re.Pattern[str], page: str, group: int = 0) -> str:
    """The first match of `pattern` in the page (across lines), failing the test when there is none."""
    match = re.compile(pattern, re.S).search(page) if isinstance(pattern, str) else pattern.search(page)
    assert match is not None, f"{pattern!r} not found"
    return match.group(group)


# Access -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/domains/",
        "/domains/sales/",
        "/products/",
        "/products/sales/orders/",
        "/teams/",
        "/teams/sales-team/",
        "/teams/sales-team/tokens/",
    ],
)
def test_anonymous_people_are_sent_to_sign_in(client, mesh, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_login_page_has_labelled_fields_and_signs_in(client, world):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    page = text(response)
    assert '<label for="id_username">Username</label>' in page
    assert '<label for="id_password">Password</label>' in page

    response = client.post(reverse("login"), {"username": "mia", "password": "pass-word-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_login_page_says_when_credentials_are_wrong(client, world):
    response = client.post(reverse("login"), {"username": "mia", "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in text(response)


# Layout -----------------------------------------------------------------------------------------------------


def test_base_layout_has_landmarks_navigation_search_and_logout(client, world):
    client.force_login(world.owner)
    page = text(client.get("/products/"))
    assert '<a class="skip-link" href="#main">' in page
    assert '<main id="main"' in page
    assert '<nav aria-label="Main" class="site-menu-panel">' in page
    assert f'<a href="{reverse("product_list")}" aria-current="page">Products</a>' in page
    assert f'<a href="{reverse("domain_list")}" >Domains</a>' in page
    assert '<label for="site-search-q" class="visually-hidden">Search the catalog</label>' in page
    assert 'role="search" method="get" action="/search/"' in page
    # Signed-in people reach their teams and, as owners, the token page; sign-out is a POST with CSRF.
    assert 'href="/teams/sales-team/"' in page
    assert 'href="/teams/sales-team/tokens/"' in page
    assert "csrfmiddlewaretoken" in first(r'<form method="post" action="/accounts/logout/".*?</form>', page)
    assert '/static/vendor/htmx/htmx.min.js" defer' in page
    assert "<script>" not in page  # no inline scripts: a strict Content-Security-Policy comes later


def test_every_page_links_the_site_icon_and_favicon_ico_finds_it_without_signing_in(client, world):
    client.force_login(world.member)
    page = text(client.get("/"))
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page
    assert finders.find("img/favicon.svg")
    client.logout()
    # Pages outside base.html (the admin, JSON in a browser tab) make the browser ask for /favicon.ico.
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.svg"


def test_members_see_no_token_link_for_teams_they_do_not_own(signed_in):
    page = text(signed_in.get("/"))
    assert 'href="/teams/sales-team/"' in page
    assert 'href="/teams/sales-team/tokens/"' not in page


def test_sign_out_is_a_post(client, world):
    client.force_login(world.member)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


# Home and domains -------------------------------------------------------------------------------------------


def test_home_shows_counts_recent_products_and_domains(signed_in, mesh):
    ProductFactory(domain=mesh.orders.domain, slug="old", name="Old Orders", status="retired")
    response = signed_in.get("/")
    assert response.status_code == 200
    page = text(response)
    counts = dict(re.findall(r"<dt>(.*?)</dt>\s*<dd><a [^>]*>(\d+)</a></dd>", page))
    assert counts == {"Domains": "3", "Published products": "3", "Teams": "2"}
    assert 'href="/products/sales/orders/"' in page
    assert "Old Orders" not in page  # retired products are not "recently updated"
    # Sales counts its sub-domain's product too.
    assert re.search(r'href="/domains/sales/">Sales</a>\s*<span class="count">2 products</span>', page)


def test_domain_tree_nests_sub_domains_with_counts_and_owners(signed_in, mesh):
    page = text(signed_in.get("/domains/"))
    sales = page.index('href="/domains/sales/"')
    emea = page.index('href="/domains/sales-emea/"')
    finance = page.index('href="/domains/finance/"')
    assert finance < sales < emea  # alphabetical roots; EMEA inside Sales
    assert page.count('<ul class="domain-tree">') == 2
    assert ">2 products</a>" in page and ">1 product</a>" in page
    assert 'owned by <a href="/teams/sales-team/">Sales Team</a>' in page


def test_domain_page_renders_description_products_and_breadcrumb(signed_in, mesh):
    page = text(signed_in.get("/domains/sales/"))
    assert "Everything about <strong>selling</strong>." in page
    assert "alert('domain')" not in page
    assert 'href="/products/sales/orders/"' in page
    assert '<span class="badge status-published"' in page
    assert 'href="/domains/sales-emea/"' in page  # sub-domains

    page = text(signed_in.get("/domains/sales-emea/"))
    assert re.search(r'<li><a href="/domains/sales/">Sales</a></li>\s*<li>Sales EMEA</li>', page)
    assert "EMEA Returns" in page


def test_unknown_domain_is_404(signed_in, world):
    assert signed_in.get("/domains/nope/").status_code == 404


# Products list ----------------------------------------------------------------------------------------------


def product_names(response) -> list[str]:
    return re.findall(r'class="product-name">(.*?)</a>', text(response))


def test_products_list_filters_by_each_field(signed_in, mesh, world):
    ProductFactory(
        domain=world.other_domain, slug="ledger", name="Ledger", kind="consumer-aligned", status="deprecated"
    )
    ProductFactory(domain=world.other_domain, slug="gone", name="Gone", status="retired")

    assert product_names(signed_in.get("/products/")) == ["Customers", "Ledger", "Orders", "EMEA Returns"]
    assert product_names(signed_in.get("/products/?domain=sales")) == ["Orders", "EMEA Returns"]
    assert product_names(signed_in.get("/products/?kind=aggregate")) == ["EMEA Returns"]
    assert product_names(signed_in.get("/products/?status=retired")) == ["Gone"]
    assert product_names(signed_in.get("/products/?tag=WEB-SHOP")) == ["Orders"]
    assert product_names(signed_in.get("/products/?team=finance-team")) == ["Customers", "Ledger"]
    assert product_names(signed_in.get("/products/?q=web%20shop")) == ["Orders"]  # summary
    assert product_names(signed_in.get("/products/?q=ORDERS")) == ["Orders"]  # name and tag, listed once
    assert product_names(signed_in.get("/products/?q=web-shop&domain=finance")) == []


def test_products_list_folds_its_filters_behind_a_disclosure_that_counts_them(signed_in, mesh):
    page = text(signed_in.get("/products/"))
    assert '<details class="filters-disclosure" data-filters>' in page  # closed: on a phone the products come first
    assert '<summary class="filters-summary">Filters</summary>' in page

    page = text(signed_in.get("/products/?kind=aggregate&domain=sales"))
    assert '<summary class="filters-summary">Filters <span class="count-badge" aria-label="2 applied">2</span>' in page


def test_products_list_keeps_its_state_in_the_url(signed_in, mesh):
    page = text(signed_in.get("/products/?q=orders&kind=source-aligned"))
    assert re.search(r'<input type="text" name="q" value="orders"[^>]*id="id_q"', page)
    assert '<option value="source-aligned" selected>' in page
    assert 'href="/products/" role="button"' in page  # clear filters


def test_products_list_reports_a_bad_filter_and_ignores_it(signed_in, mesh):
    response = signed_in.get("/products/?domain=atlantis")
    assert response.status_code == 200
    assert 'id="id_domain_error"' in text(response)
    assert 'aria-invalid="true"' in text(response)
    assert len(product_names(response)) == 3


def test_products_list_paginates_25_per_page_keeping_filters(signed_in, world):
    for n in range(30):
        ProductFactory(domain=world.domain, slug=f"p-{n:02}", name=f"Product {n:02}", kind="aggregate")
    first = signed_in.get("/products/?kind=aggregate")
    assert len(product_names(first)) == 25
    assert "Page 1 of 2" in text(first)
    assert 'href="?kind=aggregate&amp;page=2" rel="next"' in text(first)
    second = signed_in.get("/products/?kind=aggregate&page=2")
    assert product_names(second) == [f"Product {n}" for n in range(25, 30)]
    assert 'href="?kind=aggregate&amp;page=1" rel="prev"' in text(second)


def test_products_list_queries_do_not_grow_with_rows(signed_in, world, django_assert_max_num_queries):
    def make(n: int, start: int) -> None:
        for i in range(start, start + n):
            product = ProductFactory(domain=world.domain, slug=f"q-{i}", name=f"Q {i}")
            product.tags.add(Tag.objects.get_or_create(name=f"t{i}")[0])

    make(3, 0)
    with CaptureQueriesContext(connection) as few:
        signed_in.get("/products/?q=q")
    make(20, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = signed_in.get("/products/?q=q")
    assert len(product_names(response)) == 23


def test_product_lists_show_stars_slo_state_and_age_without_a_query_per_row(
    signed_in, world, django_assert_num_queries, settings
):
    settings.RATINGS_WRITES_PER_MINUTE = 0  # two raters rate every product here
    raters = [UserFactory(username=f"rater{i}") for i in range(2)]

    def make(n: int, start: int) -> None:
        for i in range(start, start + n):
            product = ProductFactory(domain=world.domain, slug=f"q-{i}", name=f"Q {i}", status="published")
            product.tags.add(Tag.objects.get_or_create(name=f"t{i}")[0])
            for rater, stars in zip(raters, (5, 3), strict=True):
                rating_upsert(actor=Actor(user=rater), product=product, data={"stars": stars})
            state = ("met", "breached", "no_data")[i % 3]
            ServiceLevelObjective.objects.create(
                product=product, name="fresh", kind="freshness", threshold=3600, state=state
            )
        ProductFactory(domain=world.domain, slug=f"plain-{start}", name=f"Q plain {start}")

    make(3, 0)
    with CaptureQueriesContext(connection) as few:
        signed_in.get("/products/?q=q")
    make(12, 3)
    with django_assert_num_queries(len(few.captured_queries)):
        response = signed_in.get("/products/?q=q")
    page = text(response)
    assert len(product_names(response)) == 17
    row = first(r'<a href="/products/sales/q-1/" class="product-name">.*?</tr>', page)
    assert f'<span aria-hidden="true">{bayesian_average(8, 2):.1f}</span>' in row
    assert "SLO breached" in row
    assert re.search(r'<time datetime="[^"]+" title="[^"]+ UTC">(just now|\d+ min ago)</time>', row)
    assert "SLOs met" in first(r'<a href="/products/sales/q-0/" class="product-name">.*?</tr>', page)
    plain = first(r'<a href="/products/sales/plain-0/" class="product-name">.*?</tr>', page)
    assert "Not rated yet" in plain and ">No SLOs</span>" in plain


def test_a_products_age_reads_in_one_unit():
    now = timezone.now()
    assert [
        ago_text(now - delta, now)
        for delta in (
            dt.timedelta(seconds=20),
            dt.timedelta(minutes=12),
            dt.timedelta(hours=3, minutes=59),
            dt.timedelta(days=5),
            dt.timedelta(days=200),
            dt.timedelta(days=800),
            dt.timedelta(minutes=-3),
        )
    ] == ["just now", "12 min ago", "3 h ago", "5 d ago", "6 mo ago", "2 y ago", "just now"]


# Product page -----------------------------------------------------------------------------------------------


def test_product_page_shows_overview(signed_in, mesh):
    response = signed_in.get("/products/sales/orders/")
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Orders</h1>" in page
    assert "Every order placed in the web shop." in page
    assert "urn:dataproduct:sales:orders" in page
    assert "Orders <em>as placed</em>" in page
    assert '<a href="https://wiki.example.com/orders" rel="noopener noreferrer">Runbook</a>' in page
    assert "<dt>Version</dt><dd>1.2.0</dd>" in page
    assert '<span class="badge kind" title="Kind of data product">Source-aligned</span>' in page
    assert 'href="/products/?tag=web-shop"' in page


def test_product_page_shows_ports_schema_and_classification(signed_in, mesh):
    page = text(signed_in.get("/products/sales/orders/?tab=schema"))
    assert "<code>warehouse.sales.orders</code>" in page
    assert "<dt>Format</dt><dd>parquet</dd>" in page
    assert '<span class="badge access-on_request">On request</span>' in page
    row = first(r'<tr class="classified-sensitive">.*?</tr>', page)
    assert "customer_email" in row
    assert '<span class="badge classification-sensitive">Personal data (PII)</span>' in row
    order_id = first(r"<code>order_id</code>.*?</tr>", page)
    assert "<td>no</td>" in order_id and '<span class="badge pk">PK</span>' in order_id
    # A port with several objects gets one table per object.
    assert "Object <code>header</code>" in page and "Object <code>line</code>" in page


def test_product_page_shows_the_contract_or_says_there_is_none(signed_in, mesh):
    page = text(signed_in.get("/products/sales/orders/?tab=contract"))
    assert "Data contract: Orders contract <small>v1.0.0</small>" in page
    assert "Orders for finance reporting." in page
    assert re.search(r"<th scope=\"row\">latency</th>\s*<td>4 h</td>", page)
    assert re.search(r"<th scope=\"row\">retention</th>\s*<td>3 y</td>", page)
    assert "rowCount mustBeGreaterThan <code>0</code>" in page
    assert "No contract: this port has no data contract." in page  # the events port


def test_product_page_shows_inputs_and_owners(signed_in, mesh, world):
    page = text(signed_in.get("/products/sales/orders/?tab=lineage"))
    inputs = page[page.index('id="input-ports"') :]
    assert '<a href="/products/finance/customers/">Customers</a>' in inputs
    assert "<code>sap://erp/VBAK</code>" in inputs
    assert "<code>marketing/campaigns</code>" in inputs and "<code>missing-contract</code>" in inputs
    page = text(signed_in.get("/products/sales/orders/"))  # the owners are on the overview
    assert 'href="/products/sales/orders/?tab=lineage#input-ports">3 input ports</a>' in page
    owners = page[page.index('id="owners"') :]
    assert 'Owned by <a href="/teams/sales-team/">Sales Team</a>' in owners
    assert owners.index("olivia") < owners.index("stefan") < owners.index("mia")  # owner, steward, member
    assert '<span class="badge role-owner">Owner</span>' in owners


def test_retired_products_stay_viewable_with_a_banner(signed_in, mesh):
    mesh.orders.status = "retired"
    mesh.orders.save()
    response = signed_in.get("/products/sales/orders/")
    assert response.status_code == 200
    assert "This product is retired." in text(response)


def test_html_in_a_product_name_is_escaped(signed_in, world):
    ProductFactory(
        domain=world.domain,
        slug="evil",
        name="<script>alert(1)</script>",
        summary='<img src=x onerror="alert(2)">',
    )
    for url in ("/products/sales/evil/", "/products/", "/domains/sales/", "/"):
        page = text(signed_in.get(url))
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<img src=x" not in page


def test_product_description_is_sanitised(signed_in, world):
    ProductFactory(
        domain=world.domain,
        slug="md",
        name="Md",
        description='Hello <script>alert("x")</script>\n\n'
        '<a href="javascript:alert(1)" onclick="steal()">link</a>\n\n'
        '<img src="https://tracker.example/p.gif" onerror="alert(3)">',
    )
    page = text(signed_in.get("/products/sales/md/"))
    assert "Hello" in page
    assert 'alert("x")' not in page and "javascript:" not in page
    assert "onclick" not in page and "onerror" not in page and "tracker.example" not in page


def test_unknown_product_is_404(signed_in, mesh):
    assert signed_in.get("/products/finance/orders/").status_code == 404


@pytest.mark.parametrize("tab", ["", "?tab=schema", "?tab=contract"])
def test_product_page_queries_do_not_grow_with_ports_and_fields(signed_in, mesh, django_assert_max_num_queries, tab):
    with CaptureQueriesContext(connection) as before:
        signed_in.get(f"/products/sales/orders/{tab}")
    for n in range(5):
        port = OutputPortFactory(product=mesh.orders, name=f"extra_{n}", contract_ref="orders-contract")
        for f in range(4):
            SchemaFieldFactory(port=port, name=f"f{f}", object_name=f"obj{f % 2}")
        InputPort.objects.create(product=mesh.orders, name=f"more_{n}", source_port=mesh.orders_port)
    extra = DataContract.objects.create(contract_id="other", version="1")
    SlaProperty.objects.create(contract=extra, name="frequency", value="1", unit="d")
    OutputPortFactory(product=mesh.orders, name="other_port", contract_ref="other")
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = signed_in.get(f"/products/sales/orders/{tab}")
    shown = {"": 'class="howto-port"', "?tab=schema": 'class="port"', "?tab=contract": 'class="port-contract"'}[tab]
    assert text(response).count(shown) == 8


# Markdown ---------------------------------------------------------------------------------------------------


def test_markdown_keeps_formatting_and_drops_scripts_and_handlers():
    html = str(
        markdown(
            "# Title\n\n**bold** and `code`\n\n<script>alert(1)</script>\n\n"
            '<p onmouseover="alert(2)" style="color:red">hover</p>\n\n[x](javascript:alert(3)) [ok](https://example.org)'
            "\n\n| a | b |\n|---|---|\n| 1 | 2 |"
        )
    )
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html and "<code>code</code>" in html
    assert "<table>" in html
    assert "script" not in html and "alert" not in html
    assert "onmouseover" not in html and "style=" not in html
    assert '<a href="https://example.org" rel="noopener noreferrer">ok</a>' in html
    assert markdown("") == "" and markdown(None) == ""


# Teams ------------------------------------------------------------------------------------------------------


def test_team_list_shows_counts(signed_in, mesh):
    page = text(signed_in.get("/teams/"))
    row = first(r'<a href="/teams/sales-team/">Sales Team</a>.*?</tr>', page)
    assert re.findall(r"<td>(?:<a [^>]*>)?(\d+)", row) == ["3", "2", "2"]


def test_team_page_shows_members_domains_and_products(signed_in, mesh):
    page = text(signed_in.get("/teams/sales-team/"))
    assert "<h1>Sales Team</h1>" in page
    members = page[page.index('id="members-heading"') :]
    assert members.index("olivia") < members.index("stefan") < members.index("mia")
    assert '<span class="badge role-steward">Data steward</span>' in page
    assert 'href="/domains/sales-emea/"' in page
    assert 'href="/products/sales/orders/"' in page
    assert "Manage API tokens" not in page  # mia is a member


def test_team_page_offers_tokens_to_owners(client, world):
    client.force_login(world.owner)
    assert "Manage API tokens" in text(client.get("/teams/sales-team/"))


# Tokens -----------------------------------------------------------------------------------------------------


def test_owner_sees_tokens_and_the_create_form(client, world):
    issued = token_create(actor=None, team=world.team, name="nightly", scopes=[Scope.WRITE_PRODUCTS])
    token_create(actor=None, team=world.other_team, name="finance-job", scopes=[Scope.READ])
    client.force_login(world.owner)
    response = client.get("/teams/sales-team/tokens/")
    assert response.status_code == 200
    page = text(response)
    assert f"<code>mp_{issued.token.key_id}_…</code>" in page
    assert issued.secret not in page
    assert "finance-job" not in page
    assert '<code title="Publish products, ports and contracts">write:products</code>' in page
    for scope in Scope.values:
        assert f'value="{scope}"' in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_owner_creates_a_token_and_sees_the_secret_once(client, world):
    client.force_login(world.owner)
    tomorrow = (timezone.now() + dt.timedelta(days=1)).date()
    response = client.post(
        "/teams/sales-team/tokens/",
        {
            "name": "nightly orders",
            "scopes": [Scope.READ, Scope.WRITE_PRODUCTS],
            "expires_at": tomorrow.isoformat(),
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = first(SECRET_RE, text(response), group=1)
    token = ApiToken.objects.get(team=world.team)
    assert token.name == "nightly orders"
    assert token.scopes == [Scope.READ, Scope.WRITE_PRODUCTS]
    assert token.created_by == world.owner
    assert token.expires_at == dt.datetime.combine(tomorrow + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    assert secret.startswith(f"mp_{token.key_id}_")
    assert token.secret_hash == hash_secret(secret.split("_", 2)[2])
    assert secret.split("_", 2)[2] not in token.secret_hash
    # Not kept anywhere the next page could read it from.
    assert secret not in text(client.get("/teams/sales-team/tokens/"))
    assert not any(secret in str(v) for v in client.session.values())


def test_token_errors_show_next_to_the_fields_and_write_nothing(client, world):
    client.force_login(world.owner)
    yesterday = (timezone.now() - dt.timedelta(days=2)).date()
    response = client.post(
        "/teams/sales-team/tokens/",
        {"name": "late", "scopes": [Scope.READ], "expires_at": yesterday.isoformat()},
    )
    page = text(response)
    assert response.status_code == 200
    assert '<small class="field-errors" id="id_expires_at_error">The expiry must be in the future.</small>' in page
    assert 'aria-describedby="id_expires_at_helptext id_expires_at_error"' in page
    response = client.post("/teams/sales-team/tokens/", {"name": "", "scopes": []})
    assert 'id="id_name_error"' in text(response) and 'id="id_scopes_error"' in text(response)
    assert not ApiToken.objects.exists()


def test_owner_revokes_a_token(client, world):
    issued = token_create(actor=None, team=world.team, name="nightly", scopes=[Scope.READ])
    client.force_login(world.owner)
    page = text(client.get("/teams/sales-team/tokens/"))
    assert f'action="/teams/sales-team/tokens/{issued.token.key_id}/revoke/"' in page
    response = client.post(f"/teams/sales-team/tokens/{issued.token.key_id}/revoke/", follow=True)
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    page = text(response)
    assert "Token “nightly” is revoked" in page
    assert "Revoked " in page
    assert f"/tokens/{issued.token.key_id}/revoke/" not in page  # no second revoke button


def test_staff_may_manage_any_team(client, world):
    client.force_login(world.staff)
    assert client.get("/teams/finance-team/tokens/").status_code == 200


@pytest.mark.parametrize("who", ["member", "steward", "outsider"])
def test_it_rejects_non_owners(client, world, who):
    issued = token_create(actor=None, team=world.team, name="nightly", scopes=[Scope.READ])
    client.force_login(getattr(world, who))

    response = client.get("/teams/sales-team/tokens/")
    assert response.status_code == 403
    assert "Only owners of team &#x27;sales-team&#x27; may manage it." in text(response)
    assert client.post("/teams/sales-team/tokens/", {"name": "x", "scopes": [Scope.READ]}).status_code == 403
    assert client.post(f"/teams/sales-team/tokens/{issued.token.key_id}/revoke/").status_code == 403
    # Outsiders cannot tell existing token ids from made-up ones.
    assert client.post("/teams/sales-team/tokens/000000000000/revoke/").status_code == 403

    assert list(ApiToken.objects.values_list("name", "revoked_at")) == [("nightly", None)]


def test_revoking_needs_a_post(client, world):
    issued = token_create(actor=None, team=world.team, name="nightly", scopes=[Scope.READ])
    client.force_login(world.owner)
    assert client.get(f"/teams/sales-team/tokens/{issued.token.key_id}/revoke/").status_code == 405
    assert ApiToken.objects.get().revoked_at is None


def test_a_token_of_another_team_cannot_be_revoked_through_this_team(client, world):
    other = token_create(actor=None, team=world.other_team, name="theirs", scopes=[Scope.READ])
    client.force_login(world.owner)
    assert client.post(f"/teams/sales-team/tokens/{other.token.key_id}/revoke/").status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_public_read_opens_the_catalog_but_not_the_token_pages(client, settings, mesh):
    settings.PORTAL_PUBLIC_READ = True
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("LoginRequiredMiddleware")]
    page = text(client.get("/products/sales/orders/"))
    assert "<h1>Orders</h1>" in page
    assert f'<a href="{reverse("login")}">Sign in</a>' in page
    response = client.get("/teams/sales-team/tokens/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
