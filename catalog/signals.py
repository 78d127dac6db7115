"""Signals other apps listen to, so the catalog's write paths need not know who reacts to them.

`products_changed` is sent after a write that changed products (their rows, ports, contracts or anything shown
with them) has committed; receivers get `product_ids`, a list. Receivers must be cheap or hand off to a task:
they run in the request that made the write. A receiver that fails is logged and does not undo the write.
"""

from django.dispatch import Signal

products_changed = Signal()
