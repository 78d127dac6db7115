"""What the notices app hears from below: product versions recorded (catalog) and deprecations written."""

from __future__ import annotations

from catalog.signals import deprecations_written, versions_recorded
from core.dispatch import enqueue_ids_on_commit
from slo.signals import incidents_opened


def _versions_recorded(sender, version_ids: list[int], **kwargs) -> None:
    # Telling people reads consumers across apps: a task after commit, not the write's own transaction.
    enqueue_ids_on_commit("notices.tasks.announce_versions", version_ids)


def _deprecations_written(sender, deprecation_ids: list[int], **kwargs) -> None:
    enqueue_ids_on_commit("notices.tasks.announce_deprecations", deprecation_ids)


def _incidents_opened(sender, incident_ids: list[int], **kwargs) -> None:
    enqueue_ids_on_commit("notices.tasks.announce_incidents", incident_ids)


versions_recorded.connect(_versions_recorded, dispatch_uid="notices.versions_recorded")
deprecations_written.connect(_deprecations_written, dispatch_uid="notices.deprecations_written")
incidents_opened.connect(_incidents_opened, dispatch_uid="notices.incidents_opened")
