"""Turning typed text into safe words, highlighting, and the pieces of ranking and expansion."""

from __future__ import annotations

import pytest

from search.ranking import Weights, bayesian_average, rating_band, static_rank
from search.sqlite import expression
from search.synonyms import Clause, expand
from search.text import Highlighter, edit_distance, fold, highlight, name_norm, parse_terms


@pytest.mark.parametrize(
    ("typed", "terms"),
    [
        ('"orders" AND (lines OR x*) -y name:z NEAR(a b)', ["orders", "lines", "x", "y", "name", "z", "a", "b"]),
        ("AND OR", ["and", "or"]),  # only operator words: searched literally
        ("customer_id", ["customer", "id"]),
        ("Müller CAFÉ", ["muller", "cafe"]),
        ("😀 ☃", []),
        ("数据 产品", ["数据", "产品"]),
        ("a a a b", ["a", "b"]),
        ("", []),
    ],
)
def test_parse_terms_keeps_only_words(typed, terms):
    assert parse_terms(typed) == terms


def test_parse_terms_is_bounded():
    terms = parse_terms(" ".join(f"w{i}" for i in range(100)) + " " + "x" * 5000)
    assert len(terms) == 8 and all(len(t) <= 40 for t in terms)
    assert len(parse_terms("y" * 100_000)[0]) == 40


def test_fts5_expression_quotes_every_word_and_filters():
    clauses = [Clause(("clv",), (("clv",), ("customer", "lifetime", "value"))), Clause(("x",), (("x",),))]
    expr = expression(clauses, {"domain": ("sales",)}, show_retired=False)
    assert expr.startswith('(("clv" OR ("customer" AND "lifetime" AND "value")) AND "x" AND ("zz')
    assert expr.count(" NOT ") == 1
    assert expression([], {}, show_retired=True).startswith('"zz')
    assert expression([Clause(("or",), (("or",),))], {}, show_retired=True, prefix_last=True) == '"or"*'


def test_highlight_escapes_then_marks():
    assert (
        highlight("<b>Orders</b> & order_id", ["orders"])
        == "&lt;b&gt;<mark>Orders</mark>&lt;/b&gt; &amp; <mark>order</mark>_id"
    )
    assert highlight("Category", ["categories"]) == "<mark>Category</mark>"
    assert highlight("an id and a hidden", ["id"]) == "an <mark>id</mark> and a hidden"
    assert (
        highlight("Customer Lifetime", ["customer", "li"], prefixes=True)
        == "<mark>Customer</mark> <mark>Lifetime</mark>"
    )


def test_snippet_cuts_around_the_first_match():
    text = "# Title\n\n" + "filler " * 60 + "the **ledger** closes monthly " + "tail " * 60
    snippet = Highlighter(["ledger"]).snippet(text)
    assert "<mark>ledger</mark>" in snippet and snippet.startswith("… ") and snippet.endswith(" …")
    assert "**" not in snippet and len(snippet) < 260
    assert Highlighter(["absent"]).snippet(text) == ""


def test_name_norm_and_fold():
    assert name_norm("Daily Orders \u2013 DACH") == " daily orders dach "
    assert fold("Ærø Straße") == "ærø straße"


@pytest.mark.parametrize(
    ("a", "b", "d"),
    [
        ("orders", "ordres", 1),
        ("shipmnts", "shipments", 1),
        ("abc", "abc", 0),
        ("kitten", "sitting", 3),
        ("a", "xyzw", 4),
    ],
)
def test_edit_distance(a, b, d):
    assert edit_distance(a, b) == min(d, 4)


class Provider:
    def synonyms(self, phrase):
        return {"customer lifetime value": ["CLV"], "po": ["purchase order"], "bad": ["😀"]}.get(phrase, [])


class Broken:
    def synonyms(self, phrase):
        raise RuntimeError("glossary down")


def test_expand_prefers_the_longest_phrase():
    clauses = expand(["customer", "lifetime", "value", "po"], Provider())
    assert [c.words for c in clauses] == [("customer", "lifetime", "value"), ("po",)]
    assert clauses[0].alternatives == (("customer", "lifetime", "value"), ("clv",))
    assert clauses[1].alternatives == (("po",), ("purchase", "order"))
    assert expand(["bad"], Provider())[0].alternatives == (("bad",),)  # a synonym without words is dropped


def test_a_broken_provider_means_no_synonyms():
    assert expand(["orders"], Broken())[0].alternatives == (("orders",),)


def test_quality_signals_are_neutral_by_default_and_bounded():
    w = Weights()
    neutral = static_rank(rating=0, rating_count=0, consumers=0, slo_health="unknown", status="published", weights=w)
    assert neutral == pytest.approx(1.0)
    best = static_rank(rating=5, rating_count=50, consumers=10_000, slo_health="healthy", status="published", weights=w)
    worst = static_rank(rating=1, rating_count=50, consumers=0, slo_health="breached", status="published", weights=w)
    assert best == pytest.approx(1.6) and worst == pytest.approx(0.7)
    assert best / worst < 10  # never crosses a ranking tier (tiers are ten times apart)
    deprecated = static_rank(
        rating=0, rating_count=0, consumers=0, slo_health="unknown", status="deprecated", weights=w
    )
    assert deprecated == pytest.approx(0.5)


def test_bayesian_average_pulls_few_ratings_to_the_prior():
    assert bayesian_average(5.0, 1) == pytest.approx((3 * 5 + 5) / 6)
    assert bayesian_average(500.0, 100) == pytest.approx((15 + 500) / 105)
    assert rating_band(4.2, 3) == "4_plus" and rating_band(0, 0) == "unrated"


def test_weights_come_from_settings(settings):
    settings.SEARCH_RANKING = {"rating": 0.1, "status": {"deprecated": 0.25}}
    weights = Weights.from_settings()
    assert weights.rating == 0.1 and weights.consumers == 0.3
    assert weights.status["deprecated"] == 0.25 and weights.status["draft"] == 0.9


def plain_function(phrase):
    return ["order"] if phrase == "purchase" else []


def test_a_plain_function_can_be_the_provider(settings):
    from search.synonyms import get_provider

    settings.SEARCH_SYNONYM_PROVIDER = "tests.search.test_text.plain_function"
    assert get_provider().synonyms("purchase") == ["order"]
    assert expand(["purchase"])[0].alternatives == (("purchase",), ("order",))
