"""Villages A and B (闵家镇) and C (the outsider's) with volunteering and points records whose
report figures are worked out by hand below (EXPECTED). Rows are written with the ORM and the
ledger's one writer (public_fixtures' helpers).

Hours (period = the last 30 days):
  A: 刘 120 min (协会) + 60 min (no organisation); 陈 90 min (团委) and a −30 min correction
     (团委); 陈 30 min not approved ✗; 刘 45 min 400 days ago ✗ → 240 min, 4 entries, 2 people
  B: 孙 30 min (团委) → 30 min, 1 entry, 1 person;  C: 500 min (outsider's village)
Volunteers registered now: A 刘 100 h (1★), 陈 300 h (2★), 新 0 h (0★), 退 withdrawn ✗; B 孙 1000 h
  (4★); C one 0★.
Points: A issued filial 10, environment 8 + 4 (the 4 reversed); redeemed 6, and 4 redeemed then
  reversed → issued 22, reversed 4, redeemed 6, in circulation 12. B: filial 20 issued, 5
  redeemed → circulation 15. C: 50 issued.
Store: A 大米 (3 pts, 10 bought for 50.00 yuan), 肥皂 (4 pts, 5 bought for 25.00), 毛巾 (2 pts, 3
  donated, no cost), 旧货 (off the shelf, none); 大米×2 redeemed, 肥皂×1 redeemed and reversed.
  B 茶叶 (5 pts, 4 bought for 20.00), 1 redeemed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from cunshe.core.jurisdiction import system_scope
from cunshe.volunteering.models import Organisation, Redemption, StockMovement, StoreItem
from cunshe.volunteering.services import ledger
from cunshe.volunteering.tests.public_fixtures import (
    credit,
    declaration,
    earning_rule,
    hours,
    household,
    redeem,
    stock_in,
    store_with_items,
    volunteer,
)

A, B, C = "220182102200", "220182102201", "220322103200"

EXPECTED: dict[str, Any] = {
    "hours": {
        A: {"minutes": 240, "hours": 4.0, "entries": 4, "volunteers": 2},
        B: {"minutes": 30, "hours": 0.5, "entries": 1, "volunteers": 1},
    },
    "township_hours": {"minutes": 270, "hours": 4.5, "entries": 5, "volunteers": 3},
    "organisations": [("闵家村志愿者协会", 120), ("闵家镇团委", 90), ("未注明组织", 60)],
    "stars": {A: [1, 1, 1, 0, 0, 0], B: [0, 0, 0, 0, 1, 0]},
    "points": {
        A: {"issued": 22, "reversed": 4, "redeemed": 6, "in_circulation": 12},
        B: {"issued": 20, "reversed": 0, "redeemed": 5, "in_circulation": 15},
    },
    "categories": {"filial": (30, 0, 30), "environment": (12, 4, 8)},
    "store": {
        A: {
            "redemptions": 1,
            "points": 6,
            "reversed": 1,
            "items_out": 2,
            "stock_in_purchase": 15,
            "stock_in_donation": 3,
            "goods": 3,
            "units_in_stock": 16,
            "value_fen": 6500,
            "goods_without_cost": 1,
        },
        B: {
            "redemptions": 1,
            "points": 5,
            "reversed": 0,
            "items_out": 1,
            "stock_in_purchase": 4,
            "stock_in_donation": 0,
            "goods": 1,
            "units_in_stock": 3,
            "value_fen": 1500,
            "goods_without_cost": 0,
        },
    },
}


def period() -> dict[str, str]:
    today = timezone.localdate()
    return {"from": (today - timedelta(days=30)).isoformat(), "to": today.isoformat()}


def reverse_redemption(red: Redemption, user) -> None:  # type: ignore[no-untyped-def]
    from django.db.models import F

    with system_scope("test: reverse redemption"):
        ledger.reverse_entry(entry=red.entry, actor=user, reason="误兑换")
        Redemption.objects.filter(pk=red.pk).update(
            reversed_at=timezone.now(), reverse_reason="误兑换"
        )
        for line in red.lines.all():
            StockMovement.objects.create(
                region_id=red.region_id, item=line.item, kind="reversal", quantity=line.quantity,
                redemption=red, recorded_by=user,
            )  # fmt: skip
            StoreItem.objects.filter(pk=line.item_id).update(stock=F("stock") + line.quantity)


def township_records(cast) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    va, vb, vc = cast.village_a, cast.village_b, cast.village_c
    group = cast.regions["220182102200001"]
    clerk, leader, outsider = cast.clerk_a, cast.leader_a, cast.outsider
    today = timezone.localdate()
    with system_scope("test: organisations"):
        assoc = Organisation.objects.create(region=va, name="闵家村志愿者协会", kind="association")
        league = Organisation.objects.create(
            region=cast.township, name="闵家镇团委", kind="youth_league"
        )
    # Volunteers and hours.
    liu = volunteer(group, "刘玉芳", consent=True, minutes=100 * 60)
    chen = volunteer(va, "陈桂香", consent=False, minutes=300 * 60)
    volunteer(va, "新志愿者", consent=False)
    volunteer(va, "退出者", consent=False, minutes=6000, status="withdrawn")
    sun = volunteer(vb, "孙志明", consent=True, minutes=1000 * 60)
    other = volunteer(vc, "外县志愿者", consent=True)
    hours(liu, 120, today, org=assoc)
    hours(liu, 60, today - timedelta(days=3))
    first = hours(chen, 90, today - timedelta(days=10), org=league)
    hours(chen, -30, today - timedelta(days=2), org=league, corrects=first)
    hours(chen, 30, today, status="recorded", org=league)
    hours(liu, 45, today - timedelta(days=400), org=assoc)
    hours(sun, 30, today - timedelta(days=1), org=league)
    hours(other, 500, today)
    # Points.
    a1 = household(cast, group, "R-A1", "周大海")
    a2 = household(cast, va, "R-A2", "吴小红")
    b1 = household(cast, vb, "R-B1", "郑国庆")
    filial_a = earning_rule(va, clerk, "filial", "elder", "孝敬老人", 5)
    env_a = earning_rule(va, clerk, "environment", "yard", "庭院整洁", 4)
    filial_b = earning_rule(vb, clerk, "filial", "elder", "孝敬老人", 5)
    credit(declaration(a1, filial_a, clerk, 10, "reviewed", "照顾老人"), leader)
    credit(declaration(a2, env_a, clerk, 8, "reviewed", "庭院整洁"), leader)
    wrong = credit(declaration(a1, env_a, clerk, 4, "reviewed", "重复申报"), leader)
    with system_scope("test: reverse"):
        ledger.reverse_entry(entry=wrong, actor=leader, reason="重复申报")
    credit(declaration(b1, filial_b, clerk, 20, "reviewed", "照顾老人"), leader)
    # Store.
    store_a, (rice, soap, towel, _old) = store_with_items(
        va, clerk, "闵家村爱心超市",
        [("大米", 3, 10, True), ("肥皂", 4, 5, True), ("毛巾", 2, 0, True), ("旧货", 1, 0, False)],
    )  # fmt: skip
    with system_scope("test: donor"):
        from cunshe.volunteering.models import Donor

        donor = Donor.objects.create(region=va, name="爱心企业", kind="company")
    stock_in(towel, clerk, 3, kind="donation", donor=donor)
    redeem(store_a, a1, clerk, [(rice, 2)], "rep-a1")
    back = redeem(store_a, a2, clerk, [(soap, 1)], "rep-a2")
    reverse_redemption(back, clerk)
    store_b, (tea,) = store_with_items(vb, clerk, "古城村爱心超市", [("茶叶", 5, 4, True)])
    redeem(store_b, b1, clerk, [(tea, 1)], "rep-b1")
    # Village C (another county): must never count for 闵家镇 or 榆树市.
    c1 = household(cast, vc, "R-C1", "外县户主")
    credit(declaration(c1, earning_rule(vc, outsider, "filial", "elder", "孝敬老人"), outsider,
                       50, "reviewed", "外县"), outsider)  # fmt: skip
    return {"store_a": store_a, "rice": rice}
