"""Governance pages, the mesh dashboard with its CSV export, and the API."""

import csv
import io

import pytest
from django.urls import reverse

from governance import services
from governance.health import band_of
from governance.models import Finding, ProductScore
from tests.factories import OutputPortFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluated(world, good_product):
    bad = ProductFactory(domain=world.other_domain, slug="ledger", name="=HYPERLINK(1)", description="")
    services.governance_evaluate(product_ids=[good_product.pk, bad.pk])
    return good_product, bad


def test_product_page_shows_findings_and_how_to_fix_to_owners(client, world, evaluated):
    product, _ = evaluated
    client.force_login(world.owner)
    html = client.get(product.get_tab_url("quality")).content.decode()
    assert 'id="governance"' in html
    assert "Linked to the glossary" in html
    assert "<details open>" in html  # the owning team sees how to fix it unfolded


def test_product_page_findings_are_public_but_fixes_folded(client, world, evaluated):
    product, _ = evaluated
    client.force_login(world.outsider)
    html = client.get(product.get_tab_url("quality")).content.decode()
    assert "Linked to the glossary" in html
    assert "<details open>" not in html
    assert "How to fix" in html


def test_policies_page_shows_pass_rates_and_filters_by_domain(client, world, evaluated, django_assert_max_num_queries):
    client.force_login(world.member)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("governance_policies"))
    html = response.content.decode()
    assert "An owning team with an owner" in html
    assert "1 of 2" in html  # the description policy: orders passes, ledger does not
    html = client.get(reverse("governance_policies") + "?domain=sales").content.decode()
    assert "1 of 1" in html
    assert client.get(reverse("governance_policies") + "?domain=nope").status_code == 404


def test_policy_page_lists_failing_products(client, world, evaluated):
    client.force_login(world.member)
    html = client.get(reverse("governance_policy", args=["description"])).content.decode()
    assert "HYPERLINK" in html and "Orders" not in html.split("failing-heading")[1]
    assert client.get(reverse("governance_policy", args=["nope"])).status_code == 404


def test_dashboard_rows_and_query_count(client, world, evaluated, django_assert_max_num_queries):
    client.force_login(world.member)
    # 14, and the mesh's value figures (usage.mesh.mesh_metrics): one grouped query per kind of input, 9 at most
    with django_assert_max_num_queries(23):
        html = client.get(reverse("mesh_dashboard")).content.decode()
    assert "Sales" in html and "Finance" in html and "Whole mesh" in html
    assert "<svg" in html  # charts


