"""What every search backend must do. Runs on the database's embedded engine, and on Elasticsearch when
ELASTICSEARCH_URL is set (see conftest.available_backends)."""

from __future__ import annotations

import pytest

from search.base import SearchQuery

pytestmark = pytest.mark.django_db


def titles(results) -> list[str]:
    return [hit.title for hit in results.hits]


def search(backend, text="", **kwargs):
    filters = {k: tuple(v) if isinstance(v, list | tuple) else (v,) for k, v in kwargs.pop("filters", {}).items()}
    return backend.search(SearchQuery(text=text, filters=filters, **kwargs))


def facet(results, name) -> dict[str, int]:
    return {value.value: value.count for value in results.facets.get(name, [])}


def test_exact_name_comes_first(backend, mesh):
    results = search(backend, "orders")
    assert titles(results)[0] == "Orders"
    assert results.hits[0].url == mesh.products["orders"].get_absolute_url()


def test_exact_name_beats_a_better_rated_partial_match(backend, mesh):
    assert titles(search(backend, "order lines"))[0] == "Order Lines"


def test_name_prefix_ranks_above_field_matches(backend):
    order = titles(search(backend, "customer"))
    # "Customer Invoices" and "Customer Lifetime Value" start with the word; "Orders" only has customer_id.
    assert set(order[:2]) == {"Customer Invoices", "Customer Lifetime Value"}
    assert order.index("Orders") > 1


def test_tiers_exact_prefix_name_short_fields_description(backend):
    assert titles(search(backend, "region")) == [
        "Region",  # the name is the query
        "Region Codes",  # the name starts with it
        "Daily Orders by Region",  # the name has it
        "Stores",  # a field has it (region_id)
        "Revenue",  # only the description has it
    ]


def test_words_match_their_plural(backend):
    assert {"Orders", "Order Lines", "Daily Orders by Region"} <= set(titles(search(backend, "order")))


def test_a_field_name_finds_its_product_and_says_where(backend):
    results = search(backend, "tracking")
    assert titles(results) == ["Shipments"]
    assert any("<mark>tracking</mark>" in line for line in results.hits[0].matched)


def test_a_description_match_is_found_with_a_snippet(backend):
    results = search(backend, "ledger")
    assert titles(results) == ["Revenue"]
    assert "<mark>ledger</mark>" in results.hits[0].snippet_html


def test_highlights_are_escaped(backend):
    results = search(backend, "returns")
    hit = results.hits[0]
    assert "<script>" not in hit.title_html and "&lt;script&gt;" in hit.title_html
    assert "<mark>Returns</mark>" in hit.title_html
    assert "<b>" not in hit.summary_html and "&lt;b&gt;" in hit.summary_html


def test_facets_count_matches(backend):
    results = search(backend, "")
    assert facet(results, "type") == {"product": 26, "domain": 3, "team": 3}
    domains = facet(results, "domain")
    assert domains["sales"] == 6 + 1  # the domain itself is a result in its own facet
    assert facet(results, "status")["deprecated"] == 2
    assert "retired" not in facet(results, "status")  # retired products are hidden
    assert facet(results, "has_contract") == {"yes": 1, "no": 25}
    assert facet(results, "access_mode") == {"open": 2, "on_request": 2}
    assert not results.facets_approximate


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"domain": "finance"}, {"Customer Invoices", "Revenue", "Payments", "Finance"}),
        ({"kind": "aggregate"}, {"Daily Orders by Region"}),
        ({"tag": "billing"}, {"Customer Invoices"}),
        ({"access_mode": "on_request"}, {"Customer Invoices", "Shipments"}),
        ({"has_contract": "yes"}, {"Orders"}),
        ({"owner_team": "finance-team", "type": "team"}, {"Finance Team"}),
        ({"type": "domain"}, {"Sales", "Finance", "Logistics"}),
        ({"domain": ["finance", "logistics"], "tag": "billing"}, {"Customer Invoices"}),
    ],
)
def test_filters(backend, filters, expected):
    results = search(backend, "", filters=filters, page_size=50)
    assert set(titles(results)) == expected
    assert results.total == len(expected)


