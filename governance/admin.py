"""Admin views for the platform team: read what the evaluation stored (it is rewritten on every run)."""

from django.contrib import admin

from governance.models import Finding, ProductScore


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["product", "policy_id", "severity", "status", "opened_at", "resolved_at"]
    list_filter = ["status", "severity", "policy_id"]
    search_fields = ["product__name", "product__slug", "message"]
    raw_id_fields = ["product"]
    readonly_fields = ["opened_at", "last_seen_at", "resolved_at"]


@admin.register(ProductScore)
class ProductScoreAdmin(admin.ModelAdmin):
    list_display = ["product", "domain", "score", "health", "errors", "warnings", "evaluated_at"]
    list_filter = ["domain"]
    raw_id_fields = ["product"]
