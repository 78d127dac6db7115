"""Reads for the catalog pages: each returns everything a page shows in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from catalog import counts as product_counts
from catalog.models import (
    Classification,
    DataContract,
    DataProduct,
    Domain,
    InputPort,
    LifecycleStatus,
    OutputPort,
    ProductVersion,
    SchemaField,
    SchemaSource,
    Team,
    TeamMembership,
    TeamRole,
)
from catalog.snippets import Snippet, port_snippets
from catalog.specs import (
    ContractSpec,
    FieldSpec,
    InputPortSpec,
    OutputPortSpec,
    ProductSpec,
    QualityRuleSpec,
    SlaSpec,
)
from core import per_request
from core.actors import memberships

RECENT_PRODUCTS = 8
MY_PRODUCTS = 10
_SENSITIVE = {Classification.PII.value, Classification.RESTRICTED.value, Classification.CONFIDENTIAL.value}
_ROLE_ORDER: dict[str, int] = {TeamRole.OWNER: 0, TeamRole.STEWARD: 1, TeamRole.MEMBER: 2}


# Domains ----------------------------------------------------------------------------------------------------


@dataclass
class DomainNode:
    """A domain in the tree, with its own products counted and those of everything below it."""

    domain: Domain
    children: list[DomainNode] = field(default_factory=list)
    product_count: int = 0
    total_product_count: int = 0


@dataclass
class DomainTree:
    roots: list[DomainNode]
    by_id: dict[int, DomainNode]

    def descendant_ids(self, domain_id: int) -> list[int]:
        """The domain and every domain below it."""
        ids: list[int] = []
        stack = [self.by_id[domain_id]] if domain_id in self.by_id else []
        seen: set[int] = set()
        while stack:
            node = stack.pop()
            if node.domain.pk in seen:
                continue
            seen.add(node.domain.pk)
            ids.append(node.domain.pk)
            stack.extend(node.children)
        return ids

    def ancestors(self, domain_id: int) -> list[Domain]:
        """Parents from the top down to the nearest, without a query per level."""
        chain: list[Domain] = []
        seen = {domain_id}
        node = self.by_id.get(domain_id)
        while node is not None and node.domain.parent_id is not None and node.domain.parent_id not in seen:
            seen.add(node.domain.parent_id)
            node = self.by_id.get(node.domain.parent_id)
            if node is not None:
                chain.append(node.domain)
        return list(reversed(chain))


def domain_tree() -> DomainTree:
    """All domains as a tree with product counts (retired products left out): two queries, any depth.

    Domains are few (tens to hundreds), so loading them all is cheaper than walking the tree level by level. Kept
    for the request: the home page and the navigation's review badge both need it.
    """
    return per_request.remember(("domain_tree",), _domain_tree)


def _domain_tree() -> DomainTree:
    domains = list(Domain.objects.select_related("owner_team").order_by("name"))
    # The counts the product table's triggers keep: a few rows, not a count of every product.
    counts = product_counts.visible_per_domain()
    by_id = {d.pk: DomainNode(domain=d, product_count=counts.get(d.pk, 0)) for d in domains}
    roots: list[DomainNode] = []
    for node in by_id.values():
        parent = by_id.get(node.domain.parent_id) if node.domain.parent_id else None
        if parent is None or parent is node:
            roots.append(node)
        else:
            parent.children.append(node)

    def total(node: DomainNode, path: frozenset[int]) -> int:
        if node.domain.pk in path:  # a cycle written around the constraint: count it once
            return 0
        node.total_product_count = node.product_count + sum(
            total(child, path | {node.domain.pk}) for child in node.children
        )
        return node.total_product_count

    for root in roots:
        total(root, frozenset())
    return DomainTree(roots=roots, by_id=by_id)


@dataclass
class DomainDetail:
    domain: Domain
    node: DomainNode
    ancestors: list[Domain]
    products: ProductsByDomain  # not read: the page shows one page of them (a domain may hold 100k)


def domain_detail(slug: str) -> DomainDetail:
    domain = get_object_or_404(Domain.objects.select_related("owner_team"), slug=slug)
    tree = domain_tree()
    # Ordered by name, then pk, so that pages never overlap or skip a product of the same name. The paginator's
    # total comes from the kept counts: counting a 77,000-product domain's rows took 370 ms on PostgreSQL at 1M.
    total = sum(product_counts.per_status(domain_id=domain.pk).values())
    products = ProductsByDomain(DataProduct.objects.with_listing_relations(), [(domain.pk, total)])
    return DomainDetail(
        domain=domain, node=tree.by_id[domain.pk], ancestors=tree.ancestors(domain.pk), products=products
    )


# Home -------------------------------------------------------------------------------------------------------


@dataclass
class HomeSummary:
    domain_count: int
    published_product_count: int
    team_count: int
    recent_products: list[DataProduct]
    top_domains: list[DomainNode]
    new_products: list[DataProduct] = field(default_factory=list)
    my_products: list[DataProduct] = field(default_factory=list)
    my_teams: list[Team] = field(default_factory=list)
    my_product_count: int = 0


def _first(products: QuerySet[DataProduct], limit: int) -> list[DataProduct]:
    """The first `limit` products of an ordered query, with their listing relations. The ids come from the
    product table alone: joined with domains and teams, SQLite (with statistics) chose to walk the 13 domains and
    sort every product of each (260 ms at 100k) instead of reading the ordering index's first rows."""
    ids = list(products.values_list("pk", flat=True)[:limit])
    rows = DataProduct.objects.with_listing_relations().in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]


