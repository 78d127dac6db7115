"""The search page and the suggestions under the search boxes, as a signed-in person gets them."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse

from catalog.models import DataProduct
from catalog.services.products import product_upsert_from_payload
from core.actors import Actor
from ratings.services import rating_upsert
from search.backends import get_backend
from search.base import SearchQuery
from search.outbox import caught_up_backend
from search.ranking import bayesian_average
from search.views import _card as card_of
from slo.models import ServiceLevelObjective
from tests.factories import UserFactory
from tokens.services import token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def publish(world, django_capture_on_commit_callbacks):
    """Publish a product the way pipelines do; the index follows once the write commits."""
    actors = {
        domain.slug: Actor(token=token_create(actor=None, team=team, name="ci", scopes=["write:products"]).token)
        for domain, team in ((world.domain, world.team), (world.other_domain, world.other_team))
    }

    def publish(domain: str, slug: str, **payload):
        payload.setdefault("status", "published")
        with django_capture_on_commit_callbacks(execute=True):
            result = product_upsert_from_payload(actor=actors[domain], domain_slug=domain, slug=slug, payload=payload)
        return result.product

    return publish


@pytest.fixture
def catalog(world, publish):
    get_backend().clear()
    publish(
        "sales",
        "orders",
        name="Orders",
        summary="Every order placed in the web shop.",
        tags=["orders", "web-shop"],
        kind="source-aligned",
        output_ports=[{"name": "orders_table", "access_mode": "open", "fields": [{"name": "order_id"}]}],
    )
    publish("sales", "order-lines", name="Order Lines", summary="One row per order line.", kind="aggregate")
    publish("sales", "refunds", name="Refunds", summary="Money back for returned orders.", status="deprecated")
    publish("finance", "invoices", name="Customer Invoices", summary="Invoices for orders.", tags=["billing"])
    publish("finance", "ledger", name="Ledger", summary="The general ledger.", status="retired")


@pytest.fixture
def signed_in(client, world):
    client.force_login(world.member)
    return client


def page(client, **params) -> str:
    response = client.get(reverse("search"), params)
    assert response.status_code == 200
    return response.content.decode()


def hit_titles(html: str) -> list[str]:
    titles = re.findall(r'<h3 class="hit-title">\s*<a href="[^"]*">(.*?)</a>', html, re.S)
    return [re.sub(r"</?mark>", "", t) for t in titles]


def checkbox(html: str, facet: str, value: str) -> str:
    match = re.search(rf'<input type="checkbox" id="[^"]*" name="{facet}" value="{re.escape(value)}"[^>]*>', html)
    assert match, f"no checkbox {facet}={value}"
    return match.group(0)


def facet_count(html: str, facet: str, value: str) -> int:
    match = re.search(
        rf'name="{facet}" value="{re.escape(value)}"[^>]*>\s*<span class="facet-label">[^<]*</span>\s*'
        r'<span class="count">(?:<abbr[^>]*>≈</abbr>)?(\d+)',
        html,
    )
    assert match, f"no facet value {facet}={value}"
    return int(match.group(1))


def test_it_finds_a_published_product_and_links_to_it(signed_in, catalog):
    html = page(signed_in, q="orders")
    assert hit_titles(html)[0] == "Orders"
    assert '<a href="/products/sales/orders/"><mark>Orders</mark></a>' in html
    assert '<span class="badge type-badge type-product">Data product</span>' in html
    assert "Every <mark>order</mark> placed in the web shop." in html
    assert '<a href="/domains/sales/">Sales</a>' in html and '<a href="/teams/sales-team/">Sales Team</a>' in html
    assert '<span class="badge status-published" title="Lifecycle status">Published</span>' in html
    assert '<a class="tag" href="/search/?tag=web-shop">web-shop</a>' in html
    assert re.search(r'<h2 id="results-heading">\s*\d+ results for “orders”', html)
    assert "<title>“orders” · Search" in html


def test_facets_have_counts_and_the_chosen_values_stay_ticked(signed_in, catalog):
    html = page(signed_in, q="orders")
    assert facet_count(html, "domain", "sales") == 3
    assert facet_count(html, "domain", "finance") == 1
    assert facet_count(html, "kind", "aggregate") == 1
    assert "<legend>Domain</legend>" in html and "<legend>Kind</legend>" in html
    assert "checked" not in checkbox(html, "domain", "sales")

    html = page(signed_in, q="orders", domain="finance")
    assert hit_titles(html) == ["Customer Invoices"]
    assert "checked" in checkbox(html, "domain", "finance")
    # The domain's own counts ignore its selection, so that another domain can be added.
    assert facet_count(html, "domain", "sales") == 3
    assert '<a href="?q=orders" class="clear-filters">Clear all filters</a>' in html


def test_filters_and_sort_are_read_from_the_url(signed_in, catalog):
    assert hit_titles(page(signed_in, q="orders", kind="aggregate")) == ["Order Lines"]
    assert hit_titles(page(signed_in, q="orders", domain=["sales", "finance"], status="deprecated")) == ["Refunds"]
    assert hit_titles(page(signed_in, tag="billing")) == ["Customer Invoices"]  # a facet alone is a search
    html = page(signed_in, q="orders", sort="updated")
    assert '<option value="updated" selected>Recently updated</option>' in html


def test_retired_products_appear_only_when_asked_for(signed_in, catalog):
    assert "Ledger" not in hit_titles(page(signed_in, q="ledger"))
    assert hit_titles(page(signed_in, q="ledger", status="retired")) == ["Ledger"]


def test_pages_link_to_each_other_keeping_the_search(signed_in, world, publish):
    for i in range(5):
        publish("sales", f"sample-{i}", name=f"Sample {i}", summary="A sample.")
    html = page(signed_in, q="sample", page_size="2", kind="source-aligned")
    assert len(hit_titles(html)) == 2
    nav = re.search(r'<nav aria-label="Pages of results".*?</nav>', html, re.S).group(0)
    next_url = re.search(r'<a href="([^"]+)" rel="next">', nav).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(next_url).query) == {
        "q": ["sample"],
        "page_size": ["2"],
        "kind": ["source-aligned"],
        "page": ["2"],
    }
    assert '<input type="hidden" name="page_size" value="2">' in html
    third = page(signed_in, q="sample", page_size="2", kind="source-aligned", page="3")
    assert len(hit_titles(third)) == 1 and 'rel="next"' not in third


def test_did_you_mean_and_a_corrected_search(signed_in, catalog):
    html = page(signed_in, q="invoces")
    assert hit_titles(html) == ["Customer Invoices"]
    assert "Nothing matched “invoces”, so these are the results for" in html
    assert "<strong>invoices</strong>" in html


def test_no_results_suggests_what_to_try_and_clears_filters(signed_in, catalog):
    html = page(signed_in, q="orders", tag="no-such-tag")
    assert re.search(r'<h2 id="results-heading">\s*No results for “orders”', html)
    assert "Check the spelling" in html
    assert '<a href="?q=orders">Clear the filters</a>' in html
    assert "checked" in checkbox(html, "tag", "no-such-tag")  # so it can be unticked


def test_without_a_query_it_explains_and_offers_starting_points(signed_in, catalog):
    html = page(signed_in)
    assert "Find data across the mesh" in html
    assert '<a class="tag" href="/search/?tag=orders">orders</a>' in html
    assert '<a href="/search/?domain=sales">Sales</a>' in html
    assert "search-hits" not in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "0"}, "The page in the address was left out: Must be between 1 and"),
        ({"page": "abc"}, "The page in the address was left out: Must be a whole number"),
        ({"page": "999999"}, "The page in the address was left out"),
        ({"kind": "nonsense"}, "The kind in the address was left out: Unknown value &#x27;nonsense&#x27;"),
        ({"sort": "random"}, "The sort in the address was left out: Unknown sort"),
        ({"page_size": "1000"}, "The page size in the address was left out"),
    ],
)
def test_a_bad_parameter_is_named_and_the_rest_of_the_search_runs(signed_in, catalog, params, message):
    html = page(signed_in, q="orders", **params)
    assert message in html
    assert hit_titles(html)[0] == "Orders"


def test_a_page_past_the_last_says_so_and_links_back(signed_in, catalog):
    html = page(signed_in, q="orders", page="40")
    assert "There is only 1 page of results." in html
    assert '<a href="?q=orders&amp;page=1">Go to the last page</a>' in html
    assert hit_titles(html) == []


def test_a_very_long_query_is_cut_and_says_so(signed_in, catalog):
    html = page(signed_in, q="orders " + "x" * 10_000)
    assert "only its first 256 characters were used" in html
    assert "x" * 300 not in html
    html = page(signed_in, q="orders one two three four five six seven eight nine")
    assert "Only the first 8 words of your search were used." in html


@pytest.mark.parametrize("q", ['"orders"', "orders AND shop", "orders*", "web:shop", "(orders)", "-orders"])
def test_query_syntax_is_plain_words_and_says_so(signed_in, catalog, q):
    html = page(signed_in, q=q)
    assert "are not search syntax here" in html
    assert "Orders" in hit_titles(html)


@pytest.mark.parametrize("q", ["😀", "\x00", "*:*", "NEAR(", "Müller ß", "   "])
def test_odd_queries_never_fail(signed_in, catalog, q):
    page(signed_in, q=q)
    response = signed_in.get(reverse("search_suggest"), {"q": q})
    assert response.status_code == 200


def test_html_in_a_product_name_is_escaped(signed_in, world, publish):
    publish("sales", "xss", name="<script>alert(1)</script> Returns", summary="Returned <b>parcels</b>.")
    html = page(signed_in, q="returns")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Returns</mark>" in html
    assert " &lt;b&gt;parcels&lt;/b&gt;.</p>" in html
    suggestions = signed_in.get(reverse("search_suggest"), {"q": "<script"}).content.decode()
    assert "<script>" not in suggestions


def test_what_was_typed_is_escaped_everywhere(signed_in, catalog):
    html = page(signed_in, q='"><img src=x onerror=alert(1)>')
    assert "<img src=x" not in html
    assert 'value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in html


def test_suggestions_are_links_to_the_results(signed_in, catalog):
    response = signed_in.get(reverse("search_suggest"), {"q": "ord"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert '<ul class="suggestion-list" aria-label="Suggestions">' in html
    assert '<a href="/products/sales/orders/"><span class="suggestion-text"><mark>Orders</mark></span>' in html
    assert '<a href="/search/?q=ord">All results for “ord”</a>' in html
    assert "<html" not in html  # a partial, not a page


def test_no_suggestions_is_an_empty_answer(signed_in, catalog):
    assert signed_in.get(reverse("search_suggest"), {"q": "zzzz"}).content == b""
    assert signed_in.get(reverse("search_suggest"), {"q": ""}).content == b""


def test_the_header_box_searches_with_suggestions(signed_in, catalog):
    html = signed_in.get("/domains/").content.decode()
    form = re.search(r'<form class="site-search" role="search".*?</form>', html, re.S).group(0)
    assert 'method="get" action="/search/"' in form
    assert 'hx-get="/search/suggest/"' in form and 'hx-trigger="input changed delay:150ms, search"' in form
    assert '<label for="site-search-q" class="visually-hidden">Search the catalog</label>' in html
    home = signed_in.get("/").content.decode()
    assert re.search(r'<form role="search" method="get" action="/search/" aria-labelledby="home-search-label">', home)


def test_the_page_is_a_get_form_with_labelled_groups(signed_in, catalog):
    html = page(signed_in, q="orders")
    assert re.search(r'<form id="search-form"[^>]*method="get" action="/search/"', html)
    assert '<label for="search-q" class="visually-hidden">Words to find</label>' in html
    assert '<label for="search-sort">Sort by</label>' in html
    assert re.search(r'<fieldset class="facet">\s*<legend>Domain</legend>', html)
    label = r'<label for="facet-domain-sales" class="facet-value">\s*<input type="checkbox" id="facet-domain-sales"'
    assert re.search(label, html)
    assert '<noscript><button type="submit">Apply filters</button></noscript>' in html
    assert "<script>" not in html and " onchange=" not in html


def test_approximate_counts_are_flagged(signed_in, catalog, settings):
    settings.SEARCH_FACET_SAMPLE = 2
    html = page(signed_in, q="orders")
    assert "Counts are estimated from a sample" in html
    assert '<abbr title="about">≈</abbr>' in html


def test_it_rejects_anonymous_people(client, catalog):
    for url in (reverse("search") + "?q=orders", reverse("search_suggest") + "?q=ord"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_results_page_reads_a_bounded_number_of_rows(signed_in, catalog, django_assert_max_num_queries):
    page(signed_in, q="warm up")  # the index catches up on the fixture's writes on the first read
    with django_assert_max_num_queries(30):
        page(signed_in, q="orders", domain="sales", tag="orders")


def test_long_facets_fold_away_and_open_when_a_folded_value_is_ticked(signed_in, world, publish):
    for i in range(9):
        publish("sales", f"sample-{i}", name=f"Sample {i}", tags=[f"topic-{i}"])
    html = page(signed_in, q="sample")
    tags = re.search(r"<legend>Tags</legend>.*?</fieldset>", html, re.S).group(0)
    assert re.search(r'<details class="facet-more">\s*<summary>3 more</summary>', tags)
    assert tags.index('value="topic-5"') < tags.index("<details") < tags.index('value="topic-6"')
    html = page(signed_in, q="sample", tag="topic-8")
    assert '<details class="facet-more" open>' in html


def test_a_later_page_of_nothing_is_just_no_results(signed_in, catalog):
    html = page(signed_in, q="zebra", page="3")
    assert "Check the spelling" in html and "Go to the last page" not in html


def _card(html: str, title: str) -> str:
    """The <li> of the result whose name is `title`."""
    for item in re.findall(r'<li class="search-hit.*?</li>\s*(?=<li class="search-hit|</ol>)', html, re.S):
        if f">{title}</a>" in re.sub(r"</?mark>", "", item):
            return item
    raise AssertionError(f"no result {title!r}")


def test_product_results_show_stars_slo_state_health_and_how_long_ago_they_changed(signed_in, world, catalog):
    orders = DataProduct.objects.get(slug="orders")
    for i, stars in enumerate((5, 4)):
        rating_upsert(actor=Actor(user=UserFactory(username=f"rater{i}")), product=orders, data={"stars": stars})
    ServiceLevelObjective.objects.create(product=orders, name="fresh", kind="freshness", threshold=3600, state="met")
    get_backend().reindex()  # the objective was written past the services that announce it
    average = bayesian_average(9, 2)

    with time_machine.travel(orders.updated_at + timedelta(hours=3, minutes=20), tick=False):
        html = page(signed_in, q="orders")

    card = _card(html, "Orders")
    assert f'<span aria-hidden="true">{average:.1f}</span>' in card
    assert '(2<span class="visually-hidden"> ratings</span>)' in card
    assert f"{average:.1f}".rstrip("0").rstrip(".") + " out of 5 stars" in card
    assert (
        '<span class="badge slo-state slo-healthy" title="Every service level objective is met">SLOs met</span>' in card
    )
    assert re.search(r'Updated <time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d UTC">3 h ago</time>', card)
    other = _card(html, "Customer Invoices")
    assert "Not rated yet" in other
    assert ">No SLO data</span>" in other


def test_a_document_indexed_before_it_carried_the_rating_count_still_shows_its_stars(signed_in, catalog):
    hit = caught_up_backend().search(SearchQuery(text="orders")).hits[0]
    hit.data.pop("rating_count", None)
    hit.data["rating"] = 4.2

    card = card_of(hit, "/search/")

    assert (card.rating, card.rating_count, card.slo_state, card.slo_label) == (4.2, None, "unknown", "No SLO data")


def test_facets_fold_behind_a_filters_disclosure_that_counts_the_chosen_values(signed_in, catalog):
    html = page(signed_in, q="orders")
    assert '<details class="filters-disclosure search-filters" data-filters>' in html  # closed: results first
    assert re.search(r'<summary class="filters-summary">Filters</summary>', html)
    assert html.index('id="facets-heading"') > html.index('<details class="filters-disclosure')

    html = page(signed_in, q="orders", kind=["aggregate", "source-aligned"], domain="sales")

    assert (
        '<summary class="filters-summary">Filters <span class="count-badge" aria-label="3 chosen">3</span></summary>'
        in html
    )
