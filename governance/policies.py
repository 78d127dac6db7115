"""The governance policies, as code: what the domains agreed every published data product must have.

Each policy is a small object with an id (stable: findings are stored under it), a title, a severity, the
lifecycle statuses it applies to, a how-to-fix text, and a batch check. A check receives a `Batch` of products
and answers `{product_id: message or None}` (None = passes). Checks read through the batch's cached lookups,
so evaluating every policy over a batch of a thousand products costs a fixed number of queries, shared between
the policies that need the same rows (ports, fields, input ports).

A policy that needs an app which is not installed (SLOs need `slo`, glossary links need `glossary`) is left out
of the evaluation, so products are not marked down for something the platform cannot record.
docs/governance.md lists the policies for people; keep it in step with REGISTRY.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache

from django.apps import apps
from django.conf import settings
from django.utils import timezone

from access.models import Grant
from catalog.models import (
    AccessMode,
    DataContract,
    DataProduct,
    InputPort,
    LifecycleStatus,
    OutputPort,
    SchemaField,
    TeamMembership,
    TeamRole,
)
from glossary.models import TermFieldLink, TermProductLink
from governance.models import Severity
from harvest.selectors import open_drift_by_product
from lineage.selectors.reads import ProductReads, product_reads
from slo.selectors import slo_summaries
from usage.models import ProductMilestone
from usage.selectors import last_used

# The statuses the policies hold products to: drafts are work in progress, deprecated and retired products are
# on their way out. A product leaving the scope has its open findings resolved and its score dropped.
IN_SCOPE = (LifecycleStatus.PUBLISHED,)

MIN_DESCRIPTION_CHARS = 40
MIN_DESCRIPTION_WORDS = 6
# Field names that usually hold personal data: such a field must carry a classification (an error), while any
# other unclassified field is a warning. Matched against the name split at underscores, dashes and case.
PERSONAL_WORDS = frozenset(
    {
        "email",
        "mail",
        "phone",
        "mobile",
        "address",
        "street",
        "postcode",
        "zip",
        "birth",
        "birthday",
        "dob",
        "ssn",
        "passport",
        "iban",
        "firstname",
        "lastname",
        "surname",
        "fullname",
        "ip",
        "gender",
        "salary",
        "national",
    }
)
PERSONAL_PHRASES = ("first_name", "last_name", "full_name", "date_of_birth", "ip_address", "tax_id", "card_number")
LISTED = 5  # names quoted in a message before "and N more"
# A declared input nobody has been seen reading for this long is flagged; an observed read counts for as long.
LINEAGE_WINDOW_DAYS = 30


# A published product nobody has used for this long (and published at least this long ago) is a retirement candidate.
UNUSED_DAYS = 90


def unused_window() -> timedelta:
    return timedelta(days=int(getattr(settings, "GOVERNANCE_UNUSED_DAYS", UNUSED_DAYS)))


def lineage_window() -> timedelta:
    return timedelta(days=int(getattr(settings, "GOVERNANCE_LINEAGE_WINDOW_DAYS", LINEAGE_WINDOW_DAYS)))


class Batch:
    """Products under evaluation and the rows the checks need, each read once per batch on first use."""

    def __init__(self, products: Iterable[DataProduct], **known):
        """`known`: lookups the caller has already read (by their property name, e.g. with_slos), so that the
        checks do not read them again."""
        self.products = list(products)
        self.ids = [p.pk for p in self.products]
        for name, value in known.items():
            if not isinstance(getattr(type(self), name, None), cached_property):
                raise TypeError(f"Batch has no lookup {name!r}.")
            self.__dict__[name] = value  # where cached_property keeps its value

    @cached_property
    def owners_by_team(self) -> dict[int, int]:
        team_ids = {p.owner_team_id for p in self.products}
        counts: dict[int, int] = defaultdict(int)
        for team_id in TeamMembership.objects.filter(team_id__in=team_ids, role=TeamRole.OWNER).values_list(
            "team_id", flat=True
        ):
            counts[team_id] += 1
        return counts

    @cached_property
    def ports(self) -> dict[int, list[tuple[int, str, str]]]:
        """product id -> [(port id, label, contract_ref)]."""
        out: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
        # Each product's ports in their own order (the model's ordering would join products and domains too).
        rows = (
            OutputPort.objects.filter(product_id__in=self.ids)
            .order_by("product_id", "position", "name", "version")
            .values_list("pk", "product_id", "name", "version", "contract_ref")
        )
        for pk, product_id, name, version, ref in rows:
            out[product_id].append((pk, f"{name} v{version}" if version else name, ref))
        return out

    @cached_property
    def known_contracts(self) -> set[str]:
        refs = {ref for ports in self.ports.values() for _, _, ref in ports if ref}
        found: set[str] = set()
        refs_list = sorted(refs)
        for start in range(0, len(refs_list), 500):
            found |= set(
                DataContract.objects.filter(contract_id__in=refs_list[start : start + 500]).values_list(
                    "contract_id", flat=True
                )
            )
        return found

    @cached_property
    def fields(self) -> dict[int, list[tuple[int, str, str, str]]]:
        """product id -> [(field id, name, classification, description)] over its output ports."""
        port_product = {pk: product_id for product_id, ports in self.ports.items() for pk, _, _ in ports}
        out: dict[int, list[tuple[int, str, str, str]]] = defaultdict(list)
        if not port_product:
            return out
        # Within a product, the model's order (by port, then object and position) without its joins of products
        # and domains, which only order products among themselves.
        rows = (
            SchemaField.objects.filter(port__product_id__in=self.ids)
            .order_by("port__position", "port__name", "port__version", "object_name", "position")
            .values_list("pk", "port_id", "object_name", "name", "classification", "description")
        )
        for pk, port_id, obj, name, classification, description in rows:
            label = f"{obj}.{name}" if obj else name
            out[port_product[port_id]].append((pk, label, classification.strip(), description.strip()))
        return out

    @cached_property
    def input_sources(self) -> dict[int, list[tuple[str, str, str]]]:
        """product id -> [(input port name, source product identifier, source status)] for resolved inputs."""
        out: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
        rows = (
            InputPort.objects.filter(product_id__in=self.ids, source_port__isnull=False)
            .order_by("product_id", "position", "name")
            .values_list(
                "product_id",
                "name",
                "source_port__product__domain__slug",
                "source_port__product__slug",
                "source_port__product__status",
            )
        )
        for product_id, name, domain_slug, slug, status in rows:
            out[product_id].append((name, f"{domain_slug}/{slug}", status))
        return out

    @cached_property
    def glossary_linked(self) -> set[int]:
        """Products linked to a glossary term themselves or through one of their fields."""
        linked = set(TermProductLink.objects.filter(product_id__in=self.ids).values_list("product_id", flat=True))
        linked |= set(
            TermFieldLink.objects.filter(field__port__product_id__in=self.ids).values_list(
                "field__port__product_id", flat=True
            )
        )
        return linked

    @cached_property
    def with_slos(self) -> set[int]:
        # The SLO app's summaries are the agreed interface; a product with any SLO has slo_count > 0.

        return {pid for pid, summary in slo_summaries(self.ids).items() if summary.slo_count}

    @cached_property
    def drift(self) -> dict[int, list[tuple[str, str, str, bool]]]:
        """product id -> open schema drift of its ports [(port label, kind, column, breaking)] (harvest)."""
        return open_drift_by_product(self.ids)

    @cached_property
    def last_used(self) -> dict[int, date]:
        """product id -> the last day with reported usage (usage app); never used: absent."""
        return last_used(self.ids)

    @cached_property
    def published_at(self) -> dict[int, datetime]:
        """product id -> when it was first seen published (usage.ProductMilestone), else its creation."""
        known: dict[int, datetime] = {}
        for pid, at in ProductMilestone.objects.filter(product_id__in=self.ids, published_at__isnull=False).values_list(
            "product_id", "published_at"
        ):
            if at is not None:
                known[pid] = at
        return {p.pk: known.get(p.pk, p.created_at) for p in self.products}

    @cached_property
    def lineage_reads(self) -> ProductReads:
        """Declared reads into the batch's products, observed reads into and out of them
        (lineage.selectors.reads)."""
        return product_reads(self.ids)

    @cached_property
    def identifiers(self) -> dict[int, str]:
        """domain/slug of the batch's products and of every product they read or feed."""
        reads = self.lineage_reads
        others = {r.producer for r in reads.declared} | {p for pair in reads.observed for p in pair}
        known = {p.pk: p.identifier for p in self.products}
        missing = others - set(known)
        rows = DataProduct.objects.filter(pk__in=missing).order_by().values_list("pk", "domain__slug", "slug")
        for pk, domain, slug in rows:
            known[pk] = f"{domain}/{slug}"
        return known

    @cached_property
    def port_labels(self) -> dict[int, tuple[str, str]]:
        """output port id -> (label, access mode), for the ports observed reads leave by."""
        wanted = {p for read in self.lineage_reads.observed.values() for p in read.source_ports}
        rows = OutputPort.objects.filter(pk__in=wanted).order_by().values_list("pk", "name", "version", "access_mode")
        return {pk: (f"{name} v{version}" if version else name, mode) for pk, name, version, mode in rows}

    @cached_property
    def readers_with_access(self) -> set[tuple[int, int]]:
        """(output port, consuming product) pairs where the consumer's owning team, or one of its members, holds
        an active grant on the port: the ports of observed reads from the batch's products."""
        reads = [r for r in self.lineage_reads.observed.values() if r.producer in set(self.ids)]
        ports = {p for r in reads for p in r.source_ports}
        if not ports:
            return set()
        team_of = dict(
            DataProduct.objects.filter(pk__in={r.consumer for r in reads}).values_list("pk", "owner_team_id")
        )
        members: dict[int, set[int]] = defaultdict(set)
        for team_id, user_id in TeamMembership.objects.filter(team_id__in=set(team_of.values())).values_list(
            "team_id", "user_id"
        ):
            members[team_id].add(user_id)
        granted_teams: dict[int, set[int]] = defaultdict(set)
        granted_users: dict[int, set[int]] = defaultdict(set)
        for port_id, team_id, user_id in (
            Grant.objects.active().filter(port_id__in=ports).values_list("port_id", "team_id", "user_id")
        ):
            if team_id is not None:
                granted_teams[port_id].add(team_id)
            if user_id is not None:
                granted_users[port_id].add(user_id)
        found = set()
        for r in reads:
            team = team_of.get(r.consumer)
            if team is None:
                continue
            for port in r.source_ports:
                if team in granted_teams[port] or members.get(team, set()) & granted_users[port]:
                    found.add((port, r.consumer))
        return found


