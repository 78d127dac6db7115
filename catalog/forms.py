"""Forms for the pages. They parse what people type; the services decide what is allowed."""

from __future__ import annotations

from typing import cast

from django import forms

from catalog.models import LifecycleStatus, ProductKind
from catalog.selectors import ProductFilters


def _any(label: str) -> list[tuple[str, str]]:
    return [("", label)]


class ProductFilterForm(forms.Form):
    """The products list's filters: a GET form, so every filtered page has its own URL."""

    q = forms.CharField(label="Name, summary or tag contains", required=False, max_length=200)
    domain = forms.ChoiceField(label="Domain", required=False)
    kind = forms.ChoiceField(label="Kind", required=False, choices=_any("Any kind") + ProductKind.choices)
    status = forms.ChoiceField(
        label="Status", required=False, choices=_any("Any but retired") + LifecycleStatus.choices
    )
    tag = forms.CharField(label="Tag", required=False, max_length=60)
    team = forms.ChoiceField(label="Owner team", required=False)

    def __init__(self, *args, domains: list[tuple[str, str]], teams: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["domain"]).choices = _any("Any domain") + domains
        cast(forms.ChoiceField, self.fields["team"]).choices = _any("Any team") + teams

    def filters(self) -> ProductFilters:
        """The filters that parsed; a bad value (a domain that is gone) is dropped and shown as an error."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return ProductFilters(**{name: (data.get(name) or "").strip() for name in self.fields})
