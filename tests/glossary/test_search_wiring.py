"""Glossary and search together: terms are search results, and their synonyms find the products linked to them."""

import json

import pytest

from catalog.services.products import product_upsert_from_payload
from core.actors import Actor
from glossary.models import Term
from glossary.services.imports import glossary_import
from glossary.services.links import resolve_target, term_link
from search.base import SearchQuery
from search.outbox import caught_up_backend

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(world, django_capture_on_commit_callbacks):
    actor = Actor(user=world.owner)
    product_upsert_from_payload(
        actor=actor,
        domain_slug="sales",
        slug="value-scores",
        payload={"name": "Value scores", "status": "published", "summary": "Quarterly scoring of accounts."},
    )
    # The glossary announces changes once they commit; run those callbacks as a real commit would.
    with django_capture_on_commit_callbacks(execute=True):
        glossary_import(
            actor=Actor(user=world.steward),
            domain_slug="sales",
            fmt="json",
            raw=json.dumps(
                {
                    "terms": [
                        {
                            "slug": "customer-lifetime-value",
                            "name": "Customer lifetime value",
                            "definition": "Expected margin over the whole relationship.",
                            "synonyms": ["Lifetime worth"],
                            "abbreviations": ["CLV"],
                        }
                    ]
                }
            ),
        )
    term = Term.objects.get(slug="customer-lifetime-value")
    with django_capture_on_commit_callbacks(execute=True):
        term_link(actor=Actor(user=world.steward), term=term, target=resolve_target(product="sales/value-scores"))
    return term


def titles(q: str, **filters) -> list[str]:
    results = caught_up_backend().search(SearchQuery(text=q, filters={k: (v,) for k, v in filters.items()}))
    return [hit.title for hit in results.hits]


def test_an_abbreviation_of_a_linked_term_finds_the_product(ledger):
    assert "Value scores" in titles("clv", type="product")


def test_a_synonym_of_a_linked_term_finds_the_product(ledger):
    assert "Value scores" in titles("lifetime worth", type="product")


def test_terms_are_search_results_of_their_own(ledger):
    assert titles("customer lifetime", type="glossary_term") == ["Customer lifetime value"]
