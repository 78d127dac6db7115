"""The glossary pages: what people see, what their forms do, and who is refused."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template

from glossary.models import Proposal, Term
from glossary.services.links import resolve_target, term_link
from tests.factories import OutputPortFactory, ProductFactory, SchemaFieldFactory
from tests.glossary.conftest import approve, propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def glossary(world, make_term):
    make_term("Customer", definition="Anyone who **bought**.")
    make_term("Active customer", parent="customer", synonyms=["Engaged customer"], abbreviations=["AC"])
    make_term("Basket", related=["customer"])
    make_term("Net revenue", domain="finance")
    return world


def page(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def test_the_home_lists_domains_and_finds_terms_in_all_of_them(client, glossary, django_assert_max_num_queries):
    client.force_login(glossary.member)
    with django_assert_max_num_queries(14):
        html = client.get("/glossary/?q=engaged").content.decode()
    assert re.search(r'href="/glossary/domains/sales/">Sales</a>', html)
    assert "Active customer" in html and "Basket" not in html
    html = page(client, glossary.member, "/glossary/?letter=N")
    assert "Net revenue" in html and "Customer" not in html.split("By domain")[0].split("Terms starting")[1]


def test_a_domain_glossary_lists_terms_a_to_z_by_letter(client, glossary, django_assert_max_num_queries):
    client.force_login(glossary.member)
    with django_assert_max_num_queries(12):
        html = client.get("/glossary/domains/sales/").content.decode()
    names = re.findall(r'class="term-name" href="[^"]+">([^<]+)<', html)
    assert names == ["Active customer", "Basket", "Customer"]
    assert 'href="/glossary/domains/sales/?letter=B"' in html
    assert '<span class="muted" aria-disabled="true">Z</span>' in html
    html = page(client, glossary.member, "/glossary/domains/sales/?letter=C")
    assert re.findall(r'class="term-name" href="[^"]+">([^<]+)<', html) == ["Customer"]


def test_an_empty_glossary_invites_a_first_proposal(client, world):
    html = page(client, world.member, "/glossary/domains/sales/")
    assert "Propose its first term" in html


def test_the_tree_shows_a_level_and_loads_narrower_terms(client, glossary):
    html = page(client, glossary.member, "/glossary/domains/sales/tree/")
    assert "Basket" in html and "1 narrower" in html
    client.force_login(glossary.member)
    fragment = client.get("/glossary/domains/sales/tree/?parent=customer", HTTP_HX_REQUEST="true").content.decode()
    assert "Active customer" in fragment and "<html" not in fragment


def test_a_term_page_shows_definition_relations_history_and_use(client, glossary, django_assert_max_num_queries):
    product = ProductFactory(domain=glossary.domain, slug="orders", name="Orders")
    port = OutputPortFactory(product=product, name="orders_table")
    SchemaFieldFactory(port=port, name="customer_id")
    customer = Term.objects.get(slug="customer")
    term_link(actor=_actor(glossary.steward), term=customer, target=resolve_target(product="sales/orders"))
    term_link(
        actor=_actor(glossary.steward),
        term=customer,
        target=resolve_target(product="sales/orders", port="orders_table", field="customer_id"),
    )
    client.force_login(glossary.member)
    with django_assert_max_num_queries(22):
        html = client.get("/glossary/domains/sales/terms/customer/").content.decode()
    assert "<strong>bought</strong>" in html
    assert "Active customer" in html  # narrower term
    assert "Basket" in html  # related from Basket
    assert "Version 1" in html and "proposed by mia, approved by stefan" in html
    assert "<code>customer_id</code>" in html and "Orders" in html
    assert "stefan" in html and "(the domain's stewards)" in html


def _actor(user):
    from core.actors import Actor

    return Actor(user=user)


def test_a_version_page_shows_what_changed(client, glossary):
    approve(glossary.steward, propose(glossary.member, kind="change", term="customer", definition="Anyone who paid."))
    html = page(client, glossary.member, "/glossary/domains/sales/terms/customer/versions/2/")
    assert "<del>**bought**.</del>" in html and "<ins>paid.</ins>" in html


def test_proposing_a_term_through_the_form(client, world):
    client.force_login(world.member)
    response = client.post(
        "/glossary/domains/sales/propose/",
        {
            "name": "Basket size",
            "definition": "Items per order.",
            "synonyms": "Order size\nCart size",
            "reason": "Used in reports.",
        },
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/glossary/proposals/{proposal.pk}/"
    assert proposal.content["synonyms"] == ["Order size", "Cart size"]


def test_the_form_shows_service_errors_next_to_fields(client, glossary):
    client.force_login(glossary.member)
    response = client.post(
        "/glossary/domains/sales/propose/",
        {"name": "customer", "parent": "Nonexistent", "reason": "Dup."},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_name_error"' in html and "already the name or a synonym" in html
    assert 'id="id_parent_error"' in html


def test_the_change_form_takes_names_for_references(client, glossary):
    client.force_login(glossary.member)
    client.post(
        "/glossary/domains/sales/terms/basket/change/",
        {"name": "Basket", "parent": "Engaged customer", "reason": "Belongs under it."},
    )
    assert Proposal.objects.get(kind="change").content["parent"] == "active-customer"


def test_the_review_page_shows_a_side_by_side_diff_and_the_decision_form_to_stewards(client, glossary):
    proposal = propose(
        glossary.member, kind="change", term="customer", definition="Anyone who paid.", reason="Precision."
    )
    html = page(client, glossary.steward, f"/glossary/proposals/{proposal.pk}/")
    assert 'class="term-diff"' in html
    assert "<del>**bought**.</del>" in html and "<ins>paid.</ins>" in html
    assert "Submit decision" in html
    assert "Submit decision" not in page(client, glossary.member, f"/glossary/proposals/{proposal.pk}/")


def test_deciding_through_the_review_page(client, glossary):
    proposal = propose(glossary.member, kind="change", term="customer", definition="Anyone who paid.")
    client.force_login(glossary.steward)
    client.post(f"/glossary/proposals/{proposal.pk}/decide/", {"decision": "approve"})
    assert Term.objects.get(slug="customer").version == 2


def test_a_stale_approval_is_explained_on_the_page(client, glossary):
    first = propose(glossary.member, kind="change", term="customer", definition="A.")
    second = propose(glossary.owner, kind="change", term="customer", definition="B.")
    approve(glossary.steward, first)
    client.force_login(glossary.steward)
    response = client.post(f"/glossary/proposals/{second.pk}/decide/", {"decision": "approve"}, follow=True)
    html = response.content.decode()
    assert "Stale: the proposal was made against version 1" in html
    assert "Rebase onto version 2" in html


@pytest.mark.parametrize("who", ["owner", "member", "outsider"])
def test_it_rejects_deciders_who_are_not_stewards_on_the_page(client, glossary, who):
    proposal = propose(glossary.member, name="Cart")
    client.force_login(getattr(glossary, who))
    response = client.post(f"/glossary/proposals/{proposal.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 403
    assert Proposal.objects.get(pk=proposal.pk).status == "open"


def test_it_rejects_outsider_from_the_import_page(client, glossary):
    page(client, glossary.outsider, "/glossary/domains/sales/import/", status=403)


def test_the_steward_inbox_lists_what_waits_for_them(client, glossary):
    propose(glossary.outsider, name="Cart")
    propose(glossary.member, name="Ledger", domain="finance")
    html = page(client, glossary.steward, "/glossary/review/")
    assert "Cart" in html and "Ledger" not in html
    assert 'aria-label="1 waiting"' in html
    assert "Cart" not in page(client, glossary.member, "/glossary/review/").split("My proposals")[0]


def test_importing_and_exporting_through_the_pages(client, glossary):
    client.force_login(glossary.steward)
    exported = client.get("/glossary/domains/sales/export.csv")
    assert exported["Content-Disposition"] == 'attachment; filename="glossary-sales.csv"'
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("g.csv", b"name,parent\r\nCart,nope\r\n", content_type="text/csv")
    response = client.post("/glossary/domains/sales/import/", {"file": upload})
    assert response.status_code == 400
    assert "/rows/2/parent" in response.content.decode()
    upload = SimpleUploadedFile("g.csv", exported.content, content_type="text/csv")
    response = client.post("/glossary/domains/sales/import/", {"file": upload}, follow=True)
    assert "0 new, 0 changed, 3 unchanged" in response.content.decode()


def test_the_product_page_partials_show_linked_terms(world, make_term):
    term = make_term("Active customer")
    product = ProductFactory(domain=world.domain, slug="orders")
    port = OutputPortFactory(product=product)
    field = SchemaFieldFactory(port=port, name="flag")
    term_link(actor=_actor(world.steward), term=term, target=resolve_target(product="sales/orders"))
    term_link(
        actor=_actor(world.steward),
        term=term,
        target=resolve_target(product="sales/orders", port=str(port.name), field="flag"),
    )
    html = Template(
        "{% load glossary_tags %}{% product_glossary product as glossary_links %}"
        '{% include "glossary/_partials/product_terms.html" %}'
        '{% include "glossary/_partials/field_terms.html" %}'
    ).render(Context({"product": product, "field": field}))
    assert html.count('href="/glossary/domains/sales/terms/active-customer/"') == 2


def test_stewards_review_link_suggestions_on_their_page(client, glossary):
    port = OutputPortFactory(product=ProductFactory(domain=glossary.domain, slug="orders"), name="t")
    SchemaFieldFactory(port=port, name="engaged_customer_flag")
    client.force_login(glossary.steward)
    html = client.post("/glossary/domains/sales/suggestions/refresh/", follow=True).content.decode()
    assert "engaged_customer_flag" in html and "engaged customer" in html
    page(client, glossary.member, "/glossary/domains/sales/suggestions/", status=403)


def test_looking_at_an_empty_glossary_writes_nothing(client, world):
    from glossary.models import Glossary

    page(client, world.outsider, "/glossary/domains/sales/import/", status=403)
    page(client, world.steward, "/glossary/domains/sales/import/")
    page(client, world.member, "/glossary/domains/sales/")
    assert not Glossary.objects.exists()
