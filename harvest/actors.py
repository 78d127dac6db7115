"""The actor a command-line or scheduled harvest acts as: the platform itself, allowed to write every domain."""

from __future__ import annotations

from core.actors import Actor


class _Platform:
    """Stands in for a person: staff, so the catalog's permission checks let it write (as `manage.py` may)."""

    pk = None
    is_authenticated = True
    is_anonymous = False
    is_staff = True
    is_superuser = False
    is_active = True

    def get_username(self) -> str:
        return "harvest"


def platform_actor() -> Actor:
    return Actor(user=_Platform())


def is_platform(actor: Actor) -> bool:
    return isinstance(actor.user, _Platform)
