from django.contrib import admin

from slo.models import EVALUATION_FIELDS, Incident, Measurement, ServiceLevelObjective, SloEvaluation


@admin.register(ServiceLevelObjective)
class SloAdmin(admin.ModelAdmin):
    list_display = ["name", "product", "kind", "state", "source", "compliance_30d", "evaluated_at"]
    list_filter = ["kind", "state", "source"]
    search_fields = ["name", "product__name", "product__slug", "contract_id"]
    raw_id_fields = ["product", "port"]
    readonly_fields = EVALUATION_FIELDS


@admin.register(Measurement)
class MeasurementAdmin(admin.ModelAdmin):
    list_display = ["slo", "value", "measured_at", "source", "key"]
    list_filter = ["source"]
    raw_id_fields = ["slo"]
    date_hierarchy = "measured_at"


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["slo", "opened_at", "closed_at", "worst_value", "notified_at"]
    raw_id_fields = ["slo"]


@admin.register(SloEvaluation)
class SloEvaluationAdmin(admin.ModelAdmin):
    list_display = ["slo", "state", "since", "value", "evaluated_at"]
    raw_id_fields = ["slo"]
