"""Writing data contracts and keeping the ports that honour them in step."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils.text import slugify

from catalog.models import (
    DataContract,
    DataProduct,
    DescriptorFormat,
    Domain,
    LifecycleStatus,
    OutputPort,
    QualityRule,
    SchemaSource,
    SlaProperty,
    Team,
)
from catalog.permissions import ensure_can_write_domain, ensure_can_write_product
from catalog.services.products import sync_port_fields
from catalog.services.versions import contract_before, contract_pending, judge_contract, versions_record
from catalog.signals import announce_products_changed
from catalog.specs import ContractSpec
from core.actors import Actor, Scope
from core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed


@dataclass(frozen=True)
class ContractResult:
    contract: DataContract
    action: str  # "created" | "updated" | "unchanged"
    products: list[DataProduct]

    @property
    def attached(self) -> bool:
        """False for a standalone contract: in its team's registry, in no domain and honoured by no port yet."""
        return bool(self.products) or self.contract.domain_id is not None


def _domain(spec: ContractSpec, existing: DataContract | None, ports: list[OutputPort]) -> Domain | None:
    """The domain the contract belongs to, or None for a standalone contract (no domain named or known)."""
    if spec.domain:
        domain = Domain.objects.select_related("owner_team", "parent").filter(slug=spec.domain).first()
        if domain is None:
            raise NotFound(f"Unknown domain '{spec.domain}'.", path="/domain")
        return domain
    if existing is not None and existing.domain is not None:
        return existing.domain
    if ports:
        return ports[0].product.domain
    # A `dataProduct` without a `domain` names nothing the portal can find: the contract waits in its team's
    # registry like any standalone one (its document keeps the name) until a port names it or ?domain= is given.
    return None


def _registry_team(actor: Actor, existing: DataContract | None) -> Team:
    """The team whose registry keeps a standalone contract: the one that stored it, else the writer's team."""
    if existing is not None and existing.team is not None:
        team = existing.team
    elif actor.token is not None:
        team = actor.token.team
    else:
        teams = sorted(actor.team_ids)
        if len(teams) != 1:
            raise ValidationFailed(
                [
                    FieldError(
                        "/domain",
                        "Name the contract's `domain` (and `dataProduct`), or send it with a team's token: a "
                        "contract without them is kept in that team's contract registry.",
                    )
                ]
            )
        team = Team.objects.get(pk=teams[0])
    if not actor.has_scope(Scope.WRITE_PRODUCTS):
        raise PermissionDenied(f"The {actor.label} lacks the '{Scope.WRITE_PRODUCTS}' scope.")
    if not (actor.is_staff or team.pk in actor.team_ids):
        raise PermissionDenied(
            f"Contract '{existing.contract_id if existing else ''}' is in team '{team.slug}'s registry; "
            f"the {actor.label} may not change it."
        )
    return team


def _find_or_create_product(actor: Actor, domain: Domain, spec: ContractSpec) -> DataProduct:
    slug = slugify(spec.data_product)[:100]
    if not slug:
        raise ValidationFailed([FieldError("/dataProduct", "The data product's name gives no usable identifier.")])
    product = (
        DataProduct.objects.filter(domain=domain, slug=slug).first()
        or DataProduct.objects.filter(domain=domain, name__iexact=spec.data_product).first()
    )
    if product is not None:
        ensure_can_write_product(actor, product)
        return product
    return DataProduct.objects.create(
        domain=domain,
        slug=slug,
        name=spec.data_product[:200],
        summary=spec.purpose[:500],
        owner_team=domain.owner_team,
        status=LifecycleStatus.DRAFT,
        source_format=DescriptorFormat.PORTAL,
    )


def _port_for_contract(product: DataProduct, spec: ContractSpec) -> OutputPort:
    name = (slugify(spec.name) or slugify(spec.contract_id) or "contract")[:120]
    port, _ = OutputPort.objects.get_or_create(
        product=product,
        name=name,
        version=spec.version[:40],
        defaults={
            "description": spec.purpose,
            "port_type": spec.port_type,
            "location": spec.location[:500],
            "format": spec.format[:60],
            "contract_ref": spec.contract_id,
            "schema_source": SchemaSource.CONTRACT,
            "position": product.output_ports.count(),
        },
    )
    # The product's own descriptor no longer says everything about it; let its next PUT apply in full.
    DataProduct.objects.filter(pk=product.pk).update(fingerprint="")
    return port