Check = Callable[[Batch], dict[int, str | None]]


@dataclass(frozen=True)
class Policy:
    id: str
    title: str
    severity: str
    rationale: str
    how_to_fix: str
    check: Check = field(repr=False)
    applies_to: tuple[str, ...] = IN_SCOPE
    requires_app: str = ""

    @property
    def available(self) -> bool:
        return not self.requires_app or apps.is_installed(self.requires_app)

    @property
    def severity_label(self) -> str:
        return Severity(self.severity).label

    def applies(self, product: DataProduct) -> bool:
        return product.status in self.applies_to


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:LISTED])
    return f"{shown} and {len(items) - LISTED} more" if len(items) > LISTED else shown


def _each(batch: Batch, failing: Callable[[DataProduct], str | None]) -> dict[int, str | None]:
    return {p.pk: failing(p) for p in batch.products}


# ---- the checks --------------------------------------------------------------------------------------------


def check_owner(batch: Batch) -> dict[int, str | None]:
    owners = batch.owners_by_team
    return _each(
        batch,
        lambda p: None if owners.get(p.owner_team_id) else f"Team '{p.owner_team.name}' has nobody in the owner role.",
    )


def _trivial_description(p: DataProduct) -> str | None:
    text = re.sub(r"[#*_`>\[\]()-]", " ", p.description or "").strip()
    if not text:
        return "The product has no description."
    words = text.split()
    if len(text) < MIN_DESCRIPTION_CHARS or len(words) < MIN_DESCRIPTION_WORDS:
        return (
            f"The description is too short to tell a consumer what the product holds ({len(words)} words; "
            f"write at least {MIN_DESCRIPTION_WORDS} words and {MIN_DESCRIPTION_CHARS} characters)."
        )
    if text.lower() in {p.name.strip().lower(), p.summary.strip().lower()}:
        return "The description only repeats the product's name or summary."
    return None


