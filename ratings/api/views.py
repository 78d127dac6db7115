"""Ratings REST API: thin views over ratings.selectors (reads) and ratings.services (writes).

Who may do what (decided in the services): people signed in (session) rate, reply and moderate; API tokens read
(reviews, summaries, scorecards) but never write, since a rating is a person's opinion.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Domain
from catalog.services.products import product_get
from core.actors import Actor
from core.errors import NotFound, PermissionDenied
from ratings import selectors
from ratings.api import serializers as s
from ratings.models import Rating
from ratings.services import (
    RateLimited,
    rating_delete,
    rating_moderate,
    rating_reply,
    rating_reply_delete,
    rating_upsert,
)

PROBLEM = OpenApiResponse(description="RFC 7807 problem+json naming each bad field by JSON Pointer.")
WRITE_ERRORS = {400: PROBLEM, 401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM}
RATE_ERRORS = {**WRITE_ERRORS, 429: OpenApiResponse(description="Too many rating changes; see Retry-After.")}


class RatingsAPIView(APIView):
    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response

    def context_for(self, request: Request, product) -> dict:
        actor = Actor.from_request(request)
        return {
            "viewer_id": actor.user.pk if actor.user is not None else None,
            "producer": selectors.can_reply(actor, product),
        }

    def upsert(self, request: Request, domain: str, slug: str) -> Response:
        """Rate, or replace one's rating: 201 when it is new, 200 when it replaced one."""
        product = product_get(domain, slug)
        rating, created = rating_upsert(actor=Actor.from_request(request), product=product, data=request.data)
        body = s.RatingSerializer(rating, context=self.context_for(request, product)).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _field(request: Request, name: str):
    """One field of a JSON object body; a body that is not an object gives None (and so a 400 naming it)."""
    data = request.data
    return data.get(name) if hasattr(data, "get") else None


def _person(request: Request) -> Actor:
    """For a person's own reads (their rating, their inbox, versions): with PORTAL_PUBLIC_READ an anonymous caller
    gets this far, and must be asked to authenticate (401), not told "not found" or "forbidden"."""
    actor = Actor.from_request(request)
    if not actor.is_authenticated:
        raise NotAuthenticated("Sign in, or send an API token.")
    return actor


def _visible_rating(request: Request, pk: int) -> Rating:
    rating = get_object_or_404(Rating.objects.with_relations(), pk=pk)
    actor = Actor.from_request(request)
    if rating.is_hidden and not (
        (actor.user is not None and rating.author_id == actor.user.pk) or selectors.can_reply(actor, rating.product)
    ):
        raise NotFound(f"No rating {pk}.")
    return rating


class ProductRatings(generics.GenericAPIView, RatingsAPIView):
    """A product's reviews (newest first, hidden ones left out unless they are yours or you own the product)."""

    serializer_class = s.RatingSerializer
    queryset = Rating.objects.none()

    @extend_schema(responses={200: s.RatingSerializer(many=True), 404: PROBLEM})
    def get(self, request: Request, domain: str, slug: str) -> Response:
        product = product_get(domain, slug)
        reviews = selectors.product_reviews(product, Actor.from_request(request))
        page = self.paginate_queryset(reviews)
        data = s.RatingSerializer(page, many=True, context=self.context_for(request, product)).data
        return self.get_paginated_response(data)

    @extend_schema(
        request=s.RatingInSerializer,
        responses={201: s.RatingSerializer, 200: s.RatingSerializer, **RATE_ERRORS},
        description="Rate the product as the signed-in person; rating again replaces your rating (200) and keeps "
        "the old one as a version. Members of the owning team and API tokens cannot rate.",
    )
    def post(self, request: Request, domain: str, slug: str) -> Response:
        return self.upsert(request, domain, slug)


class MyRating(RatingsAPIView):
    @extend_schema(
        responses={200: s.RatingSerializer, 401: PROBLEM, 404: PROBLEM}, description="Your rating of the product."
    )
    def get(self, request: Request, domain: str, slug: str) -> Response:
        actor = _person(request)
        product = product_get(domain, slug)
        rating = selectors.own_rating(product, actor.user)
        if rating is None:
            raise NotFound(f"You have not rated '{product.identifier}'.")
        return Response(s.RatingSerializer(rating, context=self.context_for(request, product)).data)

    @extend_schema(
        request=s.RatingInSerializer, responses={201: s.RatingSerializer, 200: s.RatingSerializer, **RATE_ERRORS}
    )
    def put(self, request: Request, domain: str, slug: str) -> Response:
        return self.upsert(request, domain, slug)

    @extend_schema(responses={204: None, **RATE_ERRORS}, description="Withdraw your rating of the product.")
    def delete(self, request: Request, domain: str, slug: str) -> Response:
        product = product_get(domain, slug)
        actor = Actor.from_request(request)
        rating = selectors.own_rating(product, actor.user)
        if rating is None:
            if actor.user is None:
                raise PermissionDenied("API tokens cannot delete ratings: a rating is a person's opinion.")
            raise NotFound(f"You have not rated '{product.identifier}'.")
        rating_delete(actor=actor, rating=rating)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductRatingSummary(APIView):
    @extend_schema(
        responses={200: s.ProductRatingSummarySerializer, 404: PROBLEM},
        description="Aggregates of the visible ratings: Bayesian average, mean, count, star distribution, "
        "dimension means, unanswered reviews, and the weekly trend of the last 12 weeks.",
    )
    def get(self, request: Request, domain: str, slug: str) -> Response:
        product = product_get(domain, slug)
        data = {
            "product": product.identifier,
            "summary": selectors.rating_summary(product),
            "trend": selectors.product_trend(product),
        }
        return Response(s.ProductRatingSummarySerializer(data).data)


