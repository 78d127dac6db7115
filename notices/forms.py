from __future__ import annotations

from django import forms

from catalog.models import DataProduct
from core.web import ServiceErrorsForm
from notices.models import Frequency, NoticeKind


class DeprecationForm(ServiceErrorsForm):
    path_to_field = {"sunset_on": "sunset_on", "reason": "reason", "port": "port", "replacement": "replacement"}

    port = forms.ChoiceField(label="What", required=False)
    sunset_on = forms.DateField(label="Sunset date", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    replacement = forms.CharField(
        label="Replacement (domain/slug)", required=False, help_text="The product consumers should move to."
    )

    def __init__(self, *args, product: DataProduct, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        ports = list(product.output_ports.all())
        self.ports = {str(p.pk): p for p in ports}
        choice = self.fields["port"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [("", "The whole product")] + [(str(p.pk), f"Port {p.name}") for p in ports]

    def clean_replacement(self):
        ref = self.cleaned_data["replacement"].strip()
        if not ref:
            return None
        domain, _, slug = ref.partition("/")
        found = DataProduct.objects.filter(domain__slug=domain, slug=slug).first()
        if found is None:
            raise forms.ValidationError(f"No product '{ref}'.")
        return found

    def chosen_port(self):
        return self.ports.get(self.cleaned_data.get("port") or "")


class PreferencesForm(forms.Form):
    def __init__(self, *args, current: dict[str, tuple[str, bool]], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in NoticeKind:
            frequency, mail = current[kind.value]
            self.fields[f"{kind.value}__frequency"] = forms.ChoiceField(
                label=kind.label, choices=Frequency.choices, initial=frequency
            )
            self.fields[f"{kind.value}__mail"] = forms.BooleanField(
                label=f"{kind.label}: also by mail", required=False, initial=mail
            )

    def choices(self) -> dict[str, dict]:
        return {
            kind.value: {
                "frequency": self.cleaned_data[f"{kind.value}__frequency"],
                "mail": self.cleaned_data[f"{kind.value}__mail"],
            }
            for kind in NoticeKind
        }


class SavedSearchForm(forms.Form):
    name = forms.CharField(max_length=200)
    query = forms.CharField(max_length=1000, help_text="The search, as in the search page's address (q=orders).")