def check_description(batch: Batch) -> dict[int, str | None]:
    return _each(batch, _trivial_description)


def check_output_port(batch: Batch) -> dict[int, str | None]:
    ports = batch.ports
    return _each(batch, lambda p: None if ports.get(p.pk) else "The product has no output port to consume it by.")


def check_contract(batch: Batch) -> dict[int, str | None]:
    ports, known = batch.ports, batch.known_contracts

    def failing(p: DataProduct) -> str | None:
        mine = ports.get(p.pk, [])
        if not mine:
            return None  # the output-port policy reports it; one gap, one finding
        missing = [label for _, label, ref in mine if not ref]
        unknown = [f"{label} ({ref})" for _, label, ref in mine if ref and ref not in known]
        parts = []
        if missing:
            parts.append(f"no data contract on {_names(missing)}")
        if unknown:
            parts.append(f"a contract the catalog does not hold on {_names(unknown)}")
        return ("Output ports with " + "; ".join(parts) + ".") if parts else None

    return _each(batch, failing)


def check_slos(batch: Batch) -> dict[int, str | None]:
    with_slos = batch.with_slos
    return _each(batch, lambda p: None if p.pk in with_slos else "The product declares no service level objective.")


@lru_cache(maxsize=4096)  # asked by both classification policies per field; names repeat across products
def _looks_personal(name: str) -> bool:
    leaf = name.rsplit(".", 1)[-1]
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", leaf).lower().replace("-", "_").replace(" ", "_")
    if any(phrase in snake for phrase in PERSONAL_PHRASES):
        return True
    return any(word in PERSONAL_WORDS for word in snake.split("_"))