class RatingDetail(RatingsAPIView):
    @extend_schema(responses={200: s.RatingSerializer, 404: PROBLEM})
    def get(self, request: Request, pk: int) -> Response:
        rating = _visible_rating(request, pk)
        return Response(s.RatingSerializer(rating, context=self.context_for(request, rating.product)).data)


class RatingReplyView(RatingsAPIView):
    @extend_schema(
        request=s.RatingReplyInSerializer,
        responses={200: s.RatingSerializer, **WRITE_ERRORS},
        description="Reply publicly as the owning team (replaces an earlier reply); the reviewer is told.",
    )
    def put(self, request: Request, pk: int) -> Response:
        rating = _visible_rating(request, pk)
        rating_reply(actor=Actor.from_request(request), rating=rating, body=_field(request, "body"))
        rating = _visible_rating(request, pk)
        return Response(s.RatingSerializer(rating, context=self.context_for(request, rating.product)).data)

    @extend_schema(responses={204: None, **WRITE_ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        rating_reply_delete(actor=Actor.from_request(request), rating=_visible_rating(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RatingModerate(RatingsAPIView):
    hide = True

    @extend_schema(
        request=s.ModerationReasonInSerializer,
        responses={200: s.RatingSerializer, **WRITE_ERRORS},
        description="Owners and stewards of the owning team hide an abusive review (or show it again) with a "
        "reason; it is recorded, and the review's author is told.",
    )
    def post(self, request: Request, pk: int) -> Response:
        rating = _visible_rating(request, pk)
        rating_moderate(
            actor=Actor.from_request(request), rating=rating, hide=self.hide, reason=_field(request, "reason")
        )
        rating = _visible_rating(request, pk)
        return Response(s.RatingSerializer(rating, context=self.context_for(request, rating.product)).data)


class RatingVersions(APIView):
    @extend_schema(
        responses={200: s.RatingVersionSerializer(many=True), 401: PROBLEM, 403: PROBLEM, 404: PROBLEM},
        description="What the rating said before each edit, newest first; for its author and the owning team.",
    )
    def get(self, request: Request, pk: int) -> Response:
        actor = _person(request)
        rating = _visible_rating(request, pk)
        if not selectors.can_see_versions(actor, rating):
            raise PermissionDenied("Only the rating's author and the owning team see its earlier versions.")
        return Response(s.RatingVersionSerializer(rating.versions.order_by("-number"), many=True).data)


class DomainScorecard(APIView):
    @extend_schema(responses={200: s.DomainRatingScorecardSerializer, 404: PROBLEM})
    def get(self, request: Request, slug: str) -> Response:
        domain = Domain.objects.filter(slug=slug).first()
        if domain is None:
            raise NotFound(f"No domain '{slug}'.")
        return Response(s.DomainRatingScorecardSerializer(selectors.domain_rating_summary(domain)).data)


class MeshScorecards(APIView):
    @extend_schema(responses={200: s.RatingMeshRowSerializer(many=True)}, description="Every domain's pooled ratings.")
    def get(self, request: Request) -> Response:
        return Response(s.RatingMeshRowSerializer(selectors.mesh_rating_overview(), many=True).data)


class FeedbackInbox(generics.GenericAPIView):
    """Reviews of the products your teams produce, unanswered first (`?unanswered=1` for those only)."""

    serializer_class = s.RatingSerializer
    queryset = Rating.objects.none()

    @extend_schema(responses={200: s.RatingSerializer(many=True), 401: PROBLEM, 403: PROBLEM})
    def get(self, request: Request) -> Response:
        actor = _person(request)
        if actor.user is None:
            raise PermissionDenied("The feedback inbox is a person's; API tokens have none. Sign in instead.")
        reviews = selectors.feedback_inbox(actor.user, unanswered_only=request.query_params.get("unanswered") == "1")
        page = self.paginate_queryset(reviews)
        data = s.RatingSerializer(page, many=True, context={"viewer_id": actor.user.pk, "producer": True}).data
        return self.get_paginated_response(data)
