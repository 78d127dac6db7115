"""Access REST API: requests, decisions, grants, audit, domain settings and the webhook delivery log.

Thin views over `access.selectors` (reads) and `access.services` (writes); errors are problem+json. Requests and
decisions are personal (session or a person's authenticated client); pipeline tokens may read what their team holds.
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access import deliveries, selectors, services
from access.api import serializers as s
from access.models import (
    AccessEvent,
    AccessRequest,
    Grant,
    GrantQuerySet,
    GrantStatus,
    RequestStatus,
    WebhookDelivery,
)
from catalog.models import Domain
from core.actors import Actor
from core.api.params import choice, flag
from core.errors import NotFound, PermissionDenied

PROBLEM = OpenApiResponse(description="RFC 7807 problem+json naming each bad field by JSON Pointer.")
WRITE_ERRORS = {400: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM}


def _user(request: Request):
    """The person behind the call; token principals are nobody in person and see no personal data."""
    actor = Actor.from_request(request)
    return actor.user


def _visible_request(request: Request, pk: int) -> AccessRequest:
    req = (
        AccessRequest.objects.with_relations()
        .prefetch_related(Prefetch("events", queryset=AccessEvent.objects.order_by("at", "pk")))
        .filter(pk=pk)
        .first()
    )
    if req is None or not selectors.can_see_request(_user(request), req):
        # The same answer for missing and hidden: ids of other people's requests are not a side channel.
        raise NotFound(f"Access request {pk} does not exist.")
    return req


class RequestList(generics.ListAPIView):
    """Requests you made and requests you decide (staff: all). Filters: `status`, `mine=1`, `product` (domain/slug)."""

    serializer_class = s.AccessRequestSerializer
    queryset = AccessRequest.objects.none()

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=RequestStatus.values),
            OpenApiParameter("mine", bool),
            OpenApiParameter("product", str, description="domain/slug"),
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        user = _user(self.request)
        params = self.request.query_params
        rows = selectors.requests_visible_to(user)
        if flag(params, "mine"):
            rows = rows.filter(requester=user)
        if status_ := choice(params, "status", RequestStatus.values):
            rows = rows.filter(status=status_)
        if params.get("product"):
            domain_slug, _, slug = params["product"].partition("/")
            rows = rows.filter(product__domain__slug=domain_slug, product__slug=slug)
        return rows.select_related(
            "port",
            "product__domain",
            "requester",
            "team",
            "decided_by",
            "grant__port",
            "grant__product__domain",
            "grant__user",
            "grant__team",
        ).order_by("-created_at", "-pk")

    @extend_schema(
        request=s.AccessRequestInSerializer,
        responses={201: s.AccessRequestDetailSerializer, **WRITE_ERRORS},
        description="Ask for access to an output port, for yourself or for a team you belong to. Open ports are "
        "granted at once (the answer's status is 'approved' with its grant). 409 if you already have an open "
        "request for the port; 400 if the duration is beyond the port's maximum.",
    )
    def post(self, request: Request) -> Response:
        data = s.AccessRequestInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        port = selectors.port_resolve(product_ref=v["product"], port_name=v["port"], version=v["version"])
        req = services.access_request_create(
            actor=Actor.from_request(request),
            port=port,
            team=selectors.team_resolve(v["team"]),
            purpose=v["purpose"],
            duration_days=v["duration_days"],
        )
        body = s.AccessRequestDetailSerializer(_visible_request(request, req.pk)).data
        if req.warning:
            body["warnings"] = [{"path": "/port", "detail": req.warning}]
        return Response(body, status=201)


class RequestDetail(APIView):
    @extend_schema(
        responses={200: s.AccessRequestDetailSerializer, 404: PROBLEM},
        description="Seen by the requester, the product's deciders and staff; with its audit trail.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.AccessRequestDetailSerializer(_visible_request(request, pk)).data)


class RequestEvents(APIView):
    @extend_schema(responses={200: s.AccessEventSerializer(many=True), 404: PROBLEM}, description="The audit trail.")
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.AccessEventSerializer(_visible_request(request, pk).events.all(), many=True).data)


class RequestDecision(APIView):
    @extend_schema(
        request=s.AccessDecisionInSerializer,
        responses={200: s.AccessRequestDetailSerializer, **WRITE_ERRORS},
        description="The product's owners (and stewards, if the domain allows) approve, reject (reason required) "
        "or ask for information. 409 once the request is no longer pending; 403 for anyone else, and for the "
        "requester themselves.",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = s.AccessDecisionInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.access_request_decide(
            actor=Actor.from_request(request),
            request_id=pk,
            decision=data.validated_data["decision"],
            reason=data.validated_data["reason"],
        )
        return Response(s.AccessRequestDetailSerializer(_visible_request(request, pk)).data)


class RequestWithdraw(APIView):
    @extend_schema(request=s.AccessReasonInSerializer, responses={200: s.AccessRequestDetailSerializer, **WRITE_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        return _requester_action(request, pk, services.access_request_withdraw)


class RequestInfo(APIView):
    @extend_schema(
        request=s.AccessReasonInSerializer,
        responses={200: s.AccessRequestDetailSerializer, **WRITE_ERRORS},
        description="The requester answers a decider's question (`reason` is the answer); the request is pending "
        "again.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return _requester_action(request, pk, services.access_request_provide_info)


def _requester_action(request: Request, pk: int, service) -> Response:
    """Withdraw or answer: the body's reason goes to the service; the answer is the request as it is now."""
    data = s.AccessReasonInSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    service(actor=Actor.from_request(request), request_id=pk, reason=data.validated_data["reason"])
    return Response(s.AccessRequestDetailSerializer(_visible_request(request, pk)).data)


