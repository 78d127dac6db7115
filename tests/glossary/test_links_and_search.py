"""Terms linked to products and fields, suggested links, and what the glossary gives the search engine."""

from __future__ import annotations

import pytest

from core.actors import Actor
from core.errors import PermissionDenied, ValidationFailed
from glossary.models import LinkSuggestion, TermFieldLink, TermProductLink
from glossary.search import expand_query, synonyms_for, term_documents
from glossary.selectors import product_glossary
from glossary.services.links import (
    parse_target,
    resolve_target,
    suggest_links,
    suggestion_decide,
    term_link,
    term_unlink,
)
from tests.factories import OutputPortFactory, ProductFactory, SchemaFieldFactory
from tests.glossary.conftest import approve, propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(world):
    product = ProductFactory(domain=world.domain, slug="orders", name="Orders")
    port = OutputPortFactory(product=product, name="orders_table")
    SchemaFieldFactory(port=port, name="customer_id", position=0)
    SchemaFieldFactory(port=port, name="activeCustomerFlag", position=1)
    SchemaFieldFactory(port=port, name="segment", description="Set for every engaged customer.", position=2)
    SchemaFieldFactory(port=port, name="id", position=3)
    return product


def test_stewards_and_product_owners_link_terms_to_products_and_fields(world, make_term, orders):
    term = make_term("Active customer")
    field_target = resolve_target(**parse_target("sales/orders#orders_table.customer_id"))
    term_link(actor=Actor(user=world.steward), term=term, target=field_target)
    term_link(actor=Actor(user=world.member), term=term, target=resolve_target(product="sales/orders"))
    term_link(actor=Actor(user=world.member), term=term, target=resolve_target(product="sales/orders"))  # twice: once
    assert TermFieldLink.objects.get().field.name == "customer_id"
    assert TermProductLink.objects.count() == 1
    links = product_glossary(orders)
    assert [t.name for t in links.terms] == ["Active customer"]
    assert field_target.field is not None
    assert [t.name for t in links.for_field(field_target.field.pk)] == ["Active customer"]
    term_unlink(actor=Actor(user=world.steward), term=term, target=field_target)
    assert not TermFieldLink.objects.exists()


def test_it_rejects_outsider(world, make_term, orders):
    term = make_term("Active customer")
    with pytest.raises(PermissionDenied):
        term_link(actor=Actor(user=world.outsider), term=term, target=resolve_target(product="sales/orders"))


def test_a_bad_target_is_named(world):
    with pytest.raises(ValidationFailed):
        parse_target("orders#x")
    assert parse_target("sales/orders#port.obj.field") == {
        "product": "sales/orders",
        "port": "port",
        "obj": "obj",
        "field": "field",
    }


def test_fields_that_mention_a_term_are_suggested_once_approved(world, orders, django_capture_on_commit_callbacks):
    proposal = propose(world.member, name="Active customer", synonyms=["Engaged customer"])
    assert suggest_links() == 0  # a proposed term suggests nothing
    with django_capture_on_commit_callbacks(execute=True):
        approve(world.steward, proposal)
    found = {(s.field.name, s.where, s.matched) for s in LinkSuggestion.objects.select_related("field")}
    assert found == {
        ("activeCustomerFlag", "name", "active customer"),
        ("segment", "description", "engaged customer"),
    }


def test_accepted_suggestions_become_links_and_dismissed_ones_never_return(world, make_term, orders):
    make_term("Active customer", synonyms=["Engaged customer"])
    suggest_links()
    flag = LinkSuggestion.objects.get(field__name="activeCustomerFlag")
    segment = LinkSuggestion.objects.get(field__name="segment")
    with pytest.raises(PermissionDenied):
        suggestion_decide(actor=Actor(user=world.member), suggestion_id=flag.pk, accept=True)
    suggestion_decide(actor=Actor(user=world.steward), suggestion_id=flag.pk, accept=True)
    suggestion_decide(actor=Actor(user=world.steward), suggestion_id=segment.pk, accept=False)
    assert TermFieldLink.objects.get().field.name == "activeCustomerFlag"
    assert suggest_links() == 0
    assert LinkSuggestion.objects.filter(status="open").count() == 0


def test_short_single_words_are_not_suggested(world, make_term, orders):
    make_term("ID")
    assert suggest_links() == 0


def test_synonyms_expand_across_domains_and_same_as_links(world, make_term):
    make_term("Net revenue", domain="finance", synonyms=["Net sales"], abbreviations=["NR"])
    make_term("Revenue after returns", same_as=["finance/net-revenue"], synonyms=["Returned revenue"])
    assert synonyms_for("NET  revenue") == ["Net sales", "NR", "Returned revenue", "Revenue after returns"]
    assert synonyms_for("nr") == ["Net revenue", "Net sales", "Returned revenue", "Revenue after returns"]
    assert synonyms_for("unknown words") == []
    assert expand_query("monthly net revenue by region") == {
        "net revenue": ["Net sales", "NR", "Returned revenue", "Revenue after returns"]
    }


def test_proposed_terms_do_not_change_search(world):
    propose(world.member, name="Basket size", synonyms=["Order size"])
    assert synonyms_for("basket size") == []
    assert list(term_documents()) == []


def test_terms_become_search_documents(world, make_term):
    term = make_term("Churn", definition="Customers who left.", synonyms=["Attrition"], abbreviations=["CH"])
    (document,) = term_documents()
    assert document["title"] == "Churn"
    assert document["keywords"] == ["Attrition", "CH"]
    assert document["url"] == term.get_absolute_url()
    assert document["domain"] == "sales"


def test_lookups_ignore_accents_as_search_does(world, make_term):
    make_term("Käufer", synonyms=["Kunde"])
    assert synonyms_for("kaufer") == ["Kunde"]
    assert expand_query("alle kaufer") == {"kaufer": ["Kunde"]}


def test_products_are_found_by_their_terms(world, make_term, orders):
    from glossary.search import product_term_names

    term = make_term("Active customer", synonyms=["Engaged customer"])
    term_link(actor=Actor(user=world.steward), term=term, target=resolve_target(product="sales/orders"))
    assert product_term_names([orders.pk]) == {orders.pk: ["Active customer", "Engaged customer"]}


def test_search_hears_of_changed_terms_after_commit(world, make_term, orders, django_capture_on_commit_callbacks):
    from glossary.signals import terms_changed

    heard: list[dict] = []

    def listener(sender, signal, **kwargs):
        heard.append(kwargs)

    term = make_term("Active customer")
    terms_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            term_link(actor=Actor(user=world.steward), term=term, target=resolve_target(product="sales/orders"))
        with django_capture_on_commit_callbacks(execute=True):
            approve(world.steward, propose(world.member, kind="change", term=term.slug, definition="New."))
    finally:
        terms_changed.disconnect(listener)
    assert heard == [
        {"term_ids": [term.pk], "product_ids": [orders.pk]},
        {"term_ids": [term.pk], "product_ids": [orders.pk]},  # still linked: its document shows the name
    ]


def test_terms_become_index_documents_for_the_search_engine(world, make_term):
    pytest.importorskip("search.base")
    from glossary.search import GlossaryTermSource

    term = make_term("Churn", definition="Customers who left.\n\nMore detail.", synonyms=["Attrition"])
    source = GlossaryTermSource()
    assert source.count() == 1
    (document,) = source.build(list(source.ids()))
    assert (document.doc_type, document.object_id, document.name) == ("glossary_term", str(term.pk), "Churn")
    assert document.summary == "Customers who left."
    assert document.tags == ("Attrition",)