def check_personal_fields(batch: Batch) -> dict[int, str | None]:
    fields = batch.fields

    def failing(p: DataProduct) -> str | None:
        bare = [name for _, name, classification, _ in fields.get(p.pk, []) if not classification]
        personal = [name for name in bare if _looks_personal(name)]
        if not personal:
            return None
        return f"Fields that look like personal data have no classification: {_names(personal)}."

    return _each(batch, failing)


def check_fields_classified(batch: Batch) -> dict[int, str | None]:
    fields = batch.fields

    def failing(p: DataProduct) -> str | None:
        mine = fields.get(p.pk, [])
        # Personal-looking ones are the error policy's: one gap, one finding.
        bare = [name for _, name, classification, _ in mine if not classification and not _looks_personal(name)]
        if not bare:
            return None
        return f"{len(bare)} of {len(mine)} fields have no classification: {_names(bare)}."

    return _each(batch, failing)


def check_fields_described(batch: Batch) -> dict[int, str | None]:
    fields = batch.fields

    def failing(p: DataProduct) -> str | None:
        mine = fields.get(p.pk, [])
        bare = [name for _, name, _, description in mine if not description]
        if not bare:
            return None
        return f"{len(bare)} of {len(mine)} fields have no description: {_names(bare)}."

    return _each(batch, failing)


def check_glossary(batch: Batch) -> dict[int, str | None]:
    linked = batch.glossary_linked
    return _each(
        batch,
        lambda p: None if p.pk in linked else "Neither the product nor any of its fields is linked to a glossary term.",
    )


def _inputs_from(batch: Batch, status: str, what: str) -> dict[int, str | None]:
    sources = batch.input_sources

    def failing(p: DataProduct) -> str | None:
        bad = sorted({f"{identifier} (input {name})" for name, identifier, s in sources.get(p.pk, []) if s == status})
        return f"Reads from {what} product{'s' if len(bad) > 1 else ''}: {_names(bad)}." if bad else None

    return _each(batch, failing)


def check_retired_inputs(batch: Batch) -> dict[int, str | None]:
    return _inputs_from(batch, LifecycleStatus.RETIRED, "a retired")


