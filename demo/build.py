"""Loading the demo mesh into the catalog, and clearing the catalog again.

The demo writes rows straight through the ORM rather than through the services: it is a fixture of the
whole catalog at once, made by the operator on the command line, with no actor and nothing to validate.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from catalog.models import (
    AccessMode,
    DataContract,
    DataProduct,
    Domain,
    InputPort,
    OutputPort,
    QualityRule,
    SchemaField,
    SlaProperty,
    Tag,
    Team,
    TeamMembership,
    TeamRole,
)
from catalog.specs import FieldSpec
from demo.contracts import contract_for_port
from demo.entities import FieldDef, fields_for
from demo.mesh import (
    ADMIN_USER,
    DEMO_OWNER_OF,
    DEMO_STEWARD_OF,
    DEMO_USER,
    DOMAINS,
    EMAIL_DOMAIN,
    PEOPLE,
    PRODUCTS,
    TEAMS,
    ProductDef,
)
from demo.text import description, location, port_format, port_name, team_email, technical_fields

DEMO_SEED = 20240611
KINDS = {"s": "source-aligned", "a": "aggregate", "c": "consumer-aligned"}
VERSIONS = ["1.0.0", "1.0.3", "1.1.0", "1.2.0", "1.4.2", "2.0.0", "2.1.0", "2.3.1", "3.0.0"]
# Apps whose rows the catalog owns; a reset clears them (and any model elsewhere that points into them).
CATALOG_APPS = ("catalog", "glossary", "lineage")


@dataclass
class Counts:
    domains: int = 0
    teams: int = 0
    people: int = 0
    products: int = 0
    output_ports: int = 0
    fields: int = 0
    contracts: int = 0
    input_ports: int = 0

    def line(self) -> str:
        return ", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in asdict(self).items())


@dataclass
class Login:
    username: str
    password: str | None  # None when the account existed and its password was left alone
    note: str


@dataclass
class DemoResult:
    counts: Counts
    logins: list[Login] = field(default_factory=list)


def demo_loaded() -> bool:
    first = PRODUCTS[0]
    return (
        DataProduct.objects.filter(domain__slug=first.domain, slug=first.slug).exists()
        and get_user_model().objects.filter(username=DEMO_USER).exists()
    )


def catalog_has_data() -> bool:
    return Domain.objects.exists() or Team.objects.exists() or DataProduct.objects.exists()


def _models_to_clear() -> list:
    """The catalog apps' models, and any model elsewhere that points into them."""
    selected = {
        m
        for label in CATALOG_APPS
        if label in apps.app_configs
        for m in apps.get_app_config(label).get_models(include_auto_created=True)
    }
    changed = True
    while changed:
        changed = False
        for model in apps.get_models(include_auto_created=True):
            if model not in selected and any(
                f.related_model in selected for f in model._meta.concrete_fields if f.is_relation
            ):
                selected.add(model)
                changed = True
    return sorted(selected, key=lambda m: m._meta.label)


def reset_catalog() -> int:
    """Delete every row of the catalog apps and the demo's people; returns the number of rows deleted."""
    deleted = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            # One DELETE per table, in any order: Django declares foreign keys DEFERRABLE INITIALLY DEFERRED on
            # SQLite and PostgreSQL alike, so they are checked at commit, when every table is empty. A model whose
            # migration has not run yet has no table, and so nothing to delete.
            existing = set(connection.introspection.table_names(cursor))
            for model in _models_to_clear():
                if model._meta.db_table not in existing:
                    continue
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
                deleted += max(cursor.rowcount, 0)
        people, _ = get_user_model().objects.filter(username__in=[*PEOPLE, DEMO_USER]).delete()
        deleted += people
    return deleted


