"""Glossary pages for reading: the home, a domain's A-Z and tree, a term, its versions; import and export.

Proposal pages are in `views_proposals`. Thin views: selectors read, services write, templates show.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import errors
from core.actors import Actor
from core.web import refusals_as_http
from glossary import selectors
from glossary.forms import ImportForm, LinkForm
from glossary.importexport import export_csv, export_json
from glossary.models import LinkSuggestion, Term, TermStatus
from glossary.permissions import ensure_is_steward, is_steward
from glossary.selectors import LETTERS
from glossary.services.imports import glossary_import
from glossary.services.links import (
    parse_target,
    resolve_target,
    suggestion_decide,
    term_link,
    term_unlink,
)
from glossary.tasks import suggest_links_in_glossary

TERMS_PER_PAGE = 100
TREE_PER_PAGE = 100


def _letter(request) -> str:
    letter = request.GET.get("letter", "").upper()
    return letter if letter in LETTERS else ""


def _status(request) -> str:
    status = request.GET.get("status", "")
    return status if status in TermStatus.values else ""


@require_GET
def glossary_home(request):
    """Every domain's glossary, and an A-Z of terms across all of them."""
    letter, q = _letter(request), request.GET.get("q", "").strip()[:200]
    terms = selectors.term_list(letter=letter, q=q, status=_status(request)) if (letter or q) else None
    page = Paginator(terms, TERMS_PER_PAGE).get_page(request.GET.get("page")) if terms is not None else None
    return render(
        request,
        "glossary/home.html",
        {
            "glossaries": selectors.glossaries_overview(),
            "letters": selectors.letter_counts(),
            "letter": letter,
            "q": q,
            "page": page,
            "review_count": selectors.review_count(request.user),
        },
    )


@require_GET
def glossary_domain(request, domain: str):
    """One domain's glossary in A-Z order, a letter at a time or searched."""
    domain_obj, glossary = selectors.glossary_of(domain)
    letter, q, status = _letter(request), request.GET.get("q", "").strip()[:200], _status(request)
    page = None
    letters = {letter: 0 for letter in LETTERS}
    if glossary is not None:
        letters = selectors.letter_counts(glossary)
        terms = selectors.term_list(glossary, letter=letter, q=q, status=status)
        paginator = Paginator(terms, TERMS_PER_PAGE)
        if not (q or status):
            # The A-Z bar has counted these already; the paginator need not count them again.
            paginator.count = letters[letter] if letter else sum(letters.values())  # type: ignore[misc]
        page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "glossary/domain.html",
        {
            "domain": domain_obj,
            "glossary": glossary,
            "letters": letters,
            "letter": letter,
            "q": q,
            "status": status,
            "page": page,
            "can_steward": is_steward(Actor(user=request.user), domain_obj),
        },
    )


@require_GET
def glossary_tree(request, domain: str):
    """The hierarchy one level at a time; htmx asks for a level as a fragment when a node is opened."""
    _, glossary = selectors.glossary_of(domain)
    if glossary is None:
        raise Http404("This domain has no glossary yet.")
    parent = None
    if request.GET.get("parent"):
        parent = get_object_or_404(Term.objects.select_related("parent"), glossary=glossary, slug=request.GET["parent"])
    page = Paginator(selectors.tree_level(glossary, parent), TREE_PER_PAGE).get_page(request.GET.get("page"))
    context = {"domain": glossary.domain, "glossary": glossary, "parent": parent, "page": page}
    if request.headers.get("HX-Request"):
        return render(request, "glossary/_partials/tree_level.html", context)
    return render(request, "glossary/tree.html", context)


@require_GET
def glossary_term(request, domain: str, slug: str):
    detail = selectors.term_detail(domain, slug, Actor(user=request.user))
    return render(request, "glossary/term.html", {"detail": detail, "term": detail.term, "link_form": LinkForm()})


@require_GET
def glossary_version(request, domain: str, slug: str, number: int):
    return render(request, "glossary/version.html", {"detail": selectors.version_detail(domain, slug, number)})


