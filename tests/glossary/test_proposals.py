"""The curation workflow through the services: propose, decide, history, stale proposals, permissions, notices."""

from __future__ import annotations

import pytest
from django.core import mail

from catalog.models import TeamRole
from core.actors import Actor, Scope
from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.models import Notification
from glossary.models import Proposal, Term, TermVersion
from glossary.services.proposals import (
    proposal_comment,
    proposal_rebase,
    proposal_revise,
    proposal_withdraw,
)
from glossary.services.reviews import proposal_decide
from tests.factories import MembershipFactory, UserFactory
from tests.glossary.conftest import approve, propose, reload
from tokens.services import token_create

pytestmark = pytest.mark.django_db


def decide(user, proposal, decision, reason=""):
    return proposal_decide(actor=Actor(user=user), proposal_id=proposal.pk, decision=decision, reason=reason)


def test_a_new_term_is_proposed_in_place_and_approved_as_version_one(world):
    proposal = propose(world.member, name="Active customer", definition="Bought in the last 90 days.")
    term = Term.objects.get(proposals=proposal)
    assert (term.status, term.version, term.slug) == ("proposed", 0, "active-customer")
    assert not term.versions.exists()

    approve(world.steward, proposal, reason="Matches the CRM.")
    term.refresh_from_db()
    assert (term.status, term.version) == ("approved", 1)
    version = term.versions.get()
    assert version.number == 1
    assert version.content["definition"] == "Bought in the last 90 days."
    assert (version.proposed_by_label, version.approved_by_label, version.reason) == ("mia", "stefan", "We need it.")
    assert version.proposal_id == proposal.pk
    proposal.refresh_from_db()
    assert (proposal.status, proposal.result_version, proposal.decided_by) == ("approved", 1, world.steward)


def test_every_approved_change_is_kept_as_a_version(world, make_term):
    term = make_term("Churn", definition="Customers who left.")
    approve(world.steward, propose(world.member, kind="change", term="churn", definition="Customers who cancelled."))
    approve(world.steward, propose(world.owner, kind="deprecate", term="churn", reason="Use attrition."))
    term = reload(term)
    assert (term.version, term.status) == (3, "deprecated")
    history = list(
        TermVersion.objects.filter(term=term).order_by("number").values_list("number", "change", "proposed_by_label")
    )
    assert history == [(1, "created", "mia"), (2, "changed", "mia"), (3, "deprecated", "olivia")]
    assert TermVersion.objects.get(term=term, number=1).content["definition"] == "Customers who left."


def test_a_change_must_change_something_and_say_why(world, make_term):
    make_term("Churn", definition="Customers who left.")
    with pytest.raises(ValidationFailed) as nothing:
        propose(world.member, kind="change", term="churn", definition="Customers who left.")
    assert nothing.value.errors[0].path == "/content"
    with pytest.raises(ValidationFailed) as no_reason:
        propose(world.member, kind="change", term="churn", definition="New.", reason="  ")
    assert no_reason.value.errors[0].path == "/reason"


def test_rejecting_needs_a_reason_and_frees_the_proposed_name(world):
    proposal = propose(world.member, name="Gross margin")
    with pytest.raises(ValidationFailed) as missing:
        decide(world.steward, proposal, "reject")
    assert missing.value.errors[0].path == "/reason"
    decide(world.steward, proposal, "reject", "Finance owns this term.")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_reason, proposal.term_id) == (
        "rejected",
        "Finance owns this term.",
        None,
    )
    assert not Term.objects.filter(name="Gross margin").exists()
    assert propose(world.member, name="Gross margin").status == "open"  # the name is free again


def test_changes_requested_then_revised_then_approved(world, make_term):
    make_term("Churn", definition="Customers who left.")
    proposal = propose(world.member, kind="change", term="churn", definition="Left us.")
    decide(world.steward, proposal, "request_changes", "Say within which period.")
    assert reload_p(proposal).status == "changes_requested"
    proposal_revise(
        actor=Actor(user=world.member), proposal_id=proposal.pk, content={"definition": "Left us within 30 days."}
    )
    assert reload_p(proposal).status == "open"
    approve(world.steward, proposal)
    assert Term.objects.get(slug="churn").definition == "Left us within 30 days."
    kinds = list(proposal.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "changes_requested", "revised", "approved"]


def reload_p(proposal: Proposal) -> Proposal:
    return Proposal.objects.get(pk=proposal.pk)


def test_the_second_approval_against_the_same_version_is_stale_until_rebased(world, make_term):
    make_term("Churn", definition="Customers who left.", examples=["A customer cancels."])
    first = propose(world.member, kind="change", term="churn", definition="Customers who cancelled.")
    second = propose(world.owner, kind="change", term="churn", examples=["A customer cancels.", "A trial lapses."])
    approve(world.steward, first)
    assert reload_p(second).is_stale
    with pytest.raises(Conflict) as stale:
        approve(world.steward, second)
    assert stale.value.status == 409
    assert "Stale" in stale.value.message
    assert Term.objects.get(slug="churn").version == 2

    rebased, conflicts = proposal_rebase(actor=Actor(user=world.owner), proposal_id=second.pk)
    assert conflicts == []
    assert rebased.base_version == 2
    approve(world.steward, second)
    term = Term.objects.get(slug="churn")
    assert term.version == 3
    assert term.definition == "Customers who cancelled."  # the first change survives the second
    assert term.examples == ["A customer cancels.", "A trial lapses."]


def test_rebase_reports_a_field_both_sides_changed(world, make_term):
    make_term("Churn", definition="Old.")
    first = propose(world.member, kind="change", term="churn", definition="Theirs.")
    second = propose(world.owner, kind="change", term="churn", definition="Mine.")
    approve(world.steward, first)
    _, conflicts = proposal_rebase(actor=Actor(user=world.steward), proposal_id=second.pk)
    assert conflicts == ["definition"]
    assert list(reload_p(second).events.values_list("kind", flat=True))[-1] == "rebased"


