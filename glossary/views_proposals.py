"""Glossary pages of the curation workflow: propose, review with a diff, decide, comment, revise, rebase."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import errors
from core.actors import Actor
from core.web import refusals_as_http
from glossary import selectors
from glossary.content import TermContent, content_of
from glossary.forms import CommentForm, DecisionForm, DeprecateForm, TermForm
from glossary.models import Proposal, ProposalKind
from glossary.services.proposals import (
    proposal_comment,
    proposal_create,
    proposal_rebase,
    proposal_revise,
    proposal_withdraw,
)
from glossary.services.reviews import proposal_decide


def _render_form(request, form, *, domain, kind: str, term=None, proposal=None, status: int = 200):
    return render(
        request,
        "glossary/propose.html",
        {"form": form, "domain": domain, "kind": kind, "term": term, "proposal": proposal},
        status=status,
    )


def _propose(request, form, *, domain, kind: str, term=None, done: str):
    """Create the proposal the valid form describes; errors the service finds go back onto the form."""
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposal_create(
                actor=Actor(user=request.user),
                domain_slug=domain.slug,
                kind=kind,
                term_slug=term.slug if term is not None else "",
                reason=form.cleaned_data["reason"],
                content=form.content(),
            )
        except errors.ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        else:
            messages.success(request, done)
            return redirect(proposal)
    return _render_form(request, form, domain=domain, kind=kind, term=term, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@refusals_as_http
def propose_term(request, domain: str):
    domain_obj, glossary = selectors.glossary_of(domain)
    form = TermForm(request.POST or None, glossary=glossary, initial={"name": request.GET.get("name", "")})
    return _propose(
        request,
        form,
        domain=domain_obj,
        kind=ProposalKind.CREATE,
        done="Proposed. The domain's stewards have been asked to review it.",
    )


@require_http_methods(["GET", "POST"])
@refusals_as_http
def propose_change(request, domain: str, slug: str):
    term = selectors.term_get(domain, slug)
    if term.is_proposed:
        messages.info(request, "This term is only proposed; revise its proposal instead.")
        return redirect(term)
    form = TermForm(request.POST or None, glossary=term.glossary, initial=TermForm.initial_from(content_of(term)))
    return _propose(
        request,
        form,
        domain=term.glossary.domain,
        kind=ProposalKind.CHANGE,
        term=term,
        done="Change proposed. The stewards have been asked to review it.",
    )


@require_http_methods(["GET", "POST"])
@refusals_as_http
def propose_deprecation(request, domain: str, slug: str):
    term = selectors.term_get(domain, slug)
    form = DeprecateForm(request.POST or None, glossary=term.glossary)
    return _propose(
        request,
        form,
        domain=term.glossary.domain,
        kind=ProposalKind.DEPRECATE,
        term=term,
        done="Deprecation proposed. The stewards have been asked to review it.",
    )


@require_GET
def proposal_page(request, pk: int):
    """The review page: side-by-side diff, the thread, and the decision form for stewards."""
    detail = selectors.proposal_detail(pk, Actor(user=request.user))
    return render(
        request,
        "glossary/proposal.html",
        {
            "detail": detail,
            "proposal": detail.proposal,
            "decision_form": DecisionForm(),
            "comment_form": CommentForm(),
        },
    )


def _back(pk: int):
    return redirect("glossary_proposal", pk=pk)


def _report(request, exc: errors.ApplicationError) -> None:
    details = " ".join(e.message for e in exc.errors if e.message != exc.message)
    messages.error(request, f"{exc.message} {details}".strip())


@require_POST
@refusals_as_http
def proposal_decide_view(request, pk: int):
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve, reject or request changes.")
        return _back(pk)
    decision = form.cleaned_data["decision"]
    try:
        proposal = proposal_decide(
            actor=Actor(user=request.user), proposal_id=pk, decision=decision, reason=form.cleaned_data["reason"]
        )
    except errors.NotFound as exc:
        raise Http404(exc.message) from exc
    except errors.PermissionDenied:
        raise
    except errors.ApplicationError as exc:  # stale (409), no longer valid (409), reason missing (400)
        _report(request, exc)
        return _back(pk)
    done = {"approve": "Approved", "reject": "Rejected", "request_changes": "Changes requested"}[decision]
    messages.success(request, f"{done}: “{proposal.title}”.")
    return _back(pk)


@require_POST
@refusals_as_http
def proposal_comment_view(request, pk: int):
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            proposal_comment(actor=Actor(user=request.user), proposal_id=pk, body=form.cleaned_data["body"])
        except errors.NotFound as exc:
            raise Http404(exc.message) from exc
        messages.success(request, "Comment added.")
    else:
        messages.error(request, "Write a comment first.")
    return redirect(reverse("glossary_proposal", args=[pk]) + "#thread")


@require_http_methods(["GET", "POST"])
@refusals_as_http
def proposal_revise_view(request, pk: int):
    actor = Actor(user=request.user)
    detail = selectors.proposal_detail(pk, actor)
    proposal: Proposal = detail.proposal
    if not detail.is_proposer:
        raise errors.PermissionDenied("Only the proposer may revise this proposal.")
    if not proposal.is_pending:
        messages.info(request, "This proposal is decided; it cannot be revised.")
        return _back(pk)
    content = TermContent.from_dict(proposal.content)
    if proposal.kind == ProposalKind.DEPRECATE:
        form: TermForm | DeprecateForm = DeprecateForm(
            request.POST or None, glossary=proposal.glossary, initial={"replaced_by": content.replaced_by}
        )
    else:
        initial = TermForm.initial_from(content)
        form = TermForm(request.POST or None, glossary=proposal.glossary, initial=initial, with_reason=False)
    if request.method == "POST" and form.is_valid():
        try:
            proposal_revise(
                actor=actor, proposal_id=pk, content=form.content(), reason=form.cleaned_data.get("reason", "")
            )
        except errors.ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        except errors.Conflict as exc:
            _report(request, exc)
            return _back(pk)
        else:
            messages.success(request, "Revised. The stewards have been asked to review it again.")
            return _back(pk)
    return _render_form(
        request,
        form,
        domain=proposal.glossary.domain,
        kind=proposal.kind,
        term=proposal.term,
        proposal=proposal,
        status=400 if form.errors else 200,
    )


@require_POST
@refusals_as_http
def proposal_rebase_view(request, pk: int):
    try:
        _, conflicts = proposal_rebase(actor=Actor(user=request.user), proposal_id=pk)
    except errors.NotFound as exc:
        raise Http404(exc.message) from exc
    except errors.PermissionDenied:
        raise
    except errors.ApplicationError as exc:
        _report(request, exc)
        return _back(pk)
    note = f" Both sides changed: {', '.join(conflicts)}; check the diff." if conflicts else ""
    messages.success(request, f"Rebased onto the latest version.{note}")
    return _back(pk)


@require_POST
@refusals_as_http
def proposal_withdraw_view(request, pk: int):
    try:
        proposal_withdraw(actor=Actor(user=request.user), proposal_id=pk)
    except errors.NotFound as exc:
        raise Http404(exc.message) from exc
    except errors.Conflict as exc:
        _report(request, exc)
        return _back(pk)
    messages.success(request, "Withdrawn.")
    return _back(pk)


@require_GET
def review_inbox(request):
    """The steward inbox: proposals waiting for this person's decision, and their own proposals."""
    queue = selectors.steward_inbox(request.user)
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    mine = list(selectors.my_proposals(request.user)[:50])
    return render(
        request,
        "glossary/review.html",
        {"page": page, "mine": mine, "waiting": queue.filter(status="open").count()},
    )
