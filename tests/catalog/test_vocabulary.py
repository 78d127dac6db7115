"""The settings-free vocabulary mirrors the models: every column size the parsers check is the column's size."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps

from catalog.vocabulary import COLUMN_SIZES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("model", "field"), sorted(COLUMN_SIZES))
def test_column_size_is_the_models(model: str, field: str) -> None:
    assert apps.get_model("catalog", model)._meta.get_field(field).max_length == COLUMN_SIZES[(model, field)]


def test_validation_imports_without_django_settings() -> None:
    code = "import catalog.descriptors, catalog.api.product_input, catalog.diff; print('ok')"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)  # noqa: S603 -- our own interpreter, fixed code
    assert done.stdout.strip() == "ok", done.stderr
