"""Data products and their ports: the unit of discovery and how it is consumed."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import get_script_prefix, get_urlconf, reverse

from catalog.locations import stored_location_key
from catalog.models.org import Domain, Team
from catalog.vocabulary import (
    AccessMode,
    DescriptorFormat,
    LifecycleStatus,
    PortType,
    ProductKind,
    SchemaSource,
)
from core.models import TimeStampedModel


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DataProductQuerySet(models.QuerySet["DataProduct"]):
    def published(self) -> DataProductQuerySet:
        return self.filter(status=LifecycleStatus.PUBLISHED)

    def visible(self) -> DataProductQuerySet:
        """What a consumer browses: everything but retired products."""
        return self.exclude(status=LifecycleStatus.RETIRED)

    def in_domain(self, domain: Domain) -> DataProductQuerySet:
        return self.filter(domain=domain)

    def owned_by(self, team: Team) -> DataProductQuerySet:
        return self.filter(owner_team=team)

    def with_listing_relations(self) -> DataProductQuerySet:
        return self.select_related("domain", "owner_team").prefetch_related("tags")


class DataProduct(TimeStampedModel):
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="products")
    slug = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    summary = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True, help_text="Markdown.")
    owner_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="products")
    kind = models.CharField(max_length=20, choices=ProductKind.choices, default=ProductKind.SOURCE_ALIGNED)
    status = models.CharField(max_length=20, choices=LifecycleStatus.choices, default=LifecycleStatus.DRAFT)
    version = models.CharField(max_length=40, blank=True)
    tags = models.ManyToManyField(Tag, related_name="products", blank=True)
    external_id = models.CharField(
        max_length=200, blank=True, help_text="Identifier in the source descriptor (an ODPS id, a DPDS FQN)."
    )
    source_format = models.CharField(max_length=10, choices=DescriptorFormat.choices, default=DescriptorFormat.PORTAL)
    descriptor = models.JSONField(default=dict, blank=True, help_text="The descriptor as it was last published.")
    fingerprint = models.CharField(
        max_length=64,
        blank=True,
        help_text="Hash of the last accepted payload; equal payloads write nothing.",
    )

    objects = DataProductQuerySet.as_manager()

    class Meta:
        ordering = ["domain__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "slug"], name="product_unique_domain_slug"),
            models.CheckConstraint(condition=Q(kind__in=ProductKind.values), name="product_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=LifecycleStatus.values), name="product_status_valid"),
        ]
        indexes = [
            # Listing pages and the API filter by status and sort by recent change.
            models.Index(fields=["status", "-updated_at"], name="product_status_updated_idx"),
            # Descriptor imports find a product again by the id its own standard gives it.
            models.Index(fields=["external_id"], name="product_external_id_idx"),
            # lineage.graph's freshness check reads MAX(updated_at) on every lineage request: without it, a scan
            # of the table (90 ms at 100k products on SQLite). The home page's recently changed products are read
            # from its end (by id among equal times).
            models.Index(fields=["updated_at", "id"], name="product_updated_id_idx"),
            # The home page's newly published products.
            models.Index(fields=["status", "created_at", "id"], name="product_status_created_idx"),
            # catalog.selectors.domain_tree counts each domain's products that are not retired (home, domain
            # pages, scorecards): covered by this index, the count reads no table rows (190 ms at 100k on SQLite).
            models.Index(fields=["domain", "status"], name="product_domain_status_idx"),
            # The domain page lists a domain's products by name, a page at a time.
            models.Index(fields=["domain", "name"], name="product_domain_name_idx"),
            # The team page lists a team's products; the scorecard's per-domain rating counts join through here.
            models.Index(fields=["owner_team", "status"], name="product_team_status_idx"),
            # The team page lists a team's products domain by domain, by name; the home page a team's first ones.
            models.Index(fields=["owner_team", "domain", "name"], name="product_team_domain_name_idx"),
            models.Index(fields=["owner_team", "name"], name="product_team_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def urn(self) -> str:
        return f"urn:dataproduct:{self.domain.slug}:{self.slug}"

    @property
    def identifier(self) -> str:
        return f"{self.domain.slug}/{self.slug}"

    def get_absolute_url(self) -> str:
        # Called for every product of a list page, a feed or a search-index batch: reverse() each time costs more
        # than the rest of a search document, so the path is cut from one reversed per URL configuration.
        head, middle, tail = _product_url_parts(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
        return f"{head}{quote(self.domain.slug)}{middle}{quote(self.slug)}{tail}"

    def get_tab_url(self, tab: str, anchor: str = "") -> str:
        """The product page opened on one of its tabs (catalog.product_tabs), e.g. `get_tab_url("reviews")`."""
        suffix = "" if tab == "overview" else f"?tab={tab}"
        return self.get_absolute_url() + suffix + (f"#{anchor}" if anchor else "")


_URL_MARKS = ("zq0domain0qz", "zq0product0qz")


@lru_cache(maxsize=8)
def _product_url_parts(script_prefix: str, urlconf: str) -> tuple[str, str, str]:
    """The product page's path around its two slugs, for one script prefix and URL configuration."""
    url = reverse("product_detail", args=_URL_MARKS, urlconf=urlconf)
    head, rest = url.split(_URL_MARKS[0], 1)
    middle, tail = rest.split(_URL_MARKS[1], 1)
    return head, middle, tail


