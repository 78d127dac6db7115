from django.conf import settings

from core.models import Notification


def portal(request) -> dict:
    user = getattr(request, "user", None)
    context: dict = {"PORTAL_PUBLIC_READ": settings.PORTAL_PUBLIC_READ}
    if user is not None and user.is_authenticated:
        # Lazy: pages that do not show the navigation never run the query.
        context["inbox_unread"] = lambda: Notification.objects.for_user(user).unread().count()
    return context
