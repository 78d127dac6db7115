"""Governance and health API: policies with pass rates, findings, scores, product health and dashboard figures.

Read-only: findings and scores are written by the evaluation (on change, nightly), never by hand. Mounted at
/api/v1/governance/ and /api/v1/health/ (config/urls.py). Bad filters answer problem+json naming the parameter.
"""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import DataProduct, Domain
from core.errors import FieldError, NotFound, ValidationFailed
from governance import pending, policies, selectors
from governance.api import serializers as s
from governance.health import Health, config, product_health
from governance.models import Finding, FindingStatus, Severity

PROBLEM = OpenApiResponse(description="RFC 7807 problem+json naming each bad parameter by JSON Pointer.")
DOMAIN_PARAM = OpenApiParameter("domain", str, description="Only this domain (its slug).")


def _domain(request: Request) -> Domain | None:
    slug = request.query_params.get("domain", "").strip()
    if not slug:
        return None
    domain = Domain.objects.filter(slug=slug).first()
    if domain is None:
        raise NotFound(f"No domain '{slug[:80]}'.", path="/domain")
    return domain


def _product(domain: str, slug: str) -> DataProduct:
    product = DataProduct.objects.select_related("domain", "owner_team").filter(domain__slug=domain, slug=slug).first()
    if product is None:
        raise NotFound(f"No data product '{domain}/{slug}'.")
    return product


def health_dict(h: Health) -> dict:
    return {
        "score": h.score,
        "band": h.band,
        "parts": h.parts,
        "weights": h.weights,
        "inputs": asdict(h.inputs),
    }


class PolicyList(APIView):
    @extend_schema(
        parameters=[DOMAIN_PARAM],
        responses={200: s.PolicyRateSerializer(many=True), 404: PROBLEM},
        description="Every active policy with its severity, how to fix it and its pass rate over the products it "
        "applies to (published ones), optionally in one domain.",
    )
    def get(self, request: Request) -> Response:
        pending.catch_up_all()
        rates = selectors.policy_rates(_domain(request))
        return Response(s.PolicyRateSerializer(rates, many=True).data)


class FindingList(generics.ListAPIView):
    """Findings, newest first; filters `domain`, `product` (domain/slug), `policy`, `severity`, `status`
    (open by default; `resolved` or `all`)."""

    serializer_class = s.FindingSerializer
    queryset = Finding.objects.none()

    @extend_schema(
        parameters=[
            DOMAIN_PARAM,
            OpenApiParameter("product", str, description="domain/slug of one product."),
            OpenApiParameter("policy", str, enum=[p.id for p in policies.REGISTRY]),
            OpenApiParameter("severity", str, enum=Severity.values),
            OpenApiParameter("status", str, enum=[*FindingStatus.values, "all"]),
        ],
        responses={200: s.FindingSerializer(many=True), 400: PROBLEM, 404: PROBLEM},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        errors = []
        policy_id, severity = params.get("policy", ""), params.get("severity", "")
        status = params.get("status", "") or FindingStatus.OPEN
        if policy_id and policy_id not in policies.BY_ID:
            errors.append(FieldError("/policy", f"Unknown policy {policy_id[:60]!r}."))
        if severity and severity not in Severity.values:
            errors.append(FieldError("/severity", f"Choose from: {', '.join(Severity.values)}."))
        if status not in (*FindingStatus.values, "all"):
            errors.append(FieldError("/status", "Choose from: open, resolved, all."))
        product = None
        ref = params.get("product", "")
        if ref:
            domain_slug, _, slug = ref.partition("/")
            if not slug:
                errors.append(FieldError("/product", "Give the product as domain/slug."))
        if errors:
            raise ValidationFailed(errors, message="The query has invalid parameters.")
        if ref:
            product = _product(domain_slug, slug)
            pending.catch_up_product(product.pk)
        else:
            pending.catch_up_all()
        return selectors.findings_list(
            domain=_domain(self.request),
            product=product,
            policy_id=policy_id,
            severity=severity,
            status="" if status == "all" else status,
        )


class ProductGovernance(APIView):
    @extend_schema(responses={200: s.ProductGovernanceSerializer, 404: PROBLEM})
    def get(self, request: Request, domain: str, slug: str) -> Response:
        """A product's governance score and open findings, each with how to fix it."""
        product = _product(domain, slug)
        pending.catch_up_product(product.pk)
        view = selectors.product_governance(product)
        score = view.score
        return Response(
            s.ProductGovernanceSerializer(
                {
                    "product": product.identifier,
                    "in_scope": view.in_scope,
                    "score": score.score if score else None,
                    "checked": score.checked if score else 0,
                    "passed": score.passed if score else 0,
                    "evaluated_at": score.evaluated_at if score else None,
                    "findings": [v.finding for v in view.findings],
                }
            ).data
        )


class DomainScores(APIView):
    @extend_schema(
        parameters=[DOMAIN_PARAM],
        responses={200: s.DomainFiguresSerializer(many=True), 404: PROBLEM},
        description="Per domain: governance score, open findings, SLO compliance, rating, consumers, access "
        "turnaround and health, averaged over its published products.",
    )
    def get(self, request: Request) -> Response:
        domain = _domain(request)
        pending.catch_up_all()
        figures = selectors.domain_figures([domain.pk] if domain else None)
        rows = sorted(figures.values(), key=lambda f: f.name.lower())
        return Response(s.DomainFiguresSerializer(rows, many=True).data)


class ProductHealth(APIView):
    @extend_schema(responses={200: s.HealthSerializer, 404: PROBLEM})
    def get(self, request: Request, domain: str, slug: str) -> Response:
        """A product's health score (0-100, null when nothing is known), its parts (0-1, null when unknown), the
        weights that counted, and the raw inputs."""
        product = _product(domain, slug)
        pending.catch_up_product(product.pk)  # the governance part reads the stored score
        return Response({"product": product.identifier, **health_dict(product_health([product.pk])[product.pk])})


class Dashboard(APIView):
    @extend_schema(responses={200: s.DashboardSerializer})
    def get(self, request: Request) -> Response:
        """The mesh dashboard's figures: one row per domain and the whole mesh, plus the health weights."""
        pending.catch_up_all()
        board = selectors.mesh_dashboard()
        return Response(
            s.DashboardSerializer({"domains": board.rows, "mesh": board.total, "weights": config()["weights"]}).data
        )
