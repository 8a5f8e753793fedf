"""Fixtures for the appointment tests: a window at each level above village A (village hall,
township centre, county 民政 window) and the outsider's village hall in another county; a
villager household in village A (the villager's account linked to its first member), a
neighbour household in A, a person in village B and one in village C; and helpers for slots on
a working day ahead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.workdays import is_workday
from cunshe.residents import idcard
from cunshe.residents import services as register_services
from cunshe.residents.models import Person
from cunshe.servicedesk.models import ServiceWindow, Slot
from cunshe.servicedesk.services import appointments as svc

__all__ = ["VILLAGER_PHONE", "Appt", "appt", "at", "jurisdiction_of", "make_slot", "workday"]

VILLAGER_PHONE = "13912345678"


def jurisdiction_of(user: Any) -> Jurisdiction:
    return RoleAssignment.objects.active().filter(user=user).first().jurisdiction()


def workday(ahead: int = 2) -> date:
    """The first working day at least `ahead` days from today."""
    day = timezone.localdate() + timedelta(days=ahead)
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def make_slot(
    window: ServiceWindow,
    day: date | None = None,
    hour: int = 9,
    *,
    minute: int = 0,
    capacity: int = 2,
    booked: int = 0,
    starts_at: datetime | None = None,
) -> Slot:
    starts = starts_at or at(day or workday(), hour, minute)
    return Slot.objects.create(
        window=window,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        capacity=capacity,
        booked=booked,
    )


def _editor_of(code: str) -> Jurisdiction:
    """A register clerk's scope over one village (for setting up persons there)."""
    return Jurisdiction(prefixes=(code,), permissions=frozenset({"residents.edit"}))


@dataclass
class Appt:
    clerk_j: Jurisdiction
    villager_j: Jurisdiction
    township_j: Jurisdiction
    county_j: Jurisdiction
    outsider_j: Jurisdiction
    hall_a: ServiceWindow
    centre: ServiceWindow
    county_window: ServiceWindow
    hall_c: ServiceWindow
    me: Person
    spouse: Person
    neighbour: Person
    person_b: Person
    person_c: Person
    day: date

    def key(self, n: int | str = 1) -> str:
        return f"test-key-{n}"


def _person_in(cast: Any, region: Any, number: str, name: str, seq: int) -> Person:
    j = _editor_of(region.code)
    household = register_services.household_create(
        actor=cast.clerk_a, jurisdiction=j, region=region, number=number
    )
    return register_services.person_register(
        actor=cast.clerk_a,
        jurisdiction=j,
        household=household,
        relationship="02",
        name=name,
        id_number=idcard.make(region.code[:6], date(1960, 3, 3), seq, "F"),
        since=date(2020, 1, 1),
        phone="13800000000",
    )


@pytest.fixture
def appt(cast: Any, register: Any, clerk_j: Jurisdiction) -> Appt:
    me = register("王建国", date(1975, 5, 5), seq=1, phone=VILLAGER_PHONE)
    spouse = register("李秀英", date(1977, 6, 6), sex="F", relationship="10", seq=2)
    Person._base_manager.filter(pk=me.pk).update(account=cast.villager)
    me.refresh_from_db()
    other = register_services.household_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a, number="A-002"
    )
    neighbour = register("赵大爷", date(1950, 1, 1), seq=9, household=other, phone="13700000009")
    township_j = jurisdiction_of(cast.township_officer)
    county_j = jurisdiction_of(cast.county_civil)
    outsider_j = jurisdiction_of(cast.outsider)
    return Appt(
        clerk_j=clerk_j,
        villager_j=jurisdiction_of(cast.villager),
        township_j=township_j,
        county_j=county_j,
        outsider_j=outsider_j,
        hall_a=svc.window_create(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            region=cast.village_a,
            name="闵家村便民服务站",
            address="村委会一楼",
        ),
        centre=svc.window_create(
            actor=cast.township_officer,
            jurisdiction=township_j,
            region=cast.township,
            name="闵家镇便民服务中心",
            address="镇政府院内",
        ),
        county_window=svc.window_create(
            actor=cast.county_civil,
            jurisdiction=county_j,
            region=cast.county,
            name="榆树市民政局窗口",
        ),
        hall_c=svc.window_create(
            actor=cast.outsider,
            jurisdiction=outsider_j,
            region=cast.village_c,
            name="孤家子村便民服务站",
        ),
        me=me,
        spouse=spouse,
        neighbour=neighbour,
        person_b=_person_in(cast, cast.village_b, "B-001", "孙古城", 21),
        person_c=_person_in(cast, cast.village_c, "C-001", "周孤家", 31),
        day=workday(),
    )
