"""GET /api/v1/search and /api/v1/search/suggest: thin views over the search backend.

Answers are built as plain dicts (params.results_to_dict) rather than through DRF serializers: a results page
is on the hot path, and its shape is fixed. The serializers below only describe it for the OpenAPI schema.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import FieldError, ValidationFailed
from search.base import CLOSED_FACETS, FACETS, SORTS
from search.outbox import caught_up_backend
from search.params import MAX_PAGE_SIZE, query_from_params, results_to_dict, suggestions_to_dict

PROBLEM = OpenApiResponse(description="RFC 7807 problem+json naming each bad parameter by pointer (`/page`).")


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the answer's own `label`
    count = serializers.IntegerField(help_text="Approximate when `facets_approximate` is true.")
    selected = serializers.BooleanField()


class HighlightSerializer(serializers.Serializer):
    title = serializers.CharField(help_text="HTML: escaped text with matches in <mark>.")
    summary = serializers.CharField()
    snippet = serializers.CharField(help_text="A highlighted excerpt where only a description matched.")


class HitSerializer(serializers.Serializer):
    type = serializers.ChoiceField(["product", "domain", "team"])
    id = serializers.CharField()
    key = serializers.CharField(help_text="type:id")
    title = serializers.CharField()
    url = serializers.CharField(help_text="The result's page.")
    summary = serializers.CharField()
    highlight = HighlightSerializer()
    matched = serializers.ListField(child=serializers.CharField(), help_text="Tags, ports, fields that matched.")
    score = serializers.FloatField()


class SearchResponseSerializer(serializers.Serializer):
    query = serializers.CharField()
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    pages = serializers.IntegerField()
    sort = serializers.ChoiceField(SORTS)
    did_you_mean = serializers.CharField(allow_null=True)
    corrected_from = serializers.CharField(
        allow_null=True, help_text="Set when the query as typed found nothing and these are `did_you_mean`'s hits."
    )
    total_approximate = serializers.BooleanField(
        help_text="`total` is an estimate (PostgreSQL counts exactly up to SEARCH_EXACT_COUNT matches)."
    )
    facets_approximate = serializers.BooleanField(
        help_text="Facet counts were taken over a sample of the matches and scaled to the total."
    )
    facets = serializers.DictField(child=FacetValueSerializer(many=True))
    hits = HitSerializer(many=True)
    took_ms = serializers.FloatField()


class SearchSuggestionSerializer(serializers.Serializer):
    text = serializers.CharField()
    html = serializers.CharField()
    type = serializers.CharField()
    url = serializers.CharField()


class SuggestResponseSerializer(serializers.Serializer):
    query = serializers.CharField()
    suggestions = SearchSuggestionSerializer(many=True)


FACET_PARAMETERS = [
    OpenApiParameter(
        facet,
        OpenApiTypes.STR,
        many=True,
        enum=list(CLOSED_FACETS[facet]) if facet in CLOSED_FACETS else None,
        description=f"Only results with this {facet.replace('_', ' ')}; repeat for any of several.",
    )
    for facet in FACETS
]


class SearchView(APIView):
    @extend_schema(
        operation_id="search",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Words to find (quotes and operators are ignored)."),
            *FACET_PARAMETERS,
            OpenApiParameter("sort", OpenApiTypes.STR, enum=list(SORTS), description="Default: relevance."),
            OpenApiParameter("page", OpenApiTypes.INT, description="From 1."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description=f"1 to {MAX_PAGE_SIZE}, default 20."),
        ],
        responses={200: SearchResponseSerializer, 400: PROBLEM},
        description=(
            "Search data products, domains and teams. Exact name matches come first, then names starting with "
            "the query, names containing it, tags, ports and fields, and descriptions; quality signals order "
            "results within each. Retired products appear only with `status=retired`. A query that finds "
            "nothing is retried with typos corrected (`corrected_from`, `did_you_mean`)."
        ),
    )
    def get(self, request: Request) -> Response:
        results = caught_up_backend().search(query_from_params(request.query_params))
        return Response(results_to_dict(results))


class SuggestView(APIView):
    @extend_schema(
        operation_id="search_suggest",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="What has been typed so far.", required=True),
            OpenApiParameter("limit", OpenApiTypes.INT, description="1 to 20, default 8."),
        ],
        responses={200: SuggestResponseSerializer, 400: PROBLEM},
        description="Names that start with, or have words starting with, what has been typed so far.",
    )
    def get(self, request: Request) -> Response:
        text = request.query_params.get("q", "")
        # Absent means the default; present but empty is as wrong as any other non-number (found by schemathesis).
        raw = request.query_params.get("limit", "8")
        if not raw.isdigit() or not 1 <= int(raw) <= 20:
            raise ValidationFailed(
                [FieldError("/limit", "Must be a whole number from 1 to 20.")],
                message="The request has invalid parameters.",
            )
        return Response(suggestions_to_dict(text, caught_up_backend().suggest(text, int(raw))))
