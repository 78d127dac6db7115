"""core.charts: server-rendered SVG with text alternatives, escaped labels, and class-only styling."""

from __future__ import annotations

import re

from django.template import Context, Template

from core.charts import bar_chart, line_chart, sparkline


def test_bar_chart_scales_bars_and_carries_a_data_table():
    html = bar_chart([("5 stars", 4), ("4 stars", 2), ("1 star", 0)], title="Ratings by stars")
    widths = [
        float(w) for w in re.findall(r'<rect class="chart-bar[^"]*" x="[\d.]+" y="[\d.]+" width="([\d.]+)"', html)
    ]
    assert widths[0] > widths[1] > widths[2] == 0
    assert widths[0] == 2 * widths[1]
    assert 'role="img"' in html
    assert re.search(r'<title id="(chart-\d+)-title">Ratings by stars</title>', html)
    assert "5 stars: 4; 4 stars: 2; 1 star: 0" in html  # the description
    assert '<th scope="row">4 stars</th><td>2</td>' in html
    assert " style=" not in html


def test_labels_are_escaped():
    html = bar_chart([("<script>x</script>", 1)], title="<b>t</b>")
    assert "<script>" not in html and "<b>t</b>" not in html
    assert "&lt;script&gt;" in html


def test_line_chart_breaks_at_missing_values_and_describes_the_trend():
    html = line_chart(["W1", "W2", "W3", "W4"], {"Average": [4.0, None, 3.0, 3.5]}, title="Trend", y_min=1, y_max=5)
    path = re.search(r'<path class="chart-line" d="([^"]+)"', html).group(1)
    assert path.count("M") == 2  # a new stroke after the gap
    assert "Average: 4.00 at W1, 3.50 at W4; lowest 3.00, highest 4.00." in html
    assert "<td>no data</td>" in html
    assert html.count('<circle class="chart-point"') == 3


def test_each_chart_gets_its_own_ids():
    first, second = sparkline([1, 2], title="a"), sparkline([2, 1], title="b")
    ids = re.findall(r'aria-labelledby="([^ ]+)-title', first + second)
    assert len(set(ids)) == 2


def test_sparkline_without_data_says_so():
    assert "no data" in sparkline([None, None], title="Trend")


def test_template_tags():
    html = Template(
        "{% load charts %}{% bar_chart items title='Stars' %}{% line_chart labels series title='Line' y_min=0 %}"
    ).render(Context({"items": [("a", 1)], "labels": ["x", "y"], "series": {"s": [1, 2]}}))
    assert html.count("<figure") == 2
