"""The connection form of the domain connections page; checks are the service's (harvest.services.sql)."""

from __future__ import annotations

from django import forms

from core.web import ServiceErrorsForm


class ConnectionForm(ServiceErrorsForm):
    name = forms.CharField(label="Name", max_length=80, help_text="Letters, digits, - and _.")
    url = forms.CharField(
        label="SQLAlchemy URL",
        max_length=500,
        help_text="Without the password: postgresql://harvester@db.example.org:5432/warehouse, "
        "mysql://reader@10.0.0.5:3306/shop, sqlite:////srv/data/app.sqlite3.",
    )
    secret_env = forms.CharField(
        label="Password from environment variable", max_length=120, required=False, help_text="e.g. WAREHOUSE_PASSWORD"
    )
    secret_file = forms.CharField(
        label="…or from a file", max_length=500, required=False, help_text="An absolute path the portal can read."
    )
    schedule_minutes = forms.IntegerField(
        label="Harvest every (minutes)", min_value=0, initial=0, help_text="0: only when asked."
    )
    measure = forms.BooleanField(label="Also count rows and read last-modified times", required=False)
