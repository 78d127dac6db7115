"""REST for notices: follows, preferences, my notices, deprecations, a domain's chat webhook and its log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.selectors import can_operate_webhooks
from catalog.models import DataProduct, Deprecation, Domain, OutputPort
from catalog.services.deprecations import deprecation_set
from core.actors import Actor
from core.api.body import body_object, body_str, body_str_list
from core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from glossary.models import Term
from notices import follows
from notices.models import ChatDelivery, ChatWebhook, Follow, Notice, NoticeKind, Preference
from notices.services import DEFAULT_FREQUENCY, chat_webhook_set

PROBLEM = OpenApiResponse(description="RFC 7807 problem+json naming each bad field by JSON Pointer.")


def _out(name: str, **fields) -> serializers.Serializer:
    return inline_serializer(name, fields)


FOLLOW_OUT = _out(
    "FollowOut",
    target=serializers.ChoiceField(["product", "domain", "term"]),
    product=serializers.CharField(required=False),
    domain=serializers.CharField(required=False),
    term=serializers.CharField(required=False),
)
FOLLOWS_OUT = _out("FollowsOut", results=FOLLOW_OUT.__class__(many=True))
PREFERENCES_OUT = _out(
    "NoticePreferences", **{kind.value: _out(f"NoticePreference_{kind.value}", frequency=serializers.CharField(),
                                              mail=serializers.BooleanField()) for kind in NoticeKind}
)  # fmt: skip
NOTICE_OUT = _out(
    "NoticeOut",
    kind=serializers.CharField(),
    title=serializers.CharField(),
    body=serializers.CharField(),
    url=serializers.CharField(),
    product=serializers.CharField(allow_null=True),
    reasons=serializers.ListField(child=serializers.CharField()),
    frequency=serializers.CharField(),
    created_at=serializers.DateTimeField(),
    sent_at=serializers.DateTimeField(allow_null=True),
)
DEPRECATION_OUT = _out(
    "DeprecationOut",
    port=serializers.CharField(allow_null=True),
    sunset_on=serializers.DateField(),
    reason=serializers.CharField(),
    replacement=serializers.CharField(allow_null=True),
    retired=serializers.BooleanField(),
)
DELIVERY_OUT = _out(
    "ChatDeliveryOut",
    id=serializers.CharField(),
    kind=serializers.CharField(),
    status=serializers.CharField(),
    attempts=serializers.IntegerField(),
    last_status_code=serializers.IntegerField(allow_null=True),
    last_error=serializers.CharField(),
    created_at=serializers.DateTimeField(),
    delivered_at=serializers.DateTimeField(allow_null=True),
)


def _product(ref: str, path: str) -> DataProduct:
    domain, _, slug = (ref or "").partition("/")
    product = DataProduct.objects.select_related("domain__parent").filter(domain__slug=domain, slug=slug).first()
    if product is None:
        raise NotFound(f"No product '{ref}'.", path=path)
    return product


def _target(body: Any):
    data = body_object(body, '{"product": "domain/slug"}, {"domain": "slug"} or {"term": "domain/slug"}')
    if data.get("product"):
        return _product(str(data["product"]), "/product")
    if data.get("domain"):
        domain = Domain.objects.filter(slug=str(data["domain"])).first()
        if domain is None:
            raise NotFound(f"No domain '{data['domain']}'.", path="/domain")
        return domain
    if data.get("term"):
        domain_slug, _, slug = str(data["term"]).partition("/")
        term = Term.objects.filter(glossary__domain__slug=domain_slug, slug=slug).first()
        if term is None:
            raise NotFound(f"No term '{data['term']}'.", path="/term")
        return term
    raise ValidationFailed([FieldError("/product", "Name a product (domain/slug), a domain, or a term (domain/slug).")])


def _follow_data(f: Follow) -> dict:
    if f.product is not None:
        return {"target": "product", "product": f"{f.product.domain.slug}/{f.product.slug}"}
    if f.domain is not None:
        return {"target": "domain", "domain": f.domain.slug}
    assert f.term is not None  # the follow_one_target constraint
    return {"target": "term", "term": f"{f.term.glossary.domain.slug}/{f.term.slug}"}


FOLLOW_IN = inline_serializer(
    "FollowIn",
    {
        "product": serializers.CharField(required=False, help_text="domain/slug"),
        "domain": serializers.CharField(required=False),
        "term": serializers.CharField(required=False, help_text="domain/term-slug"),
    },
)


class Follows(APIView):
    @extend_schema(description="What I follow: products, domains, glossary terms.", responses={200: FOLLOWS_OUT})
    def get(self, request: Request) -> Response:
        user = Actor.from_request(request).person("follow")
        rows = Follow.objects.filter(user=user).select_related("product__domain", "domain", "term__glossary__domain")
        return Response({"results": [_follow_data(f) for f in rows]})

    @extend_schema(request=FOLLOW_IN, responses={201: FOLLOW_OUT, 400: PROBLEM, 404: PROBLEM})
    def post(self, request: Request) -> Response:
        follow = follows.follow_create(actor=Actor.from_request(request), target=_target(request.data))
        return Response(_follow_data(follow), status=201)

    @extend_schema(request=FOLLOW_IN, responses={204: None, 400: PROBLEM, 404: PROBLEM})
    def delete(self, request: Request) -> Response:
        follows.follow_delete(actor=Actor.from_request(request), target=_target(request.data))
        return Response(status=204)


class Preferences(APIView):
    @extend_schema(
        description="How I am told, per kind: frequency (immediately, digest, off) and mail.",
        responses={200: PREFERENCES_OUT},
    )
    def get(self, request: Request) -> Response:
        user = Actor.from_request(request).person("choose notice preferences")
        stored = {p.kind: p for p in Preference.objects.filter(user=user)}
        return Response(
            {
                kind.value: {
                    "frequency": stored[kind.value].frequency if kind.value in stored else DEFAULT_FREQUENCY[kind],
                    "mail": stored[kind.value].mail if kind.value in stored else True,
                }
                for kind in NoticeKind
            }
        )

    @extend_schema(request=PREFERENCES_OUT, responses={200: PREFERENCES_OUT, 400: PROBLEM})
    def put(self, request: Request) -> Response:
        data = body_object(request.data, '{"incident": {"frequency": "immediately"}}')
        follows.preferences_set(actor=Actor.from_request(request), choices=dict(data))
        return self.get(request)


class MyNotices(APIView):
    @extend_schema(
        description="What I was told, newest first (at most 100).",
        responses={200: _out("NoticesOut", results=NOTICE_OUT.__class__(many=True))},
    )
    def get(self, request: Request) -> Response:
        user = Actor.from_request(request).person("read notices")
        rows = Notice.objects.filter(user=user).select_related("product__domain")[:100]
        return Response(
            {
                "results": [
                    {
                        "kind": n.kind,
                        "title": n.title,
                        "body": n.body,
                        "url": n.url,
                        "product": n.product.identifier if n.product else None,
                        "reasons": n.reasons,
                        "frequency": n.frequency,
                        "created_at": n.created_at,
                        "sent_at": n.sent_at,
                    }
                    for n in rows
                ]
            }
        )


def deprecation_data(d: Deprecation) -> dict:
    return {
        "port": d.port.name if d.port is not None else None,
        "sunset_on": d.sunset_on,
        "reason": d.reason,
        "replacement": d.replacement.identifier if d.replacement else None,
        "retired": d.retired_at is not None,
    }


class ProductDeprecation(APIView):
    @extend_schema(
        description="The product's deprecations (the product's own and its ports').",
        responses={200: _out("DeprecationsOut", results=DEPRECATION_OUT.__class__(many=True)), 404: PROBLEM},
    )
    def get(self, request: Request, domain: str, slug: str) -> Response:
        product = _product(f"{domain}/{slug}", "")
        rows = Deprecation.objects.filter(product=product).select_related("port", "replacement__domain")
        return Response({"results": [deprecation_data(d) for d in rows]})

    @extend_schema(
        request=inline_serializer(
            "DeprecationIn",
            {
                "sunset_on": serializers.DateField(),
                "reason": serializers.CharField(),
                "port": serializers.CharField(required=False, help_text="A port's name; none: the whole product."),
                "replacement": serializers.CharField(required=False, help_text="domain/slug"),
            },
        ),
        responses={200: DEPRECATION_OUT, 400: PROBLEM, 403: PROBLEM, 404: PROBLEM},
    )
    def put(self, request: Request, domain: str, slug: str) -> Response:
        product = _product(f"{domain}/{slug}", "")
        data = body_object(request.data, '{"sunset_on": "YYYY-MM-DD", "reason": "..."}')
        port_name, replacement_ref = body_str(data, "port"), body_str(data, "replacement")
        port = None
        if port_name:
            port = OutputPort.objects.filter(product=product, name=port_name).order_by("-version").first()
            if port is None:
                raise NotFound(f"Product '{product.identifier}' has no port '{port_name}'.", path="/port")
        try:
            sunset_on = dt.date.fromisoformat(body_str(data, "sunset_on"))
        except ValueError:
            raise ValidationFailed([FieldError("/sunset_on", "A date, YYYY-MM-DD.")]) from None
        replacement = _product(replacement_ref, "/replacement") if replacement_ref else None
        deprecation = deprecation_set(
            actor=Actor.from_request(request),
            product=product,
            port=port,
            sunset_on=sunset_on,
            reason=body_str(data, "reason"),
            replacement=replacement,
        )
        return Response(deprecation_data(deprecation))


class DomainChatWebhook(APIView):
    def _domain(self, request: Request, slug: str) -> Domain:
        domain = Domain.objects.filter(slug=slug).first()
        if domain is None:
            raise NotFound(f"No domain '{slug}'.")
        if not can_operate_webhooks(Actor.from_request(request).user, domain):
            raise PermissionDenied(f"Only the owners of domain '{slug}' see its chat webhook.")
        return domain

    @extend_schema(
        description="The domain's chat webhook and its delivery log (the domain's owners and staff).",
        responses={
            200: _out(
                "ChatWebhookOut",
                url=serializers.CharField(),
                kinds=serializers.ListField(child=serializers.CharField()),
                deliveries=DELIVERY_OUT.__class__(many=True),
            ),
            403: PROBLEM,
            404: PROBLEM,
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        domain = self._domain(request, slug)
        hook = ChatWebhook.objects.filter(domain=domain).first()
        log = ChatDelivery.objects.filter(webhook=hook).order_by("-created_at")[:50] if hook else []
        return Response(
            {
                "url": hook.url if hook else "",
                "kinds": hook.kinds if hook else [],
                "deliveries": [
                    {
                        "id": str(d.event_id),
                        "kind": d.kind,
                        "status": d.status,
                        "attempts": d.attempts,
                        "last_status_code": d.last_status_code,
                        "last_error": d.last_error,
                        "created_at": d.created_at,
                        "delivered_at": d.delivered_at,
                    }
                    for d in log
                ],
            }
        )

    @extend_schema(
        request=_out(
            "ChatWebhookIn",
            url=serializers.CharField(help_text="'' removes it"),
            kinds=serializers.ListField(child=serializers.CharField(), required=False),
        ),
        responses={
            200: _out(
                "ChatWebhookSet",
                url=serializers.CharField(),
                kinds=serializers.ListField(child=serializers.CharField()),
                signing_secret=serializers.CharField(),
            ),
            400: PROBLEM,
            403: PROBLEM,
        },
    )
    def put(self, request: Request, slug: str) -> Response:
        domain = Domain.objects.filter(slug=slug).first()
        if domain is None:
            raise NotFound(f"No domain '{slug}'.")
        data = body_object(request.data, '{"url": "https://...", "kinds": ["incident"]}')
        hook = chat_webhook_set(
            actor=Actor.from_request(request),
            domain=domain,
            url=body_str(data, "url"),
            kinds=body_str_list(data, "kinds"),
        )
        return Response(
            {"url": hook.url, "kinds": hook.kinds, "signing_secret": hook.signing_secret if hook.url else ""}
        )