def home_summary(user=None) -> HomeSummary:
    """The home page: the mesh in numbers, what is new and changed, and, for a signed-in person, the products of
    their teams (the other apps add tasks, grants and rankings through their template tags)."""
    tree = domain_tree()
    recent = _first(
        # Newest id first among equal times (a bulk import writes thousands with one): the order of the index on
        # (updated_at, id), read from its end, where a tie-break by name sorted every tied product.
        DataProduct.objects.visible().order_by("-updated_at", "-pk"),
        RECENT_PRODUCTS,
    )
    new = _first(DataProduct.objects.published().order_by("-created_at", "-pk"), RECENT_PRODUCTS)
    summary = HomeSummary(
        domain_count=len(tree.by_id),
        published_product_count=product_counts.published_total(),
        team_count=Team.objects.count(),
        recent_products=recent,
        top_domains=tree.roots,
        new_products=new,
    )
    if user is not None and user.is_authenticated:
        summary.my_teams = [m.team for m in memberships(user)]
        if summary.my_teams:
            team_ids = [t.pk for t in summary.my_teams]
            summary.my_product_count = sum(product_counts.per_domain_of_teams(team_ids, visible=True).values())
            # The first by name of each team (product_team_name_idx), merged: one sort of a 7,700-product team's
            # products cost 35 ms.
            firsts = [
                pk
                for team_id in team_ids
                for pk in DataProduct.objects.visible()
                .filter(owner_team_id=team_id)
                .order_by("name", "pk")
                .values_list("pk", flat=True)[:MY_PRODUCTS]
            ]
            mine = DataProduct.objects.with_listing_relations().filter(pk__in=firsts).order_by("name", "pk")
            summary.my_products = list(mine[:MY_PRODUCTS])
    return summary


# Products ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductFilters:
    """What the products list is narrowed by; empty strings mean "any"."""

    q: str = ""
    domain: str = ""
    kind: str = ""
    status: str = ""
    tag: str = ""
    team: str = ""


