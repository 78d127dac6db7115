"""`{% load charts %}`: the SVG charts of core.charts as template tags (see that module for the details).

{% bar_chart items title="Ratings by stars" unit="ratings" %}
{% line_chart labels series title="Average stars per week" y_min=1 y_max=5 %}
{% sparkline values title="Trend over 12 weeks" %}
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from core import charts

register = template.Library()


@register.simple_tag
def bar_chart(items, title: str, **options) -> SafeString:
    return charts.bar_chart(items, title=title, **options)


@register.simple_tag
def line_chart(labels, series, title: str, **options) -> SafeString:
    return charts.line_chart(labels, series, title=title, **options)


@register.simple_tag
def sparkline(values, title: str, **options) -> SafeString:
    return charts.sparkline(values, title=title, **options)
