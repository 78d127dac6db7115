"""Notices and product versions: versions and deprecations are read by anyone who reads the catalog; deprecating
and publishing from the page are the product's writers' (its team and staff, tokens with write:products on the
API); following, preferences, saved searches, my notices and My data are personal (people only, no token); a
domain's chat webhook is its owners' (staff read and set it as the platform's operators)."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone

from core.actors import Scope

from .core import OK, Entry, api_anyone, api_read, api_write, page_read, page_write
from .entries_catalog import product_kwargs, product_page_kwargs

OWNER = ("owner",)
EVERYONE = {"outsider": OK}  # page_write's team roles plus the outsider: anyone signed in


def version_kwargs(scene) -> dict:
    from catalog.models import ProductVersion

    ProductVersion.objects.get_or_create(
        product=scene.product, number=1, defaults={"author_label": "matrix", "channel": "api", "snapshot": {}}
    )
    return {**product_kwargs(scene), "number": 1}


def sunset() -> str:
    return str(timezone.localdate() + dt.timedelta(days=30))


def preferences_form(scene) -> dict:
    kinds = ("breaking_change", "deprecation", "incident", "new_version", "new_match")
    return {f"{kind}__frequency": "immediately" for kind in kinds}


ENTRIES = [
    Entry("api-product-versions", "GET", api_read(), kwargs=product_kwargs),
    Entry("api-product-version", "GET", api_read(), kwargs=version_kwargs),
    Entry("api-product-deprecation", "GET", api_read(), kwargs=product_kwargs),
    Entry(
        "api-product-deprecation",
        "PUT",
        api_write(Scope.WRITE_PRODUCTS),
        kwargs=product_kwargs,
        body=lambda s: {"sunset_on": sunset(), "reason": "Superseded by orders v2."},
    ),
    Entry("api-follows", "GET", api_anyone(None)),
    Entry("api-follows", "POST", api_anyone(None), body=lambda s: {"domain": "sales"}),
    Entry("api-follows", "DELETE", api_anyone(None), body=lambda s: {"domain": "sales"}),
    Entry("api-notices", "GET", api_anyone(None)),
    Entry("api-notice-preferences", "GET", api_anyone(None)),
    Entry("api-notice-preferences", "PUT", api_anyone(None), body=lambda s: {"incident": {"frequency": "digest"}}),
    Entry("api-domain-chat-webhook", "GET", api_write(None, roles=OWNER), kwargs=lambda s: {"slug": "sales"}),
    Entry(
        "api-domain-chat-webhook",
        "PUT",
        api_write(None, roles=OWNER),
        kwargs=lambda s: {"slug": "sales"},
        body=lambda s: {"url": ""},
    ),
    # Pages.
    Entry("my_data", "GET", page_read()),
    Entry("notice_preferences", "GET", page_read()),
    Entry("notice_preferences", "POST", page_write(**EVERYONE), body=preferences_form),
    Entry(
        "saved_search_create", "POST", page_write(**EVERYONE), body=lambda s: {"name": "Orders", "query": "q=orders"}
    ),
    Entry("saved_search_delete", "POST", page_write(**EVERYONE), kwargs=lambda s: {"pk": 999_999}),
    Entry(
        "follow",
        "POST",
        page_write(**EVERYONE),
        kwargs=lambda s: {"target": "product", "pk": s.product.pk},
    ),
    Entry("product_deprecate", "GET", page_write(), kwargs=product_page_kwargs),
    Entry(
        "product_deprecate",
        "POST",
        page_write(),
        kwargs=product_page_kwargs,
        body=lambda s: {"port": "", "sunset_on": sunset(), "reason": "Superseded by orders v2."},
    ),
    Entry("product_publish", "GET", page_write(), kwargs=product_page_kwargs),
    Entry(
        "product_publish",
        "POST",
        page_write(),
        kwargs=product_page_kwargs,
        body=lambda s: {"action": "publish", "document": json.dumps({"name": "Orders", "status": "published"})},
    ),
]
