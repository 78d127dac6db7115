"""`{% load quality %}`: the small signals shown next to a product wherever it is listed.

{% stars value %}             glyphs hidden from screen readers, "4.2 out of 5 stars" for them
{% rating_stars average count %}  stars, the average and how many ratings, or "Not rated yet"
{{ when|ago }}                "3 h ago" for a datetime (or an ISO 8601 string, as search documents carry)
{{ mapping|item:key }}        a dict lookup with a variable key (per-row figures read once for a whole list)

They live in the kernel because the search page, the catalog's lists and the ratings pages all show them, and
each reads its figures its own way (the search document, one grouped query per list).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def stars(value: float | int | None, size: str = "") -> SafeString:
    if not value:
        return format_html('<span class="stars stars-none">{}</span>', "Not rated yet")
    full = round(float(value))
    glyphs = "★" * full + "☆" * (5 - full)
    return format_html(
        '<span class="stars {}"><span aria-hidden="true">{}</span><span class="visually-hidden">{} out of 5 stars'
        "</span></span>",
        size,
        glyphs,
        f"{float(value):.1f}".rstrip("0").rstrip("."),
    )


@register.simple_tag
def rating_stars(average: float | None, count: int | None = None) -> SafeString:
    """A list row's rating: ★★★★☆ 4.2 (12). `count` None means the caller does not know it (an index built
    before it carried the count): the average still shows, without the number of ratings."""
    if not average or count == 0:
        return format_html(
            '<span class="badge rating-stars rating-none" title="{}">{}</span>', "Consumer rating", "Not rated yet"
        )
    shown = f"{float(average):.1f}"
    if count is None:
        counted = format_html("")
        title = "Consumer rating (Bayesian average)"
    else:
        counted = format_html(
            ' <span class="rating-count">({}<span class="visually-hidden"> rating{}</span>)</span>',
            count,
            "" if count == 1 else "s",
        )
        title = f"Consumer rating (Bayesian average of {count} rating{'' if count == 1 else 's'})"
    return format_html(
        '<span class="badge rating-stars" title="{}">{} <span aria-hidden="true">{}</span>{}</span>',
        title,
        stars(average),
        shown,
        counted,
    )


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        moment = parse_datetime(value)  # type: ignore[assignment]
        if moment is None:
            return None
    else:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment


def ago_text(moment: datetime, now: datetime | None = None) -> str:
    """One unit, rounded down, short: "just now", "12 min ago", "3 h ago", "5 d ago", "7 mo ago", "2 y ago"."""
    elapsed = (now or timezone.now()) - moment
    if elapsed < timedelta(minutes=1):
        return "just now"  # also a clock a little ahead of ours
    minutes = int(elapsed.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} h ago"
    days = hours // 24
    if days < 60:
        return f"{days} d ago"
    if days < 365:
        return f"{days // 30} mo ago"
    return f"{days // 365} y ago"


@register.filter
def ago(value: Any) -> str:
    moment = _moment(value)
    return ago_text(moment) if moment is not None else ""


@register.filter
def iso_moment(value: Any) -> str:
    """The value as ISO 8601 for a <time datetime>, whether it came as a datetime or as a string."""
    moment = _moment(value)
    return moment.isoformat(timespec="seconds") if moment is not None else ""


@register.filter
def exact_moment(value: Any) -> str:
    """ "2026-12-06 14:05 UTC": the tooltip of a relative time."""
    moment = _moment(value)
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M} UTC" if moment is not None else ""


@register.filter
def item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None
