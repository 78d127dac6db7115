"""Admin views for looking into ratings; moderation belongs to the pages and the API (it is audited there)."""

from django.contrib import admin

from ratings.models import Rating, RatingModeration, RatingReply, RatingVersion


class VersionInline(admin.TabularInline):
    model = RatingVersion
    extra = 0
    readonly_fields = ["number", "stars", "dimensions", "comment", "verified", "written_at", "replaced_at"]
    can_delete = False


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["product", "author", "stars", "verified", "version", "edited_at", "hidden_at"]
    list_filter = ["stars", "verified"]
    search_fields = ["product__slug", "product__name", "author__username", "comment"]
    raw_id_fields = ["product", "author", "hidden_by"]
    readonly_fields = ["hidden_at", "hidden_by", "hidden_reason", "verified", "version", "edited_at"]
    inlines = [VersionInline]


@admin.register(RatingReply)
class RatingReplyAdmin(admin.ModelAdmin):
    list_display = ["rating", "team", "author", "updated_at"]
    raw_id_fields = ["rating", "author"]


@admin.register(RatingModeration)
class RatingModerationAdmin(admin.ModelAdmin):
    list_display = ["product", "rating_author", "action", "actor", "created_at"]
    list_filter = ["action"]
    readonly_fields = ["product", "rating", "rating_author", "action", "reason", "actor", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
