"""Following a product, a domain or a glossary term, and choosing how each kind of notice arrives."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from catalog.models import DataProduct, Domain
from core.actors import Actor
from core.errors import FieldError, ValidationFailed
from glossary.models import Term
from notices.models import Follow, FollowTarget, Frequency, NoticeKind, Preference

Target = DataProduct | Domain | Term


def _target_fields(target: Target) -> dict:
    if isinstance(target, DataProduct):
        return {"target": FollowTarget.PRODUCT, "product": target}
    if isinstance(target, Domain):
        return {"target": FollowTarget.DOMAIN, "domain": target}
    return {"target": FollowTarget.TERM, "term": target}


def follow_create(*, actor: Actor, target: Target) -> Follow:
    """Follow it (again is a no-op). Only people follow: a pipeline token has no inbox."""
    user = actor.person("follow products, domains or terms")
    fields = _target_fields(target)
    try:
        with transaction.atomic():
            follow, _ = Follow.objects.get_or_create(user=user, **fields)
    except IntegrityError:
        follow = Follow.objects.get(user=user, **fields)
    return follow


def follow_delete(*, actor: Actor, target: Target) -> int:
    user = actor.person("unfollow")
    deleted, _ = Follow.objects.filter(user=user, **_target_fields(target)).delete()
    return deleted


def is_following(user, target: Target) -> bool:
    if not user.is_authenticated:
        return False
    return Follow.objects.filter(user=user, **_target_fields(target)).exists()


def preferences_set(*, actor: Actor, choices: dict[str, dict]) -> list[Preference]:
    """`choices`: kind -> {"frequency": immediately|digest|off, "mail": bool}; unknown kinds or values are
    refused, naming them (/breaking_change/frequency)."""
    user = actor.person("choose notice preferences")
    errors = []
    clean: dict[str, tuple[str, bool]] = {}
    for kind, choice in choices.items():
        if kind not in NoticeKind.values:
            errors.append(FieldError(f"/{kind}", f"Unknown kind. Choose from: {', '.join(NoticeKind.values)}."))
            continue
        if not isinstance(choice, dict):
            errors.append(FieldError(f"/{kind}", 'An object: {"frequency": ..., "mail": ...}.'))
            continue
        frequency = choice.get("frequency", Frequency.IMMEDIATELY)
        mail = choice.get("mail", True)
        if not isinstance(frequency, str) or frequency not in Frequency.values:
            errors.append(FieldError(f"/{kind}/frequency", f"One of {', '.join(Frequency.values)}."))
        if not isinstance(mail, bool):
            errors.append(FieldError(f"/{kind}/mail", "true or false."))
        clean[kind] = (frequency, mail)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        for kind, (frequency, mail) in clean.items():
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"frequency": frequency, "mail": mail})
    return list(Preference.objects.filter(user=user))
