"""Bad input is refused with a pointer to the bad field: duplicates, cycles, dangling references, unsafe markdown."""

from __future__ import annotations

import pytest

from core.errors import ApplicationError, ValidationFailed
from glossary.models import Term
from tests.glossary.conftest import approve, propose

pytestmark = pytest.mark.django_db


def refused(**kwargs) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as exc:
        propose(**kwargs)
    return [(e.path, e.message) for e in exc.value.errors]


def test_a_name_already_used_is_refused_whatever_its_case(world, make_term):
    make_term("Active Customer", synonyms=["Engaged customer"])
    errors = refused(user=world.member, name="ACTIVE customer")
    assert errors == [("/name", "'ACTIVE customer' is already the name or a synonym of term 'Active Customer'.")]


def test_a_name_equal_to_another_terms_synonym_is_refused(world, make_term):
    make_term("Active customer", synonyms=["Engaged customer"])
    assert [p for p, _ in refused(user=world.member, name="engaged Customer")] == ["/name"]


def test_a_synonym_equal_to_another_terms_name_or_synonym_is_refused(world, make_term):
    make_term("Active customer", synonyms=["Engaged customer"])
    errors = refused(
        user=world.member, name="Loyal buyer", synonyms=["Repeat buyer", "active CUSTOMER", "engaged customer"]
    )
    assert [p for p, _ in errors] == ["/synonyms/1", "/synonyms/2"]


def test_a_proposed_term_already_holds_its_name(world):
    propose(world.member, name="Basket size")
    assert [p for p, _ in refused(user=world.outsider, name="basket size")] == ["/name"]


def test_the_same_name_in_another_domain_is_fine(world, make_term):
    make_term("Revenue")
    make_term("Revenue", domain="finance")
    assert Term.objects.filter(name="Revenue").count() == 2


def test_a_rename_onto_another_terms_synonym_is_refused(world, make_term):
    make_term("Churn", synonyms=["Attrition"])
    make_term("Turnover")
    errors = refused(user=world.member, kind="change", term="turnover", name="attrition")
    assert [p for p, _ in errors] == ["/name"]


def test_abbreviations_may_repeat_across_terms(world, make_term):
    make_term("Accounts receivable", abbreviations=["AR"])
    make_term("Annual report", abbreviations=["AR"])


def test_a_cycle_in_the_hierarchy_is_refused(world, make_term):
    make_term("Customer")
    make_term("Active customer", parent="customer")
    make_term("Loyal active customer", parent="active-customer")
    errors = refused(user=world.member, kind="change", term="customer", parent="loyal-active-customer")
    assert errors == [
        ("/parent", "This parent would make a cycle: customer → loyal-active-customer → active-customer → customer.")
    ]


def test_a_term_cannot_be_its_own_parent_or_related(world, make_term):
    make_term("Customer")
    errors = refused(user=world.member, kind="change", term="customer", parent="customer", related=["customer"])
    assert {p for p, _ in errors} == {"/parent", "/related/0"}


def test_references_must_name_real_approved_terms(world, make_term):
    propose(world.member, name="Prospect")  # proposed only
    errors = refused(
        user=world.member,
        name="Lead",
        parent="nope",
        related=["prospect"],
        same_as=["sales/prospect", "finance/nope"],
        stewards=["ghost"],
    )
    assert [p for p, _ in errors] == ["/parent", "/related/0", "/same_as/0", "/same_as/1", "/stewards/0"]


def test_an_approval_refuses_content_the_glossary_no_longer_fits(world, make_term):
    make_term("Customer")
    make_term("Buyer")
    first = propose(world.member, kind="change", term="customer", synonyms=["Client"])
    second = propose(world.owner, kind="change", term="buyer", synonyms=["client"])  # free when proposed
    approve(world.steward, first)
    with pytest.raises(ApplicationError) as clash:
        approve(world.steward, second)
    assert clash.value.status == 409
    assert [e.path for e in clash.value.errors] == ["/synonyms/0"]
    assert Term.objects.get(slug="buyer").synonyms == []


@pytest.mark.parametrize(
    "evil",
    [
        "<script>alert('x')</script>Plain",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="https://ok.example" onclick="alert(1)">ok</a>',
        '<p style="x" onmouseover="alert(1)">hover</p>',
    ],
)
def test_markdown_with_scripts_or_event_handlers_is_rendered_harmless(client, world, make_term, evil):
    term = make_term("Risky", definition=f"Intro **bold**\n\n{evil}")
    client.force_login(world.member)
    html = client.get(term.get_absolute_url()).content.decode()
    definition = html.split('class="markdown term-definition">', 1)[1].split("</div>", 1)[0]
    assert "<strong>bold</strong>" in definition
    for bad in ("<script", "onerror", "onclick", "onmouseover", "javascript:", "<img", "style="):
        assert bad not in definition.lower()


def test_the_review_diff_shows_html_as_text(client, world):
    proposal = propose(world.member, name="Sneaky", definition="<script>alert('diff')</script>")
    client.force_login(world.steward)
    html = client.get(f"/glossary/proposals/{proposal.pk}/").content.decode()
    assert "<script>alert('diff')</script>" not in html
    assert "&lt;script&gt;alert(&#x27;diff&#x27;)&lt;/script&gt;" in html
