"""The domain's own errors. Services raise these; the API turns them into problem+json, pages into messages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    """One bad field: `path` is a JSON Pointer into the submitted document ('' for the whole document)."""

    path: str
    message: str


@dataclass
class ApplicationError(Exception):
    message: str
    status: int = 400
    code: str = "invalid"
    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.errors:
            return self.message
        details = "; ".join(f"{e.path or '/'}: {e.message}" for e in self.errors)
        return f"{self.message} ({details})"


class ValidationFailed(ApplicationError):
    def __init__(self, errors: list[FieldError], message: str = "The document has invalid fields."):
        super().__init__(message=message, status=400, code="validation-error", errors=errors)


class NotFound(ApplicationError):
    def __init__(self, message: str, path: str = ""):
        errors = [FieldError(path, message)] if path else []
        super().__init__(message=message, status=404, code="not-found", errors=errors)


class PermissionDenied(ApplicationError):
    def __init__(self, message: str):
        super().__init__(message=message, status=403, code="forbidden")


class Conflict(ApplicationError):
    def __init__(self, message: str, path: str = ""):
        errors = [FieldError(path, message)] if path else []
        super().__init__(message=message, status=409, code="conflict", errors=errors)


def pointer(*parts: str | int) -> str:
    """A JSON Pointer (RFC 6901) from path segments."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
