"""Pages that list a domain's or a team's products show one page of them, in as many queries at 3 products as
at 40 (a domain of the 100k-product mesh must not render 100k rows)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Tag
from tests.factories import ProductFactory


@pytest.fixture
def signed_in(client, world):
    client.force_login(world.member)
    return client


def product_names(response) -> list[str]:
    return re.findall(r'class="product-name">(.*?)</a>', response.content.decode())


def make_products(world, start: int, n: int) -> None:
    for i in range(start, start + n):
        product = ProductFactory(
            domain=world.domain, owner_team=world.team, slug=f"p-{i:03}", name=f"P {i:03}", status="published"
        )
        product.tags.add(Tag.objects.get_or_create(name=f"t{i % 5}")[0])


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", ["/domains/sales/", "/teams/sales-team/"])
def test_the_page_shows_25_products_and_a_next_page(signed_in, world, url):
    make_products(world, 0, 30)

    first = signed_in.get(url)
    assert product_names(first) == [f"P {i:03}" for i in range(25)]
    page = first.content.decode()
    assert "30 products" in page
    assert "Page 1 of 2" in page
    assert 'href="?page=2" rel="next"' in page

    second = signed_in.get(f"{url}?page=2")
    assert product_names(second) == [f"P {i:03}" for i in range(25, 30)]
    assert signed_in.get(f"{url}?page=99").status_code == 200  # past the end: the last page


@pytest.mark.parametrize("url", ["/domains/sales/", "/teams/sales-team/"])
def test_the_page_takes_as_many_queries_at_3_products_as_at_40(signed_in, world, url, django_assert_num_queries):
    make_products(world, 0, 3)
    few = queries_of(signed_in, url)
    make_products(world, 3, 37)

    with django_assert_num_queries(few):
        response = signed_in.get(url)
    assert len(product_names(response)) == 25


def test_the_products_list_pages_across_domains_in_domain_then_name_order(signed_in, world):
    from tests.factories import DomainFactory

    archive = DomainFactory(slug="archive", name="Archive", owner_team=world.team)  # before Sales by name
    for i in range(20):
        ProductFactory(domain=archive, slug=f"a-{i:02}", name=f"A {i:02}", status="published")
    make_products(world, 0, 20)
    ProductFactory(domain=archive, slug="gone", name="A gone", status="retired")

    first = product_names(signed_in.get("/products/"))
    second = product_names(signed_in.get("/products/?page=2"))
    assert first == [f"A {i:02}" for i in range(20)] + [f"P {i:03}" for i in range(5)]
    assert second == [f"P {i:03}" for i in range(5, 20)]
    assert product_names(signed_in.get("/products/?status=retired")) == ["A gone"]
    assert product_names(signed_in.get("/products/?domain=sales&page=1")) == [f"P {i:03}" for i in range(20)]