class ProductsByDomain:
    """The products list in its order (domain name, then product name) for a paginator, without sorting the
    whole table: a page is read domain by domain through product_domain_name_idx, starting at the domain and
    offset the per-domain counts point to. Sorting 100k products by their domain's name for every page cost
    about 300 ms on SQLite; this costs one query per domain the page touches (usually one)."""

    def __init__(self, products: QuerySet[DataProduct], counts: list[tuple[int, int]]):
        self.products = products
        self.counts = [(domain_id, n) for domain_id, n in counts if n]

    def count(self) -> int:
        return sum(n for _, n in self.counts)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[DataProduct]:
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("ProductsByDomain takes slices only")
        start, stop = index.start or 0, index.stop if index.stop is not None else self.count()
        rows: list[DataProduct] = []
        skipped = 0
        for domain_id, n in self.counts:
            if len(rows) >= stop - start:
                break
            if skipped + n <= start:
                skipped += n
                continue
            offset = max(0, start - skipped)
            want = stop - start - len(rows)
            rows += self.products.filter(domain_id=domain_id).order_by("name", "pk")[offset : offset + want]
            skipped += n
        return rows


def products_list(filters: ProductFilters) -> QuerySet[DataProduct] | ProductsByDomain:
    """Products matching the filters, ready to paginate. Retired ones show only when asked for by status."""
    if not (filters.kind or filters.tag or filters.team or filters.q):
        return _products_by_domain(filters)
    products = DataProduct.objects.all()
    products = products.filter(status=filters.status) if filters.status else products.visible()
    if filters.domain:
        domain = Domain.objects.filter(slug=filters.domain).values_list("pk", flat=True).first()
        # A domain's list includes its sub-domains' products, as its product count does.
        ids = domain_tree().descendant_ids(domain) if domain is not None else []
        products = products.filter(domain_id__in=ids)
    if filters.kind:
        products = products.filter(kind=filters.kind)
    if filters.tag:
        products = products.filter(tags__name__iexact=filters.tag)
    if filters.team:
        products = products.filter(owner_team__slug=filters.team)
    if filters.q:
        # A plain substring filter for browsing the list; ranked full-text search is the /search/ page.
        products = products.filter(
            Q(name__icontains=filters.q) | Q(summary__icontains=filters.q) | Q(tags__name__icontains=filters.q)
        )
    if filters.tag or filters.q:
        # Joining tags can repeat a product; filter by id so that ordering and counting stay simple.
        products = DataProduct.objects.filter(pk__in=products.values("pk"))
    return products.with_listing_relations().order_by("domain__name", "name", "pk")


def _products_by_domain(filters: ProductFilters) -> ProductsByDomain:
    """The list filtered by status and domain at most, in the order of `products_list`."""
    products = DataProduct.objects.all()
    products = products.filter(status=filters.status) if filters.status else products.visible()
    tree = domain_tree()
    wanted: set[int] | None = None
    if filters.domain:
        domain = next((n.domain.pk for n in tree.by_id.values() if n.domain.slug == filters.domain), None)
        wanted = set(tree.descendant_ids(domain)) if domain is not None else set()
    if filters.status:
        per_domain = dict(products.order_by().values_list("domain_id").annotate(n=Count("id")))
    else:
        per_domain = {pk: node.product_count for pk, node in tree.by_id.items()}
    ordered = sorted(tree.by_id.values(), key=lambda node: (node.domain.name, node.domain.pk))
    counts = [
        (node.domain.pk, per_domain.get(node.domain.pk, 0))
        for node in ordered
        if wanted is None or node.domain.pk in wanted
    ]
    return ProductsByDomain(products.with_listing_relations(), counts)


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """Domains and teams offered by the products filter form, as (slug, name)."""
    return {
        "domains": list(Domain.objects.order_by("name").values_list("slug", "name")),
        "teams": list(Team.objects.order_by("name").values_list("slug", "name")),
    }


@dataclass
class FieldGroup:
    object_name: str
    fields: list[SchemaField]


