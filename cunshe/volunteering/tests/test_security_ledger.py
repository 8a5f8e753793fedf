"""Security review of the points ledger and the store counter (part `security`): paths that
could move points or goods around the services that keep them in step."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError

from cunshe.volunteering.models import (
    Movement,
    PointsAccount,
    PointsEntry,
    Redemption,
    StockMovement,
    StoreItem,
)
from cunshe.volunteering.services import points as psvc
from cunshe.volunteering.services import store as svc
from cunshe.volunteering.services.ledger import verify_ledger
from cunshe.volunteering.tests.store_fixtures import shop  # noqa: F401

pytestmark = pytest.mark.django_db


def _state():  # type: ignore[no-untyped-def]
    return (
        list(PointsAccount._base_manager.order_by("id").values_list("id", "balance")),
        list(StoreItem._base_manager.order_by("id").values_list("id", "stock")),
        Movement._base_manager.count(),
        StockMovement._base_manager.count(),
        list(Redemption._base_manager.values_list("id", "reversed_at")),
    )


def _redeem(cast, shop, account=None, key=None):  # type: ignore[no-untyped-def]  # noqa: F811
    return svc.redeem(
        actor=cast.clerk_a,
        jurisdiction=shop.clerk_j,
        store=shop.store,
        account=account or shop.acc1,
        lines=[(shop.rice.pk, 2)],
        request_key=key or uuid.uuid4().hex,
    )


def test_a_redemption_entry_cannot_be_reversed_on_the_ledger_page(cast, shop):  # noqa: F811
    """Finding: points.approve could reverse a REDEEM entry through the generic ledger
    reversal — the household got its points back, the goods stayed taken, the redemption
    stayed un-reversed (and could then never be reversed by the store)."""
    row = _redeem(cast, shop)
    before = _state()
    with pytest.raises(ValidationError, match="爱心超市"):
        psvc.entry_reverse(
            actor=cast.leader_a, jurisdiction=shop.leader_j, entry=row.entry, reason="退货"
        )
    assert _state() == before
    # The store's reversal still works and puts both the points and the goods back.
    svc.redemption_reverse(
        actor=cast.leader_a, jurisdiction=shop.leader_j, redemption=row, reason="退货"
    )
    assert PointsAccount._base_manager.get(pk=shop.acc1.pk).balance == 1000
    assert StoreItem._base_manager.get(pk=shop.rice.pk).stock == 5
    assert verify_ledger() == []


def test_an_earn_entry_can_still_be_reversed_on_the_ledger_page(cast, shop):  # noqa: F811
    earn = PointsEntry._base_manager.filter(kind=PointsEntry.Kind.EARN).order_by("id").first()
    reversal = psvc.entry_reverse(
        actor=cast.leader_a, jurisdiction=shop.leader_j, entry=earn, reason="重复入账"
    )
    assert reversal.reverses_id == earn.pk
    assert verify_ledger() == []


def test_request_key_replay_with_another_households_account_is_refused(cast, shop):  # noqa: F811
    """A replayed request_key returns the first redemption only to the same store and account;
    with another household's account it is refused and nothing moves."""
    key = uuid.uuid4().hex
    first = _redeem(cast, shop, key=key)
    assert _redeem(cast, shop, key=key).pk == first.pk  # a retry: the same redemption
    before = _state()
    with pytest.raises(ValidationError, match="请求编号"):
        _redeem(cast, shop, account=shop.acc2, key=key)
    assert _state() == before


def test_the_outsider_cannot_replay_village_a_request_key(cast, shop):  # noqa: F811
    key = uuid.uuid4().hex
    _redeem(cast, shop, key=key)
    before = _state()
    with pytest.raises(ValidationError):
        svc.redeem(
            actor=cast.outsider,
            jurisdiction=shop.out_j,
            store=shop.store_c,
            account=shop.accc,
            lines=[(shop.soap_c.pk, 1)],
            request_key=key,
        )
    assert _state() == before


def test_store_clerk_cannot_redeem_from_another_villages_account(cast, shop):  # noqa: F811
    before = _state()
    with pytest.raises(ValidationError, match="不属于本村"):
        _redeem(cast, shop, account=shop.accc)
    assert _state() == before
