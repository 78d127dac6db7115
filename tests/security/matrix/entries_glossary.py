"""Glossary: proposals (anyone proposes, the domain's stewards decide, only the proposer revises), links, import."""

from __future__ import annotations

from core.actors import Scope

from .core import OK, Entry, api_anyone, api_read, api_write, page_read, page_write

G = Scope.WRITE_GLOSSARY
STEWARD = ("steward",)  # sales-team names a steward, so its owner does not stand in for one
PROPOSER = ("member",)  # every proposal in the scene is mia's


def domain(scene) -> dict:
    return {"domain": "sales"}


def term(scene) -> dict:
    return {"domain": "sales", "slug": scene.term.slug}


def proposal(scene) -> dict:
    return {"pk": scene.proposal.pk}


def change(scene) -> dict:
    return {"pk": scene.change_proposal.pk}


def version(scene) -> dict:
    return {**term(scene), "number": 1}


def term_content(name: str = "Basket") -> dict:
    return {"name": name, "definition": "What a customer buys at once."}


def linked(scene) -> dict:
    scene.term_product_link  # noqa: B018 -- the link the DELETE removes
    return {"product": "sales/orders"}


CSV = "name,definition\r\nVoucher,A prepaid discount.\r\n"

ENTRIES = [
    Entry("api-glossaries", "GET", api_read()),
    Entry("api-glossary-terms", "GET", api_read(), kwargs=domain),
    Entry("api-glossary-export", "GET", api_read(), kwargs=domain),
    Entry("api-glossary-term", "GET", api_read(), kwargs=term),
    Entry("api-glossary-term-versions", "GET", api_read(), kwargs=term),
    Entry("api-glossary-term-version", "GET", api_read(), kwargs=version),
    Entry("api-glossary-proposals", "GET", api_read()),
    Entry("api-glossary-proposal", "GET", api_read(), kwargs=proposal),
    Entry("api-glossary-synonyms", "GET", api_read(), query="q=churn"),
    Entry(
        "api-glossary-proposals",
        "POST",
        api_anyone(G),
        body=lambda s: {"domain": "sales", "kind": "create", "reason": "Needed.", "content": term_content("Voucher")},
    ),
    Entry("api-glossary-comments", "POST", api_anyone(G), kwargs=proposal, body=lambda s: {"body": "Looks right."}),
    Entry(
        "api-glossary-decisions",
        "POST",
        api_write(None, roles=STEWARD),
        kwargs=proposal,
        body=lambda s: {"decision": "approve", "reason": ""},
    ),
    Entry(
        "api-glossary-revisions",
        "POST",
        api_write(None, roles=PROPOSER, staff=False),
        kwargs=proposal,
        body=lambda s: {"content": term_content(), "reason": "Sharper."},
    ),
    # Rebasing moves a stale change onto the term's latest version: the proposer or a steward may.
    Entry("api-glossary-rebase", "POST", api_write(None, roles=PROPOSER + STEWARD), kwargs=change),
    Entry("api-glossary-withdraw", "POST", api_write(None, roles=PROPOSER, staff=False), kwargs=proposal),
    # Links: the term's stewards, or whoever may write the product (with write:glossary for tokens).
    Entry(
        "api-glossary-term-links", "POST", api_write(G), kwargs=term, body=lambda s: {"product": s.product.identifier}
    ),
    Entry("api-glossary-term-links", "DELETE", api_write(G), kwargs=term, body=linked),
    Entry("api-glossary-suggestions", "GET", api_write(None, roles=STEWARD), kwargs=domain),
    Entry(
        "api-glossary-suggestion",
        "POST",
        api_write(None, roles=STEWARD),
        kwargs=lambda s: {"pk": s.suggestion.pk},
        body=lambda s: {"accept": True},  # the API's field; {"decision": ...} is the page form's
    ),
    Entry(
        "api-glossary-import",
        "POST",
        api_write(None, roles=STEWARD),
        kwargs=domain,
        query="format=csv",
        body=lambda s: CSV,
        content_type="text/csv",
    ),
    # Pages.
    Entry("glossary_home", "GET", page_read()),
    Entry("glossary_review", "GET", page_read()),
    Entry("glossary_domain", "GET", page_read(), kwargs=domain),
    Entry("glossary_tree", "GET", page_read(), kwargs=domain),
    Entry("glossary_term", "GET", page_read(), kwargs=term),
    Entry("glossary_version", "GET", page_read(), kwargs=version),
    Entry("glossary_export", "GET", page_read(), kwargs=lambda s: {"domain": "sales", "fmt": "csv"}),
    Entry("glossary_proposal", "GET", page_read(), kwargs=proposal),
    Entry("glossary_propose", "GET", page_read(), kwargs=domain),
    Entry(
        "glossary_propose",
        "POST",
        page_write(outsider=OK),
        kwargs=domain,
        body=lambda s: {**term_content("Voucher"), "reason": "Needed."},
    ),
    Entry("glossary_propose_change", "GET", page_read(), kwargs=term),
    Entry(
        "glossary_propose_change",
        "POST",
        page_write(outsider=OK),
        kwargs=term,
        body=lambda s: {"name": "Churn", "definition": "Customers who stopped buying.", "reason": "Sharper."},
    ),
    Entry("glossary_propose_deprecation", "GET", page_read(), kwargs=term),
    Entry(
        "glossary_propose_deprecation",
        "POST",
        page_write(outsider=OK),
        kwargs=term,
        body=lambda s: {"reason": "Nobody uses it."},
    ),
    Entry("glossary_proposal_comment", "POST", page_write(outsider=OK), kwargs=proposal, body=lambda s: {"body": "Ok"}),
    Entry(
        "glossary_proposal_decide",
        "POST",
        page_write(roles=STEWARD),
        kwargs=proposal,
        body=lambda s: {"decision": "approve", "reason": ""},
    ),
    Entry("glossary_proposal_revise", "GET", page_write(roles=PROPOSER, staff=False), kwargs=proposal),
    Entry(
        "glossary_proposal_revise",
        "POST",
        page_write(roles=PROPOSER, staff=False),
        kwargs=proposal,
        body=lambda s: term_content(),
    ),
    Entry("glossary_proposal_rebase", "POST", page_write(roles=PROPOSER + STEWARD), kwargs=change, body=lambda s: {}),
    Entry(
        "glossary_proposal_withdraw",
        "POST",
        page_write(roles=PROPOSER, staff=False),
        kwargs=proposal,
        body=lambda s: {},
    ),
    Entry("glossary_import", "GET", page_write(roles=STEWARD), kwargs=domain),
    Entry(
        "glossary_import",
        "POST",
        page_write(roles=STEWARD),
        kwargs=domain,
        body=lambda s: {"file": _upload()},
    ),
    Entry("glossary_suggestions", "GET", page_write(roles=STEWARD), kwargs=domain),
    Entry("glossary_suggestions_refresh", "POST", page_write(roles=STEWARD), kwargs=domain, body=lambda s: {}),
    Entry(
        "glossary_suggestion_decide",
        "POST",
        page_write(roles=STEWARD),
        kwargs=lambda s: {"pk": s.suggestion.pk},
        body=lambda s: {"decision": "accept"},
    ),
    Entry(
        "glossary_link",
        "POST",
        page_write(),
        kwargs=term,
        body=lambda s: {"target": "sales/orders"},
    ),
]


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("terms.csv", CSV.encode(), content_type="text/csv")