def check_deprecated_inputs(batch: Batch) -> dict[int, str | None]:
    return _inputs_from(batch, LifecycleStatus.DEPRECATED, "a deprecated")


def _recent(when, since) -> bool:
    return when is not None and when >= since


def check_declared_inputs_observed(batch: Batch) -> dict[int, str | None]:
    """A declared input no pipeline of the consumer has been seen reading for the window, flagged only when the
    consumer's pipelines report lineage at all (else nothing could have been seen) and the input was declared
    before the window began (a new one has not had the time)."""
    reads, names = batch.lineage_reads, batch.identifiers
    window = lineage_window()
    since = timezone.now() - window
    stale: dict[int, list[str]] = defaultdict(list)
    for read in reads.declared:
        if read.consumer not in reads.last_reported or not read.observable:
            continue
        if not _recent(reads.last_reported[read.consumer], since) or read.declared_at > since:
            continue
        observed = reads.observed.get((read.producer, read.consumer))
        if observed is None or not _recent(observed.last_seen, since):
            stale[read.consumer].append(f"{names.get(read.producer, read.producer)} (input {read.input_port})")

    def failing(p: DataProduct) -> str | None:
        mine = sorted(set(stale.get(p.pk, ())))
        if not mine:
            return None
        return f"Declared but not observed for {window.days} days: {_names(mine)}."

    return _each(batch, failing)


def check_observed_inputs_declared(batch: Batch) -> dict[int, str | None]:
    reads, names = batch.lineage_reads, batch.identifiers
    since = timezone.now() - lineage_window()
    undeclared: dict[int, list[str]] = defaultdict(list)
    for read in reads.observed.values():
        if not read.declared and _recent(read.last_seen, since):
            undeclared[read.consumer].append(names.get(read.producer, str(read.producer)))

    def failing(p: DataProduct) -> str | None:
        mine = sorted(set(undeclared.get(p.pk, ())))
        if not mine:
            return None
        them = "them" if len(mine) > 1 else "it"
        return f"Observed but not declared: its pipelines read {_names(mine)}, with no input port on {them}."

    return _each(batch, failing)


def check_observed_reads_have_access(batch: Batch) -> dict[int, str | None]:
    """On the producing product: reads the lineage shows on its on-request ports by products whose team holds
    no active grant on them."""
    reads, names, ports, allowed = batch.lineage_reads, batch.identifiers, batch.port_labels, batch.readers_with_access
    since = timezone.now() - lineage_window()
    unallowed: dict[int, list[str]] = defaultdict(list)
    for read in reads.observed.values():
        if not _recent(read.last_seen, since):
            continue
        for port in sorted(read.source_ports):
            label, mode = ports.get(port, ("", AccessMode.OPEN))
            if mode == AccessMode.ON_REQUEST and (port, read.consumer) not in allowed:
                unallowed[read.producer].append(f"{names.get(read.consumer, read.consumer)} reads {label}")

    def failing(p: DataProduct) -> str | None:
        mine = sorted(set(unallowed.get(p.pk, ())))
        if not mine:
            return None
        return f"Observed reads without an active grant on an on-request port: {_names(mine)}."

    return _each(batch, failing)


_DRIFT_WORDS = {
    "table_missing": "table missing",
    "missing_column": "missing column",
    "new_column": "new column",
    "type_changed": "type changed",
    "nullability_changed": "nulls allowed",
}


def _drift_check(batch: Batch, breaking: bool, lead: str) -> dict[int, str | None]:
    drift = batch.drift

    def failing(p: DataProduct) -> str | None:
        mine = [
            f"{port}: {_DRIFT_WORDS.get(kind, kind)}{' ' + column if column else ''}"
            for port, kind, column, is_breaking in drift.get(p.pk, [])
            if is_breaking == breaking
        ]
        return f"{lead}: {_names(mine)}." if mine else None

    return _each(batch, failing)


def check_schema_drift_breaking(batch: Batch) -> dict[int, str | None]:
    return _drift_check(batch, True, "The live table breaks the port's contract")


def check_schema_drift(batch: Batch) -> dict[int, str | None]:
    return _drift_check(batch, False, "The live table has columns the port does not declare")


