"""Telling people: notices for new product versions, deprecations and saved-search matches, per each person's
preferences (immediately, daily digest, off; inbox and mail), and the domains' chat webhooks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from access.selectors import is_domain_owner
from access.webhooks import WebhookRefused, check_endpoint
from catalog.models import DataProduct, ProductVersion
from core.dispatch import enqueue_on_commit
from core.errors import FieldError, PermissionDenied, ValidationFailed
from core.notifications import notify
from notices import recipients
from notices.models import ChatDelivery, ChatWebhook, Frequency, Notice, NoticeKind, Preference
from slo.models import Incident

# What a person gets before choosing: changes that may break them at once, the rest in the daily digest.
DEFAULT_FREQUENCY = {
    NoticeKind.BREAKING_CHANGE: Frequency.IMMEDIATELY,
    NoticeKind.DEPRECATION: Frequency.IMMEDIATELY,
    NoticeKind.INCIDENT: Frequency.IMMEDIATELY,
    NoticeKind.NEW_VERSION: Frequency.DIGEST,
    NoticeKind.NEW_MATCH: Frequency.DIGEST,
}


@dataclass(frozen=True)
class Message:
    kind: str
    key: str  # what it is about, once per person: "version:12", "deprecation:3:14d"
    title: str
    body: str = ""
    url: str = ""
    product: DataProduct | None = None
    version_id: int | None = None


def preferences_of(user_ids: set[int], kind: str) -> dict[int, tuple[str, bool]]:
    rows = Preference.objects.filter(user_id__in=user_ids, kind=kind).values_list("user_id", "frequency", "mail")
    return {user_id: (frequency, mail) for user_id, frequency, mail in rows}


def tell(*, message: Message, reasons: dict[int, set[str]], exclude: set[int] | None = None) -> list[Notice]:
    """Record the notice for each person (once per key) and put the immediate ones in the inbox (and mail);
    digest ones wait for `digests_send`. A fixed number of queries whatever the number of people."""
    wanted = set(reasons) - (exclude or set())
    if not wanted:
        return []
    wanted -= set(Notice.objects.filter(key=message.key, user_id__in=wanted).values_list("user_id", flat=True))
    if not wanted:
        return []
    prefs = preferences_of(wanted, message.kind)
    people = get_user_model().objects.filter(pk__in=wanted, is_active=True).order_by("pk")
    now = timezone.now()
    rows: list[Notice] = []
    loud: list = []
    quiet: list = []
    for user in people:
        frequency, mail = prefs.get(user.pk, (DEFAULT_FREQUENCY[NoticeKind(message.kind)], True))
        if frequency == Frequency.OFF:
            continue
        immediate = frequency == Frequency.IMMEDIATELY
        rows.append(
            Notice(
                user=user,
                kind=message.kind,
                key=message.key[:200],
                product=message.product,
                version_id=message.version_id,
                title=message.title[:300],
                body=message.body,
                url=message.url[:500],
                reasons=sorted(reasons[user.pk]),
                frequency=frequency,
                sent_at=now if immediate else None,
            )
        )
        if immediate:
            (loud if mail else quiet).append(user)
    created = Notice.objects.bulk_create(rows, ignore_conflicts=True)
    kind = f"notices.{message.kind}"
    notify(recipients=loud, kind=kind, title=message.title, body=message.body, url=message.url, mail=True)
    notify(recipients=quiet, kind=kind, title=message.title, body=message.body, url=message.url, mail=False)
    return created


def _version_message(version: ProductVersion) -> Message:
    product = version.product
    kind = NoticeKind.BREAKING_CHANGE if version.breaking else NoticeKind.NEW_VERSION
    what = f"contract {version.contract_id}" if version.subject == "contract" else product.name
    label = f" {version.version}" if version.version else ""
    title = f"Breaking change to {what}{label}" if version.breaking else f"New version of {what}{label}"
    lines = [
        f"- {c['path']}: {c['reason'] or 'changed'}{' (breaking)' if c.get('breaking') else ''}"
        for c in version.changes[:30]
    ]
    if len(version.changes) > 30:
        lines.append(f"- and {len(version.changes) - 30} more")
    body = f"{product.identifier}, version #{version.number} by {version.author_label}.\n\n" + "\n".join(lines)
    return Message(
        kind, f"version:{version.pk}", title, body, product.get_tab_url("history", "versions"), product, version.pk
    )


def versions_announce(*, version_ids: list[int]) -> int:
    """Tell each version's consumers and followers (not its author); answers how many notices were recorded.
    Versions that changed nothing a consumer reads (a first version, metadata only) tell nobody."""
    told = 0
    # The snapshot (the whole descriptor, decoded from JSON for every version) is not part of the message.
    versions = (
        ProductVersion.objects.filter(pk__in=version_ids)
        .select_related("product__domain")
        .defer("snapshot")
        .order_by("pk")
    )
    for version in versions:
        if not version.changes:
            continue
        message = _version_message(version)
        reasons = recipients.consumers({version.product_id})
        exclude = {version.author_id} if version.author_id else set()
        with transaction.atomic():
            told += len(tell(message=message, reasons=reasons, exclude=exclude))
            chat_queue(domain_id=version.product.domain_id, message=message)
    return told


def incidents_announce(*, incident_ids: list[int]) -> int:
    """Tell a product's consumers and followers that one of its objectives is breached (its owners hear from
    slo itself)."""
    told = 0
    for incident in Incident.objects.filter(pk__in=incident_ids).select_related("slo__product__domain"):
        product = incident.slo.product
        message = Message(
            NoticeKind.INCIDENT,
            f"incident:{incident.pk}",
            f"Incident: {product.name} — objective '{incident.slo.name}' breached",
            f"Breached since {incident.opened_at:%Y-%m-%d %H:%M} UTC.",
            product.get_absolute_url() + "#slos",
            product,
        )
        owners = set(product.owner_team.memberships.values_list("user_id", flat=True))
        with transaction.atomic():
            told += len(tell(message=message, reasons=recipients.consumers({product.pk}), exclude=owners))
            chat_queue(domain_id=product.domain_id, message=message)
    return told


def digests_send(*, now=None) -> int:
    """One inbox entry (and mail, unless every notice in it was chosen without) per person with digest notices
    waiting; answers how many people got one. Idempotent: a sent notice is marked in the same transaction."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        pending = list(
            Notice.objects.pending_digest().select_for_update(of=("self",), skip_locked=True).order_by("user_id", "pk")
        )
        by_user: dict[int, list[Notice]] = defaultdict(list)
        for notice in pending:
            by_user[notice.user_id].append(notice)
        if not by_user:
            return 0
        mail_off = {
            (user_id, kind)
            for user_id, kind in Preference.objects.filter(user_id__in=list(by_user), mail=False).values_list(
                "user_id", "kind"
            )
        }
        people = {u.pk: u for u in get_user_model().objects.filter(pk__in=list(by_user), is_active=True)}
        for user_id, notices in by_user.items():
            user = people.get(user_id)
            if user is None:
                continue
            body = "\n".join(f"- {n.title} ({n.get_kind_display().lower()})" for n in notices)
            mail = any((user_id, n.kind) not in mail_off for n in notices)
            notify(
                recipients=[user],
                kind="notices.digest",
                title=f"Your daily digest: {len(notices)} change(s) to what you consume or follow",
                body=body,
                url="/my-data/",
                mail=mail,
            )
            sent += 1
        Notice.objects.filter(pk__in=[n.pk for n in pending]).update(sent_at=now)
    return sent


