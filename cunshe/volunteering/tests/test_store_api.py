"""The store API: lists, stock-in, counter lookup by card token, redeem with request_key (a
retry lands once), every refusal with its code and nothing changed, reversal once, statements,
the outsider 404."""

from __future__ import annotations

from cunshe.volunteering.models import PointsAccount, Redemption, StoreItem
from cunshe.volunteering.tests.store_fixtures import *  # noqa: F403 (fixtures)

API = "/api/v1/volunteering/store"


def _post(c, url, data):  # type: ignore[no-untyped-def]
    return c.post(API + url, data, content_type="application/json")


def _bal(shop) -> int:  # type: ignore[no-untyped-def]
    return PointsAccount._base_manager.get(pk=shop.acc1.pk).balance


def test_lists_and_stock_in(client_as, shop):
    c = client_as("clerk_a")
    assert [s["name"] for s in c.get(API + "/stores").json()] == ["闵家村爱心超市"]
    items = c.get(f"{API}/stores/{shop.store.pk}/items").json()
    assert {i["name"]: i["stock"] for i in items} == {"肥皂": 50, "食用油": 20, "大米": 5}
    r = _post(c, f"/items/{shop.rice.pk}/stock-in", {"kind": "purchase", "quantity": 5,
                                                     "cost_yuan": "400"})  # fmt: skip
    assert r.status_code == 201 and r.json()["cost_fen"] == 40000
    r = _post(c, f"/items/{shop.rice.pk}/stock-in", {"kind": "donation", "quantity": 5})
    assert r.status_code == 400 and r.json()["code"] == "rule"
    assert StoreItem._base_manager.get(pk=shop.rice.pk).stock == 10


def test_counter_redeem_retry_and_reverse(client_as, shop):
    c = client_as("clerk_a")
    r = c.get(f"{API}/counter/{shop.acc1.card_token}")
    assert r.json() == {"id": shop.acc1.pk, "kind": "household", "label": "赵** 户（S-001）",
                        "balance": 1000}  # fmt: skip
    assert c.get(f"{API}/counter/nope-nope-nope").status_code == 404
    body = {"account_id": shop.acc1.pk, "request_key": "api-key-0001",
            "lines": [{"item_id": shop.soap.pk, "quantity": 2},
                      {"item_id": shop.oil.pk, "quantity": 1}]}  # fmt: skip
    r = _post(c, f"/stores/{shop.store.pk}/redemptions", body)
    assert r.status_code == 201 and r.json()["points"] == 50 and r.json()["balance_after"] == 950
    again = _post(c, f"/stores/{shop.store.pk}/redemptions", body)
    assert again.json()["id"] == r.json()["id"] and Redemption._base_manager.count() == 1
    rid = r.json()["id"]
    r = _post(c, f"/redemptions/{rid}/reversal", {"reason": "退回"})
    assert r.status_code == 200 and r.json()["reversed_at"] and _bal(shop) == 1000
    r = _post(c, f"/redemptions/{rid}/reversal", {"reason": "再退"})
    assert r.status_code == 400 and "已经撤销过" in r.json()["message"]
    assert _bal(shop) == 1000


def test_refusals_have_codes_and_change_nothing(client_as, shop):
    c = client_as("clerk_a")
    url = f"/stores/{shop.store.pk}/redemptions"

    def body(account, item, qty, key):  # type: ignore[no-untyped-def]
        return {"account_id": account.pk, "request_key": key,
                "lines": [{"item_id": item.pk, "quantity": qty}]}  # fmt: skip

    r = _post(c, url, body(shop.acc1, shop.rice, 6, "refuse-0001"))
    assert r.json()["code"] == "insufficient_stock" and "仅剩 5" in r.json()["message"]
    r = _post(c, url, body(shop.acc2, shop.oil, 2, "refuse-0002"))
    assert r.json()["code"] == "insufficient_points"
    assert r.json()["message"] == "积分不足：余额 50，需要 60"
    StoreItem._base_manager.filter(pk=shop.soap.pk).update(active=False)
    r = _post(c, url, body(shop.acc1, shop.soap, 1, "refuse-0003"))
    assert r.status_code == 400 and "已下架" in r.json()["message"]
    r = _post(c, url, body(shop.accc, shop.oil, 1, "refuse-0004"))
    assert r.status_code == 404  # village C's account is outside the clerk's jurisdiction
    assert Redemption._base_manager.count() == 0 and _bal(shop) == 1000


def test_statements(client_as, shop):
    c = client_as("clerk_a")
    st = c.get(f"{API}/accounts/{shop.acc1.pk}/statement").json()
    assert st["opening"] == 0 and st["closing"] == 1000 and st["earned"] == 1000
    st = c.get(f"{API}/stores/{shop.store.pk}/statement").json()
    assert st["cost_fen"] == 145000 and {i["name"] for i in st["items"]} == {
        "肥皂",
        "食用油",
        "大米",
    }
    assert c.get(f"{API}/stores/{shop.store.pk}/statement?month=2026-1").status_code == 422


def test_outsider_and_villager(client_as, shop):
    out = client_as("outsider")
    assert out.get(f"{API}/stores/{shop.store.pk}/items").status_code == 404
    assert out.get(f"{API}/accounts/{shop.acc1.pk}/statement").status_code == 404
    assert out.get(f"{API}/counter/{shop.acc1.card_token}").status_code == 404
    assert [s["name"] for s in out.get(API + "/stores").json()] == ["孤家子村爱心超市"]
    assert client_as("villager").get(API + "/stores").status_code == 403
    assert client_as("leader_a").get(f"{API}/counter/{shop.acc1.card_token}").status_code == 403
