"""Loading the demo without flooding the terminal with its mails.

The demo's writes go through the apps' services, which queue notifications and mail them once each write
commits. The demo's people are made up (`@acme.example`) and `make run` seeds with the console mail backend on,
so every one of those mails would be printed in full before the server starts. While the demo loads, mails go
to Django's in-memory backend instead (the inbox rows stay, so the demo logins still see them), and the command
prints one line saying what was queued. The configured backend is back in place for `runserver` afterwards.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core import mail
from django.db.models import Count

from core.models import Notification

HELD_BACK_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# core.tasks logs "mailed N notifications" per commit: dozens of lines while the demo loads, news to nobody.
_QUIET_LOGGERS = ("core.tasks",)


@dataclass
class HeldMails:
    """What loading the demo queued: notifications by kind, the people they went to, and the mails held back."""

    kinds: Counter[str] = field(default_factory=Counter)
    people: int = 0
    mails: int = 0

    @property
    def total(self) -> int:
        return sum(self.kinds.values())

    def line(self) -> str:
        if not self.total:
            return "Queued no notifications."
        by_area = Counter[str]()
        for kind, n in self.kinds.items():
            by_area[_area(kind)] += n
        areas = ", ".join(f"{area} {n}" for area, n in sorted(by_area.items(), key=lambda item: (-item[1], item[0])))
        mails = f"their {self.mails} mails were" if self.mails != 1 else "its mail was"
        return (
            f"Queued {self.total} notification{'s' if self.total != 1 else ''} for {self.people} "
            f"{'person' if self.people == 1 else 'people'} ({areas}); {mails} held back while seeding: "
            "sign in and open the Inbox to read them."
        )


def _area(kind: str) -> str:
    # The app a kind comes from: "access.request_submitted" -> "access", "slo_breach" -> "slo".
    return re.split(r"[._]", kind, maxsplit=1)[0]


@contextmanager
def mails_held_back() -> Iterator[HeldMails]:
    """Within the block, mails go to memory and are dropped; on leaving, the result says what was queued."""
    held = HeldMails()
    before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    configured = settings.EMAIL_BACKEND
    had_outbox = hasattr(mail, "outbox")
    saved_outbox = list(getattr(mail, "outbox", []))
    loggers = {name: logging.getLogger(name) for name in _QUIET_LOGGERS}
    levels = {name: logger.level for name, logger in loggers.items()}
    settings.EMAIL_BACKEND = HELD_BACK_BACKEND
    mail.outbox = []
    for logger in loggers.values():
        logger.setLevel(logging.WARNING)
    try:
        yield held
    finally:
        held.mails = len(mail.outbox)
        settings.EMAIL_BACKEND = configured
        if had_outbox:
            mail.outbox = saved_outbox
        else:
            del mail.outbox
        for name, logger in loggers.items():
            logger.setLevel(levels[name])
        new = Notification.objects.filter(pk__gt=before)
        held.kinds.update(dict(new.values_list("kind").annotate(n=Count("pk")).order_by()))
        held.people = new.values("recipient_id").distinct().count()