def check_unused(batch: Batch) -> dict[int, str | None]:
    window = unused_window()
    now = timezone.now()
    since = (now - window).date()
    out: dict[int, str | None] = {}
    for p in batch.products:
        if batch.published_at[p.pk] > now - window:
            out[p.pk] = None  # too young to tell
            continue
        used = batch.last_used.get(p.pk)
        if used is not None and used >= since:
            out[p.pk] = None
        elif used is None:
            out[p.pk] = f"No usage reported in the last {window.days} days (none on record at all)."
        else:
            out[p.pk] = f"No usage reported in the last {window.days} days; last used on {used.isoformat()}."
    return out


def check_version(batch: Batch) -> dict[int, str | None]:
    return _each(batch, lambda p: None if p.version.strip() else "The product has no version.")


REGISTRY: tuple[Policy, ...] = (
    Policy(
        id="owner-team",
        title="An owning team with an owner",
        severity=Severity.ERROR,
        rationale="Consumers need someone accountable to ask and to decide access requests.",
        how_to_fix="Add at least one person in the owner role to the owning team (team page, or ask staff), or move "
        "the product to a team that has one.",
        check=check_owner,
    ),
    Policy(
        id="description",
        title="A description worth reading",
        severity=Severity.WARNING,
        rationale="The description is what a consumer reads before depending on the product.",
        how_to_fix=f"Describe what the product holds, where it comes from, its grain and how often it changes, in at "
        f"least {MIN_DESCRIPTION_WORDS} words (the `description` of the product descriptor, markdown).",
        check=check_description,
    ),
    Policy(
        id="output-port",
        title="At least one output port",
        severity=Severity.ERROR,
        rationale="A published product nobody can read is not a product.",
        how_to_fix="Declare an output port (table, view, topic, file or API) with its location and format in the "
        "product descriptor's `outputPorts`.",
        check=check_output_port,
    ),
    Policy(
        id="contract",
        title="A data contract on every output port",
        severity=Severity.ERROR,
        rationale="The contract is the promise consumers build on: schema, quality rules and SLA.",
        how_to_fix="Publish an ODCS data contract (PUT /api/v1/contracts/<id>) and reference its id from each "
        "output port's `contractId`.",
        check=check_contract,
    ),
    Policy(
        id="slos",
        title="Service level objectives",
        severity=Severity.WARNING,
        rationale="Without SLOs consumers cannot tell whether the product keeps its promises.",
        how_to_fix="Define at least one SLO for the product (freshness, availability, completeness or volume) and "
        "let the pipeline push its measurements.",
        check=check_slos,
        requires_app="slo",
    ),
    Policy(
        id="personal-fields-classified",
        title="Personal-looking fields are classified",
        severity=Severity.ERROR,
        rationale="Fields that look like personal data must say how they may be used before anyone reads them.",
        how_to_fix="Give each listed field a `classification` (pii, restricted, confidential, internal or public) "
        "in the port's schema or its data contract; use pii for personal data.",
        check=check_personal_fields,
    ),
    Policy(
        id="fields-classified",
        title="Every field is classified",
        severity=Severity.WARNING,
        rationale="A classification on every field lets access decisions and masking follow the data.",
        how_to_fix="Set a `classification` on every field of the output ports (in the schema or the data contract).",
        check=check_fields_classified,
    ),
    Policy(
        id="fields-described",
        title="Every field is described",
        severity=Severity.INFO,
        rationale="Field descriptions save every consumer the same question to the owning team.",
        how_to_fix="Add a `description` to each listed field of the output ports' schemas.",
        check=check_fields_described,
    ),
    Policy(
        id="glossary-links",
        title="Linked to the glossary",
        severity=Severity.INFO,
        rationale="Glossary links tie the product to the business language and make it findable by it.",
        how_to_fix="Link the product, or its key fields, to terms of your domain's glossary (product page, "
        "Glossary terms section, or accept the suggested links in the glossary).",
        check=check_glossary,
        requires_app="glossary",
    ),
    Policy(
        id="no-retired-inputs",
        title="No input from a retired product",
        severity=Severity.ERROR,
        rationale="A retired product is no longer maintained: what is built on it is built on sand.",
        how_to_fix="Move the listed input ports to the successor of the retired product, or remove them.",
        check=check_retired_inputs,
    ),
    Policy(
        id="no-deprecated-inputs",
        title="No input from a deprecated product",
        severity=Severity.WARNING,
        rationale="A deprecated product is going away; consumers have time to move, and should.",
        how_to_fix="Plan the move of the listed input ports to the deprecated product's successor.",
        check=check_deprecated_inputs,
    ),
    Policy(
        id="declared-inputs-observed",
        title="Declared inputs are observed",
        severity=Severity.WARNING,
        rationale="A declared input no pipeline reads any more misleads impact analysis and keeps access nobody "
        "uses; checked only for products whose pipelines report lineage.",
        how_to_fix="Remove the listed input ports if the product no longer reads them; if it does, make the "
        "pipeline that reads them report its inputs with OpenLineage (the input dataset must carry the location "
        "of the producer's output port).",
        check=check_declared_inputs_observed,
    ),
    Policy(
        id="observed-inputs-declared",
        title="Observed inputs are declared",
        severity=Severity.WARNING,
        rationale="A pipeline that reads a product without an input port is invisible to its producer: no change "
        "notice, no impact analysis, and no access request.",
        how_to_fix="Declare an input port on the listed products' output ports (the descriptor's `inputPorts`, "
        "with `sourceProduct` and `sourcePort`), and request access where the port is on request.",
        check=check_observed_inputs_declared,
    ),
    Policy(
        id="observed-reads-have-access",
        title="Observed reads hold access",
        severity=Severity.ERROR,
        rationale="An on-request port is read only under a grant; lineage showing a read without one is data "
        "leaving the agreed path.",
        how_to_fix="Ask the listed consuming teams to request access to the port (or to stop the pipeline); if "
        "the port is meant for everyone, make it open.",
        check=check_observed_reads_have_access,
        requires_app="access",
    ),
    Policy(
        id="schema-drift-breaking",
        title="Live tables keep their contract",
        severity=Severity.ERROR,
        rationale="A port whose table lost a column, changed a column's type or lets nulls into a required column "
        "breaks every consumer that reads it: its contract is violated.",
        how_to_fix="Restore the table (add the column back, change its type back) or, if the change is meant, "
        "publish the port's new schema and contract (a new major version) and tell its consumers; the next harvest "
        "of the connection resolves the finding (docs/harvest.md).",
        check=check_schema_drift_breaking,
        requires_app="harvest",
    ),
    Policy(
        id="schema-drift",
        title="Live tables match their declared schema",
        severity=Severity.WARNING,
        rationale="Columns the table has and the port does not declare are invisible to consumers and unclassified.",
        how_to_fix="Declare the listed columns on the port (with type, description and classification), or drop "
        "them from the table; the next harvest resolves the finding.",
        check=check_schema_drift,
        requires_app="harvest",
    ),
    Policy(
        id="retirement-candidate",
        title="Used in the last 90 days",
        severity=Severity.INFO,
        rationale="A product nobody reads costs its team upkeep and clutters the catalog: it is a candidate for "
        "retirement. Usage comes from the records platforms send to POST /api/v1/usage.",
        how_to_fix="Ask whether anyone still needs it (its page lists past consumers under Usage); if not, deprecate "
        "and later retire it; if it is used but the usage is not reported, have the platform send usage records.",
        check=check_unused,
        requires_app="usage",
    ),
    Policy(
        id="version",
        title="A version",
        severity=Severity.INFO,
        rationale="A version lets consumers tell which promise they depend on when it changes.",
        how_to_fix="Set the product's `version` (semantic versioning recommended) in its descriptor.",
        check=check_version,
    ),
)
BY_ID: dict[str, Policy] = {p.id: p for p in REGISTRY}


def active_policies() -> list[Policy]:
    """The policies evaluated on this installation (those whose app is installed)."""
    return [p for p in REGISTRY if p.available]


def get(policy_id: str) -> Policy | None:
    return BY_ID.get(policy_id)
