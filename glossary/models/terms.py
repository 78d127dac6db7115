"""A domain's glossary, its terms, the names that identify them, and every approved version of each term."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from catalog.models import Domain
from core.models import TimeStampedModel


class Glossary(TimeStampedModel):
    """One per domain, made the first time the domain's glossary is written to."""

    domain = models.OneToOneField(Domain, on_delete=models.CASCADE, related_name="glossary")
    description = models.TextField(blank=True, help_text="Markdown, shown above the terms.")

    class Meta:
        ordering = ["domain__name"]
        verbose_name_plural = "glossaries"

    def __str__(self) -> str:
        return f"Glossary of {self.domain}"

    def get_absolute_url(self) -> str:
        return reverse("glossary_domain", args=[self.domain.slug])


class TermStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    DEPRECATED = "deprecated", "Deprecated"


class TermQuerySet(models.QuerySet["Term"]):
    def in_glossary(self, glossary: Glossary) -> TermQuerySet:
        return self.filter(glossary=glossary)

    def current(self) -> TermQuerySet:
        """Terms that have an approved version: what the glossary says today (deprecated ones included)."""
        return self.exclude(status=TermStatus.PROPOSED)

    def approved(self) -> TermQuerySet:
        return self.filter(status=TermStatus.APPROVED)

    def starting_with(self, initial: str) -> TermQuerySet:
        return self.filter(initial=initial)

    def with_domain(self) -> TermQuerySet:
        return self.select_related("glossary__domain")


class Term(TimeStampedModel):
    """The term as its latest approved version says (or, while `proposed`, as its first proposal says).

    The content fields mirror `glossary.content.TermContent`; `TermVersion` keeps each approved state.
    """

    glossary = models.ForeignKey(Glossary, on_delete=models.CASCADE, related_name="terms")
    slug = models.SlugField(max_length=120, help_text="Stable within the glossary; renaming keeps it.")
    name = models.CharField(max_length=200)
    name_key = models.CharField(max_length=200, help_text="The name case-folded, for sorting and lookups.")
    initial = models.CharField(max_length=1, help_text="A-Z, or '#' for names that start otherwise.")
    definition = models.TextField(blank=True, help_text="Markdown, sanitised when shown.")
    synonyms = models.JSONField(default=list, blank=True)
    abbreviations = models.JSONField(default=list, blank=True)
    examples = models.JSONField(default=list, blank=True)
    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children")
    # Declared on one side only, so that changing term A never changes term B's versioned content.
    related = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="related_from")
    same_as = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="same_as_from")
    status = models.CharField(max_length=12, choices=TermStatus.choices, default=TermStatus.PROPOSED)
    replaced_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaces")
    stewards = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="stewarded_terms",
        help_text="Named stewards; when none, the stewards of the domain's team.",
    )
    version = models.PositiveIntegerField(default=0, help_text="Number of the latest approved version; 0 before.")

    objects = TermQuerySet.as_manager()

    class Meta:
        # Not by glossary: ordering by a foreign key follows the Glossary's own ordering through two joins.
        ordering = ["name_key", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["glossary", "slug"], name="term_unique_glossary_slug"),
            models.CheckConstraint(condition=Q(status__in=TermStatus.values), name="term_status_valid"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="term_not_own_parent"),
            models.CheckConstraint(condition=~Q(replaced_by=F("id")), name="term_not_replaced_by_itself"),
            models.CheckConstraint(
                condition=Q(replaced_by__isnull=True) | Q(status=TermStatus.DEPRECATED),
                name="term_replacement_only_when_deprecated",
            ),
        ]
        indexes = [
            # The glossary page lists one letter of a glossary in name order, and counts terms per letter.
            models.Index(fields=["glossary", "initial", "name_key"], name="term_glossary_initial_idx"),
            # The A-Z list of a whole glossary, and the all-domains list, in name order.
            models.Index(fields=["glossary", "name_key"], name="term_glossary_name_idx"),
            models.Index(fields=["name_key"], name="term_name_idx"),
            # The glossary home counts each glossary's terms by status; lists filter by status.
            models.Index(fields=["glossary", "status", "name_key"], name="term_glossary_status_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("glossary_term", args=[self.glossary.domain.slug, self.slug])

    @property
    def ref(self) -> str:
        """How other glossaries refer to this term."""
        return f"{self.glossary.domain.slug}/{self.slug}"

    @property
    def is_proposed(self) -> bool:
        return self.status == TermStatus.PROPOSED

    @property
    def is_deprecated(self) -> bool:
        return self.status == TermStatus.DEPRECATED


class KeyKind(models.TextChoices):
    NAME = "name", "Name"
    SYNONYM = "synonym", "Synonym"
    ABBREVIATION = "abbreviation", "Abbreviation"


NAMING_KINDS = (KeyKind.NAME, KeyKind.SYNONYM)


class TermKey(models.Model):
    """Each name, synonym and abbreviation of a term, case-folded.

    The database refuses the same name or synonym twice in a glossary; abbreviations may repeat ("AR" is
    accounts receivable and annual report). The table also answers "which term is called X" for search
    expansion and link suggestions without scanning JSON.
    """

    glossary = models.ForeignKey(Glossary, on_delete=models.CASCADE, related_name="keys")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="keys")
    key = models.CharField(max_length=200)
    folded = models.CharField(max_length=200, help_text="The key without accents, for search lookups.")
    kind = models.CharField(max_length=12, choices=KeyKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["glossary", "key"],
                condition=Q(kind__in=NAMING_KINDS),
                name="termkey_unique_glossary_name",
            ),
            models.CheckConstraint(condition=Q(kind__in=KeyKind.values), name="termkey_kind_valid"),
        ]
        indexes = [
            # Search expansion looks a phrase up, accents aside, in every glossary at once.
            models.Index(fields=["folded"], name="termkey_folded_idx"),
        ]

    def __str__(self) -> str:
        return self.key


class TermVersion(models.Model):
    """One approved state of a term: what it said, who proposed it, who approved it, when and why."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField(help_text="The term as glossary.content.TermContent.as_dict() wrote it.")
    change = models.CharField(max_length=20, help_text="created, changed, deprecated or imported.")
    reason = models.TextField(blank=True)
    proposal = models.ForeignKey(
        "glossary.Proposal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_by_label = models.CharField(max_length=200, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_by_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["term", "number"], name="termversion_unique_term_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="termversion_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.term} v{self.number}"