@require_GET
def glossary_export(request, domain: str, fmt: str):
    _, glossary = selectors.glossary_of(domain)
    if glossary is None:
        raise Http404("This domain has no glossary yet.")
    if fmt not in ("csv", "json"):
        raise Http404("Export as .csv or .json.")
    if fmt == "json":
        body, content_type = export_json(glossary), "application/json"
    else:
        body, content_type = export_csv(glossary), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"glossary-{domain}.{fmt}")
    return response


@require_http_methods(["GET", "POST"])
@refusals_as_http
def glossary_import_view(request, domain: str):
    domain_obj, glossary = selectors.glossary_of(domain)
    actor = Actor(user=request.user)
    ensure_is_steward(actor, domain_obj, "import its glossary")
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = glossary_import(
                actor=actor,
                domain_slug=domain,
                raw=form.cleaned_data["file"].read(),
                fmt=form.fmt(),
                note=form.cleaned_data["note"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except errors.ValidationFailed as exc:
            return render(
                request,
                "glossary/import.html",
                {"glossary": glossary, "domain": domain_obj, "form": form, "failure": exc},
                status=400,
            )
        if not result.dry_run:
            messages.success(
                request,
                f"Imported: {len(result.created)} new, {len(result.updated)} changed, {result.unchanged} unchanged.",
            )
            return redirect("glossary_domain", domain=domain)
    return render(
        request,
        "glossary/import.html",
        {"glossary": glossary, "domain": domain_obj, "form": form, "result": result},
    )


@require_GET
@refusals_as_http
def glossary_suggestions(request, domain: str):
    domain_obj, glossary = selectors.glossary_of(domain)
    ensure_is_steward(Actor(user=request.user), domain_obj, "see its link suggestions")
    found = selectors.open_suggestions(glossary) if glossary is not None else LinkSuggestion.objects.none()
    page = Paginator(found, 100).get_page(request.GET.get("page"))
    return render(request, "glossary/suggestions.html", {"glossary": glossary, "domain": domain_obj, "page": page})


@require_POST
@refusals_as_http
def glossary_suggestions_refresh(request, domain: str):
    domain_obj, glossary = selectors.glossary_of(domain)
    ensure_is_steward(Actor(user=request.user), domain_obj, "refresh its link suggestions")
    if glossary is not None:
        # A scan of every field in the catalog: a task (in-process in the embedded profile, so done by now).
        suggest_links_in_glossary.delay(glossary.pk)
    messages.success(request, "Looked for fields that mention this glossary's terms; new suggestions are listed.")
    return redirect("glossary_suggestions", domain=domain)


@require_POST
@refusals_as_http
def glossary_suggestion_decide(request, pk: int):
    accept = request.POST.get("decision") == "accept"
    try:
        suggestion = suggestion_decide(actor=Actor(user=request.user), suggestion_id=pk, accept=accept)
    except errors.Conflict as exc:
        messages.error(request, exc.message)
        return redirect(request.POST.get("next") or "glossary_home")
    except errors.NotFound as exc:
        raise Http404(exc.message) from exc
    verb = "Linked" if accept else "Dismissed"
    messages.success(request, f"{verb}: “{suggestion.term.name}” and field {suggestion.field.name}.")
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") else "glossary_home")


@require_POST
@refusals_as_http
def glossary_link(request, domain: str, slug: str):
    """Add (or with `remove`, take away) a link from the term to a product or a field."""
    term = selectors.term_get(domain, slug)
    form = LinkForm(request.POST)
    if form.is_valid():
        try:
            target = resolve_target(**parse_target(form.cleaned_data["target"]))
            actor = Actor(user=request.user)
            if request.POST.get("remove"):
                term_unlink(actor=actor, term=term, target=target)
                messages.success(request, "Link removed.")
            else:
                term_link(actor=actor, term=term, target=target)
                messages.success(request, f"Linked to {form.cleaned_data['target']}.")
        except (errors.ValidationFailed, errors.NotFound) as exc:
            messages.error(request, exc.errors[0].message if exc.errors else exc.message)
    else:
        messages.error(request, "Name a product or a field to link.")
    return redirect(term.get_absolute_url() + "#where-used")
