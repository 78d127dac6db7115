"""Glossary REST API: glossaries, terms and their versions, proposals and decisions, links, import and export.

Thin views over `glossary.selectors` (reads) and `glossary.services` (writes); errors are problem+json.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.actors import Actor
from core.api.body import body_bool, body_object
from core.api.params import choice
from core.errors import FieldError, NotFound, ValidationFailed
from core.parsers import DepthLimitedJSONParser
from glossary import selectors
from glossary.api import serializers as s
from glossary.importexport import export_csv, export_json
from glossary.models import LinkSuggestion, Proposal, Term, TermStatus, TermVersion
from glossary.permissions import ensure_is_steward
from glossary.search import expand_query, synonyms_for
from glossary.services.imports import glossary_import
from glossary.services.links import resolve_target, suggestion_decide, term_link, term_unlink
from glossary.services.proposals import (
    proposal_comment,
    proposal_create,
    proposal_rebase,
    proposal_revise,
    proposal_withdraw,
)
from glossary.services.reviews import proposal_decide


class FileFormatNegotiation(DefaultContentNegotiation):
    """Export and import use `?format=csv|json` for the file; DRF would read it as the response renderer."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


PROBLEM = OpenApiResponse(description="RFC 7807 problem+json naming each bad field by JSON Pointer.")
WRITE_ERRORS = {400: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM}


class GlossaryList(APIView):
    @extend_schema(responses=s.GlossarySerializer(many=True), description="Every domain's glossary with its size.")
    def get(self, request: Request) -> Response:
        return Response(s.GlossarySerializer(selectors.glossaries_overview(), many=True).data)


class TermList(generics.ListAPIView):
    """A domain's terms in A-Z order; filters `letter` (A-Z or #), `q` (in names, synonyms, abbreviations), `status`."""

    serializer_class = s.TermListSerializer
    queryset = Term.objects.none()  # tells the schema generator the model; get_queryset answers

    @extend_schema(
        parameters=[
            OpenApiParameter("letter", str),
            OpenApiParameter("q", str),
            OpenApiParameter("status", str, enum=TermStatus.values),
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no URL kwargs
            return self.queryset
        params = self.request.query_params
        status_ = choice(params, "status", TermStatus.values)  # refused even where the domain has no glossary
        _, glossary = selectors.glossary_of(self.kwargs["domain"])
        if glossary is None:
            return Term.objects.none()
        return selectors.term_list(
            glossary,
            letter=params.get("letter", "").upper()[:1],
            q=params.get("q", "")[:200],
            status=status_,
        )


class TermDetail(APIView):
    @extend_schema(responses={200: s.TermDetailSerializer, 404: PROBLEM})
    def get(self, request: Request, domain: str, slug: str) -> Response:
        detail = selectors.term_detail(domain, slug)
        context = {"content": detail.content, "product_links": detail.product_links, "field_links": detail.field_links}
        return Response(s.TermDetailSerializer(detail.term, context=context).data)


class TermVersions(generics.ListAPIView):
    serializer_class = s.VersionSerializer
    queryset = TermVersion.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no URL kwargs
            return self.queryset
        term = selectors.term_get(self.kwargs["domain"], self.kwargs["slug"])
        return term.versions.order_by("-number")


class TermVersionDetail(APIView):
    @extend_schema(responses={200: s.VersionSerializer, 404: PROBLEM})
    def get(self, request: Request, domain: str, slug: str, number: int) -> Response:
        term = selectors.term_get(domain, slug)
        return Response(s.VersionSerializer(get_object_or_404(term.versions, number=number)).data)


class TermLinks(APIView):
    @extend_schema(
        request=s.LinkInSerializer,
        responses={201: None, **WRITE_ERRORS},
        description="Link the term to a product, or to a field (with port, and version/object when needed).",
    )
    def post(self, request: Request, domain: str, slug: str) -> Response:
        term, target = self._target(request, domain, slug)
        term_link(actor=Actor.from_request(request), term=term, target=target)
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(request=s.LinkInSerializer, responses={204: None, **WRITE_ERRORS})
    def delete(self, request: Request, domain: str, slug: str) -> Response:
        term, target = self._target(request, domain, slug)
        term_unlink(actor=Actor.from_request(request), term=term, target=target)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _target(self, request: Request, domain: str, slug: str):
        serializer = s.LinkInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = resolve_target(
            product=data["product"], port=data["port"], field=data["field"], obj=data["object"], version=data["version"]
        )
        return selectors.term_get(domain, slug), target


class GlossaryExport(APIView):
    content_negotiation_class = FileFormatNegotiation

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["json", "csv"])],
        responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, "text/csv"): OpenApiTypes.STR},
        description="The glossary's approved and deprecated terms; importing this file again changes nothing.",
    )
    def get(self, request: Request, domain: str) -> HttpResponse:
        fmt = request.query_params.get("format", "json")
        if fmt not in ("json", "csv"):  # not a silent JSON for `format=` or `format=xml` (found by schemathesis)
            raise ValidationFailed([FieldError("/format", "Send 'csv' or 'json'.")], message="Invalid parameters.")
        _, glossary = selectors.glossary_of(domain)
        if glossary is None:
            raise NotFound(f"Domain '{domain}' has no glossary yet.")
        if fmt == "csv":
            return HttpResponse(export_csv(glossary), content_type="text/csv; charset=utf-8")
        return HttpResponse(export_json(glossary), content_type="application/json")


