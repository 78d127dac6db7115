"""Query parameters of list endpoints: a bad value is an error naming the parameter, never a filter silently
dropped (which would list everything: found by schemathesis)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.errors import FieldError, ValidationFailed

_YES = ("1", "true", "yes")
_NO = ("", "0", "false", "no")


def choice(params: Mapping[str, str], name: str, allowed: Sequence[str]) -> str:
    """The parameter's value, '' when it is absent; present but not one of `allowed` (empty included) is a 400."""
    if name not in params:
        return ""
    value = params[name]
    if value not in allowed:
        raise ValidationFailed(
            [FieldError(f"/{name}", f"Must be one of: {', '.join(allowed)}.")],
            message="The request has invalid parameters.",
        )
    return value


def flag(params: Mapping[str, str], name: str) -> bool:
    """A yes/no parameter; anything else is a 400, not a silent "no"."""
    value = params.get(name, "").lower()
    if value not in _YES + _NO:
        raise ValidationFailed([FieldError(f"/{name}", "Must be true or false.")], message="Invalid parameters.")
    return value in _YES
