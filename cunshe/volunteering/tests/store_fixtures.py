"""Fixtures for the points store: `shop` — village A (闵家村) with two households (heads 赵大一
and 钱大二, household numbers S-001, S-002), a store 闵家村爱心超市 with three goods (肥皂 10
points × 50, 食用油 30 points × 20, 大米 100 points × 5, stocked by purchase), household 1
credited 1,000 points and household 2 50 points; and village C (the outsider's) with a
household credited 500 points and a store of its own. The cast villager is head 1.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from cunshe.accounts.models import RoleAssignment
from cunshe.residents import idcard
from cunshe.residents import services as register
from cunshe.residents.models import Person
from cunshe.volunteering.models import PointsEntry
from cunshe.volunteering.services import ledger
from cunshe.volunteering.services import store as svc


def jurisdiction_of(user):  # type: ignore[no-untyped-def]
    return RoleAssignment.objects.active().filter(user=user).first().jurisdiction()


def credit(account, points: int, memo: str = "积分入账"):  # type: ignore[no-untyped-def]
    village = account.region if len(account.region_code) == 12 else account.region.parent
    return ledger.post_entry(
        kind=PointsEntry.Kind.EARN,
        region=village,
        lines=[(ledger.issuance_account(village), -points), (account, points)],
        memo=memo,
    )


def _household(actor, j, region, number, head, born, seq):  # type: ignore[no-untyped-def]
    hh = register.household_create(actor=actor, jurisdiction=j, region=region, number=number)
    person = register.person_register(
        actor=actor, jurisdiction=j, household=hh, relationship="02", name=head,
        id_number=idcard.make(region.code[:6], born, seq, "M"), since=date(2020, 1, 1),
    )  # fmt: skip
    return hh, person


def build_shop(cast):  # type: ignore[no-untyped-def]
    clerk_j = jurisdiction_of(cast.clerk_a)
    out_j = jurisdiction_of(cast.outsider)
    hh1, head1 = _household(cast.clerk_a, clerk_j, cast.village_a, "S-001", "赵大一",
                            date(1970, 1, 1), 11)  # fmt: skip
    hh2, _h2 = _household(cast.clerk_a, clerk_j, cast.village_a, "S-002", "钱大二",
                          date(1971, 2, 2), 12)  # fmt: skip
    hhc, _hc = _household(cast.outsider, out_j, cast.village_c, "C-001", "孙大三",
                          date(1972, 3, 3), 13)  # fmt: skip
    Person._base_manager.filter(pk=head1.pk).update(account=cast.villager)
    store = svc.store_create(actor=cast.clerk_a, jurisdiction=clerk_j, village=cast.village_a,
                             name="闵家村爱心超市", address="村委会一楼",
                             opening_hours="每周六 9:00-11:00")  # fmt: skip
    items = {}
    for name, unit, price, qty, cost in (("肥皂", "块", 10, 50, "150"), ("食用油", "桶", 30, 20,
                                          "900.00"), ("大米", "袋", 100, 5, "400")):  # fmt: skip
        item = svc.item_create(actor=cast.clerk_a, jurisdiction=clerk_j, store=store, name=name,
                               unit=unit, price_points=price)  # fmt: skip
        svc.stock_in(actor=cast.clerk_a, jurisdiction=clerk_j, item=item, kind="purchase",
                     quantity=qty, cost_yuan=cost)  # fmt: skip
        item.refresh_from_db()
        items[name] = item
    acc1 = ledger.household_account(hh1)
    acc2 = ledger.household_account(hh2)
    accc = ledger.household_account(hhc)
    credit(acc1, 1000)
    credit(acc2, 50)
    credit(accc, 500)
    store_c = svc.store_create(actor=cast.outsider, jurisdiction=out_j, village=cast.village_c,
                               name="孤家子村爱心超市")  # fmt: skip
    soap_c = svc.item_create(actor=cast.outsider, jurisdiction=out_j, store=store_c,
                             name="肥皂", price_points=10)  # fmt: skip
    svc.stock_in(actor=cast.outsider, jurisdiction=out_j, item=soap_c, kind="purchase",
                 quantity=10, cost_yuan="30")  # fmt: skip
    for a in (acc1, acc2, accc):
        a.refresh_from_db()
    return SimpleNamespace(
        clerk_j=clerk_j, out_j=out_j, leader_j=jurisdiction_of(cast.leader_a), store=store,
        soap=items["肥皂"], oil=items["食用油"], rice=items["大米"], hh1=hh1, hh2=hh2,
        acc1=acc1, acc2=acc2, accc=accc, store_c=store_c, soap_c=soap_c, head1=head1,
    )  # fmt: skip


@pytest.fixture
def shop(cast):  # type: ignore[no-untyped-def]
    return build_shop(cast)
