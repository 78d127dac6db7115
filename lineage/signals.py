"""Signals other apps listen to (SLO measurements from run events, for one).

`events_stored` is sent after a call that stored new OpenLineage events has committed; receivers get `events`,
the list of `lineage.openlineage.ParsedEvent` that were new (replays are not included). Receivers run in the
ingesting request: keep them cheap and hand real work to a task. A receiver that fails is logged, and the
events stay stored.
"""

from django.dispatch import Signal

events_stored = Signal()
