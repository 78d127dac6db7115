from django.conf import settings


def portal(request) -> dict:
    return {"PORTAL_PUBLIC_READ": settings.PORTAL_PUBLIC_READ}
