"""Script and event-handler HTML in every free-text field that a page shows renders as text, never as code."""

import pytest

from catalog.models import DataProduct
from glossary.models import Proposal, Term
from tests.glossary.conftest import approve, propose
from tests.lineage.conftest import dataset, run_event
from tests.security.html_checks import IMG, JS_LINK, SCRIPT, assert_harmless

pytestmark = pytest.mark.django_db

ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ESCAPED_IMG = "&lt;img src=x onerror=alert(1)&gt;"

HOSTILE_PRODUCT = {
    "name": f"Orders {SCRIPT}",
    "summary": f"Summary {IMG}",
    "description": f'# Title\n\n{SCRIPT}\n\n{IMG}\n\n{JS_LINK}\n\n<a href="javascript:alert(1)">raw</a>\n\n'
    '<div onclick="alert(1)" style="color:red">div</div>',
    "kind": "source-aligned",
    "status": "published",
    "tags": ["<b>bold</b>", "x onmouseover=alert(1)"],
    "output_ports": [
        {
            "name": "orders<script>",
            "description": f"Port {IMG}",
            "location": 'snowflake://"><svg onload=alert(1)>',
            "fields": [{"name": "f<img src=x>", "type": "string", "description": f"Field {SCRIPT}"}],
        }
    ],
}


@pytest.fixture
def hostile(world, team_client, django_capture_on_commit_callbacks):
    world.team.name = f"Team {IMG}"
    world.team.description = SCRIPT
    world.team.save()
    world.domain.name = f"Domain {SCRIPT}"
    world.domain.save()
    with django_capture_on_commit_callbacks(execute=True):  # the search index is written after commit
        response = team_client.put("/api/v1/products/sales/orders", HOSTILE_PRODUCT, format="json")
    assert response.status_code == 201, response.content
    return DataProduct.objects.get(slug="orders")


@pytest.fixture
def owner(world, client):
    client.force_login(world.owner)
    return client


def test_the_product_page_shows_every_field_as_text(hostile, owner):
    html = assert_harmless(owner.get("/products/sales/orders/"), shows=ESCAPED_SCRIPT)
    assert ESCAPED_IMG in html  # the summary and the port description, shown as the text that was written
    assert "orders&lt;script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html  # the tag, shown as the text that was written
    assert "<b>bold</b>" not in html
    assert 'href="javascript' not in html
    assert "Title</h1>" in html or "Title</h2>" in html  # markdown still renders


@pytest.mark.parametrize(
    "path",
    ["/", "/products/", "/products/?q=orders", "/domains/", "/domains/sales/", "/teams/", "/teams/sales-team/"],
)
def test_lists_and_overviews_show_hostile_names_as_text(hostile, owner, path):
    assert_harmless(owner.get(path))


def test_search_results_and_suggestions_show_hostile_names_as_text(hostile, owner):
    assert_harmless(owner.get("/search/", {"q": "orders"}), shows=ESCAPED_SCRIPT)
    assert_harmless(owner.get("/search/suggest/", {"q": "ord"}))


def test_the_search_query_is_echoed_as_text(world, owner):
    assert_harmless(owner.get("/search/", {"q": SCRIPT}), shows=ESCAPED_SCRIPT)
    assert_harmless(owner.get("/search/suggest/", {"q": IMG}))
    assert_harmless(owner.get("/products/", {"q": SCRIPT, "tag": IMG}))
    assert_harmless(owner.get("/lineage/", {"q": SCRIPT}), shows=ESCAPED_SCRIPT)


@pytest.fixture
def hostile_term(world):
    proposal = propose(
        world.member,
        name="Churn rate",
        reason=f"Because {SCRIPT}",
        definition=f"Customers lost. {SCRIPT} {IMG} {JS_LINK}",
        examples=[f"e.g. {IMG}"],
        synonyms=["attrition<script>"],
    )
    approve(world.steward, proposal, reason=f"Fine {IMG}")
    return Term.objects.get(proposals=proposal)


def test_glossary_pages_show_definitions_examples_and_reasons_as_text(hostile_term, owner):
    assert_harmless(owner.get("/glossary/"))
    assert_harmless(owner.get("/glossary/domains/sales/"))
    html = assert_harmless(owner.get(hostile_term.get_absolute_url()))
    assert "Customers lost." in html
    assert 'href="javascript' not in html


def test_proposal_reasons_and_comments_render_as_text(world, hostile_term, owner):
    proposal = Proposal.objects.get(term=hostile_term)
    response = owner.post(f"/glossary/proposals/{proposal.pk}/comment/", {"body": f"Comment {SCRIPT} {IMG}"})
    assert response.status_code in (200, 302)
    # The page says "Comment" anyway (its form): look for the comment itself, escaped.
    assert_harmless(owner.get(f"/glossary/proposals/{proposal.pk}/"), shows=f"Comment {ESCAPED_SCRIPT} {ESCAPED_IMG}")
    assert_harmless(owner.get("/glossary/review/"))


def test_openlineage_names_and_facet_values_render_as_text(world, owner, send_lineage):
    hostile_dataset = dataset(
        "db",
        f"orders{SCRIPT}",
        documentation={"description": f"Docs {IMG}"},
        schema={"fields": [{"name": f"col{IMG}", "type": "string", "description": SCRIPT}]},
    )
    send_lineage(run_event(f"job{IMG}", [hostile_dataset], [dataset("db", "out")], namespace=f"ns{SCRIPT}"))

    shown = "orders&lt;script&gt;"
    assert_harmless(owner.get("/lineage/", {"q": "orders"}), shows=shown)
    node_id = f"dataset:db:orders{SCRIPT}"
    assert_harmless(owner.get("/lineage/", {"nodeId": node_id}), shows=shown)
    assert_harmless(owner.get("/lineage/impact/", {"nodeId": node_id}), shows=shown)
    job_page = assert_harmless(owner.get("/lineage/", {"nodeId": f"job:ns{SCRIPT}:job{IMG}"}), shows="job&lt;img")
    assert "ns&lt;script" in job_page


@pytest.fixture
def send_lineage(world):
    from core.actors import Scope
    from tests.conftest import bearer_client

    client = bearer_client(world.team, [Scope.READ, Scope.WRITE_LINEAGE])

    def send(event):
        response = client.post("/api/v1/lineage", event, format="json")
        assert response.status_code == 201, response.content

    return send
