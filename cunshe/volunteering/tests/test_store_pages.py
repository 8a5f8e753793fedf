"""Store pages: the desk (clerk writes, leader reads, villager 403, outsider 404), the counter
(token → account → redeem, a retried POST lands once, refusals shown and nothing changed),
reversal, statements and .xlsx exports, donors, and the villager's store on the phone."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from cunshe.core.models import AuditEvent
from cunshe.volunteering.models import Donor, PointsAccount, Redemption, StockMovement, StoreItem
from cunshe.volunteering.tests.store_fixtures import *  # noqa: F403 (fixtures)


def _balance(account) -> int:  # type: ignore[no-untyped-def]
    return PointsAccount._base_manager.get(pk=account.pk).balance


def _stock(item) -> int:  # type: ignore[no-untyped-def]
    return StoreItem._base_manager.get(pk=item.pk).stock


def test_clerk_runs_the_desk(client_as, cast, shop):
    c = client_as("clerk_a")
    assert "闵家村爱心超市" in c.get("/vol/store/").content.decode()
    page = c.get(f"/vol/store/{shop.store.pk}/").content.decode()
    assert "食用油" in page and "柜台兑换" in page
    r = c.post(
        f"/vol/store/{shop.store.pk}/items/new/",
        {"name": "洗衣粉", "unit": "袋", "price_points": 15},
    )
    assert r.status_code == 302
    item = StoreItem._base_manager.get(name="洗衣粉")
    r = c.post(
        f"/vol/store/{shop.store.pk}/stock-in/",
        {
            "item": item.pk,
            "kind": "donation",
            "quantity": 12,
            "donor_name": "榆树市爱心企业",
            "donor_kind": "company",
            "donor_public": "on",
        },
    )
    assert r.status_code == 302 and _stock(item) == 12
    assert Donor._base_manager.get().name == "榆树市爱心企业"
    r = c.post(
        f"/vol/store/{shop.store.pk}/stock-in/",
        {"item": item.pk, "kind": "purchase", "quantity": 3},
    )
    assert r.status_code == 400 and "采购金额" in r.content.decode() and _stock(item) == 12
    r = c.post(
        f"/vol/store/{shop.store.pk}/adjust/", {"item": item.pk, "delta": -13, "reason": "盘点"}
    )
    assert r.status_code == 400 and "仅剩 12" in r.content.decode()
    r = c.post(
        f"/vol/store/{shop.store.pk}/adjust/", {"item": item.pk, "delta": -2, "reason": "破损"}
    )
    assert r.status_code == 302 and _stock(item) == 10
    assert "榆树市爱心企业" in c.get("/vol/store/donors/").content.decode()


def test_price_edit_with_a_stale_version_is_409(client_as, shop):
    c = client_as("clerk_a")
    item = shop.oil
    data = {
        "name": "食用油",
        "unit": "桶",
        "price_points": 32,
        "active": "on",
        "version": item.version,
    }
    assert c.post(f"/vol/store/items/{item.pk}/", data).status_code == 302
    r = c.post(f"/vol/store/items/{item.pk}/", {**data, "price_points": 28})
    assert r.status_code == 409 and "别人刚刚修改" in r.content.decode()
    assert StoreItem._base_manager.get(pk=item.pk).price_points == 32


def test_counter_token_redeem_and_retry_lands_once(client_as, shop):
    c = client_as("clerk_a")
    url = f"/vol/store/{shop.store.pk}/counter/"
    r = c.get(url, {"token": shop.acc1.card_token})
    assert r.status_code == 302 and f"account={shop.acc1.pk}" in r["Location"]
    page = c.get(r["Location"]).content.decode()
    assert "赵** 户（S-001）" in page and "赵大一" not in page and "1000" in page
    post = {
        "account": shop.acc1.pk,
        "request_key": "abc123",
        f"qty_{shop.soap.pk}": "2",
        f"qty_{shop.oil.pk}": "1",
    }
    assert c.post(url, post).status_code == 302
    assert c.post(url, post).status_code == 302  # a double tap
    assert Redemption._base_manager.count() == 1 and _balance(shop.acc1) == 950
    r = c.post(url, {**post, "request_key": "new-1", f"qty_{shop.rice.pk}": "10"})
    assert r.status_code == 400 and "库存不足：大米 仅剩 5" in r.content.decode()
    assert _balance(shop.acc1) == 950 and _stock(shop.soap) == 48


def test_counter_refuses_overdraw_with_the_balance(client_as, shop):
    c = client_as("clerk_a")
    url = f"/vol/store/{shop.store.pk}/counter/"
    r = c.post(url, {"account": shop.acc2.pk, "request_key": "x1", f"qty_{shop.oil.pk}": "2"})
    assert r.status_code == 400 and "积分不足：余额 50，需要 60" in r.content.decode()
    assert _balance(shop.acc2) == 50 and _stock(shop.oil) == 20


def test_counter_unknown_token_and_household_search(client_as, shop):
    c = client_as("clerk_a")
    url = f"/vol/store/{shop.store.pk}/counter/"
    r = c.get(url, {"token": "nonexistent-token-123"})
    assert r.status_code == 404 and "没有找到这张积分卡" in r.content.decode()
    r = c.get(url, {"token": shop.accc.card_token})  # village C's card
    assert r.status_code == 404
    page = c.get(url, {"q": "S-00"}).content.decode()
    assert "赵** 户（S-001）" in page and "钱** 户（S-002）" in page
    assert AuditEvent.objects.filter(action="points.counter.searched").count() == 1
    r = c.get(url, {"household": shop.hh2.pk})
    assert r.status_code == 302 and f"account={shop.acc2.pk}" in r["Location"]


def test_reversal_page(client_as, cast, shop):
    from cunshe.volunteering.services import store as svc

    row = svc.redeem(
        actor=cast.clerk_a,
        jurisdiction=shop.clerk_j,
        store=shop.store,
        account=shop.acc1,
        lines=[(shop.rice, 2)],
        request_key="r1",
    )
    c = client_as("clerk_a")
    url = f"/vol/store/redemptions/{row.pk}/"
    assert c.post(url, {"reason": ""}).status_code == 400
    assert c.post(url, {"reason": "拿错了"}).status_code == 302
    assert _balance(shop.acc1) == 1000 and _stock(shop.rice) == 5
    assert "已撤销" in c.get(url).content.decode()


def test_statements_and_exports(client_as, cast, shop):
    from cunshe.volunteering.services import store as svc

    svc.redeem(
        actor=cast.clerk_a,
        jurisdiction=shop.clerk_j,
        store=shop.store,
        account=shop.acc1,
        lines=[(shop.soap, 3)],
        request_key="s1",
    )
    c = client_as("clerk_a")
    page = c.get(f"/vol/store/{shop.store.pk}/statement/").content.decode()
    assert "采购金额" in page and "1450.00" in page
    r = c.get(f"/vol/store/{shop.store.pk}/statement/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.values)
    assert rows[0][0] == "商品" and any(row[0] == "肥皂" and row[5] == 3 for row in rows)
    page = c.get(f"/vol/store/accounts/{shop.acc1.pk}/statement/").content.decode()
    assert "爱心超市兑换：肥皂×3" in page and "970" in page
    r = c.get(f"/vol/store/accounts/{shop.acc1.pk}/statement/", {"format": "xlsx"})
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action="points.statement.exported").count() == 2
    assert c.get(f"/vol/store/{shop.store.pk}/statement/", {"month": "2026-13"}).status_code == 404


def test_export_cells_are_inert(client_as, cast, shop):
    from cunshe.volunteering.services import store as svc

    svc.item_create(
        actor=cast.clerk_a,
        jurisdiction=shop.clerk_j,
        store=shop.store,
        name="=HYPERLINK(1)",
        price_points=5,
    )
    r = client_as("clerk_a").get(f"/vol/store/{shop.store.pk}/statement/", {"format": "xlsx"})
    names = [row[0] for row in load_workbook(io.BytesIO(r.content)).active.values]
    assert "'=HYPERLINK(1)" in names


@pytest.mark.parametrize("who,status", [("leader_a", 200), ("villager", 403), ("outsider", 404)])
def test_store_page_by_role(client_as, shop, who, status):
    assert client_as(who).get(f"/vol/store/{shop.store.pk}/").status_code == status


@pytest.mark.parametrize("who,status", [("leader_a", 403), ("villager", 403), ("outsider", 404)])
def test_counter_and_writes_need_the_store_permission(client_as, shop, who, status):
    c = client_as(who)
    before = StockMovement._base_manager.count()
    assert c.get(f"/vol/store/{shop.store.pk}/counter/").status_code == status
    r = c.post(
        f"/vol/store/{shop.store.pk}/stock-in/",
        {"item": shop.oil.pk, "kind": "purchase", "quantity": 1, "cost_yuan": "1"},
    )
    assert r.status_code == status
    r = c.post(
        f"/vol/store/{shop.store.pk}/counter/",
        {"account": shop.acc1.pk, "request_key": "z", f"qty_{shop.soap.pk}": 1},
    )
    assert r.status_code == status
    assert StockMovement._base_manager.count() == before


@pytest.mark.parametrize(
    "url",
    [
        "/vol/store/redemptions/{r}/",
        "/vol/store/accounts/{a}/statement/",
        "/vol/store/{s}/statement/",
        "/vol/store/items/{i}/",
    ],
)
def test_outsider_gets_404_on_village_a_rows(client_as, cast, shop, url):
    from cunshe.volunteering.services import store as svc

    row = svc.redeem(
        actor=cast.clerk_a,
        jurisdiction=shop.clerk_j,
        store=shop.store,
        account=shop.acc1,
        lines=[(shop.soap, 1)],
        request_key="o1",
    )
    target = url.format(r=row.pk, a=shop.acc1.pk, s=shop.store.pk, i=shop.soap.pk)
    assert client_as("outsider").get(target).status_code == 404
    assert client_as("clerk_a").get(target).status_code == 200


def test_villager_sees_goods_balance_and_own_statement(client_as, shop):
    c = client_as("villager")
    page = c.get("/vol/me/store/").content.decode()
    assert "食用油" in page and "1000" in page and "可兑换" in page
    assert "孤家子" not in page
    page = c.get("/vol/me/store/statement/").content.decode()
    assert "期末余额" in page and "1000" in page
    assert c.get("/vol/store/").status_code == 403


def test_list_pages_query_counts(client_as, shop, django_assert_num_queries):
    clerk = client_as("clerk_a")
    villager = client_as("villager")
    clerk.get("/vol/store/")  # warm the session
    villager.get("/vol/me/store/")
    with django_assert_num_queries(8):
        clerk.get("/vol/store/")
    with django_assert_num_queries(12):
        clerk.get(f"/vol/store/{shop.store.pk}/")
    with django_assert_num_queries(11):
        clerk.get(f"/vol/store/{shop.store.pk}/counter/?account={shop.acc1.pk}")
    with django_assert_num_queries(8):
        clerk.get("/vol/store/donors/")
    with django_assert_num_queries(11):
        villager.get("/vol/me/store/")
