"""Forms for the pages. They parse what people type; the services decide what is allowed."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import cast

from django import forms
from django.utils import timezone

from catalog.errors import FieldError
from catalog.models import LifecycleStatus, ProductKind, Scope
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


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="Say what uses it, e.g. “nightly orders pipeline”.",
        error_messages={"required": "A token needs a name."},
    )
    scopes = forms.MultipleChoiceField(
        label="Scopes",
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="What the token may do. Writes are limited to the domains your team owns.",
        error_messages={"required": "Choose at least one scope."},
    )
    expires_at = forms.DateField(
        label="Expires after",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional. The token stops working at the end of this day (UTC); leave empty to keep it.",
    )

    def expiry(self) -> datetime | None:
        day = self.cleaned_data.get("expires_at")
        if day is None:
            return None
        return datetime.combine(day + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())

    def add_service_errors(self, errors: list[FieldError]) -> None:
        """Show a service's field errors next to the fields they name ("/scopes/2" belongs to scopes)."""
        for error in errors:
            name = error.path.strip("/").split("/", 1)[0]
            self.add_error(name if name in self.fields else None, error.message)
