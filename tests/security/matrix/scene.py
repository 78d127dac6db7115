"""The objects a route acts on, built on demand over the `world` fixture, so that each cell builds only what it needs.

Everything belongs to domain 'sales' (team sales-team). A consumer, carla, in no team, holds the access request
and the rating that the producers decide on and reply to; this keeps "the requester decides their own request"
out of the matrix, which is about roles, not about that rule.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property

from django.utils import timezone

from catalog.models import AccessMode, DataContract, LifecycleStatus
from core.actors import Actor
from tests.factories import OutputPortFactory, ProductFactory, SchemaFieldFactory, UserFactory
from tests.glossary.conftest import approve, propose
from tests.lineage.conftest import dataset, run_event


def lineage_event(job: str) -> dict:
    """A completed run of `job` that reads warehouse.raw_orders and writes warehouse.orders."""
    return run_event(job, [dataset("warehouse", "raw_orders")], [dataset("warehouse", "orders")])


class Scene:
    def __init__(self, world):
        self.world = world

    # ---- catalog ------------------------------------------------------------------------------------------
    @cached_property
    def product(self):
        return ProductFactory(domain=self.world.domain, slug="orders", name="Orders", status=LifecycleStatus.PUBLISHED)

    @cached_property
    def port(self):
        port = OutputPortFactory(
            product=self.product,
            name="orders_table",
            access_mode=AccessMode.ON_REQUEST,
            max_access_days=30,
            contract_ref="orders-contract",
        )
        SchemaFieldFactory(port=port, name="order_id")
        return port

    @cached_property
    def contract(self):
        return DataContract.objects.create(
            contract_id="orders-contract", version="1.0.0", status="active", domain=self.world.domain
        )

    @cached_property
    def consumer(self):
        return UserFactory(username="carla")

    # ---- glossary -----------------------------------------------------------------------------------------
    @cached_property
    def term(self):
        from glossary.models import Term

        proposal = propose(self.world.member, name="Churn", definition="Customers who left.")
        approve(self.world.steward, proposal)
        return Term.objects.get(proposals=proposal)

    @cached_property
    def proposal(self):
        """An open proposal to create a term, made by the member mia."""
        return propose(self.world.member, name="Basket", definition="What a customer buys at once.")

    @cached_property
    def change_proposal(self):
        """Mia's open change to the term, made stale by a second approved change (so that it can be rebased)."""

        def change(definition: str):
            return propose(
                self.world.member,
                kind="change",
                term=self.term.slug,
                reason="Sharper.",
                name="Churn",
                definition=definition,
            )

        mine = change("Customers who stopped buying.")
        approve(self.world.steward, change("Customers who cancelled."))
        return mine

    @cached_property
    def term_product_link(self):
        from glossary.services.links import Target, term_link

        return term_link(actor=Actor(user=self.world.steward), term=self.term, target=Target(product=self.product))

    @cached_property
    def suggestion(self):
        from glossary.models import LinkSuggestion

        return LinkSuggestion.objects.create(
            term=self.term, field=self.port.fields.get(name="order_id"), matched="order", where="name"
        )

    # ---- lineage ------------------------------------------------------------------------------------------
    @cached_property
    def lineage_run(self):
        """One completed run: job pipelines.load_orders reads warehouse.raw_orders and writes warehouse.orders."""
        from lineage.openlineage import parse_event
        from lineage.services.ingest import lineage_events_ingest

        return lineage_events_ingest(actor=None, events=[parse_event(lineage_event("load_orders"))])

    # ---- access -------------------------------------------------------------------------------------------
    @cached_property
    def access_request(self):
        """Carla's pending request for the on-request port."""
        from access.services import access_request_create

        return access_request_create(
            actor=Actor(user=self.consumer), port=self.port, purpose="Churn analysis.", duration_days=10
        )

    @cached_property
    def grant(self):
        from access.models import Grant
        from access.services import access_request_approve

        access_request_approve(actor=Actor(user=self.world.owner), request_id=self.access_request.pk)
        return Grant.objects.get(request=self.access_request)

    @cached_property
    def outsider_request(self):
        """Oscar's request for the port, on which the owner asked a question: the requester's actions (answer,
        withdraw) have an allowed cell. Made after Carla's, so that the two never meet on one grantee."""
        from access.services import access_request_ask_info, access_request_create

        made = access_request_create(
            actor=Actor(user=self.world.outsider), port=self.port, purpose="Budget planning.", duration_days=5
        )
        return access_request_ask_info(actor=Actor(user=self.world.owner), request_id=made.pk, reason="Which budget?")

    @cached_property
    def owner_request(self):
        """Olivia's own pending request for her team's port, made before she became an owner (deciders cannot ask
        any more, so the row is written directly): nobody decides their own request, owner or not."""
        from access.models import AccessRequest

        return AccessRequest.objects.create(
            port=self.port, product=self.product, requester=self.world.owner, purpose="Testing.", duration_days=3
        )

    @cached_property
    def delivery(self):
        from access.models import DomainAccessSettings, WebhookDelivery

        grant = self.grant
        # A delivery exists only where the domain has an endpoint (redelivery reads the current one).
        DomainAccessSettings.objects.update_or_create(
            domain=self.world.domain, defaults={"provisioning_url": "https://provisioning.example/hook"}
        )
        return WebhookDelivery.objects.create(
            domain=self.world.domain,
            grant=grant,
            event="grant.created",
            url="https://provisioning.example/hook",
            payload={"grant": grant.pk},
            status="failed",
            attempts=3,
        )

    # ---- ratings ------------------------------------------------------------------------------------------
    @cached_property
    def rating(self):
        """Carla's review of the product."""
        from ratings.services import rating_upsert

        rating, _ = rating_upsert(
            actor=Actor(user=self.consumer), product=self.product, data={"stars": 4, "comment": "Useful."}
        )
        return rating

    @cached_property
    def outsider_rating(self):
        """Oscar's own review: his cells for "my rating" (read, replace, withdraw) are the allowed ones."""
        from ratings.services import rating_upsert

        rating, _ = rating_upsert(
            actor=Actor(user=self.world.outsider), product=self.product, data={"stars": 2, "comment": "Often late."}
        )
        return rating

    @cached_property
    def hidden_rating(self):
        """Hugo's review, hidden by the steward: only its author, the producers and staff still see it."""
        from ratings.services import rating_moderate, rating_upsert

        rating, _ = rating_upsert(
            actor=Actor(user=UserFactory(username="hugo")), product=self.product, data={"stars": 1, "comment": "Spam"}
        )
        return rating_moderate(actor=Actor(user=self.world.steward), rating=rating, hide=True, reason="Off topic.")

    @cached_property
    def reply(self):
        from ratings.services import rating_reply

        return rating_reply(actor=Actor(user=self.world.owner), rating=self.rating, body="Thanks!")

    # ---- SLOs ---------------------------------------------------------------------------------------------
    @cached_property
    def slo(self):
        from slo.models import ServiceLevelObjective, SloKind

        return ServiceLevelObjective.objects.create(
            product=self.product, name="freshness", kind=SloKind.FRESHNESS, threshold=3600.0
        )

    @cached_property
    def measurement(self):
        """One stored measurement of the freshness objective (what the measurements list reveals)."""
        from slo.models import Measurement

        return Measurement.objects.create(slo=self.slo, value=600.0, measured_at=timezone.now(), key="matrix-seed")

    def build_everything(self) -> Scene:
        """For the shared scene: build every object up front, so that no cell's rollback leaves a stale one."""
        for name, value in type(self).__dict__.items():
            if isinstance(value, cached_property):
                getattr(self, name)
        return self

    def now(self):
        return timezone.now()

    def later(self, days: int):
        return timezone.now() + timedelta(days=days)
