from django.contrib import admin

from harvest.models import Connection, Drift, HarvestRun, SchemaChange


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ("domain", "name", "url", "secret_env", "secret_file", "schedule_minutes", "last_run_at")
    list_filter = ("domain",)


@admin.register(HarvestRun)
class HarvestRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "domain", "connection", "status", "started_at", "finished_at")
    list_filter = ("kind", "status")
    readonly_fields = ("counts", "summary", "error")


@admin.register(Drift)
class DriftAdmin(admin.ModelAdmin):
    list_display = ("product", "port", "kind", "column", "breaking", "opened_at", "resolved_at")
    list_filter = ("kind", "breaking")


@admin.register(SchemaChange)
class SchemaChangeAdmin(admin.ModelAdmin):
    list_display = ("product", "port", "at", "change", "kind", "column")
