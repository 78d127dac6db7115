"""Catalog pages. Thin: selectors read, services write, templates show."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog import product_tabs, selectors
from catalog.forms import ProductFilterForm
from core.actors import Actor

PRODUCTS_PER_PAGE = 25


@require_GET
def home(request):
    return render(request, "catalog/home.html", {"summary": selectors.home_summary(request.user)})


@require_GET
def domain_list(request):
    return render(request, "catalog/domain_list.html", {"tree": selectors.domain_tree()})


def _page(rows, request):
    return Paginator(rows, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))


@require_GET
def domain_detail(request, slug: str):
    detail = selectors.domain_detail(slug)
    return render(request, "catalog/domain_detail.html", {"detail": detail, "page": _page(detail.products, request)})


@require_GET
def product_list(request):
    form = ProductFilterForm(request.GET, **selectors.filter_choices())
    filters = form.filters()
    page = _page(selectors.products_list(filters), request)
    return render(
        request,
        "catalog/product_list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "filtered": any(vars(filters).values()),
            "applied": sum(1 for value in vars(filters).values() if value),
        },
    )


# The tabs that show the ports' data contracts; the others leave them unread.
_CONTRACT_TABS = {"contract"}


@require_GET
def product_detail(request, domain_slug: str, slug: str):
    tab = product_tabs.selected(request.GET.get("tab"))
    detail = selectors.product_detail(domain_slug, slug, with_contracts=tab.name in _CONTRACT_TABS)
    return render(
        request,
        "catalog/product_detail.html",
        {"detail": detail, "tab": tab, "tabs": product_tabs.TABS, "anchor_tabs": product_tabs.ANCHOR_TABS_JSON},
    )


@require_GET
def team_list(request):
    return render(request, "catalog/team_list.html", {"teams": selectors.team_list()})


@require_GET
def team_detail(request, slug: str):
    detail = selectors.team_detail(slug)
    can_manage = Actor(user=request.user).is_team_owner(detail.team.pk)
    context = {"detail": detail, "can_manage": can_manage, "page": _page(detail.products, request)}
    return render(request, "catalog/team_detail.html", context)
