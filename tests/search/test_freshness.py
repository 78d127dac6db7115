"""The index follows the database: the outbox written with each write, and the reindex command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from catalog.models import DataProduct
from search.backends import get_backend
from search.base import SearchQuery
from search.indexing import on_commit_index_domains, on_commit_index_products, on_commit_index_teams, on_commit_remove
from search.models import IndexOutbox
from search.outbox import caught_up_backend
from search.tasks import index_products
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def titles(text, **filters):
    results = caught_up_backend().search(SearchQuery(text=text, filters={k: (v,) for k, v in filters.items()}))
    return [hit.title for hit in results.hits]


@pytest.fixture(autouse=True)
def _empty_index(db):
    get_backend().clear()


def test_a_product_is_searchable_once_its_write_commits(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        product = ProductFactory(domain=world.domain, name="Churn Scores", slug="churn")
        on_commit_index_products([product.pk])
    assert titles("churn") == ["Churn Scores"]


def test_nothing_is_indexed_if_the_transaction_rolls_back(world, django_capture_on_commit_callbacks):
    # The outbox row is written in the transaction, so a real rollback (not just skipping on-commit callbacks)
    # is what takes it away.
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        product = ProductFactory(domain=world.domain, name="Churn Scores", slug="churn")
        on_commit_index_products([product.pk])
        raise RuntimeError("rolled back")
    assert callbacks == [] and not IndexOutbox.objects.exists() and titles("churn") == []


def test_a_deleted_product_leaves_the_index(world, django_capture_on_commit_callbacks):
    product = ProductFactory(domain=world.domain, name="Churn Scores", slug="churn")
    index_products([product.pk])
    key = f"product:{product.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        product.delete()
        on_commit_remove([key])
    assert titles("churn") == []


def test_indexing_an_id_that_is_gone_removes_it(world):
    product = ProductFactory(domain=world.domain, name="Churn Scores", slug="churn")
    index_products([product.pk])
    DataProduct.objects.filter(pk=product.pk).delete()
    index_products([product.pk])
    assert titles("churn") == []


def test_renaming_a_domain_refreshes_its_products(world, django_capture_on_commit_callbacks):
    ProductFactory(domain=world.domain, name="Churn Scores", slug="churn")
    call_command("search_reindex", "--no-progress", stdout=StringIO())
    world.domain.name = "Commerce"
    world.domain.save()
    with django_capture_on_commit_callbacks(execute=True):
        on_commit_index_domains([world.domain.pk])
    assert "Churn Scores" in titles("commerce")
    assert "Commerce" in titles("commerce", type="domain")


def test_renaming_a_team_refreshes_its_products(world, django_capture_on_commit_callbacks):
    ProductFactory(domain=world.domain, name="Churn Scores", slug="churn")
    world.team.name = "Growth Guild"
    world.team.save()
    with django_capture_on_commit_callbacks(execute=True):
        on_commit_index_teams([world.team.pk])
    assert titles("guild", type="product") == ["Churn Scores"]


def test_reindex_command_reports_and_is_safe_to_rerun(world, capsys):
    ProductFactory(domain=world.domain, name="Churn Scores", slug="churn")
    out = StringIO()
    call_command("search_reindex", stdout=out)
    assert "Indexed 5 documents with the" in out.getvalue()  # 1 product, 2 domains, 2 teams
    assert "5/5 (100%)" in capsys.readouterr().err
    call_command("search_reindex", "--fresh", "--no-progress", stdout=out)
    assert get_backend().count() == 5 and titles("churn") == ["Churn Scores"]


def test_reindex_drops_documents_of_deleted_rows(world):
    product = ProductFactory(domain=world.domain, name="Churn Scores", slug="churn")
    get_backend().reindex()
    DataProduct.objects.filter(pk=product.pk).delete()
    get_backend().reindex()
    assert titles("churn") == [] and get_backend().count() == 4
