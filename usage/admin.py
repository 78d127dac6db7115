from django.contrib import admin

from usage.models import ProductMilestone, UsageDay, UsageMonth, UsageRecord


@admin.register(UsageRecord)
class UsageRecordAdmin(admin.ModelAdmin):
    list_display = ["day", "product", "port", "team", "user", "queries", "bytes_read", "cost", "currency", "source"]
    list_filter = ["source", "currency"]
    raw_id_fields = ["port", "product", "team", "user"]
    date_hierarchy = "day"


@admin.register(UsageMonth)
class UsageMonthAdmin(admin.ModelAdmin):
    list_display = ["month", "product", "team", "user", "queries", "bytes_read", "cost", "currency", "days"]
    raw_id_fields = ["product", "team", "user"]


@admin.register(UsageDay)
class UsageDayAdmin(admin.ModelAdmin):
    list_display = ["day", "product", "queries", "bytes_read", "cost", "currency", "records"]
    raw_id_fields = ["product"]


@admin.register(ProductMilestone)
class ProductMilestoneAdmin(admin.ModelAdmin):
    list_display = ["product", "drafted_at", "published_at", "estimated"]
    raw_id_fields = ["product"]
