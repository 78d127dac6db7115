"""Page forms of access. They check types and shapes; the services check the rules and their errors come back
onto the form, next to the field they name."""

from __future__ import annotations

from typing import cast

from django import forms

from catalog.models import OutputPort, Team
from core.web import ServiceErrorsForm


class RequestForm(ServiceErrorsForm):
    """For one port: the grantee (yourself or one of your teams), a purpose and a duration within the maximum."""

    grantee = forms.ChoiceField(label="Access for")
    purpose = forms.CharField(
        label="Purpose",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": "3"}),
        help_text="What you will use the data for; the owners decide on it.",
    )
    duration_days = forms.IntegerField(label="Duration (days)", min_value=1)

    def __init__(self, *args, port: OutputPort, user, teams: list[Team] | None = None, **kwargs):
        kwargs["prefix"] = kwargs.get("prefix") or f"port{port.pk}"
        super().__init__(*args, **kwargs)
        self.port = port
        # A page with a form per port passes the person's teams in, so they are read once, not once per port.
        teams = teams if teams is not None else list(Team.objects.of_user(user).order_by("name"))
        # The owning team needs no grant for its own product (the service refuses it).
        self.teams = [t for t in teams if t.pk != port.product.owner_team_id]
        cast(forms.ChoiceField, self.fields["grantee"]).choices = [
            ("me", "Myself"),
            *((f"team:{t.slug}", f"Team {t.name}") for t in self.teams),
        ]
        self.fields["duration_days"].widget.attrs["max"] = str(port.max_access_days)
        self.fields["duration_days"].initial = min(90, port.max_access_days)
        self.fields["duration_days"].help_text = f"At most {port.max_access_days} days."

    def team(self) -> Team | None:
        value = self.cleaned_data["grantee"]
        if value.startswith("team:"):
            slug = value.split(":", 1)[1]
            return next(t for t in self.teams if t.slug == slug)
        return None


class DecisionForm(ServiceErrorsForm):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve"), ("reject", "Reject"), ("ask_info", "Ask for more information")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason or question",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": "2"}),
        help_text="Required to reject or to ask for information.",
    )


class ReasonForm(ServiceErrorsForm):
    reason = forms.CharField(
        label="Reason", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": "2"})
    )


class SettingsForm(ServiceErrorsForm):
    stewards_may_decide = forms.BooleanField(
        label="Data stewards of the owning team may decide access requests", required=False
    )
    provisioning_url = forms.CharField(
        label="Provisioning endpoint",
        required=False,
        max_length=500,
        help_text="Receives a signed POST on each grant, revocation and expiry. Leave empty for none.",
    )
    rotate_secret = forms.BooleanField(label="Issue a new signing secret", required=False)
