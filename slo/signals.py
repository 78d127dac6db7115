"""Signals slo sends for the apps above it (connected in their AppConfig.ready()).

- `incidents_opened(incident_ids)`: an objective was breached and an incident opened; sent inside the
  evaluation's transaction (receivers only record or queue work). The notices app tells the product's consumers.
"""

from __future__ import annotations

from django.dispatch import Signal

incidents_opened = Signal()
