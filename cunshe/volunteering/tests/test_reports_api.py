"""GET /api/v1/volunteering/reports/: the figures, sections by permission, 404 outside, 403
without permission, 401 anonymous, 422 for a bad period."""

from __future__ import annotations

import pytest
from django.test import Client

from cunshe.volunteering.tests.reports_fixtures import EXPECTED, A, B, period, township_records

URL = "/api/v1/volunteering/reports/"


@pytest.fixture
def records(cast):  # type: ignore[no-untyped-def]
    return township_records(cast)


@pytest.mark.django_db
def test_township_gets_the_hand_computed_figures(cast, client_as, records):
    body = client_as("township_officer").get(URL, period()).json()
    assert body["region"]["code"] == "220182102"
    units = {u["code"]: u for u in body["hours"]["units"]}
    assert units[A]["minutes"] == 240 and units[B]["minutes"] == 30
    assert body["hours"]["totals"] == EXPECTED["township_hours"]
    assert body["volunteers"]["totals"]["by_star"] == [1, 1, 1, 0, 1, 0]
    assert body["points"]["totals"]["in_circulation"] == 27
    store = {u["code"]: u for u in body["store"]["units"]}
    assert store[A]["value_fen"] == 6500 and store[B]["items_out"] == 1
    assert "刘玉芳" not in str(body)


@pytest.mark.django_db
def test_region_outside_is_404_and_no_permission_403(cast, client_as, records):
    assert client_as("outsider").get(URL, {"region": "220182102"}).status_code == 404
    assert client_as("clerk_a").get(URL, {"region": B}).status_code == 404
    assert client_as("villager").get(URL).status_code == 403
    assert Client().get(URL).status_code == 401


@pytest.mark.django_db
def test_outsider_default_region_is_their_own_village(cast, client_as, records):
    body = client_as("outsider").get(URL, period()).json()
    assert body["region"]["code"] == "220322103200"
    assert body["hours"]["totals"]["minutes"] == 500


@pytest.mark.django_db
def test_bad_period_is_422(cast, client_as, records):
    response = client_as("township_officer").get(URL, {"from": "2026-05-01", "to": "2026-01-01"})
    assert response.status_code == 422
