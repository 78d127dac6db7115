"""The glossary's JSON: what callers send (typed here, judged by the services) and what the API answers."""

from __future__ import annotations

from rest_framework import serializers

from glossary.content import TermContent
from glossary.diff import changed_fields
from glossary.models import (
    LinkSuggestion,
    Proposal,
    ProposalEvent,
    ProposalKind,
    Term,
    TermFieldLink,
    TermVersion,
)
from glossary.services.reviews import Decision

# ---- writes ---------------------------------------------------------------------------------------------


def _names(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=500, allow_blank=False),
        required=False,
        max_length=50,
        help_text=help_text,
    )


class TermContentSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    definition = serializers.CharField(max_length=20_000, required=False, allow_blank=True, help_text="Markdown.")
    synonyms = _names("Other names; unique in the glossary, like names.")
    abbreviations = _names("Short forms; may repeat across terms.")
    examples = _names("One line each.")
    # DRF takes declared fields off the class, so this does not shadow Field.parent at run time.
    parent = serializers.CharField(  # type: ignore[assignment]
        max_length=120, required=False, allow_blank=True, help_text="Slug in this glossary."
    )
    related = _names("Slugs of terms in this glossary.")
    same_as = _names("'domain/slug' of the same term in other domains.")
    status = serializers.ChoiceField(
        choices=["approved", "deprecated"], required=False, help_text="A change may reinstate a deprecated term."
    )
    replaced_by = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="'slug' or 'domain/slug' (deprecations)."
    )
    stewards = _names("Usernames; empty for the domain's stewards.")


class ProposalInSerializer(serializers.Serializer):
    domain = serializers.SlugField(max_length=80)
    kind = serializers.ChoiceField(choices=ProposalKind.choices)
    term = serializers.SlugField(max_length=120, required=False, default="", help_text="Slug; not for 'create'.")
    reason = serializers.CharField(max_length=5000)
    content = TermContentSerializer(
        required=False,
        default=dict,
        help_text="The whole new term (create), the fields to change (change), or {'replaced_by': ...} (deprecate).",
    )

    def validate(self, attrs: dict) -> dict:
        if attrs["kind"] == ProposalKind.CREATE and not attrs["content"].get("name"):
            raise serializers.ValidationError({"content": {"name": ["A new term needs a name."]}})
        if attrs["kind"] != ProposalKind.CREATE and not attrs["term"]:
            raise serializers.ValidationError({"term": ["Name the term to change by its slug."]})
        return attrs


class RevisionInSerializer(serializers.Serializer):
    content = TermContentSerializer()
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class DecisionInSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    reason = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to reject or request changes.",
    )


class CommentInSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000)


class LinkInSerializer(serializers.Serializer):
    product = serializers.RegexField(r"^[-\w]+/[-\w]+$", max_length=200, help_text="domain/slug")
    port = serializers.CharField(max_length=120, required=False, default="", allow_blank=True)
    version = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    object = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    field = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)

    def validate(self, attrs: dict) -> dict:
        if attrs["field"] and not attrs["port"]:
            raise serializers.ValidationError({"port": ["Name the port of the field."]})
        return attrs


# ---- reads ----------------------------------------------------------------------------------------------


class GlossarySerializer(serializers.Serializer):
    domain = serializers.CharField(source="domain.slug")
    name = serializers.CharField(source="domain.name")
    term_count = serializers.IntegerField()
    proposed_count = serializers.IntegerField()
    pending_proposals = serializers.IntegerField()


class TermListSerializer(serializers.ModelSerializer):
    domain = serializers.CharField(source="glossary.domain.slug")
    url = serializers.CharField(source="get_absolute_url")

    class Meta:
        model = Term
        fields = ["domain", "slug", "name", "status", "synonyms", "abbreviations", "version", "url", "updated_at"]


class TermDetailSerializer(TermListSerializer):
    content = serializers.SerializerMethodField()
    linked_products = serializers.SerializerMethodField()
    linked_fields = serializers.SerializerMethodField()

    class Meta(TermListSerializer.Meta):
        fields = [*TermListSerializer.Meta.fields, "content", "linked_products", "linked_fields", "created_at"]

    def get_content(self, term: Term) -> dict:
        return self.context["content"].as_dict()

    def get_linked_products(self, term: Term) -> list[str]:
        return [link.product.identifier for link in self.context["product_links"]]

    def get_linked_fields(self, term: Term) -> list[dict]:
        return [_field_ref(link) for link in self.context["field_links"]]


def _field_ref(link: TermFieldLink | LinkSuggestion) -> dict:
    field = link.field
    return {
        "product": field.port.product.identifier,
        "port": field.port.name,
        "version": field.port.version,
        "object": field.object_name,
        "field": field.name,
    }


class VersionSerializer(serializers.ModelSerializer):
    proposal: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True)
    proposed_by = serializers.CharField(source="proposed_by_label")
    approved_by = serializers.CharField(source="approved_by_label")

    class Meta:
        model = TermVersion
        fields = ["number", "change", "reason", "proposed_by", "approved_by", "created_at", "proposal", "content"]


class EventSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author_label")

    class Meta:
        model = ProposalEvent
        fields = ["kind", "author", "body", "created_at"]


class ProposalSerializer(serializers.ModelSerializer):
    domain = serializers.CharField(source="glossary.domain.slug")
    term = serializers.CharField(source="term_slug")
    proposer = serializers.CharField(source="proposer_label")
    # Null until a steward decides (the schema said a string: found by schemathesis).
    decided_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    stale = serializers.BooleanField(source="is_stale")
    changed_fields = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url")

    class Meta:
        model = Proposal
        fields = [
            "id",
            "domain",
            "term",
            "kind",
            "status",
            "stale",
            "base_version",
            "reason",
            "proposer",
            "created_at",
            "updated_at",
            "decided_by",
            "decided_at",
            "decision_reason",
            "result_version",
            "changed_fields",
            "url",
        ]

    def get_changed_fields(self, proposal: Proposal) -> list[str]:
        before = TermContent.from_dict(proposal.base_content) if proposal.base_content else None
        return changed_fields(before, TermContent.from_dict(proposal.content))


class ProposalDetailSerializer(ProposalSerializer):
    events = EventSerializer(many=True, read_only=True)

    class Meta(ProposalSerializer.Meta):
        fields = [*ProposalSerializer.Meta.fields, "content", "base_content", "events"]


class SuggestionSerializer(serializers.ModelSerializer):
    term = serializers.CharField(source="term.slug")
    field = serializers.SerializerMethodField()

    class Meta:
        model = LinkSuggestion
        fields = ["id", "term", "field", "matched", "where", "status", "created_at"]

    def get_field(self, suggestion: LinkSuggestion) -> dict:
        return _field_ref(suggestion)


class ImportResultSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.CharField())
    updated = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.IntegerField()
    dry_run = serializers.BooleanField()
