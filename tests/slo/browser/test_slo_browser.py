"""An owner adds an objective in a real browser; a pipeline's measurement breaches it; the product page says so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.actors import Actor, Scope
from slo.models import ServiceLevelObjective
from slo.services import MeasurementIn, measurements_record
from tests.factories import OutputPortFactory, ProductFactory
from tokens.services import token_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_adds_an_objective_and_sees_it_breach(page, sign_in, world):
    product = ProductFactory(domain=world.domain, slug="orders", name="Orders", owner_team=world.team)
    OutputPortFactory(product=product, name="orders_table", location="warehouse.sales.orders")
    sign_in("olivia")
    page.goto("/products/sales/orders/")
    page.get_by_role("link", name="Quality and SLOs", exact=True).first.click()
    page.get_by_role("link", name="Add an objective").first.click()
    page.get_by_label("Name").fill("nightly load")
    page.get_by_label("Kind").select_option("freshness")
    page.get_by_label("Output port").select_option("orders_table")
    page.get_by_label("Threshold").fill("6")
    page.get_by_label("Unit of a duration").select_option(label="hours")
    page.get_by_role("button", name="Add the objective").click()
    page.get_by_text("Objective “nightly load” added.").wait_for()
    slo = ServiceLevelObjective.objects.get(name="nightly load")
    assert slo.threshold == 6 * 3600

    token = token_create(actor=None, team=world.team, name="pipeline", scopes=[Scope.WRITE_SLI]).token
    last_run = timezone.now() - timedelta(hours=8)
    measurements_record(actor=Actor(token=token), items=[MeasurementIn(value=0, measured_at=last_run, slo_id=slo.pk)])

    page.goto("/products/sales/orders/")
    header = page.locator(".product-header")
    assert header.get_by_role("link", name="SLO breached").is_visible()
    header.get_by_role("link", name="SLO breached").click()  # to the Quality tab
    section = page.locator("#slos")
    assert section.get_by_role("heading", name="Service levels").is_visible()
    assert "Breached" in section.locator("tbody tr").first.inner_text()
    assert "Open since" in section.inner_text()