def test_a_facet_keeps_counting_its_other_values_when_one_is_selected(backend):
    results = search(backend, "", filters={"domain": "finance"})
    domains = facet(results, "domain")
    assert domains["finance"] == 4 and domains["sales"] == 7
    assert next(v for v in results.facets["domain"] if v.value == "finance").selected


def test_unknown_facet_values_find_nothing(backend):
    results = search(backend, "orders", filters={"domain": "no-such-domain", "tag": "nope"})
    assert results.total == 0 and results.hits == []


def test_sort_by_recent_change(backend):
    assert titles(search(backend, "", sort="updated", filters={"type": "product"}))[0] == "Revenue"


def test_sort_by_consumers(backend):
    assert titles(search(backend, "", sort="consumers", filters={"type": "product"}))[0] == "Orders"


def test_pagination(backend):
    first = search(backend, "sample", page_size=5)
    second = search(backend, "sample", page_size=5, page=2)
    last = search(backend, "sample", page_size=5, page=3)
    assert first.total == 12 and first.pages == 3
    assert len(first.hits) == 5 and len(second.hits) == 5 and len(last.hits) == 2
    assert len(set(titles(first)) | set(titles(second)) | set(titles(last))) == 12
    beyond = search(backend, "sample", page_size=5, page=40)
    assert beyond.hits == [] and beyond.total == 12


def test_a_typo_still_finds_the_product(backend):
    results = search(backend, "shipmnts")
    assert titles(results) == ["Shipments"]
    assert results.did_you_mean == "shipments" and results.corrected_from == "shipmnts"


def test_a_one_letter_typo_in_a_short_word(backend):
    results = search(backend, "ordrs")
    assert "Orders" in titles(results)[:1]
    assert results.did_you_mean == "orders"


def test_synonyms_from_the_provider_expand_the_query(backend):
    assert titles(search(backend, "clv"))[0] == "Customer Lifetime Value"
    assert "Orders" in titles(search(backend, "purchases"))


def test_deprecated_is_demoted(backend):
    results = search(backend, "payments")
    assert [hit.data["domain"]["slug"] for hit in results.hits[:2]] == ["finance", "sales"]
    order = titles(search(backend, "orders"))
    assert order.index("Daily Orders by Region") < order.index("Legacy Orders Export")


def test_retired_is_hidden_unless_asked_for(backend):
    assert "Old Orders Archive" not in titles(search(backend, "archive"))
    assert titles(search(backend, "archive", filters={"status": "retired"})) == ["Old Orders Archive"]


HOSTILE = [
    "",
    " ",
    '"',
    '"orders',
    "orders*",
    "*",
    "-orders",
    "orders -lines",
    "name:orders",
    "(orders",
    "orders)",
    "NEAR(orders lines)",
    "orders AND lines",
    "orders OR",
    "NOT",
    "AND OR NOT",
    "^orders",
    "{orders}",
    "a" * 5000,
    "orders " * 200,
    "' OR 1=1 --",
    "%_\\",
    "\x00orders",
    "😀",
    "数据 产品",
    "مرحبا",
    "Müller",
    "e\u0301",
    "ⓞⓡⓓⓔⓡⓢ",
    "\u202eorders",
    "orders:*",
    "!!orders",
    "orders & lines | x",
    "<mark>orders</mark>",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_safe(backend, text):
    results = search(backend, text)
    assert results.total >= 0
    for hit in results.hits:
        assert "<script" not in hit.title_html
    backend.suggest(text)


def test_suggestions_complete_names(backend):
    suggestions = backend.suggest("ord")
    texts = [s.text for s in suggestions]
    assert texts[0] in {"Orders", "Order Lines"}
    assert "Old Orders Archive" not in texts
    assert suggestions[0].url and "<mark>" in suggestions[0].text_html
    assert [s.text for s in backend.suggest("customer lif")] == ["Customer Lifetime Value"]


def test_delete_removes_a_document(backend, mesh):
    backend.delete([f"product:{mesh.products['shipments'].pk}"])
    assert search(backend, "shipments").total == 0


def test_reindex_is_safe_to_rerun(backend):
    before = search(backend, "").total
    backend.reindex()
    backend.reindex()
    assert search(backend, "").total == before
