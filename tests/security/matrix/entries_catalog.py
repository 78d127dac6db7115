"""Catalog: domains, teams, products, descriptors, contracts, search, tokens, inbox."""

from __future__ import annotations

import yaml

from core.actors import Scope
from tokens.services import token_create

from .core import OK, Entry, api_read, api_write, page_read, page_write

W = Scope.WRITE_PRODUCTS


def needs_product(scene) -> dict:
    scene.product  # noqa: B018 -- a list with something in it
    return {}


def needs_contract(scene) -> dict:
    scene.contract  # noqa: B018
    return {}


def product_kwargs(scene) -> dict:
    return {"domain": scene.product.domain.slug, "slug": scene.product.slug}


def product_page_kwargs(scene) -> dict:
    return {"domain_slug": scene.product.domain.slug, "slug": scene.product.slug}


def product_body(scene) -> dict:
    return {"name": "Orders", "summary": "Every order, changed by the matrix.", "status": "published"}


ODPS = b"""\
apiVersion: v1.0.0
kind: DataProduct
id: 6d0b1c4e-0000-4000-8000-000000000001
name: Returns
status: draft
domain: sales
info:
  title: Returns
  domain: sales
"""


def token_key(scene) -> dict:
    issued = token_create(actor=None, team=scene.world.team, name="nightly", scopes=[Scope.READ])
    return {"slug": "sales-team", "key_id": issued.token.key_id}


ENTRIES = [
    Entry("api-domains", "GET", api_read()),
    Entry("api-domain", "GET", api_read(), kwargs=lambda s: {"slug": "sales"}),
    Entry("api-teams", "GET", api_read()),
    Entry("api-team", "GET", api_read(), kwargs=lambda s: {"slug": "sales-team"}),
    Entry("api-products", "GET", api_read(), kwargs=needs_product),
    Entry("api-product", "GET", api_read(), kwargs=product_kwargs),
    Entry("api-product", "PUT", api_write(W), kwargs=product_kwargs, body=product_body),
    Entry(
        "api-product",
        "PUT",
        api_write(W),
        kwargs=lambda s: {"domain": "sales", "slug": "returns"},
        body=product_body,
        note="create",
    ),
    Entry("api-product", "DELETE", api_write(W), kwargs=product_kwargs),
    Entry("api-product-retire", "POST", api_write(W), kwargs=product_kwargs),
    Entry(
        "api-products-bulk",
        "POST",
        api_write(W),
        body=lambda s: {"products": [{"domain": "sales", "slug": "returns", "name": "Returns"}]},
    ),
    Entry("api-descriptors", "POST", api_write(W), body=lambda s: ODPS, content_type="application/yaml"),
    Entry("api-descriptors-bulk", "POST", api_write(W), body=lambda s: {"documents": [yaml.safe_load(ODPS)]}),
    Entry("api-tokens-me", "GET", api_read()),
    Entry("api-contracts", "GET", api_read(), kwargs=needs_contract),
    Entry("api-contract", "GET", api_read(), kwargs=lambda s: {"contract_id": s.contract.contract_id}),
    Entry("api-search", "GET", api_read(), query="q=orders"),
    Entry("api-search-suggest", "GET", api_read(), query="q=ord"),
    # Pages.
    Entry("home", "GET", page_read()),
    Entry("domain_list", "GET", page_read()),
    Entry("domain_detail", "GET", page_read(), kwargs=lambda s: {"slug": "sales"}),
    Entry("product_list", "GET", page_read(), kwargs=needs_product),
    Entry("product_detail", "GET", page_read(), kwargs=product_page_kwargs),
    Entry("search", "GET", page_read(), query="q=orders"),
    Entry("search_suggest", "GET", page_read(), query="q=ord"),
    Entry("team_list", "GET", page_read()),
    Entry("team_detail", "GET", page_read(), kwargs=lambda s: {"slug": "sales-team"}),
    # Tokens are the team's keys: only its owners (and staff) see and manage them.
    Entry("team_tokens", "GET", page_write(roles=("owner",)), kwargs=lambda s: {"slug": "sales-team"}),
    Entry(
        "team_tokens",
        "POST",
        page_write(roles=("owner",)),
        kwargs=lambda s: {"slug": "sales-team"},
        body=lambda s: {"name": "nightly", "scopes": [Scope.READ]},
    ),
    Entry("token_revoke", "POST", page_write(roles=("owner",)), kwargs=token_key, body=lambda s: {}),
    # Everyone signed in has an inbox of their own.
    Entry("inbox", "GET", page_read()),
    Entry("inbox_mark_read", "POST", page_write(outsider=OK), body=lambda s: {}),
]
