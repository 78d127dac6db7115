"""A small demo glossary for the demo mesh (`manage.py seed_demo` may call `seed_demo_glossaries()`).

Terms go in through the import service as each domain's first steward, so the demo has versions, keys and
link suggestions exactly as real use would; one open proposal shows the review page with something to review.
"""

from __future__ import annotations

import json
from typing import Any

from catalog.models import Domain
from core.actors import Actor
from glossary.models import Glossary
from glossary.permissions import domain_stewards
from glossary.services.imports import glossary_import
from glossary.services.proposals import proposal_create

TERMS: dict[str, list[dict[str, Any]]] = {
    "customer": [
        {
            "slug": "customer",
            "name": "Customer",
            "definition": "A person or company that has placed at least one **paid** order.",
            "synonyms": ["Client"],
        },
        {
            "slug": "active-customer",
            "name": "Active customer",
            "parent": "customer",
            "definition": "A customer with a paid order in the last **90 days**, counted at the end of each day.",
            "synonyms": ["Engaged customer"],
            "abbreviations": ["AC"],
            "examples": ["Ordered on 1 March, still active until 30 May"],
        },
        {
            "slug": "churned-customer",
            "name": "Churned customer",
            "parent": "customer",
            "related": ["active-customer"],
            "definition": "A customer who was active and has had no paid order for 90 days.",
            "synonyms": ["Lapsed customer"],
        },
    ],
    "sales": [
        {
            "slug": "order",
            "name": "Order",
            "definition": "A confirmed request to buy one or more articles; cancelled orders are kept with "
            "their status.",
        },
        {
            "slug": "order-line",
            "name": "Order line",
            "parent": "order",
            "definition": "One article and quantity within an order.",
            "synonyms": ["Order item"],
        },
        {
            "slug": "gross-merchandise-value",
            "name": "Gross merchandise value",
            "definition": "The value of all order lines at list price, before returns, discounts and tax.",
            "abbreviations": ["GMV"],
        },
    ],
    "finance": [
        {
            "slug": "net-revenue",
            "name": "Net revenue",
            "definition": "Invoiced revenue after returns, discounts and sales tax.",
            "synonyms": ["Net sales"],
            "abbreviations": ["NR"],
        },
        {
            "slug": "invoice",
            "name": "Invoice",
            "definition": "The legal document asking a customer to pay for delivered goods or services.",
        },
    ],
}
SAME_AS = {"sales": {"gross-merchandise-value": ["finance/net-revenue"]}}


def seed_demo_glossaries() -> int:
    """Fill the demo domains' glossaries once; answers how many terms were added (0 when already there)."""
    if Glossary.objects.filter(terms__isnull=False).exists():
        return 0
    added = 0
    for domain_slug in ("finance", "customer", "sales"):  # finance first: sales refers to it
        domain = Domain.objects.select_related("owner_team").filter(slug=domain_slug).first()
        stewards = domain_stewards(domain) if domain is not None else []
        if not stewards:
            continue
        rows = []
        for term in TERMS[domain_slug]:
            same = SAME_AS.get(domain_slug, {}).get(term["slug"], [])
            rows.append({**term, "same_as": same} if same else term)
        result = glossary_import(
            actor=Actor(user=stewards[0]),
            domain_slug=domain_slug,
            raw=json.dumps({"terms": rows}),
            fmt="json",
            note="Demo glossary.",
        )
        added += len(result.created)
    customer = Domain.objects.filter(slug="customer").first()
    people = domain_stewards(customer) if customer is not None else []
    if added and people:
        proposal_create(
            actor=Actor(user=people[-1]),
            domain_slug="customer",
            kind="change",
            term_slug="active-customer",
            reason="Marketing now plans on a 60-day window; the glossary should say what the reports use.",
            content={
                "definition": "A customer with a paid order in the last **60 days**, counted at the end of each day."
            },
        )
    return added
