"""The objective form of the SLO pages. Kind-specific checks are the service's (slo.services.slo_spec_errors)."""

from __future__ import annotations

from django import forms

from catalog.models import DataProduct
from core.web import ServiceErrorsForm
from slo.models import Comparator, ServiceLevelObjective, SloKind
from slo.services import SloSpec

UNITS = [("1", "seconds"), ("60", "minutes"), ("3600", "hours"), ("86400", "days")]


class SloForm(ServiceErrorsForm):
    name = forms.CharField(label="Name", max_length=120, help_text="Pipelines name the objective by it.")
    kind = forms.ChoiceField(label="Kind", choices=SloKind.choices)
    port = forms.ChoiceField(label="Output port", required=False, help_text="Leave empty for the whole product.")
    threshold = forms.FloatField(
        label="Threshold",
        required=False,
        help_text=(
            "Freshness: the data's maximum age; latency: the maximum duration (both in the unit below). "
            "Completeness and availability: the minimum ratio, 0.99 = 99%. Custom: the value to compare with."
        ),
    )
    unit = forms.TypedChoiceField(
        label="Unit of a duration", choices=UNITS, coerce=float, initial="3600", required=False
    )
    min_rows = forms.IntegerField(label="Minimum rows (volume)", required=False, min_value=0)
    max_rows = forms.IntegerField(label="Maximum rows (volume)", required=False, min_value=0)
    comparator = forms.ChoiceField(
        label="Comparator (custom)", choices=[("", "—"), *Comparator.choices], required=False
    )
    metric = forms.CharField(
        label="Metric (custom)",
        max_length=100,
        required=False,
        help_text="What is measured; 'assertions' is fed by OpenLineage data quality assertions.",
    )
    element = forms.CharField(label="Column", max_length=200, required=False, help_text="Completeness of one column.")
    risk_margin = forms.FloatField(
        label="At-risk margin",
        initial=0.1,
        min_value=0,
        max_value=0.99,
        help_text="The share of the threshold before it that counts as at risk (0.1 = the last 10%).",
    )
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": "3"}))

    def __init__(self, *args, product: DataProduct, **kwargs):
        super().__init__(*args, **kwargs)
        port_field: forms.ChoiceField = self.fields["port"]  # type: ignore[assignment]
        port_field.choices = [("", "The whole product")] + [(p.name, p.label) for p in product.output_ports.all()]

    @classmethod
    def initial_for(cls, slo: ServiceLevelObjective) -> dict:
        initial = {
            "name": slo.name,
            "kind": slo.kind,
            "port": slo.port.name if slo.port is not None else "",
            "threshold": slo.threshold,
            "unit": "1",
            "min_rows": slo.min_rows,
            "max_rows": slo.max_rows,
            "comparator": slo.comparator,
            "metric": slo.metric,
            "element": slo.element,
            "risk_margin": slo.risk_margin,
            "description": slo.description,
        }
        if slo.kind in (SloKind.FRESHNESS, SloKind.LATENCY) and slo.threshold:
            for factor, _ in reversed(UNITS):
                if slo.threshold >= float(factor) and (slo.threshold / float(factor)).is_integer():
                    initial["threshold"], initial["unit"] = slo.threshold / float(factor), factor
                    break
        return initial

    def spec(self) -> SloSpec:
        data = self.cleaned_data
        threshold = data.get("threshold")
        if threshold is not None and data["kind"] in (SloKind.FRESHNESS, SloKind.LATENCY):
            threshold = threshold * (data.get("unit") or 1.0)
        return SloSpec(
            name=data["name"],
            kind=data["kind"],
            threshold=threshold,
            min_rows=data.get("min_rows"),
            max_rows=data.get("max_rows"),
            comparator=data.get("comparator") or "",
            metric=data.get("metric") or "",
            element=data.get("element") or "",
            risk_margin=data["risk_margin"],
            description=data.get("description") or "",
            port=data.get("port") or "",
        )
