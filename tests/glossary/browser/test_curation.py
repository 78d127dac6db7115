"""The curation workflow in a real browser: propose -> review (diff) -> approve, and a rejection."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from glossary.models import Proposal, Term
from tests.glossary.conftest import approve, propose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Not assertions: pictures of the review and term pages to look at after a run (not committed).
SHOTS = Path(tempfile.gettempdir())


def test_a_member_proposes_a_change_and_a_steward_reviews_the_diff_and_approves(page, sign_in, world):
    approve(world.steward, propose(world.member, name="Active customer", definition="Bought in the last 90 days."))

    sign_in("mia")
    page.goto("/glossary/domains/sales/")
    page.get_by_role("link", name="Active customer", exact=True).click()
    page.wait_for_url("**/glossary/domains/sales/terms/active-customer/")
    page.get_by_role("button", name="Propose a change").click()
    page.get_by_label("Definition").fill("Bought in the last 60 days.")
    page.get_by_label("Synonyms").fill("Engaged customer")
    page.get_by_label("Why this change?").fill("Marketing moved to a 60-day window.")
    page.get_by_role("button", name="Send the proposal").click()
    page.wait_for_url(re.compile(r".*/glossary/proposals/\d+/$"))
    assert page.get_by_role("status").filter(has_text="Change proposed").is_visible()
    proposal_url = page.url

    page.context.clear_cookies()
    sign_in("stefan")
    page.goto("/glossary/review/")
    page.get_by_role("link", name=re.compile("Active customer")).click()
    definition = page.locator('.diff-row[data-field="definition"]')
    assert definition.locator("del").inner_text() == "90"
    assert definition.locator("ins").inner_text() == "60"
    assert page.locator('.diff-row[data-field="synonyms"] ins').inner_text() == "Engaged customer"
    page.screenshot(path=SHOTS / "meshportal-glossary-review.png", full_page=True)
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Submit decision").click()
    assert page.locator("#proposal-status").inner_text() == "Approved"
    assert page.url == proposal_url

    page.get_by_role("link", name="Active customer").first.click()
    assert "Bought in the last 60 days." in page.locator(".term-definition").inner_text()
    history = page.locator(".term-history li")
    assert history.count() == 2
    assert "Marketing moved to a 60-day window." in history.first.inner_text()
    assert Term.objects.get(slug="active-customer").version == 2
    page.screenshot(path=SHOTS / "meshportal-glossary-term.png", full_page=True)


def test_a_steward_rejects_a_new_term_with_a_reason_and_the_proposer_reads_it(page, sign_in, world):
    sign_in("mia")
    page.goto("/glossary/domains/sales/")
    page.get_by_role("button", name="Propose a new term").click()
    page.get_by_label("Name").fill("Whale")
    page.get_by_label("Definition").fill("A <b>big</b> spender.")
    page.get_by_label("Why this change?").fill("Sales slang.")
    page.get_by_role("button", name="Send the proposal").click()
    page.wait_for_url(re.compile(r".*/glossary/proposals/\d+/$"))
    proposal = Proposal.objects.get()

    page.context.clear_cookies()
    sign_in("stefan")
    page.goto(f"/glossary/proposals/{proposal.pk}/")
    page.get_by_label("Reject").check()
    page.get_by_role("button", name="Submit decision").click()
    assert page.get_by_role("alert").filter(has_text="Say why it is rejected.").is_visible()
    page.get_by_label("Reject").check()
    page.get_by_label("Reason").fill("We call them key accounts.")
    page.get_by_role("button", name="Submit decision").click()
    assert page.locator("#proposal-status").inner_text() == "Rejected"

    page.context.clear_cookies()
    sign_in("mia")
    page.goto("/inbox/")
    page.get_by_role("link", name=re.compile("Rejected: “Whale”")).click()
    assert page.locator(".decision-reason").inner_text() == "We call them key accounts."
    assert not Term.objects.filter(name="Whale").exists()