@dataclass
class PortView:
    port: OutputPort
    field_groups: list[FieldGroup]
    contract: DataContract | None

    @property
    def field_count(self) -> int:
        return sum(len(g.fields) for g in self.field_groups)

    @property
    def sensitive_count(self) -> int:
        """Fields classified personal, restricted or confidential: what a consumer must handle with care."""
        return sum(1 for g in self.field_groups for f in g.fields if f.classification.lower() in _SENSITIVE)

    @property
    def snippets(self) -> list[Snippet]:
        """How to consume this port, built from its location, format and fields (no query)."""
        return port_snippets(self.port, [f for g in self.field_groups for f in g.fields])


@dataclass
class ProductDetail:
    product: DataProduct
    output_ports: list[PortView]
    input_ports: list[InputPort]
    owners: list[TeamMembership]

    @property
    def is_retired(self) -> bool:
        return self.product.status == LifecycleStatus.RETIRED

    @property
    def is_deprecated(self) -> bool:
        return self.product.status == LifecycleStatus.DEPRECATED

    @property
    def field_count(self) -> int:
        return sum(view.field_count for view in self.output_ports)


def product_detail(domain_slug: str, slug: str, *, with_contracts: bool = True) -> ProductDetail:
    """A product page's data in a fixed number of queries, however many ports, fields and rules it has.

    `with_contracts=False` leaves the ports' contracts unread (three queries fewer), for the page's tabs that do
    not show them."""
    product = get_object_or_404(
        DataProduct.objects.select_related("domain__parent", "owner_team").prefetch_related(
            "tags",
            Prefetch("output_ports", queryset=OutputPort.objects.prefetch_related("fields")),
            Prefetch(
                "input_ports",
                queryset=InputPort.objects.select_related("source_port__product__domain"),
            ),
            Prefetch(
                "owner_team__memberships",
                queryset=TeamMembership.objects.select_related("user"),
            ),
        ),
        domain__slug=domain_slug,
        slug=slug,
    )
    ports = list(product.output_ports.all())
    refs = {p.contract_ref for p in ports if p.contract_ref}
    contracts = (
        {
            c.contract_id: c
            for c in DataContract.objects.filter(contract_id__in=refs).prefetch_related(
                "sla_properties", "quality_rules"
            )
        }
        if refs and with_contracts
        else {}
    )
    port_views = []
    for port in ports:
        fields = sorted(port.fields.all(), key=lambda f: (f.object_name, f.position, f.name))
        groups = [FieldGroup(name, list(items)) for name, items in groupby(fields, lambda f: f.object_name)]
        port_views.append(PortView(port=port, field_groups=groups, contract=contracts.get(port.contract_ref)))
    owners = sorted(
        product.owner_team.memberships.all(),
        key=lambda m: (_ROLE_ORDER.get(m.role, 9), m.user.get_username()),
    )
    return ProductDetail(
        product=product, output_ports=port_views, input_ports=list(product.input_ports.all()), owners=owners
    )


# Teams ------------------------------------------------------------------------------------------------------


def team_list() -> QuerySet[Team]:
    return Team.objects.annotate(
        member_count=Count("memberships", distinct=True),
        domain_count=Count("domains", distinct=True),
        product_count=Count("products", filter=~Q(products__status=LifecycleStatus.RETIRED), distinct=True),
    ).order_by("name")


@dataclass
class TeamDetail:
    team: Team
    members: list[TeamMembership]
    domains: list[Domain]
    products: ProductsByDomain  # read a page at a time: a team may own 100k products


def team_detail(slug: str) -> TeamDetail:
    team = get_object_or_404(Team, slug=slug)
    members = sorted(
        TeamMembership.objects.filter(team=team).select_related("user"),
        key=lambda m: (_ROLE_ORDER.get(m.role, 9), m.user.get_username()),
    )
    domains = list(team.domains.select_related("parent").order_by("name"))
    # By domain name, then name, read domain by domain (product_team_domain_name_idx) as the products list is.
    per_domain = product_counts.per_domain_of_teams([team.pk], visible=False)
    names = dict(Domain.objects.filter(pk__in=per_domain).values_list("pk", "name"))
    counts = sorted(per_domain.items(), key=lambda item: (names.get(item[0], ""), item[0]))
    products = ProductsByDomain(team.products.with_listing_relations(), counts)
    return TeamDetail(team=team, members=members, domains=domains, products=products)


