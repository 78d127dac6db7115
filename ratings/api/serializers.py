"""Shapes of the ratings API. Input is checked by ratings.services.rating_input_parse (one set of rules for the
pages and the API); the input serializers here describe it for the OpenAPI schema."""

from __future__ import annotations

from rest_framework import serializers


class RatingDimensionsSerializer(serializers.Serializer):
    accuracy = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    completeness = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    timeliness = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    documentation = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    usability = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)


class RatingInSerializer(serializers.Serializer):
    stars = serializers.IntegerField(min_value=1, max_value=5)
    dimensions = RatingDimensionsSerializer(required=False)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, help_text="Plain text.")


class RatingReplyInSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000, help_text="Plain text.")


class ModerationReasonInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class RatingReplySerializer(serializers.Serializer):
    body = serializers.CharField()
    author = serializers.CharField(source="author.get_username", default=None)
    team = serializers.CharField(source="team.slug")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class RatingSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    product = serializers.CharField(source="product.identifier")
    author = serializers.CharField(source="author.get_username")
    stars = serializers.IntegerField()
    dimensions = serializers.SerializerMethodField()
    comment = serializers.CharField()
    verified = serializers.BooleanField(help_text="The author holds or held a grant on one of the product's ports.")
    version = serializers.IntegerField()
    edited_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    hidden = serializers.BooleanField(source="is_hidden")
    hidden_reason = serializers.CharField(help_text="Shown to the author and the owning team only.")
    answered = serializers.BooleanField(source="is_answered")
    reply = serializers.SerializerMethodField()

    def get_dimensions(self, rating) -> dict[str, int | None]:
        return rating.dimension_scores()

    def get_reply(self, rating) -> dict | None:
        reply = getattr(rating, "reply", None)
        return RatingReplySerializer(reply).data if reply is not None else None

    def to_representation(self, rating):
        data = super().to_representation(rating)
        viewer = self.context.get("viewer_id")
        if not self.context.get("producer") and rating.author_id != viewer:
            data["hidden_reason"] = ""
        return data


class RatingVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    stars = serializers.IntegerField()
    dimensions = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    comment = serializers.CharField()
    verified = serializers.BooleanField()
    written_at = serializers.DateTimeField()
    replaced_at = serializers.DateTimeField()


class RatingSummarySerializer(serializers.Serializer):
    average = serializers.FloatField(help_text="Bayesian average (prior from SEARCH_RANKING); 0 when unrated.")
    mean = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField()
    distribution = serializers.SerializerMethodField()
    dimensions = serializers.DictField(child=serializers.FloatField(allow_null=True))
    unanswered = serializers.IntegerField()

    def get_distribution(self, summary) -> dict[str, int]:
        return {str(k): v for k, v in summary.distribution.items()}


class RatingTrendPointSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="Monday of the week.")
    written = serializers.IntegerField(help_text="Reviews written or changed that week.")
    week_mean = serializers.FloatField(allow_null=True)
    average = serializers.FloatField(allow_null=True, help_text="Bayesian average of all ratings at the week's end.")


class ProductRatingSummarySerializer(serializers.Serializer):
    product = serializers.CharField()
    summary = RatingSummarySerializer()
    trend = RatingTrendPointSerializer(many=True)


class ProductRatingSerializer(serializers.Serializer):
    product = serializers.CharField(source="product.identifier")
    name = serializers.CharField(source="product.name")
    summary = RatingSummarySerializer()


class DomainRatingScorecardSerializer(serializers.Serializer):
    domain = serializers.CharField(source="domain.slug")
    summary = RatingSummarySerializer()
    products = ProductRatingSerializer(many=True)
    lowest = ProductRatingSerializer(many=True)
    unanswered_reviews = RatingSerializer(many=True)
    trend = RatingTrendPointSerializer(many=True)


class RatingMeshRowSerializer(serializers.Serializer):
    domain = serializers.CharField(source="domain.slug")
    name = serializers.CharField(source="domain.name")
    products = serializers.IntegerField()
    summary = RatingSummarySerializer()
    trend = serializers.ListField(child=serializers.FloatField(allow_null=True))
