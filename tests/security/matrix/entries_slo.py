"""SLOs: objectives managed by the product team's owners and stewards (and staff, and its `write:products` tokens);
measurements sent to `POST /api/v1/sli` by its `write:sli` tokens and, by session, by any of its people (the
rule of product writes) and staff; every read open to any signed-in caller.

Read from slo/permissions.py: `ensure_can_manage_slos` (people: owner or steward of the product's team or of a team
owning its domain, or staff; tokens: `ensure_can_write_product` with write:products) and
`ensure_can_send_measurements` (`ensure_can_write_product` with write:sli, which for a person is any member of the
writing teams, and staff: people are not narrowed by scopes).
"""

from __future__ import annotations

from core.actors import Scope

from .core import Entry, api_read, api_write, page_read, page_write

W = Scope.WRITE_PRODUCTS
MANAGERS = ("steward", "owner")


def product(scene) -> dict:
    scene.slo  # noqa: B018 -- a product with an objective
    return {"domain": "sales", "slug": scene.product.slug}


def slo(scene) -> dict:
    return {"pk": scene.slo.pk}


def measured(scene) -> dict:
    return {"pk": scene.measurement.slo_id}


def with_slo(scene) -> dict:
    scene.slo  # noqa: B018
    return {}


def new_slo(scene) -> dict:
    return {"product": scene.product.identifier, "name": "rows", "kind": "volume", "min_rows": 1000}


def changed_slo(scene) -> dict:
    return {"name": "freshness", "kind": "freshness", "threshold": 7200}


def measurement(scene) -> dict:
    return {"slo": scene.slo.pk, "value": 120.0, "key": "matrix-run-1"}


SLO_FORM = {"name": "late", "kind": "freshness", "port": "", "threshold": "2", "unit": "3600", "risk_margin": "0.1"}

ENTRIES = [
    Entry("api-slos", "GET", api_read(), kwargs=with_slo),
    Entry("api-slos", "POST", api_write(W, roles=MANAGERS), body=new_slo),
    Entry("api-slo", "GET", api_read(), kwargs=slo),
    Entry("api-slo", "PUT", api_write(W, roles=MANAGERS), kwargs=slo, body=changed_slo),
    Entry("api-slo", "DELETE", api_write(W, roles=MANAGERS), kwargs=slo),
    Entry("api-slo-measurements", "GET", api_read(), kwargs=measured),
    # The owning team's write:sli tokens send; so do its people by session (any role, as for product writes) and
    # staff, whom scopes do not narrow (docs/slo.md, "Who may send").
    Entry("api-sli", "POST", api_write(Scope.WRITE_SLI), body=measurement),
    # Pages.
    Entry("slo_product", "GET", page_read(), kwargs=product),
    Entry("slo_detail", "GET", page_read(), kwargs=slo),
    Entry("slo_create", "GET", page_write(roles=MANAGERS), kwargs=product),
    Entry("slo_create", "POST", page_write(roles=MANAGERS), kwargs=product, body=lambda s: SLO_FORM),
    Entry("slo_edit", "GET", page_write(roles=MANAGERS), kwargs=slo),
    Entry("slo_edit", "POST", page_write(roles=MANAGERS), kwargs=slo, body=lambda s: {**SLO_FORM, "name": "freshness"}),
    Entry("slo_delete", "GET", page_write(roles=MANAGERS), kwargs=slo),
    Entry("slo_delete", "POST", page_write(roles=MANAGERS), kwargs=slo, body=lambda s: {}),
]
