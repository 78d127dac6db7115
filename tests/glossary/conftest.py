"""Glossary fixtures: the shared owner / steward / member / outsider world, plus helpers that make terms."""

from __future__ import annotations

from typing import Any

import pytest

from core.actors import Actor
from glossary.models import Proposal, Term
from glossary.services.proposals import proposal_create
from glossary.services.reviews import proposal_decide


def propose(
    user, domain: str = "sales", kind: str = "create", term: str = "", reason: str = "We need it.", **content: Any
) -> Proposal:
    return proposal_create(
        actor=Actor(user=user), domain_slug=domain, kind=kind, term_slug=term, reason=reason, content=content
    )


def approve(user, proposal: Proposal, reason: str = "") -> Proposal:
    return proposal_decide(actor=Actor(user=user), proposal_id=proposal.pk, decision="approve", reason=reason)


def reload(term: Term) -> Term:
    return Term.objects.get(pk=term.pk)


@pytest.fixture
def make_term(world):
    """An approved term in 'sales' (or `domain`), proposed by mia and approved by stefan."""

    def make(name: str, domain: str = "sales", **content: Any) -> Term:
        decider = world.steward if domain == "sales" else world.outsider
        proposal = propose(world.member, domain=domain, name=name, **content)
        approve(decider, proposal)
        return Term.objects.get(proposals=proposal)

    return make
