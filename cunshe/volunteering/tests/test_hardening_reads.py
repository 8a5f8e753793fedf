# ruff: noqa: F811
"""No writes on GET: looking a household up at the store counter and the villager viewing
their points page create no points account (balance 0, "尚无积分" until the first credit)."""

from __future__ import annotations

from datetime import date

import pytest

from cunshe.volunteering.models import PointsAccount
from cunshe.volunteering.tests.points_fixtures import (  # noqa: F401
    clerk_a2,
    clerk_j,
    hamlet,
    household_a,
    points,
    register,
    villager_person,
)
from cunshe.volunteering.tests.store_fixtures import _household, credit, shop  # noqa: F401

pytestmark = pytest.mark.django_db


def test_counter_household_lookup_without_an_account_creates_none(client_as, cast, shop):
    hh, _head = _household(cast.clerk_a, shop.clerk_j, cast.village_a, "S-009", "周大九",
                           date(1975, 5, 5), 19)  # fmt: skip
    before = PointsAccount._base_manager.count()
    r = client_as("clerk_a").get(f"/vol/store/{shop.store.pk}/counter/", {"household": hh.pk})
    page = r.content.decode()
    assert r.status_code == 200
    assert "周** 户（S-009）" in page and "尚无积分" in page and "data-redeem-form" not in page
    assert PointsAccount._base_manager.count() == before
    assert not PointsAccount._base_manager.filter(household=hh).exists()


def test_counter_household_lookup_with_an_account_goes_to_it(client_as, shop):
    before = PointsAccount._base_manager.count()
    r = client_as("clerk_a").get(f"/vol/store/{shop.store.pk}/counter/", {"household": shop.hh1.pk})
    assert r.status_code == 302 and f"account={shop.acc1.pk}" in r["Location"]
    assert PointsAccount._base_manager.count() == before


def test_counter_household_lookup_outside_the_jurisdiction_is_404(client_as, shop):
    hhc = shop.accc.household
    r = client_as("clerk_a").get(f"/vol/store/{shop.store.pk}/counter/", {"household": hhc.pk})
    assert r.status_code == 404


def test_my_points_page_without_an_account_shows_zero_and_creates_none(
    client_as,
    villager_person,
    points,
):  # type: ignore[no-untyped-def]
    before = PointsAccount._base_manager.count()
    r = client_as("villager").get("/vol/me/points/")
    page = r.content.decode()
    assert r.status_code == 200
    assert 'id="my-balance">0<' in page and "尚无积分" in page and "data:image/svg+xml" not in page
    assert PointsAccount._base_manager.count() == before
    assert not PointsAccount._base_manager.filter(household=villager_person.household).exists()


def test_my_points_page_with_an_account_shows_balance_card_and_history(
    client_as,
    villager_person,
    points,
):  # type: ignore[no-untyped-def]
    from cunshe.volunteering.services import ledger

    account = ledger.household_account(villager_person.household)
    credit(account, 12, memo="积分入账")
    page = client_as("villager").get("/vol/me/points/").content.decode()
    assert 'id="my-balance">12<' in page and "尚无积分" not in page
    assert "data:image/svg+xml" in page and "积分入账" in page
