"""What every app's pages share: the services' refusals as HTTP answers, and their field errors on forms."""

from __future__ import annotations

from functools import wraps
from typing import ClassVar

from django import forms
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404

from core import errors


def refusals_as_http(view):
    """The services' refusals as Django's: PermissionDenied renders 403.html, NotFound 404.html. Something the
    person may not see (another person's request, say) is refused with NotFound, so it answers like a missing one."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except errors.PermissionDenied as exc:
            raise HttpForbidden(exc.message) from exc
        except errors.NotFound as exc:
            raise Http404(exc.message) from exc

    return wrapper


class ServiceErrorsForm(forms.Form):
    """A form that shows a service's field errors next to the fields they name ("/scopes/2" belongs to
    `scopes`), and the others on the form as a whole. `path_to_field` maps a pointer's first segment to a form
    field where their names differ."""

    path_to_field: ClassVar[dict[str, str]] = {}

    def add_service_errors(self, errors: list[errors.FieldError]) -> None:
        for error in errors:
            name = error.path.strip("/").split("/", 1)[0]
            name = self.path_to_field.get(name, name)
            self.add_error(name if name in self.fields else None, error.message)
