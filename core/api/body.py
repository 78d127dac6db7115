"""Reading the small request bodies that views take apart by hand (no serializer): a body or a field of the wrong
shape is a 400 naming it, never read as if it were empty. Read as empty, a JSON array sent to the chat webhook
removed the webhook and `{"accept": "yes"}` dismissed a link suggestion."""

from __future__ import annotations

from typing import Any

from core.errors import FieldError, ValidationFailed

_FORM_BOOLS = {"true": True, "1": True, "false": False, "0": False}


def body_object(data: Any, shape: str) -> dict:
    """The body as a dict (a JSON object, or a form's fields); `shape` shows the caller what to send."""
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("", f"The body must be an object: {shape}.")])
    return data


def body_bool(data: dict, name: str) -> bool:
    """A required yes/no: JSON true or false, or 1 or 0 (a form sends "true"/"false" or "1"/"0")."""
    value = data.get(name)
    if isinstance(value, bool):
        return value
    if type(value) is int and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in _FORM_BOOLS:
        return _FORM_BOOLS[value.lower()]
    raise ValidationFailed([FieldError(f"/{name}", "Required: true or false.")])


def body_str(data: dict, name: str) -> str:
    """An optional string, '' when absent or null."""
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed([FieldError(f"/{name}", "Must be a string.")])
    return value


def body_str_list(data: dict, name: str) -> list[str]:
    """An optional list of strings, [] when absent or null; a form may repeat the field instead."""
    getlist = getattr(data, "getlist", None)
    value = getlist(name) if getlist is not None else data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationFailed([FieldError(f"/{name}", "Must be a list of strings.")])
    bad = [FieldError(f"/{name}/{i}", "Must be a string.") for i, item in enumerate(value) if not isinstance(item, str)]
    if bad:
        raise ValidationFailed(bad)
    return value
