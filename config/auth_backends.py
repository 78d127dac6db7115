"""django-axes' backend, minus its refusal of calls that carry no request.

Sign-in through the login page (and the admin) always passes the request, so every web sign-in is counted and
locked out. A call without a request is not a web sign-in (the test client's `login()`, a management command);
there is no address to throttle on, so it is left to the next backend rather than failing with an error.
"""

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, credentials, *args, **kwargs):
    """The page shown on a locked-out sign-in: the login card with the reason and how long the pause lasts."""
    from django.conf import settings
    from django.shortcuts import render

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if settings.AXES_COOLOFF_TIME else None
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)