def test_dashboard_csv_parses_and_guards_formulas(client, world, evaluated):
    client.force_login(world.member)
    # A domain named like a formula must not run in a spreadsheet.
    world.other_domain.name = "=cmd|' /C calc'!A0"
    world.other_domain.save()
    response = client.get(reverse("mesh_dashboard_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_slug = {r["domain"]: r for r in rows}
    assert by_slug["sales"]["published_products"] == "1"
    assert by_slug["finance"]["domain_name"].startswith("'=")
    assert float(by_slug["sales"]["governance_score"]) > float(by_slug["finance"]["governance_score"])
    assert by_slug["*"]["published_products"] == "2"
    assert client.get(reverse("mesh_dashboard") + "?format=csv").content == response.content


def test_api_policies_findings_and_health(team_client, evaluated):
    _, bad = evaluated
    policies = team_client.get("/api/v1/governance/policies").json()
    description = next(p for p in policies if p["policy"]["id"] == "description")
    assert description["applicable"] == 2 and description["failing"] == 1
    findings = team_client.get("/api/v1/governance/findings", {"product": "finance/ledger"}).json()
    assert findings["count"] == Finding.objects.open().filter(product=bad).count()
    assert all(f["how_to_fix"] for f in findings["results"])
    detail = team_client.get("/api/v1/governance/products/sales/orders").json()
    assert detail["in_scope"] is True and detail["score"] > 0
    health = team_client.get("/api/v1/health/products/sales/orders").json()
    assert 0 <= health["score"] <= 100 and "governance" in health["weights"]
    board = team_client.get("/api/v1/health/dashboard").json()
    assert {d["slug"] for d in board["domains"]} >= {"sales", "finance"}
    assert board["mesh"]["products"] == 2


def test_api_bad_filters_are_problems(team_client, evaluated):
    response = team_client.get("/api/v1/governance/findings", {"severity": "fatal", "policy": "nope"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = str(response.json())
    assert "severity" in body and "policy" in body
    assert team_client.get("/api/v1/governance/products/sales/nope").status_code == 404
    assert team_client.get("/api/v1/governance/domains", {"domain": "nope"}).status_code == 404


def test_api_needs_authentication(client, evaluated):
    assert client.get("/api/v1/health/dashboard").status_code in (401, 403)


def test_domain_scorecard_shows_health_and_where_it_falls_short(client, world, evaluated):
    client.force_login(world.member)
    html = client.get(reverse("ratings_domain_scorecard", args=["sales"])).content.decode()
    assert 'id="domain-health-heading"' in html
    assert "Orders" in html.split('id="domain-health-heading"')[1]  # listed under "Where it falls short"


def test_whole_mesh_turnaround_pools_every_decision(client, world, evaluated):
    """Sales decided three requests (1, 2 and 3 hours), finance one (100 hours): the domains' medians are 2 and
    100, a median of medians would say 51; pooled, the mesh's median decision takes 2.5 hours."""
    from datetime import timedelta

    from django.utils import timezone

    from access.models import AccessRequest

    good, bad = evaluated
    now = timezone.now()
    for product, hours in [(good, 1), (good, 2), (good, 3), (bad, 100)]:
        port = OutputPortFactory(product=product)
        row = AccessRequest.objects.create(
            port=port, product=product, requester=world.staff, purpose="Reports.", duration_days=30
        )
        AccessRequest.objects.filter(pk=row.pk).update(
            status="approved", decided_by=world.owner, created_at=now - timedelta(hours=hours), decided_at=now
        )
    client.force_login(world.member)
    rows = {
        r["domain"]: r for r in csv.DictReader(io.StringIO(client.get(reverse("mesh_dashboard_csv")).content.decode()))
    }
    assert rows["sales"]["access_decision_median_hours"] == "2"
    assert rows["finance"]["access_decision_median_hours"] == "100"
    assert rows["*"]["access_decision_median_hours"] == "2.5"


def test_governance_pages_highlight_health_in_the_navigation(client, world, evaluated):
    client.force_login(world.member)
    link = 'href="{}" aria-current="{}">Health</a>'
    assert link.format("/mesh/", "page") in client.get(reverse("mesh_dashboard")).content.decode()
    for url in (reverse("governance_policies"), reverse("governance_policy", args=["description"])):
        assert link.format("/mesh/", "true") in client.get(url).content.decode()


def _row(html: str, name: str) -> str:
    start = html.index(f">{name}</a></th>")
    return html[start : html.index("</tr>", start)]


def test_dashboard_colours_a_health_by_the_number_it_shows(client, world, evaluated):
    good, bad = evaluated
    ProductScore.objects.filter(product=good).update(health=59.6)  # shown as 60: fair, not poor
    ProductScore.objects.filter(product=bad).update(health=59.4)  # shown as 59: poor
    client.force_login(world.member)

    html = client.get(reverse("mesh_dashboard")).content.decode()

    assert '<span class="badge health-fair"><span class="visually-hidden">Health </span>60</span>' in _row(
        html, "Sales"
    )
    assert '<span class="badge health-poor"><span class="visually-hidden">Health </span>59</span>' in _row(
        html, world.other_domain.name
    )


@pytest.mark.parametrize(
    ("score", "band"),
    [(59.4, "poor"), (59.5, "fair"), (59.6, "fair"), (79.49, "fair"), (79.5, "good"), (None, "unknown")],
)
def test_a_band_is_that_of_the_whole_number_shown(score, band):
    assert band_of(score) == band


def test_dashboard_says_why_domains_are_missing_from_the_slo_chart(client, world, evaluated):
    good, _ = evaluated
    ProductScore.objects.filter(product=good).update(slo_compliance=0.97)
    client.force_login(world.member)

    html = client.get(reverse("mesh_dashboard")).content.decode()

    note = html[html.index('id="slo-chart-note"') :]
    note = " ".join(note[: note.index("</p>")].split())
    assert "1 of 2 domains with published products has SLO data." in note
    assert f"1 has none ({world.other_domain.name}): none of its published products has an objective" in note
    assert "POST /api/v1/sli" in note
    assert 'title="No SLO measurements in the last 30 days">—</span>' in _row(html, world.other_domain.name)


def test_dashboard_without_published_products_says_what_fills_the_charts(client, world):
    client.force_login(world.member)

    html = client.get(reverse("mesh_dashboard")).content.decode()

    assert "No published product has been evaluated yet: the charts fill in once domains publish products" in html
    assert "<svg" not in html
