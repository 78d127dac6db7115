from __future__ import annotations

from django import forms

from audit.models import Channel, Method
from audit.selectors import AuditFilters


def _any(label: str) -> list[tuple[str, str]]:
    return [("", label)]


class AuditFilterForm(forms.Form):
    """The audit page's filters (a GET form); the API takes the same names as query parameters."""

    username = forms.CharField(label="Person (username)", required=False, max_length=150)
    team = forms.CharField(label="Team of the API token (slug)", required=False, max_length=100)
    method = forms.ChoiceField(label="Method", required=False, choices=_any("Any method") + Method.choices)
    channel = forms.ChoiceField(label="Through", required=False, choices=_any("Pages and API") + Channel.choices)
    path = forms.CharField(label="Path starts with", required=False, max_length=1000)
    refused = forms.BooleanField(label="Only refused or failed requests (status 400 and up)", required=False)
    since = forms.DateField(
        label="From (date)", required=False, widget=forms.DateInput(attrs={"type": "date"}), input_formats=["%Y-%m-%d"]
    )
    until = forms.DateField(
        label="Until (date, inclusive)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],
    )

    def filters(self) -> AuditFilters:
        """The filters that parsed; a bad one is dropped and shown next to its field."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return AuditFilters(
            username=(data.get("username") or "").strip(),
            team=(data.get("team") or "").strip(),
            method=data.get("method") or "",
            channel=data.get("channel") or "",
            path=(data.get("path") or "").strip(),
            refused=bool(data.get("refused")),
            since=data.get("since"),
            until=data.get("until"),
        )
