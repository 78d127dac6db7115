"""The signed-in person's inbox: what the portal told them, newest first; and the site icon at /favicon.ico."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET, require_POST

from core.models import Notification
from core.notifications import notifications_mark_read


@login_required
@require_GET
def inbox(request):
    show_all = request.GET.get("show") == "all"
    query = Notification.objects.for_user(request.user)
    if not show_all:
        query = query.unread()
    page = Paginator(query, 25).get_page(request.GET.get("page"))
    context = {"page": page, "show_all": show_all}
    if not show_all:
        context["inbox_unread"] = page.paginator.count  # the navigation's badge: the same count, read once
    return render(request, "core/inbox.html", context)


@login_required
@require_POST
def inbox_mark_read(request):
    raw_ids = request.POST.getlist("id")
    ids = [int(i) for i in raw_ids if i.isdigit()] if raw_ids else None
    count = notifications_mark_read(user=request.user, ids=ids)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("inbox")


@login_not_required
@require_GET
def favicon(request):
    """Pages link static/img/favicon.svg themselves; this answers browsers and pages (the admin, the API's JSON)
    that ask for /favicon.ico without a link. Not permanent: the static file's name may change with its hash."""
    return HttpResponseRedirect(static("img/favicon.svg"))
