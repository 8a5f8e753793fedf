"""The store's services: stock-in, adjustments, price edits, the counter redemption and its
reversal; every refusal changes nothing (balances, stock, row counts)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cunshe.core.models import AuditEvent
from cunshe.volunteering.models import (
    Movement,
    PointsAccount,
    PointsEntry,
    Redemption,
    RedemptionLine,
    StockMovement,
    StoreItem,
)
from cunshe.volunteering.selectors import store as sel
from cunshe.volunteering.services import store as svc
from cunshe.volunteering.services.ledger import verify_ledger
from cunshe.volunteering.tests.store_fixtures import *  # noqa: F403 (fixtures)


def snapshot() -> tuple:
    return (
        tuple(PointsAccount._base_manager.order_by("pk").values_list("pk", "balance")),
        tuple(StoreItem._base_manager.order_by("pk").values_list("pk", "stock", "price_points")),
        Movement._base_manager.count(), PointsEntry._base_manager.count(),
        Redemption._base_manager.count(), RedemptionLine.objects.count(),
        StockMovement._base_manager.count(),
    )  # fmt: skip


def _redeem(cast, shop, lines, key="k-1", account=None, store=None, j=None):  # type: ignore[no-untyped-def]
    return svc.redeem(actor=cast.clerk_a, jurisdiction=j or shop.clerk_j, store=store or shop.store,
                      account=account or shop.acc1, lines=lines, request_key=key)  # fmt: skip


def test_redeem_deducts_points_and_stock_in_one_entry(cast, shop):
    row = _redeem(cast, shop, [(shop.soap, 2), (shop.oil, 1)])
    assert row.points == 2 * 10 + 30
    shop.acc1.refresh_from_db()
    assert shop.acc1.balance == 950
    assert StoreItem._base_manager.get(pk=shop.soap.pk).stock == 48
    assert StoreItem._base_manager.get(pk=shop.oil.pk).stock == 19
    assert sorted(
        Movement._base_manager.filter(entry=row.entry).values_list("points", flat=True)
    ) == [-50, 50]
    assert set(
        StockMovement._base_manager.filter(redemption=row).values_list("quantity", flat=True)
    ) == {-2, -1}
    assert row.household_id == shop.hh1.pk
    assert AuditEvent.objects.filter(action="points.redemption.created").count() == 1
    assert verify_ledger() == []


def test_retried_request_key_returns_the_same_redemption(cast, shop):
    first = _redeem(cast, shop, [(shop.soap, 1)], key="same")
    again = _redeem(cast, shop, [(shop.soap, 1)], key="same")
    assert again.pk == first.pk
    assert Redemption._base_manager.count() == 1
    shop.acc1.refresh_from_db()
    assert shop.acc1.balance == 990


@pytest.mark.parametrize(
    "case,message",
    [
        ("stock", "库存不足：大米 仅剩 5"),
        ("points", "积分不足：余额 50，需要 60"),
        ("inactive", "已下架"),
        ("other_village", "不属于本村"),
        ("nothing", "请选择要兑换的商品"),
        ("negative", "数量必须大于0"),
        ("foreign_item", "所选商品不在本超市"),
        ("no_key", "缺少请求编号"),
    ],
)
def test_refused_redemption_changes_nothing(cast, shop, case, message):
    kwargs = {"lines": [(shop.soap, 1)]}
    if case == "stock":
        kwargs = {"lines": [(shop.soap, 1), (shop.rice, 6)]}
    elif case == "points":
        kwargs = {"lines": [(shop.oil, 2)], "account": shop.acc2}
    elif case == "inactive":
        StoreItem._base_manager.filter(pk=shop.oil.pk).update(active=False)
        kwargs = {"lines": [(shop.soap, 1), (shop.oil, 1)]}
    elif case == "other_village":
        kwargs["account"] = shop.accc
    elif case == "nothing":
        kwargs["lines"] = [(shop.soap, 0)]
    elif case == "negative":
        kwargs["lines"] = [(shop.soap, -3)]
    elif case == "foreign_item":
        kwargs["lines"] = [(shop.soap_c, 1)]
    elif case == "no_key":
        kwargs["key"] = "  "
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        _redeem(cast, shop, **kwargs)
    assert message in " ".join(exc.value.messages)
    assert snapshot() == before
    assert verify_ledger() == []


def test_redeem_needs_the_store_permission(cast, shop):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        _redeem(cast, shop, [(shop.soap, 1)], j=shop.leader_j)
    assert snapshot() == before


def test_reverse_gives_points_and_goods_back_once(cast, shop):
    row = _redeem(cast, shop, [(shop.soap, 3), (shop.rice, 1)])
    svc.redemption_reverse(actor=cast.clerk_a, jurisdiction=shop.clerk_j, redemption=row,
                           reason="村民退回")  # fmt: skip
    shop.acc1.refresh_from_db()
    assert shop.acc1.balance == 1000
    assert StoreItem._base_manager.get(pk=shop.soap.pk).stock == 50
    assert StoreItem._base_manager.get(pk=shop.rice.pk).stock == 5
    row.refresh_from_db()
    assert row.reversed_at is not None and row.entry.reversed_by.reason == "村民退回"
    before = snapshot()
    with pytest.raises(ValidationError, match="已经撤销过"):
        svc.redemption_reverse(actor=cast.clerk_a, jurisdiction=shop.clerk_j, redemption=row,
                               reason="再来一次")  # fmt: skip
    with pytest.raises(ValidationError, match="说明原因"):
        svc.redemption_reverse(actor=cast.clerk_a, jurisdiction=shop.clerk_j,
                               redemption=_redeem(cast, shop, [(shop.soap, 1)], key="k-2"),
                               reason=" ")  # fmt: skip
    assert snapshot()[1] != before[1]  # the second redemption did happen
    assert verify_ledger() == []


def test_an_earlier_days_redemption_is_reversed_only_by_the_leader(cast, shop):
    row = _redeem(cast, shop, [(shop.soap, 1)])
    Redemption._base_manager.filter(pk=row.pk).update(
        redeemed_at=timezone.now() - timedelta(days=2)
    )
    row.refresh_from_db()
    before = snapshot()
    with pytest.raises(PermissionDenied):
        svc.redemption_reverse(actor=cast.clerk_a, jurisdiction=shop.clerk_j, redemption=row,
                               reason="退货")  # fmt: skip
    assert snapshot() == before
    svc.redemption_reverse(actor=cast.leader_a, jurisdiction=shop.leader_j, redemption=row,
                           reason="退货")  # fmt: skip
    assert StoreItem._base_manager.get(pk=shop.soap.pk).stock == 50


def test_stock_in_purchase_and_donation(cast, shop):
    donor = svc.donor_create(actor=cast.clerk_a, jurisdiction=shop.clerk_j,
                             village=cast.village_a, name="榆树市某粮油公司",
                             kind="company", phone="13812345678", public=True)  # fmt: skip
    move = svc.stock_in(actor=cast.clerk_a, jurisdiction=shop.clerk_j, item=shop.oil,
                        kind="donation", quantity=10, donor=donor)  # fmt: skip
    assert move.donor == donor
    svc.stock_in(actor=cast.clerk_a, jurisdiction=shop.clerk_j, item=shop.oil,
                 kind="purchase", quantity="2", cost_yuan="90.50")  # fmt: skip
    assert StoreItem._base_manager.get(pk=shop.oil.pk).stock == 32
    assert StockMovement._base_manager.filter(cost_fen=9050).count() == 1
    assert verify_ledger() == []


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"kind": "purchase", "quantity": 5}, "采购金额"),
        ({"kind": "purchase", "quantity": 5, "cost_yuan": "-3"}, "金额"),
        ({"kind": "purchase", "quantity": 5, "cost_yuan": "1.234"}, "金额"),
        ({"kind": "donation", "quantity": 5}, "捐赠人"),
        ({"kind": "purchase", "quantity": 0, "cost_yuan": "1"}, "大于0"),
        ({"kind": "purchase", "quantity": "2.5", "cost_yuan": "1"}, "整数"),
        ({"kind": "redemption", "quantity": 5}, "采购入库或捐赠入库"),
    ],
)
def test_refused_stock_in_changes_nothing(cast, shop, kwargs, message):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        svc.stock_in(actor=cast.clerk_a, jurisdiction=shop.clerk_j, item=shop.oil, **kwargs)
    assert message in " ".join(exc.value.messages)
    assert snapshot() == before


def test_stocktake_adjustment_needs_a_reason_and_never_goes_below_zero(cast, shop):
    before = snapshot()
    with pytest.raises(ValidationError, match="说明原因"):
        svc.stock_adjust(actor=cast.clerk_a, jurisdiction=shop.clerk_j, item=shop.rice,
                         delta=-1, reason="")  # fmt: skip
    with pytest.raises(ValidationError, match="仅剩 5"):
        svc.stock_adjust(actor=cast.clerk_a, jurisdiction=shop.clerk_j, item=shop.rice,
                         delta=-6, reason="盘点短少")  # fmt: skip
    assert snapshot() == before
    svc.stock_adjust(actor=cast.clerk_a, jurisdiction=shop.clerk_j, item=shop.rice, delta=-5,
                     reason="受潮报废")  # fmt: skip
    assert StoreItem._base_manager.get(pk=shop.rice.pk).stock == 0
    assert verify_ledger() == []


def test_price_change_is_version_checked(cast, shop):
    item = shop.oil
    row = svc.item_update(actor=cast.clerk_a, jurisdiction=shop.clerk_j, item=item,
                          version=item.version, name="食用油", unit="桶", price_points=35,
                          active=True)  # fmt: skip
    assert row.price_points == 35 and row.version == item.version + 1
    with pytest.raises(svc.StaleEdit):
        svc.item_update(actor=cast.clerk_a, jurisdiction=shop.clerk_j, item=item,
                        version=item.version, name="食用油", unit="桶", price_points=25,
                        active=True)  # fmt: skip
    assert StoreItem._base_manager.get(pk=item.pk).price_points == 35


def test_outsider_cannot_touch_village_a(cast, shop):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        svc.stock_in(actor=cast.outsider, jurisdiction=shop.out_j, item=shop.oil,
                     kind="purchase", quantity=1, cost_yuan="1")  # fmt: skip
    with pytest.raises(PermissionDenied):
        _redeem(cast, shop, [(shop.soap, 1)], j=shop.out_j)
    assert snapshot() == before


def test_statements_add_up(cast, shop):
    row = _redeem(cast, shop, [(shop.soap, 2), (shop.oil, 1)])
    _redeem(cast, shop, [(shop.rice, 1)], key="k-2")
    svc.redemption_reverse(actor=cast.clerk_a, jurisdiction=shop.clerk_j, redemption=row,
                           reason="退回")  # fmt: skip
    hs = sel.account_statement(shop.acc1)
    assert hs.opening == 0 and hs.earned == 1000 and hs.redeemed == 150 and hs.corrected == 50
    assert hs.closing == 900 == PointsAccount._base_manager.get(pk=shop.acc1.pk).balance
    ss = sel.store_statement(shop.store)
    soap = next(r for r in ss.items if r["item"].pk == shop.soap.pk)
    assert (soap["opening"], soap["purchase"], soap["redemption"], soap["reversal"],
            soap["closing"]) == (0, 50, 2, 2, 50)  # fmt: skip
    assert ss.points_in == 150 and ss.points_reversed == 50 and ss.cost_fen == 145000
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert sel.account_statement(shop.acc1, last_month).rows == []


def test_public_donors_only_with_consent_and_without_phone(cast, shop):
    for name, public in (("张善人", True), ("匿名人士", False)):
        d = svc.donor_create(actor=cast.clerk_a, jurisdiction=shop.clerk_j,
                             village=cast.village_a, name=name, kind="person",
                             phone="13900001111", public=public)  # fmt: skip
        svc.stock_in(actor=cast.clerk_a, jurisdiction=shop.clerk_j, item=shop.soap,
                     kind="donation", quantity=4, donor=d)  # fmt: skip
    rows = sel.public_donors(cast.village_a.code)
    assert rows == [
        {"name": "张善人", "kind": "个人", "gifts": [{"item": "肥皂", "unit": "块", "quantity": 4}]}
    ]


def test_token_parsing_accepts_a_url_or_the_bare_token(shop):
    token = shop.acc1.card_token
    assert sel.parse_token(f" {token} ") == token
    assert sel.parse_token(f"https://x.example/vol/card/{token}/") == token
    assert sel.parse_token(f"https://x.example/c?token={token}") == token
