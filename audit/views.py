from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.forms import AuditFilterForm
from audit.selectors import AuditFilters, audit_entries

ENTRIES_PER_PAGE = 50


@require_GET
@login_required
def audit_log(request):
    if not request.user.is_staff:
        raise PermissionDenied("The audit log is for staff.")
    form = AuditFilterForm(request.GET)
    filters = form.filters()
    page = Paginator(audit_entries(filters), ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/log.html",
        {"form": form, "page": page, "filtered": filters != AuditFilters()},
    )