class ApprovalList(generics.ListAPIView):
    """Open requests you may decide, oldest first."""

    serializer_class = s.AccessRequestSerializer
    queryset = AccessRequest.objects.none()

    def get_queryset(self):
        return selectors.approvals_inbox(_user(self.request))


class GrantList(generics.ListAPIView):
    """Grants you hold (personally or through a team) and grants on products you decide; a pipeline token sees
    its team's grants. Filters: `product` (domain/slug), `status`, `active=1`."""

    serializer_class = s.AccessGrantSerializer
    queryset = Grant.objects.none()

    @extend_schema(
        parameters=[
            OpenApiParameter("product", str, description="domain/slug"),
            OpenApiParameter("status", str, enum=GrantStatus.values),
            OpenApiParameter("active", bool),
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        actor = Actor.from_request(self.request)
        rows: GrantQuerySet
        if actor.token is not None:
            rows = Grant.objects.filter(team_id=actor.token.team_id)
        else:
            rows = selectors.grants_visible_to(actor.user)
        params = self.request.query_params
        if params.get("product"):
            domain_slug, _, slug = params["product"].partition("/")
            rows = rows.filter(product__domain__slug=domain_slug, product__slug=slug)
        if status_ := choice(params, "status", GrantStatus.values):
            rows = rows.filter(status=status_)
        if flag(params, "active"):
            rows = rows.active()
        return rows.select_related("port", "product__domain", "user", "team").order_by("-starts_at", "-pk")


class GrantRevoke(APIView):
    @extend_schema(
        request=s.AccessReasonInSerializer,
        responses={200: s.AccessGrantSerializer, **WRITE_ERRORS},
        description="The product's deciders end a grant (reason required); the provisioning endpoint is told.",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = s.AccessReasonInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = services.grant_revoke(
            actor=Actor.from_request(request), grant_id=pk, reason=data.validated_data["reason"]
        )
        return Response(s.AccessGrantSerializer(grant).data)


def _domain(slug: str) -> Domain:
    domain = Domain.objects.filter(slug=slug).first()
    if domain is None:
        raise NotFound(f"No domain '{slug}'.")
    return domain


def _operated_domain(request: Request, slug: str) -> Domain:
    """The domain, for its owners and for staff; the settings are no secret of a public domain, so others get 403."""
    domain = _domain(slug)
    if not selectors.can_operate_webhooks(_user(request), domain):
        raise PermissionDenied(f"Only the owners of domain '{slug}' see its access settings.")
    return domain


class DomainSettings(APIView):
    @extend_schema(
        responses={200: s.AccessSettingsSerializer, 403: PROBLEM, 404: PROBLEM},
        description="The domain's owners, and staff as platform operators. `signing_secret` is given to the "
        "domain's owners only (null for staff).",
    )
    def get(self, request: Request, slug: str) -> Response:
        domain = _operated_domain(request, slug)
        return Response(_settings_data(request, services.access_settings_get(domain)))

    @extend_schema(
        request=s.AccessSettingsInSerializer,
        responses={200: s.AccessSettingsSerializer, **WRITE_ERRORS},
        description="Domain owners only: who decides, the provisioning endpoint (must be allowed by the operator's "
        "ACCESS_WEBHOOK_ALLOWED_HOSTS), and `rotate_secret` to issue a new signing secret.",
    )
    def put(self, request: Request, slug: str) -> Response:
        domain = _domain(slug)
        if not selectors.is_domain_owner(_user(request), domain):  # before the body's shape; the service checks too
            raise PermissionDenied(f"Only the owners of domain '{slug}' change its access settings.")
        data = s.AccessSettingsInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.access_settings_update(actor=Actor.from_request(request), domain=domain, **data.validated_data)
        return Response(_settings_data(request, row))


def _settings_data(request: Request, row) -> dict:
    show_secret = selectors.is_domain_owner(_user(request), row.domain)
    return s.AccessSettingsSerializer(row, context={"show_secret": show_secret}).data


class DomainDeliveries(generics.ListAPIView):
    """The domain's webhook delivery log, newest first (the domain's owners, and staff)."""

    serializer_class = s.WebhookDeliverySerializer
    queryset = WebhookDelivery.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.domain_deliveries(_operated_domain(self.request, self.kwargs["slug"]))


class DeliveryRedeliver(APIView):
    @extend_schema(
        request=None,
        responses={202: s.WebhookDeliverySerializer, **WRITE_ERRORS},
        description="The domain's owners and staff send a failed delivery again (to the current endpoint); 404 for "
        "anyone who may not see the domain's delivery log, 409 unless the delivery failed or with no endpoint set.",
    )
    def post(self, request: Request, pk: int) -> Response:
        delivery = deliveries.webhook_redeliver(actor=Actor.from_request(request), delivery_id=pk)
        return Response(s.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
