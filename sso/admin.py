from django.contrib import admin

from sso.models import GroupMapping, OidcIdentity, ProviderMembership


@admin.register(GroupMapping)
class GroupMappingAdmin(admin.ModelAdmin):
    list_display = ["group", "team", "role", "staff"]
    list_filter = ["role", "staff"]
    search_fields = ["group", "team__slug", "team__name"]
    autocomplete_fields = ["team"]


class ProviderMembershipInline(admin.TabularInline):
    model = ProviderMembership
    fields = ["membership", "groups"]
    readonly_fields = ["membership", "groups"]
    extra = 0
    can_delete = False


@admin.register(OidcIdentity)
class OidcIdentityAdmin(admin.ModelAdmin):
    """Read-only: identities are written by sign-ins. Deleting one makes the next sign-in create a new person."""

    list_display = ["user", "issuer", "subject", "last_sign_in_at", "staff_from_provider"]
    search_fields = ["user__username", "user__email", "subject"]
    readonly_fields = ["user", "issuer", "subject", "groups", "staff_from_provider", "last_sign_in_at"]
    inlines = [ProviderMembershipInline]

    def has_add_permission(self, request):
        return False


@admin.register(ProviderMembership)
class ProviderMembershipAdmin(admin.ModelAdmin):
    """The team memberships the identity provider manages; every other membership was made by hand."""

    list_display = ["membership", "groups", "identity"]
    search_fields = ["membership__user__username", "membership__team__slug"]
    readonly_fields = ["membership", "identity", "groups"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