class LocationKeyField(models.TextField):
    """The lineage key of the row's `location` (catalog.locations), worked out whenever the row is written by save()
    or bulk_create(), which both call pre_save. bulk_update() and update() do not: whoever changes `location` that
    way sets the key with `OutputPort.sync_location_key()` and writes both."""

    def pre_save(self, model_instance, add):
        model_instance.sync_location_key()
        return model_instance.location_key


class OutputPort(TimeStampedModel):
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="output_ports")
    name = models.CharField(max_length=120)
    version = models.CharField(max_length=40, blank=True, default="")
    description = models.TextField(blank=True)
    port_type = models.CharField(max_length=10, choices=PortType.choices, default=PortType.TABLE)
    location = models.CharField(max_length=500, blank=True, help_text="Server, path or address to consume it.")
    location_key = LocationKeyField(blank=True, default="", editable=False)
    format = models.CharField(max_length=60, blank=True)
    access_mode = models.CharField(max_length=12, choices=AccessMode.choices, default=AccessMode.ON_REQUEST)
    contract_ref = models.CharField(max_length=200, blank=True, help_text="Id of the data contract it honours.")
    schema_source = models.CharField(
        max_length=10,
        choices=SchemaSource.choices,
        default=SchemaSource.DECLARED,
        help_text="Ports that declare no fields take them from their contract, and follow it when it changes.",
    )
    max_access_days = models.PositiveIntegerField(
        default=365, help_text="Longest access a consumer may request on this port, in days (access/ enforces it)."
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "name", "version"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name", "version"], name="outputport_unique_name_version"),
            models.CheckConstraint(condition=Q(port_type__in=PortType.values), name="outputport_type_valid"),
            models.CheckConstraint(condition=Q(access_mode__in=AccessMode.values), name="outputport_access_valid"),
            models.CheckConstraint(condition=Q(max_access_days__gte=1), name="outputport_max_access_days_positive"),
        ]
        indexes = [
            # Contract imports and input-port resolution look ports up by the contract they honour.
            models.Index(fields=["contract_ref"], name="outputport_contract_ref_idx"),
            # lineage.graph's freshness check reads MAX(updated_at) on every lineage request.
            models.Index(fields=["updated_at"], name="outputport_updated_at_idx"),
            # lineage.graph and slo's lineage feed look up the ports a dataset's keys name.
            models.Index(fields=["location_key"], name="outputport_location_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.label}"

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}" if self.version else self.name

    def sync_location_key(self) -> None:
        self.location_key = stored_location_key(self.location)


class SchemaField(models.Model):
    port = models.ForeignKey(OutputPort, on_delete=models.CASCADE, related_name="fields")
    object_name = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="Table or object within the port, when it has several.",
    )
    name = models.CharField(max_length=200)
    data_type = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    nullable = models.BooleanField(default=True)
    primary_key = models.BooleanField(default=False)
    classification = models.CharField(
        max_length=40,
        blank=True,
        help_text="public, internal, confidential, restricted, pii, or the producer's own.",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["port", "object_name", "position"]
        constraints = [
            models.UniqueConstraint(fields=["port", "object_name", "name"], name="field_unique_port_object_name"),
        ]

    def __str__(self) -> str:
        return f"{self.object_name}.{self.name}" if self.object_name else self.name


class InputPort(TimeStampedModel):
    """What a product consumes: another product's output port, or a source outside the mesh."""

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="input_ports")
    name = models.CharField(max_length=120)
    version = models.CharField(max_length=40, blank=True, default="")
    description = models.TextField(blank=True)
    source_port = models.ForeignKey(
        OutputPort, on_delete=models.SET_NULL, null=True, blank=True, related_name="consumers"
    )
    source_product_ref = models.CharField(
        max_length=200, blank=True, help_text="domain/slug of the producing product, as declared."
    )
    source_port_ref = models.CharField(max_length=120, blank=True)
    external_source = models.CharField(max_length=500, blank=True, help_text="A source outside the mesh.")
    contract_ref = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name", "version"], name="inputport_unique_name_version"),
        ]
        indexes = [
            # A newly published output port links the input ports waiting for it, by product or by contract.
            # Partial: resolved ports and external sources (never resolved) would otherwise be scanned each time.
            # External sources have empty refs and are left out too: at 100k products, 30k of them in an index of
            # waiting ports made SQLite's statistics favour the source_port index, and the look-up of waiting
            # inputs walked all 30k inside every PUT's write transaction (16 ms).
            models.Index(
                fields=["source_product_ref"],
                condition=Q(source_port__isnull=True) & ~Q(source_product_ref=""),
                name="inputport_waiting_ref",
            ),
            models.Index(
                fields=["contract_ref"],
                condition=Q(source_port__isnull=True) & ~Q(contract_ref=""),
                name="inputport_waiting_contract2",
            ),
            # lineage.graph's freshness check reads MAX(updated_at) on every lineage request (90 ms at 200k
            # input ports on SQLite without it); the product graph's declared edges depend on it.
            models.Index(fields=["updated_at"], name="inputport_updated_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product} <- {self.name}"

    @property
    def is_resolved(self) -> bool:
        return self.source_port_id is not None