# Stored versions, as specs (for catalog.diff) ----------------------------------------------------------------


def product_spec_stored(product: DataProduct) -> ProductSpec:
    """The product as stored, in the shape the parsers give, so a new document can be compared with it."""
    ports = OutputPort.objects.filter(product=product).prefetch_related("fields").order_by("position", "name")
    domain_owner = product.domain.owner_team_id
    return ProductSpec(
        name=product.name,
        summary=product.summary,
        description=product.description,
        kind=product.kind,
        status=product.status,
        version=product.version,
        tags=sorted(product.tags.values_list("name", flat=True)),
        owner_team="" if product.owner_team_id == domain_owner else product.owner_team.slug,
        external_id=product.external_id,
        output_ports=[
            OutputPortSpec(
                name=port.name,
                version=port.version,
                description=port.description,
                port_type=port.port_type,
                location=port.location,
                format=port.format,
                access_mode=port.access_mode,
                contract_ref=port.contract_ref,
                # Fields a port took from its contract are compared on the contract, not here.
                fields=[]
                if port.schema_source == SchemaSource.CONTRACT
                else [
                    FieldSpec(
                        name=f.name,
                        data_type=f.data_type,
                        description=f.description,
                        nullable=f.nullable,
                        primary_key=f.primary_key,
                        classification=f.classification,
                        object_name=f.object_name,
                    )
                    for f in port.fields.all()
                ],
                max_access_days=port.max_access_days,
            )
            for port in ports
        ],
        input_ports=[
            InputPortSpec(
                name=p.name,
                version=p.version,
                description=p.description,
                source_product=p.source_product_ref,
                source_port=p.source_port_ref,
                external_source=p.external_source,
                contract_ref=p.contract_ref,
            )
            for p in InputPort.objects.filter(product=product).order_by("position", "name")
        ],
    )


def contract_spec_stored(contract: DataContract) -> ContractSpec:
    """The contract as stored: its terms, the fields of its schema and its SLA properties."""
    return ContractSpec(
        contract_id=contract.contract_id,
        version=contract.version,
        status=contract.status,
        name=contract.name,
        api_version=contract.api_version,
        source_format=contract.source_format,
        domain=contract.domain.slug if contract.domain is not None else "",
        data_product=str(contract.document.get("dataProduct", "") or ""),
        purpose=contract.purpose,
        fields=contract.field_specs(),
        sla=[
            SlaSpec(name=s.name, value=s.value, value_ext=s.value_ext, unit=s.unit, element=s.element, driver=s.driver)
            for s in contract.sla_properties.all()
        ],
        status_as_written=contract.status_as_written,
        objects=contract.schema(),
        servers=contract.servers,
        quality=[
            QualityRuleSpec(
                element=q.element,
                name=q.name,
                rule_type=q.rule_type,
                metric=q.metric,
                dimension=q.dimension,
                description=q.description,
                severity=q.severity,
                operator=q.operator,
                threshold=q.threshold,
                schedule=q.schedule,
                definition=q.definition,
            )
            for q in contract.quality_rules.all()
        ],
    )


def contract_spec_exported(contract: DataContract) -> ContractSpec:
    """The contract as stored with its document too, for writing it out (?format=)."""
    spec = contract_spec_stored(contract)
    spec.document = contract.document
    return spec


def product_versions(product: DataProduct) -> QuerySet[ProductVersion]:
    """The product's versions, newest first (the snapshot stays unread until a version is asked for)."""
    return ProductVersion.objects.of_product(product).order_by("-number").defer("snapshot")
