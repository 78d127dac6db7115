"""The token page's form: it parses what people type; `tokens.services` decides what is allowed."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from core.actors import Scope
from core.web import ServiceErrorsForm


class TokenCreateForm(ServiceErrorsForm):
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