def contract_upsert(*, actor: Actor, spec: ContractSpec) -> ContractResult:
    """Store a contract and refresh the schema of the ports that follow it.

    The contract attaches to the output ports that name its id; failing those, to the product its
    `dataProduct` names in its `domain` (created as a draft if missing, with a port for the contract).
    """
    with transaction.atomic():
        existing = (
            DataContract.objects.select_for_update(of=("self",))
            .select_related("domain", "team")
            .filter(contract_id=spec.contract_id)
            .first()
        )
        ports = list(
            OutputPort.objects.select_related("product__domain__parent", "product__owner_team").filter(
                contract_ref=spec.contract_id
            )
        )
        domain = _domain(spec, existing, ports)
        if domain is not None:
            ensure_can_write_domain(actor, domain)
            team = existing.team if existing is not None else None
        else:
            team = _registry_team(actor, existing)
        for port in ports:
            ensure_can_write_product(actor, port.product)

        fingerprint = spec.fingerprint()
        if existing is not None and existing.fingerprint == fingerprint:
            return ContractResult(existing, "unchanged", sorted({p.product for p in ports}, key=lambda p: p.pk))

        changes, verdict = judge_contract(domain=domain, before=contract_before(existing), after=spec)
        if verdict.refused:
            raise verdict.error(f"Contract '{spec.contract_id}'")
        contract = existing or DataContract(contract_id=spec.contract_id)
        contract.name = spec.name[:200]
        contract.version = spec.version
        contract.status = spec.status
        contract.status_as_written = spec.status_as_written[:100]
        contract.api_version = spec.api_version
        contract.source_format = spec.source_format
        contract.domain = domain
        contract.team = team
        contract.purpose = spec.purpose
        contract.document = spec.document
        contract.schema_fields = [asdict(f) for f in spec.fields]
        contract.schema_objects = spec.objects
        contract.servers = spec.servers
        contract.fingerprint = fingerprint
        contract.save()
        _replace_terms(contract, spec, fresh=existing is None)

        if not ports and spec.data_product and domain is not None:
            product = _find_or_create_product(actor, domain, spec)
            ports = [_port_for_contract(product, spec)]
        following = [p for p in ports if p.schema_source == SchemaSource.CONTRACT]
        if following:
            sync_port_fields([(p, spec.fields) for p in following], existing_ports={p.pk for p in following})
        products = sorted({p.product_id: p.product for p in ports}.values(), key=lambda p: p.pk)
        versions_record(actor=actor, pending=[contract_pending(p, spec, changes, verdict) for p in products])
        # Product documents carry their ports' contract: has-contract facet, field names from its schema.
        announce_products_changed([p.pk for p in products])
    return ContractResult(contract, "created" if existing is None else "updated", products)


def _replace_terms(contract: DataContract, spec: ContractSpec, *, fresh: bool) -> None:
    if not fresh:
        contract.sla_properties.all().delete()
        contract.quality_rules.all().delete()
    SlaProperty.objects.bulk_create(
        SlaProperty(
            contract=contract,
            name=s.name[:100],
            value=s.value[:200],
            value_ext=s.value_ext[:200],
            unit=s.unit[:40],
            element=s.element[:200],
            driver=s.driver[:60],
            position=i,
        )
        for i, s in enumerate(spec.sla)
    )
    QualityRule.objects.bulk_create(
        QualityRule(
            contract=contract,
            element=q.element[:300],
            name=q.name[:200],
            rule_type=q.rule_type[:40],
            metric=q.metric[:100],
            dimension=q.dimension[:60],
            description=q.description,
            severity=q.severity[:40],
            operator=q.operator[:40],
            threshold=q.threshold,
            schedule=q.schedule[:100],
            definition=q.definition,
            position=i,
        )
        for i, q in enumerate(spec.quality)
    )