def _ensure_user(username: str, password: str, *, superuser: bool, note: str) -> Login:
    """Create the account if missing; an existing one keeps its password, and the login says whether it works."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        create = user_model.objects.create_superuser if superuser else user_model.objects.create_user
        create(username=username, email=f"{username}@{EMAIL_DOMAIN}", password=password)
        return Login(username, password, note)
    return Login(username, password if user.check_password(password) else None, note)


def ensure_logins() -> list[Login]:
    owner = next(t.name for t in TEAMS if t.slug == DEMO_OWNER_OF)
    steward = next(t.name for t in TEAMS if t.slug == DEMO_STEWARD_OF)
    return [
        _ensure_user(DEMO_USER, "demo", superuser=False, note=f"owner of {owner}, steward of {steward}"),
        _ensure_user(ADMIN_USER, "admin", superuser=True, note="superuser, for the admin site at /admin/"),
    ]


def _people_and_teams(counts: Counts) -> dict[str, Team]:
    user_model = get_user_model()
    users = {}
    for username, full_name in PEOPLE.items():
        first, _, last = full_name.partition(" ")
        user = user_model(username=username, email=f"{username}@{EMAIL_DOMAIN}", first_name=first, last_name=last)
        user.set_unusable_password()
        users[username] = user
    user_model.objects.bulk_create(users.values())
    users = {u.username: u for u in user_model.objects.filter(username__in=list(PEOPLE))}
    counts.people = len(users)
    teams: dict[str, Team] = {}
    memberships = []
    for team_def in TEAMS:
        team = Team.objects.create(
            slug=team_def.slug,
            name=team_def.name,
            description=team_def.description,
            contact_email=team_email(team_def.slug),
        )
        teams[team.slug] = team
        memberships.append(TeamMembership(team=team, user=users[team_def.owner], role=TeamRole.OWNER))
        memberships += [TeamMembership(team=team, user=users[u], role=TeamRole.STEWARD) for u in team_def.stewards]
        memberships += [TeamMembership(team=team, user=users[u], role=TeamRole.MEMBER) for u in team_def.members]
    TeamMembership.objects.bulk_create(memberships)
    counts.teams = len(teams)
    return teams


def _domains(teams: dict[str, Team], counts: Counts) -> dict[str, Domain]:
    domains: dict[str, Domain] = {}
    for d in DOMAINS:
        domains[d.slug] = Domain.objects.create(
            slug=d.slug,
            name=d.name,
            description=d.description,
            owner_team=teams[d.team],
            parent=domains[d.parent] if d.parent else None,
        )
    counts.domains = len(domains)
    return domains


def _field_specs(fields: list[FieldDef]) -> list[dict]:
    return [
        asdict(
            FieldSpec(
                name=f.name,
                data_type=f.data_type,
                description=f.description,
                nullable=f.nullable,
                primary_key=f.primary_key,
                classification=f.classification,
            )
        )
        for f in fields
    ]


def _schema_fields(port: OutputPort, fields: list[FieldDef]) -> list[SchemaField]:
    return [
        SchemaField(
            port=port,
            name=f.name,
            data_type=f.data_type,
            description=f.description,
            nullable=f.nullable,
            primary_key=f.primary_key,
            classification=f.classification,
            position=i,
        )
        for i, f in enumerate(fields)
    ]


def _product(
    p: ProductDef,
    *,
    rng: random.Random,
    domain: Domain,
    team: Team,
    tags: dict[str, Tag],
    counts: Counts,
    ports_by_ref: dict[str, OutputPort],
    first_ports: dict[str, OutputPort],
) -> DataProduct:
    domain_def = next(d for d in DOMAINS if d.slug == p.domain)
    team_def = next(t for t in TEAMS if t.slug == team.slug)
    kind = KINDS[p.kind]
    fields = fields_for(p.entity) + technical_fields(kind)
    base = p.slug.replace("-", "_")
    main_location = location(p.domain, domain_def.warehouse, p.slug, base, p.ports[0])
    version = rng.choice(VERSIONS)
    product = DataProduct.objects.create(
        domain=domain,
        slug=p.slug,
        name=p.name,
        summary=p.summary,
        owner_team=team,
        kind=kind,
        status=p.status,
        version=version,
        description=description(
            rng=rng,
            summary=p.summary,
            kind=kind,
            domain=p.domain,
            team_email=team.contact_email,
            fields=fields,
            inputs=[ref.split(":")[0] for ref in p.inputs],
            external=list(p.external),
            table=main_location.rsplit("/", 1)[-1] if p.ports[0] in {"table", "view"} else base,
            port_types=list(p.ports),
        ),
    )
    product.tags.set([tags[name] for name in dict.fromkeys([p.domain, *p.tags])])
    sensitive = any(f.classification in {"pii", "restricted"} for f in fields)
    schema_rows: list[SchemaField] = []
    for position, port_type in enumerate(p.ports):
        name = port_name(base, port_type, position == 0)
        loc = location(p.domain, domain_def.warehouse, p.slug, name, port_type)
        contract_ref = ""
        if p.contract and p.status in {"published", "deprecated"} and port_type != "api":
            draft = contract_for_port(
                rng=rng,
                domain=p.domain,
                warehouse=domain_def.warehouse,
                product_slug=p.slug,
                product_name=p.name,
                product_status=p.status,
                kind=kind,
                summary=p.summary,
                port_name=name,
                port_type=port_type,
                loc=loc,
                fields=fields,
                version=f"{version.split('.')[0]}.{rng.randint(0, 3)}.0",
                tags=[p.domain, *p.tags],
                owner=team_def.owner,
                stewards=list(team_def.stewards),
                team_email=team.contact_email,
            )
            contract = DataContract.objects.create(
                contract_id=draft.contract_id,
                name=draft.name,
                version=draft.version,
                status=draft.status,
                api_version=draft.document["apiVersion"],
                domain=domain,
                purpose=draft.purpose,
                document=draft.document,
                schema_fields=_field_specs(fields),
            )
            SlaProperty.objects.bulk_create(
                SlaProperty(
                    contract=contract,
                    name=s.name,
                    value=s.value,
                    value_ext=s.value_ext,
                    unit=s.unit,
                    element=s.element,
                    driver=s.driver,
                    position=i,
                )
                for i, s in enumerate(draft.sla)
            )
            QualityRule.objects.bulk_create(
                QualityRule(
                    contract=contract,
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
                    position=i,
                )
                for i, q in enumerate(draft.quality)
            )
            contract_ref = contract.contract_id
            counts.contracts += 1
        port = OutputPort.objects.create(
            product=product,
            name=name,
            port_type=port_type,
            location=loc,
            format=port_format(p.domain, port_type, rng),
            contract_ref=contract_ref,
            position=position,
            access_mode=AccessMode.ON_REQUEST if sensitive else AccessMode.OPEN,
            description=_port_description(port_type, p.name),
        )
        schema_rows += _schema_fields(port, fields)
        ports_by_ref[f"{p.domain}/{p.slug}:{name}"] = port
        if position == 0:
            first_ports[f"{p.domain}/{p.slug}"] = port
        counts.output_ports += 1
    SchemaField.objects.bulk_create(schema_rows)
    counts.fields += len(schema_rows)
    counts.products += 1
    return product


def _port_description(port_type: str, product_name: str) -> str:
    return {
        "table": f"{product_name} as a table, loaded incrementally.",
        "view": f"A reporting view of {product_name} without technical columns.",
        "topic": f"Changes to {product_name} as Avro events, keyed by the primary key.",
        "file": f"Daily Parquet export of {product_name}, partitioned by date.",
        "api": f"{product_name} by key over HTTPS, for applications.",
    }.get(port_type, "")


def _input_ports(
    p: ProductDef,
    product: DataProduct,
    *,
    ports_by_ref: dict[str, OutputPort],
    first_ports: dict[str, OutputPort],
    counts: Counts,
) -> None:
    rows = []
    for position, ref in enumerate(p.inputs):
        product_ref, _, wanted = ref.partition(":")
        source = ports_by_ref[ref] if wanted else first_ports[product_ref]
        rows.append(
            InputPort(
                product=product,
                name=product_ref.replace("/", "-"),
                position=position,
                description=f"Reads `{source.name}` of {product_ref}.",
                source_port=source,
                source_product_ref=product_ref,
                source_port_ref=source.name,
                contract_ref=source.contract_ref,
            )
        )
    for offset, system in enumerate(p.external):
        rows.append(
            InputPort(
                product=product,
                name=system,
                position=len(p.inputs) + offset,
                external_source=system,
                description=f"Extract from {system}, outside the mesh.",
            )
        )
    InputPort.objects.bulk_create(rows)
    counts.input_ports += len(rows)


def build_demo(*, seed: int = DEMO_SEED) -> DemoResult:
    """Load the demo mesh into an empty catalog, with its demo and admin logins; all or nothing."""
    rng = random.Random(seed)
    counts = Counts()
    with transaction.atomic():
        logins = ensure_logins()
        teams = _people_and_teams(counts)
        domains = _domains(teams, counts)
        tag_names = sorted({name for p in PRODUCTS for name in (p.domain, *p.tags)})
        Tag.objects.bulk_create([Tag(name=n) for n in tag_names], ignore_conflicts=True)
        tags = {t.name: t for t in Tag.objects.filter(name__in=tag_names)}
        ports_by_ref: dict[str, OutputPort] = {}
        first_ports: dict[str, OutputPort] = {}
        products = [
            (
                p,
                _product(
                    p,
                    rng=rng,
                    domain=domains[p.domain],
                    team=domains[p.domain].owner_team,
                    tags=tags,
                    counts=counts,
                    ports_by_ref=ports_by_ref,
                    first_ports=first_ports,
                ),
            )
            for p in PRODUCTS
        ]
        # Inputs may name products listed later, so they are wired once every output port exists.
        for p, product in products:
            _input_ports(p, product, ports_by_ref=ports_by_ref, first_ports=first_ports, counts=counts)
        # A catalog where everything changed a second ago looks staged; spread the history over two years.
        now = timezone.now()
        for _, product in products:
            created = now - timedelta(days=rng.randint(60, 720), minutes=rng.randint(0, 1440))
            updated = min(now, created + timedelta(days=rng.randint(0, 400), minutes=rng.randint(0, 1440)))
            DataProduct.objects.filter(pk=product.pk).update(created_at=created, updated_at=updated)
        demo = get_user_model().objects.get(username=DEMO_USER)
        TeamMembership.objects.bulk_create(
            [
                TeamMembership(team=teams[DEMO_OWNER_OF], user=demo, role=TeamRole.OWNER),
                TeamMembership(team=teams[DEMO_STEWARD_OF], user=demo, role=TeamRole.STEWARD),
            ]
        )
    return DemoResult(counts, logins)