class GlossaryImport(APIView):
    # The file is read raw from the body (CSV or JSON, by `format` or content type), or from a multipart `file`;
    # only multipart is parsed, so a raw body reaches `request.body` untouched.
    parser_classes = [MultiPartParser]
    content_negotiation_class = FileFormatNegotiation

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["json", "csv"]), OpenApiParameter("dry_run", bool)],
        request={"text/csv": OpenApiTypes.STR, "application/json": OpenApiTypes.OBJECT},
        responses={200: s.ImportResultSerializer, 400: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM},
        description="Stewards only. All rows are checked first; one bad row (named by /rows/<line> or "
        "/terms/<index>) and nothing is imported.",
    )
    def post(self, request: Request, domain: str) -> Response:
        content_type = request.content_type or ""
        upload = request.FILES.get("file") if content_type.startswith("multipart/") else None
        raw = upload.read() if upload is not None else request.body
        fmt = request.query_params.get("format") or ("json" if "json" in content_type else "csv")
        if upload is not None and not request.query_params.get("format"):
            fmt = "json" if (upload.name or "").lower().endswith(".json") else "csv"
        if not raw:
            raise ValidationFailed([FieldError("", "Send the file as the body, or as the multipart field 'file'.")])
        result = glossary_import(
            actor=Actor.from_request(request),
            domain_slug=domain,
            raw=raw,
            fmt=fmt,
            note=request.query_params.get("note", ""),
            dry_run=request.query_params.get("dry_run", "").lower() in ("1", "true", "yes"),
        )
        return Response(s.ImportResultSerializer(result).data)


class SuggestionList(generics.ListAPIView):
    serializer_class = s.SuggestionSerializer
    queryset = LinkSuggestion.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no URL kwargs
            return self.queryset
        domain, glossary = selectors.glossary_of(self.kwargs["domain"])
        ensure_is_steward(Actor.from_request(self.request), domain, "see its link suggestions")
        return selectors.open_suggestions(glossary) if glossary is not None else LinkSuggestion.objects.none()


