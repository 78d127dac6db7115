from django.contrib import admin

from access.models import AccessEvent, AccessRequest, DomainAccessSettings, Grant, WebhookDelivery


class EventInline(admin.TabularInline):
    model = AccessEvent
    extra = 0
    can_delete = False
    readonly_fields = ["subject", "actor_label", "from_state", "to_state", "reason", "at"]
    exclude = ["actor"]


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    # Read-mostly: decisions go through the services (rules, audit, announcements), not through the admin.
    list_display = ["pk", "product", "port", "requester", "team", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["requester__username", "product__slug", "purpose"]
    readonly_fields = [f.name for f in AccessRequest._meta.fields]
    inlines = [EventInline]


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = ["pk", "product", "port", "user", "team", "status", "starts_at", "expires_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in Grant._meta.fields]


@admin.register(DomainAccessSettings)
class DomainAccessSettingsAdmin(admin.ModelAdmin):
    list_display = ["domain", "stewards_may_decide", "provisioning_url"]
    exclude = ["signing_secret"]  # shown to the domain's owners on their page, not in list screens


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_id", "domain", "event", "status", "attempts", "last_status_code", "created_at"]
    list_filter = ["status", "event"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
