"""Backup, wipe, restore: the data and its search results come back; the index is rebuilt, not restored."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import DataProduct
from core.actors import Scope
from search.backends import get_backend
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published(world):
    client = bearer_client(world.team, [Scope.READ, Scope.WRITE_PRODUCTS])
    body = {"name": "Zebra Crossings", "summary": "Every zebra crossing in town.", "status": "published"}
    assert client.put("/api/v1/products/sales/zebra-crossings", body, format="json").status_code == 201
    assert titles(client, "zebra") == ["Zebra Crossings"]


def titles(client, q: str) -> list[str]:
    response = client.get("/api/v1/search", {"q": q})
    assert response.status_code == 200
    return [hit["title"] for hit in response.json()["hits"]]


def test_backup_wipe_restore_brings_back_rows_and_search(published, tmp_path, world):
    target = tmp_path / "portal.backup"
    out = io.StringIO()
    call_command("portal_backup", "--output", str(target), stdout=out)
    assert target.exists() and "Backed up" in out.getvalue()

    call_command("flush", "--noinput")
    get_backend().clear()
    assert not DataProduct.objects.exists()

    out = io.StringIO()
    call_command("portal_restore", str(target), "--noinput", stdout=out)
    assert "Restored" in out.getvalue() and "Indexed" in out.getvalue()

    product = DataProduct.objects.get(domain__slug="sales", slug="zebra-crossings")
    assert product.owner_team.slug == "sales-team"
    reader = bearer_client(product.owner_team, [Scope.READ])
    assert titles(reader, "zebra") == ["Zebra Crossings"]


def test_a_backup_never_overwrites_a_file(published, tmp_path):
    target = tmp_path / "exists.backup"
    target.write_text("keep me")
    with pytest.raises(CommandError, match="exists already"):
        call_command("portal_backup", "--output", str(target))
    assert target.read_text() == "keep me"


def test_restore_refuses_a_file_that_is_not_a_backup(published, tmp_path):
    bogus = tmp_path / "bogus.backup"
    bogus.write_text("hello")
    with pytest.raises(CommandError, match="is not"):
        call_command("portal_restore", str(bogus), "--noinput")
    assert DataProduct.objects.filter(slug="zebra-crossings").exists()