def test_proposers_of_now_stale_proposals_are_told(world, make_term, django_capture_on_commit_callbacks):
    make_term("Churn", definition="Old.")
    first = propose(world.member, kind="change", term="churn", definition="A.")
    propose(world.owner, kind="change", term="churn", definition="B.")
    with django_capture_on_commit_callbacks(execute=True):
        approve(world.steward, first)
    assert Notification.objects.filter(recipient=world.owner, kind="glossary.proposal_stale").count() == 1


def test_stewards_are_told_of_a_proposal_and_the_proposer_of_the_decision(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = propose(world.member, name="Basket size")
    note = Notification.objects.get(kind="glossary.proposal_submitted")
    assert note.recipient == world.steward
    assert note.url == f"/glossary/proposals/{proposal.pk}/"
    assert [m.to for m in mail.outbox] == [["stefan@example.com"]]
    with django_capture_on_commit_callbacks(execute=True):
        decide(world.steward, proposal, "reject", "Too vague.")
    told = Notification.objects.get(kind="glossary.proposal_rejected")
    assert (told.recipient, told.body) == (world.member, "Too vague.")
    assert mail.outbox[-1].to == ["mia@example.com"]


def test_comments_reach_the_proposer_and_the_stewards_but_not_the_author(world):
    proposal = propose(world.member, name="Basket size")
    proposal_comment(actor=Actor(user=world.outsider), proposal_id=proposal.pk, body="Finance calls it order size.")
    recipients = set(
        Notification.objects.filter(kind="glossary.proposal_comment").values_list("recipient__username", flat=True)
    )
    assert recipients == {"mia", "stefan"}
    assert list(proposal.events.values_list("body", flat=True))[-1] == "Finance calls it order size."


def test_named_stewards_of_a_term_review_it(world, make_term):
    named = UserFactory(username="nina")
    make_term("Churn", stewards=["nina"])
    proposal = propose(world.member, kind="change", term="churn", definition="New.")
    assert Notification.objects.filter(kind="glossary.proposal_submitted", recipient__username="nina").exists()
    approve(named, proposal)
    assert Term.objects.get(slug="churn").version == 2


# ---- who may do what -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "member", "outsider"])
def test_it_rejects_deciders_who_are_not_stewards(world, who):
    proposal = propose(world.member, name="Basket size")
    with pytest.raises(PermissionDenied) as denied:
        decide(getattr(world, who), proposal, "approve")
    assert denied.value.status == 403
    assert reload_p(proposal).status == "open"


def test_it_rejects_outsider(world):
    proposal = propose(world.member, name="Basket size")
    with pytest.raises(PermissionDenied):
        decide(world.outsider, proposal, "reject", "Not mine to say.")


def test_stewards_of_another_domain_may_not_decide(world):
    other_steward = UserFactory(username="fiona")
    MembershipFactory(team=world.other_team, user=other_steward, role=TeamRole.STEWARD)
    proposal = propose(world.member, name="Basket size")
    with pytest.raises(PermissionDenied):
        approve(other_steward, proposal)


def test_staff_may_decide(world):
    approve(world.staff, propose(world.member, name="Basket size"))


def test_owners_act_as_stewards_when_their_team_names_none(world):
    proposal = propose(world.member, domain="finance", name="Net revenue")
    approve(world.outsider, proposal)  # oscar owns finance-team, which has no steward
    assert Term.objects.get(slug="net-revenue").status == "approved"


def test_anyone_signed_in_may_propose_and_only_the_proposer_revises_or_withdraws(world):
    proposal = propose(world.outsider, name="Basket size")
    with pytest.raises(PermissionDenied):
        proposal_revise(actor=Actor(user=world.member), proposal_id=proposal.pk, content={"name": "Basket"})
    with pytest.raises(PermissionDenied):
        proposal_withdraw(actor=Actor(user=world.steward), proposal_id=proposal.pk)
    proposal_withdraw(actor=Actor(user=world.outsider), proposal_id=proposal.pk)
    assert reload_p(proposal).status == "withdrawn"
    assert not Term.objects.filter(name="Basket size").exists()


def test_a_token_with_write_glossary_proposes_but_never_decides(world):
    issued = token_create(actor=None, team=world.team, name="sync", scopes=[Scope.READ, Scope.WRITE_GLOSSARY])
    token_actor = Actor(token=issued.token)
    from glossary.services.proposals import proposal_create

    proposal = proposal_create(
        actor=token_actor, domain_slug="finance", kind="create", reason="From the ERP.", content={"name": "Ledger"}
    )
    assert proposal.proposer_label == "token 'sync' of sales-team"
    with pytest.raises(PermissionDenied):
        proposal_decide(actor=token_actor, proposal_id=proposal.pk, decision="approve")


def test_a_token_without_the_scope_may_not_propose(world):
    issued = token_create(actor=None, team=world.team, name="ci", scopes=[Scope.READ, Scope.WRITE_PRODUCTS])
    from glossary.services.proposals import proposal_create

    with pytest.raises(PermissionDenied) as denied:
        proposal_create(
            actor=Actor(token=issued.token), domain_slug="sales", kind="create", reason="x", content={"name": "X"}
        )
    assert "write:glossary" in denied.value.message


def test_a_decided_proposal_cannot_be_decided_again(world):
    proposal = propose(world.member, name="Basket size")
    approve(world.steward, proposal)
    with pytest.raises(Conflict):
        decide(world.steward, proposal, "reject", "Changed my mind.")
