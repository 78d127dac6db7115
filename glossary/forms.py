"""Forms of the glossary pages. They turn what people type into term content; services decide what is valid."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from core.web import ServiceErrorsForm
from glossary.content import TermContent, name_key
from glossary.models import Glossary, Term, TermKey
from glossary.services.reviews import Decision

_SPLIT = re.compile(r"[\n;,]+")


def _lines(value: str) -> list[str]:
    return [v.strip() for v in (value or "").replace("\r", "").split("\n") if v.strip()]


def _items(value: str) -> list[str]:
    return [v.strip() for v in _SPLIT.split(value or "") if v.strip()]


def term_slug(glossary: Glossary | None, text: str) -> str:
    """People type a term's name (or a synonym); the content refers to its slug. Unknown text passes through
    so that the service names it in its error."""
    text = text.strip()
    if not text or glossary is None or "/" in text:
        return text
    if Term.objects.filter(glossary=glossary, slug=text).exists():
        return text
    found = TermKey.objects.filter(glossary=glossary, key=name_key(text)).values_list("term__slug", flat=True).first()
    return found or text


def _textarea(rows: int, **attrs: str) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": str(rows), **attrs})


class TermForm(ServiceErrorsForm):
    """A new term or a change: every field of the term, prefilled from the version it changes."""

    name = forms.CharField(label="Name", max_length=200)
    definition = forms.CharField(
        label="Definition",
        widget=_textarea(8),
        required=False,
        help_text="Markdown: **bold**, lists, links. HTML and scripts are removed when shown.",
    )
    synonyms = forms.CharField(
        label="Synonyms", widget=_textarea(3), required=False, help_text="One per line; other names for the same."
    )
    abbreviations = forms.CharField(
        label="Abbreviations", required=False, help_text="Separated by commas, e.g. “ARR, A.R.R.”."
    )
    examples = forms.CharField(label="Examples", widget=_textarea(3), required=False, help_text="One per line.")
    parent = forms.CharField(
        label="Broader term", required=False, help_text="Name of the broader term in this glossary, if any."
    )
    related = forms.CharField(
        label="Related terms", widget=_textarea(2), required=False, help_text="Names of terms here, one per line."
    )
    same_as = forms.CharField(
        label="Same as, in other domains",
        widget=_textarea(2),
        required=False,
        help_text="One per line as domain/term-slug, e.g. finance/net-revenue.",
    )
    stewards = forms.CharField(
        label="Stewards",
        required=False,
        help_text="Usernames, separated by commas. Leave empty for the domain team's stewards.",
    )
    reason = forms.CharField(
        label="Why this change?", widget=_textarea(3), max_length=5000, help_text="The stewards decide on it."
    )

    def __init__(self, *args, glossary: Glossary | None = None, with_reason: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.glossary = glossary
        if not with_reason:
            self.fields["reason"].required = False

    @classmethod
    def initial_from(cls, content: TermContent) -> dict[str, str]:
        return {
            "name": content.name,
            "definition": content.definition,
            "synonyms": "\n".join(content.synonyms),
            "abbreviations": ", ".join(content.abbreviations),
            "examples": "\n".join(content.examples),
            "parent": content.parent,
            "related": "\n".join(content.related),
            "same_as": "\n".join(content.same_as),
            "stewards": ", ".join(content.stewards),
        }

    def content(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "definition": data["definition"],
            "synonyms": _lines(data["synonyms"]),
            "abbreviations": _items(data["abbreviations"]),
            "examples": _lines(data["examples"]),
            "parent": term_slug(self.glossary, data["parent"]),
            "related": [term_slug(self.glossary, t) for t in _lines(data["related"])],
            "same_as": _lines(data["same_as"]),
            "stewards": _items(data["stewards"]),
        }


class DeprecateForm(ServiceErrorsForm):
    replaced_by = forms.CharField(
        label="Replaced by",
        required=False,
        help_text="The term to use instead: its name here, or domain/term-slug elsewhere. Optional.",
    )
    reason = forms.CharField(label="Why deprecate it?", widget=_textarea(3), max_length=5000)

    def __init__(self, *args, glossary: Glossary | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.glossary = glossary

    def content(self) -> dict[str, Any]:
        return {"replaced_by": term_slug(self.glossary, self.cleaned_data["replaced_by"])}


class DecisionForm(ServiceErrorsForm):
    decision = forms.ChoiceField(label="Decision", choices=Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Reason",
        widget=_textarea(3),
        required=False,
        max_length=5000,
        help_text="Required to reject or to request changes; the proposer reads it.",
    )


class CommentForm(ServiceErrorsForm):
    path_to_field = {"body": "body"}
    body = forms.CharField(label="Comment", widget=_textarea(3), max_length=5000)


class LinkForm(ServiceErrorsForm):
    path_to_field = {"product": "target", "field": "target", "version": "target", "term": "target"}
    target = forms.CharField(
        label="Product or field",
        max_length=400,
        help_text="domain/product for a product; domain/product#port.field (or #port.object.field) for a field.",
    )


class ImportForm(ServiceErrorsForm):
    file = forms.FileField(label="Glossary file (.csv or .json)")
    note = forms.CharField(
        label="Note for the history", required=False, max_length=500, help_text="Recorded as the reason."
    )
    dry_run = forms.BooleanField(label="Check only, import nothing", required=False)

    def fmt(self) -> str:
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        return "json" if name.endswith(".json") or (upload.content_type or "").endswith("json") else "csv"
