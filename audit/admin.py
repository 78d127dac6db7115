from django.contrib import admin

from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is written by the middleware alone, and removed only by the retention purge."""

    list_display = ["at", "actor_label", "method", "path", "status_code", "client_ip"]
    list_filter = ["method", "channel", "status_code"]
    search_fields = ["username", "token_key_id", "team_slug", "path", "object_ref"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
