from django.contrib import admin

from catalog.models import (
    DataContract,
    DataProduct,
    Domain,
    InputPort,
    OutputPort,
    QualityRule,
    SchemaField,
    SlaProperty,
    Tag,
    Team,
    TeamMembership,
)
from catalog.signals import announce_domains_written, announce_products_changed, announce_teams_written


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "contact_email"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def save_related(self, request, form, formsets, change):
        # Team documents list their people: index once the memberships are saved too.
        super().save_related(request, form, formsets, change)
        announce_teams_written([form.instance.pk])


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent", "owner_team"]
    list_filter = ["owner_team"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent", "owner_team"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        announce_domains_written([obj.pk])


class OutputPortInline(admin.TabularInline):
    model = OutputPort
    extra = 0
    fields = [
        "name",
        "version",
        "port_type",
        "location",
        "format",
        "access_mode",
        "contract_ref",
        "schema_source",
    ]
    show_change_link = True


class InputPortInline(admin.TabularInline):
    model = InputPort
    fk_name = "product"
    extra = 0
    fields = ["name", "version", "source_port", "source_product_ref", "external_source", "contract_ref"]
    raw_id_fields = ["source_port"]


@admin.register(DataProduct)
class DataProductAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "owner_team", "kind", "status", "version", "updated_at"]
    list_filter = ["status", "kind", "domain", "source_format"]
    search_fields = ["name", "slug", "summary", "external_id"]
    list_select_related = ["domain", "owner_team"]
    autocomplete_fields = ["domain", "owner_team", "tags"]
    readonly_fields = ["fingerprint", "descriptor", "created_at", "updated_at"]
    inlines = [OutputPortInline, InputPortInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # An edit here bypasses the descriptor: the next PUT must apply in full, and search must see it.
        type(form.instance).objects.filter(pk=form.instance.pk).update(fingerprint="")
        announce_products_changed([form.instance.pk])


class SchemaFieldInline(admin.TabularInline):
    model = SchemaField
    extra = 0
    fields = ["object_name", "name", "data_type", "nullable", "primary_key", "classification", "description"]


@admin.register(OutputPort)
class OutputPortAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "product", "port_type", "access_mode", "contract_ref"]
    list_filter = ["port_type", "access_mode"]
    search_fields = ["name", "product__name", "contract_ref"]
    list_select_related = ["product"]
    raw_id_fields = ["product"]
    inlines = [SchemaFieldInline]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class SlaInline(admin.TabularInline):
    model = SlaProperty
    extra = 0


class QualityInline(admin.TabularInline):
    model = QualityRule
    extra = 0
    fields = ["element", "metric", "rule_type", "dimension", "operator", "threshold", "severity"]


@admin.register(DataContract)
class DataContractAdmin(admin.ModelAdmin):
    list_display = ["contract_id", "name", "version", "status", "domain", "source_format"]
    list_filter = ["status", "source_format", "domain"]
    search_fields = ["contract_id", "name"]
    readonly_fields = ["document", "schema_fields", "fingerprint", "created_at", "updated_at"]
    inlines = [SlaInline, QualityInline]
