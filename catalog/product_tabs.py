"""The product page's tabs: each its own URL (`?tab=schema`), rendered on the server, only the selected one.

A tab is a template under `catalog/templates/catalog/product_tabs/`; the sections other apps contribute are
inclusion tags of theirs, loaded there with one line (`{% load slo_tags %}{% product_slos product %}`). To add a
tab, add a `Tab` here and its template; to add a section to a tab, add the app's tag line to that tab's template.
Only the selected tab's template is rendered, so only its tags read anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Tab:
    name: str
    label: str

    @property
    def template(self) -> str:
        return f"catalog/product_tabs/{self.name}.html"

    @property
    def query(self) -> str:
        """The link's query string; the overview is the product's plain URL."""
        return "" if self.name == DEFAULT else f"?tab={self.name}"


DEFAULT = "overview"
TABS: tuple[Tab, ...] = (
    Tab("overview", "Overview"),
    Tab("schema", "Schema"),
    Tab("contract", "Contract and SLAs"),
    Tab("quality", "Quality and SLOs"),
    Tab("lineage", "Lineage"),
    Tab("reviews", "Reviews"),
    Tab("access", "Access"),
    Tab("history", "History"),
)
_BY_NAME = {tab.name: tab for tab in TABS}

# Old in-page anchors (links in mails and notifications written before the tabs) and the tab that holds them.
ANCHOR_TABS = {
    "overview": "overview",
    "owners": "overview",
    "output-ports": "schema",
    "input-ports": "lineage",
    "lineage": "lineage",
    "slos": "quality",
    "governance": "quality",
    "reviews": "reviews",
    "access": "access",
}
ANCHOR_TABS_JSON = json.dumps(ANCHOR_TABS)


def selected(value: str | None) -> Tab:
    """The tab asked for; an unknown or missing name shows the overview rather than an error."""
    return _BY_NAME.get((value or "").strip().lower(), _BY_NAME[DEFAULT])