class SuggestionDecision(APIView):
    @extend_schema(
        request=inline_serializer("SuggestionDecisionIn", {"accept": serializers.BooleanField()}),
        responses={200: s.SuggestionSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        accept = body_bool(body_object(request.data, '{"accept": true}'), "accept")
        suggestion = suggestion_decide(actor=Actor.from_request(request), suggestion_id=pk, accept=accept)
        return Response(s.SuggestionSerializer(suggestion).data)


class ProposalList(generics.ListCreateAPIView):
    """Proposals, newest first; filters `domain`, `status`, `kind`, `term`, `review=me` (waiting for me), `mine`."""

    serializer_class = s.ProposalSerializer
    parser_classes = [DepthLimitedJSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        params = self.request.query_params
        if params.get("review") == "me":
            query = selectors.steward_inbox(self.request.user)
        else:
            query = Proposal.objects.with_relations().order_by("-created_at", "-pk")
        if params.get("mine") in ("1", "true"):
            query = query.filter(proposed_by=self.request.user) if self.request.user.pk else query.none()
        for param, lookup in (("domain", "glossary__domain__slug"), ("status", "status"), ("kind", "kind")):
            if params.get(param):
                query = query.filter(**{lookup: params[param]})
        if params.get("term"):
            query = query.filter(term_slug=params["term"])
        return query

    @extend_schema(request=s.ProposalInSerializer, responses={201: s.ProposalDetailSerializer, **WRITE_ERRORS})
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = s.ProposalInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        proposal = proposal_create(
            actor=Actor.from_request(request),
            domain_slug=data["domain"],
            kind=data["kind"],
            term_slug=data["term"],
            reason=data["reason"],
            content=dict(data["content"]),
        )
        return _proposal_response(proposal.pk, status.HTTP_201_CREATED)


def _proposal_response(pk: int, code: int = status.HTTP_200_OK) -> Response:
    proposal = Proposal.objects.with_relations().prefetch_related("events").get(pk=pk)
    return Response(s.ProposalDetailSerializer(proposal).data, status=code)


class ProposalDetail(APIView):
    @extend_schema(responses={200: s.ProposalDetailSerializer, 404: PROBLEM})
    def get(self, request: Request, pk: int) -> Response:
        get_object_or_404(Proposal, pk=pk)
        return _proposal_response(pk)


class ProposalDecisions(APIView):
    @extend_schema(
        request=s.DecisionInSerializer,
        responses={200: s.ProposalDetailSerializer, **WRITE_ERRORS},
        description="Stewards of the proposal's domain only (403 otherwise). Approving a proposal made against an "
        "older version of the term answers 409: rebase it first.",
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = s.DecisionInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal_decide(actor=Actor.from_request(request), proposal_id=pk, **serializer.validated_data)
        return _proposal_response(pk)


class ProposalComments(APIView):
    @extend_schema(request=s.CommentInSerializer, responses={201: s.EventSerializer, **WRITE_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        serializer = s.CommentInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = proposal_comment(
            actor=Actor.from_request(request), proposal_id=pk, body=serializer.validated_data["body"]
        )
        return Response(s.EventSerializer(event).data, status=status.HTTP_201_CREATED)


class ProposalRevisions(APIView):
    @extend_schema(request=s.RevisionInSerializer, responses={200: s.ProposalDetailSerializer, **WRITE_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        serializer = s.RevisionInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        proposal_revise(
            actor=Actor.from_request(request), proposal_id=pk, content=dict(data["content"]), reason=data["reason"]
        )
        return _proposal_response(pk)


class ProposalRebase(APIView):
    @extend_schema(
        request=None,
        responses={200: s.ProposalDetailSerializer, **WRITE_ERRORS},
        description="Move a stale proposal onto the term's latest version (proposer or stewards).",
    )
    def post(self, request: Request, pk: int) -> Response:
        proposal_rebase(actor=Actor.from_request(request), proposal_id=pk)
        return _proposal_response(pk)


class ProposalWithdraw(APIView):
    @extend_schema(request=None, responses={200: s.ProposalDetailSerializer, **WRITE_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        proposal_withdraw(actor=Actor.from_request(request), proposal_id=pk)
        return _proposal_response(pk)


class Synonyms(APIView):
    @extend_schema(
        # Optional: without it the answer is empty lists, not an error (the schema said required: schemathesis).
        parameters=[OpenApiParameter("q", str, required=False)],
        responses=inline_serializer(
            "GlossarySynonyms",
            {
                "q": serializers.CharField(),
                "synonyms": serializers.ListField(child=serializers.CharField()),
                "expansions": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
            },
        ),
        description="What search adds to a query: synonyms of the whole text, and of each term named inside it.",
    )
    def get(self, request: Request) -> Response:
        q = request.query_params.get("q", "")[:200]
        return Response({"q": q, "synonyms": synonyms_for(q), "expansions": expand_query(q)})
