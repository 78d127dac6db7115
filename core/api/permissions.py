from django.conf import settings
from rest_framework.permissions import SAFE_METHODS, BasePermission


class CatalogReadPermission(BasePermission):
    """Reads need a session or any valid token (unless the portal is public); writes need one always.

    What an authenticated caller may write is decided by the services, which know the domain and the scopes.
    """

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS and settings.PORTAL_PUBLIC_READ:
            return True
        return bool(request.user and request.user.is_authenticated)
