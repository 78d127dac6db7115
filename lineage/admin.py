"""Lineage in the admin: read mostly. Events are the record of what pipelines sent and are never edited."""

from django.contrib import admin

from lineage.models import Dataset, Job, LineageEvent, Run


@admin.register(LineageEvent)
class LineageEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "kind", "event_type", "job_namespace", "job_name", "team"]
    list_filter = ["kind", "event_type"]
    search_fields = ["job_name", "job_namespace", "run_uuid"]
    readonly_fields = [f.name for f in LineageEvent._meta.fields]
    date_hierarchy = "received_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["namespace", "name", "job_type", "updated_at"]
    search_fields = ["namespace", "name"]
    readonly_fields = ["facets", "facet_times"]


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ["run_uuid", "job", "state", "started_at", "ended_at"]
    list_filter = ["state"]
    search_fields = ["run_uuid", "job__name"]
    list_select_related = ["job"]
    raw_id_fields = ["job"]
    readonly_fields = ["facets", "facet_times"]


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["namespace", "name", "source_name", "lifecycle_state", "updated_at"]
    search_fields = ["namespace", "name"]
    readonly_fields = ["facets", "facet_times", "fields", "schema_fingerprint", "graph_version"]
