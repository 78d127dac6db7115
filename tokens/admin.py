from django.contrib import admin

from tokens.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued on the team page or by `create_token`; the admin can only inspect and revoke them."""

    list_display = [
        "name",
        "team",
        "key_id",
        "scopes",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["team"]
    search_fields = ["name", "key_id", "team__slug"]
    readonly_fields = [
        "team",
        "name",
        "key_id",
        "secret_hash",
        "scopes",
        "created_by",
        "created_at",
        "last_used_at",
    ]
    fields = [*readonly_fields, "expires_at", "revoked_at"]

    def has_add_permission(self, request) -> bool:
        return False