# ---- chat webhooks ---------------------------------------------------------------------------------------------


def chat_payload(message: Message, event_id: str) -> dict:
    """Slack-compatible: `text` for any incoming webhook, `blocks` for the richer view, plus the portal's fields."""
    link = message.url
    text = f"*{message.title}*" + (f" <{link}|open>" if link else "")
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "section", "text": {"type": "mrkdwn", "text": message.body[:2900] or " "}},
        ],
        "portal": {
            "id": event_id,
            "kind": message.kind,
            "product": message.product.identifier if message.product is not None else None,
            "url": link,
        },
    }


def chat_queue(*, domain_id: int, message: Message) -> ChatDelivery | None:
    """In the caller's transaction: a delivery row for the domain's chat webhook, sent by a task after commit."""
    hook = ChatWebhook.objects.filter(domain_id=domain_id).first()
    if hook is None or (hook.kinds and message.kind not in hook.kinds):
        return None
    delivery = ChatDelivery(webhook=hook, kind=message.kind, payload={})
    delivery.payload = chat_payload(message, str(delivery.event_id))
    delivery.save()
    enqueue_on_commit("notices.tasks.deliver_chat", delivery.pk)
    return delivery


def chat_webhook_set(*, actor, domain, url: str, kinds: list[str] | None = None) -> ChatWebhook:
    """A domain owner sets (or, with url='', removes) the domain's chat webhook. The URL must pass the
    provisioning webhook's allow-list (ACCESS_WEBHOOK_ALLOWED_HOSTS)."""
    user = actor.person("set a domain's chat webhook")
    if not (user.is_staff or is_domain_owner(user, domain)):
        raise PermissionDenied(f"Only the owners of domain '{domain.slug}' may set its chat webhook.")
    kinds = list(kinds or [])
    errors = [
        FieldError(f"/kinds/{i}", "Unknown notice kind.") for i, k in enumerate(kinds) if k not in NoticeKind.values
    ]
    url = (url or "").strip()
    if url:
        try:
            check_endpoint(url)
        except WebhookRefused as exc:
            errors.append(FieldError("/url", str(exc)))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        if not url:
            ChatWebhook.objects.filter(domain=domain).delete()
            return ChatWebhook(domain=domain, url="", kinds=[])
        hook, _ = ChatWebhook.objects.update_or_create(domain=domain, defaults={"url": url, "kinds": kinds})
    return hook
