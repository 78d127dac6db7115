"""Template helpers the catalog's product page uses to show glossary terms (see docs/glossary.md, "Wiring")."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from glossary import selectors
from glossary.selectors import ProductGlossary

register = template.Library()


@register.simple_tag
def product_glossary(product) -> ProductGlossary:
    """`{% product_glossary product as glossary_links %}`: the product's and its fields' terms, in two queries."""
    return selectors.product_glossary(product)


@register.filter
def terms_of_field(glossary_links: ProductGlossary | None, field_id: int) -> list:
    if glossary_links is None:
        return []
    return glossary_links.for_field(field_id)


@register.simple_tag(takes_context=True)
def glossary_review_count(context) -> int:
    """Proposals waiting for the signed-in steward, for a badge in the navigation (computed once per page)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return 0
    cached = getattr(request, "_glossary_review_count", None)
    if cached is None:
        cached = selectors.review_count(request.user)
        request._glossary_review_count = cached
    return cached


_ROW = (
    '<tr><th scope="row"><a class="term-name" href="{}domains/{}/terms/{}/">{}</a></th>{}'
    '<td>{}{}</td><td><span class="badge term-{}">{}</span></td></tr>'
)


@register.simple_tag
def term_rows(terms, show_domain: bool = False) -> SafeString:
    """The rows of a term list, built in Python: on a 100-row A-Z page the same markup through the template
    engine takes four times as long (see bench/glossary.py). Every value goes through format_html's escaping.
    """
    base = reverse("glossary_home")

    def row(term) -> tuple:
        domain = term.glossary.domain
        cell = (
            format_html('<td><a href="{}domains/{}/">{}</a></td>', base, domain.slug, domain.name)
            if show_domain
            else ""
        )
        also = ", ".join(term.synonyms)
        abbreviations = (
            format_html("{}<abbr>{}</abbr>", "; " if also else "", ", ".join(term.abbreviations))
            if term.abbreviations
            else ""
        )
        return (
            base,
            domain.slug,
            term.slug,
            term.name,
            cell,
            also,
            abbreviations,
            term.status,
            term.get_status_display(),
        )

    return format_html_join("\n", _ROW, (row(term) for term in terms))
