"""Template helpers for the portal's pages: markdown, badges, navigation state and query strings."""

from __future__ import annotations

import markdown as markdown_lib
import nh3
from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from catalog.models import Classification, TeamMembership
from core.actors import memberships

register = template.Library()

# What a product or domain description may use: prose, lists, code, tables and links. No images (they would
# load from anywhere, and the portal has no network at run time), no raw HTML beyond these tags, no styles.
# fmt: off
_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}
# fmt: on
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}
_CLEANER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    clean_content_tags={"script", "style"},
    attributes=_ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
    strip_comments=True,
)
_MARKDOWN_EXTENSIONS = ["extra", "sane_lists"]


@register.filter(is_safe=True)
def markdown(text: str | None) -> SafeString:
    """Render markdown written by producers to HTML that is safe to show to everyone else."""
    if not text:
        return mark_safe("")
    html = markdown_lib.markdown(str(text), extensions=_MARKDOWN_EXTENSIONS, output_format="html")
    return mark_safe(_CLEANER.clean(html))  # noqa: S308 - sanitised by nh3 just above


_SENSITIVE = {Classification.PII.value, Classification.RESTRICTED.value}
_GUARDED = {Classification.CONFIDENTIAL.value}


@register.filter
def classification_level(value: str) -> str:
    """How loudly a field's classification should show: 'sensitive', 'guarded' or ''."""
    value = (value or "").strip().lower()
    if value in _SENSITIVE:
        return "sensitive"
    if value in _GUARDED:
        return "guarded"
    return ""


@register.filter
def classification_label(value: str) -> str:
    value = (value or "").strip()
    try:
        return str(Classification(value.lower()).label)
    except ValueError:
        return value  # a producer's own classification is shown as written


# Which navigation section each page belongs to, by URL name.
_SECTIONS = {
    "home": "home",
    "domain_list": "domains",
    "domain_detail": "domains",
    "product_list": "products",
    "product_detail": "products",
    "team_list": "teams",
    "team_detail": "teams",
    "team_tokens": "teams",
    # governance: the policies pages sit under "Health" with the mesh dashboard
    "mesh_dashboard": "health",
    "governance_policies": "health",
    "governance_policy": "health",
}


@register.simple_tag(takes_context=True)
def nav_current(context, section: str, url_name: str = "") -> str:
    """`aria-current` for a navigation link: "page" on the page itself, "true" elsewhere in its section."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    current = match.url_name or ""
    if url_name and current == url_name:
        return format_html('aria-current="{}"', "page")
    if _SECTIONS.get(current) == section:
        return format_html('aria-current="{}"', "true")
    return ""


@register.simple_tag(takes_context=True)
def url_with(context, **changes) -> str:
    """The current query string with some parameters replaced (None or '' drops one): for pagination links."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def my_memberships(context) -> list[TeamMembership]:
    """The signed-in person's teams for the navigation, fetched once per render."""
    request = context.get("request")
    if request is None:
        return []
    cached = getattr(request, "_portal_memberships", None)
    if cached is None:
        cached = memberships(request.user)
        request._portal_memberships = cached
    return cached
