"""Admin views for the platform team: read and repair, not the curation workflow (that lives in the pages)."""

from django.contrib import admin

from glossary.models import Glossary, LinkSuggestion, Proposal, ProposalEvent, Term, TermFieldLink, TermVersion


@admin.register(Glossary)
class GlossaryAdmin(admin.ModelAdmin):
    list_display = ["domain", "updated_at"]
    search_fields = ["domain__name", "domain__slug"]


class VersionInline(admin.TabularInline):
    model = TermVersion
    extra = 0
    fields = ("number", "change", "proposed_by_label", "approved_by_label", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["name", "glossary", "status", "version", "updated_at"]
    list_filter = ["status", "glossary"]
    search_fields = ["name", "slug"]
    # Content changes go through proposals so that history and keys stay right; the admin only looks.
    readonly_fields = (*(f.name for f in Term._meta.concrete_fields), "related", "same_as", "stewards")
    inlines = [VersionInline]


class EventInline(admin.TabularInline):
    model = ProposalEvent
    extra = 0
    readonly_fields = ("kind", "author_label", "body", "created_at")
    fields = readonly_fields
    can_delete = False


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["pk", "glossary", "kind", "term_slug", "status", "proposer_label", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["term_slug", "proposer_label"]
    readonly_fields = tuple(f.name for f in Proposal._meta.concrete_fields)
    inlines = [EventInline]


@admin.register(TermFieldLink)
class TermFieldLinkAdmin(admin.ModelAdmin):
    list_display = ["term", "field", "created_by", "created_at"]
    raw_id_fields = ["term", "field"]


@admin.register(LinkSuggestion)
class LinkSuggestionAdmin(admin.ModelAdmin):
    list_display = ["term", "field", "matched", "where", "status"]
    list_filter = ["status"]
    raw_id_fields = ["term", "field"]
