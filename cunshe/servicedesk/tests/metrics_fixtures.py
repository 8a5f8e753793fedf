"""Fixtures for the deadline, escalation and metrics tests: the officials the cast lacks (city
officials of two prefectures, the outsider county's officers, a second department of the home
county, a clerk of village B), villagers in villages B and C, and helpers that make
applications through the services and then set their dates and outcomes (as the workflow
tests set `paused_on`), so that figures can be computed by hand."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Department, Role
from cunshe.core.jurisdiction import Jurisdiction, system_scope
from cunshe.core.testing.cast import PASSWORD
from cunshe.regions.models import Kind, Level, Region
from cunshe.residents import idcard
from cunshe.residents import services as rsvc
from cunshe.residents.models import Person
from cunshe.servicedesk.models import Application, Rating, ServiceItem
from cunshe.servicedesk.tests.factories import make_item, submit

__all__ = ["county_item", "officials", "township_item", "village_item"]  # the fixtures

_seq = itertools.count(50)

# name -> (role, region code, department)
EXTRA = {
    "city_cc": (Role.CITY_OFFICIAL, "2201", ""),  # 长春市: above 榆树市
    "city_sp": (Role.CITY_OFFICIAL, "2203", ""),  # 四平市: the outsider's city
    "yushu_hr": (Role.COUNTY_OFFICER, "220182", Department.HUMAN_RESOURCES),
    "lishu_civil": (Role.COUNTY_OFFICER, "220322", Department.CIVIL_AFFAIRS),
    "gujiazi_officer": (Role.TOWNSHIP_OFFICER, "220322103", ""),
    "clerk_b": (Role.VILLAGE_CLERK, "220182102201", ""),
}


def add_user(cast: Any, name: str, role: str, code: str, department: str = "") -> User:
    user = User.objects.create_user(username=name, password=PASSWORD, display_name=name)
    RoleAssignment.objects.create(
        user=user, role=role, region=Region.objects.get(code=code), department=department
    )
    cast.users[name] = user
    return user


@pytest.fixture
def officials(cast):  # type: ignore[no-untyped-def]
    """The extra officials, added to `cast.users`."""
    for name, (role, code, dept) in EXTRA.items():
        add_user(cast, name, role, code, dept)
    return cast


def person_in(region: Region, name: str = "王德福", born: date = date(1960, 3, 1)) -> Person:
    """A household head registered in `region` (test data set up under a system scope)."""
    with system_scope("test: register a villager") as j:
        household = rsvc.household_create(
            actor=None, jurisdiction=j, region=region, number=f"T-{next(_seq)}"
        )
        return rsvc.person_register(
            actor=None,
            jurisdiction=j,
            household=household,
            relationship="02",
            name=name,
            id_number=idcard.make(region.code[:6], born, next(_seq), "M"),
            since=date(2020, 1, 1),
        )


def add_group(village: Region, code_suffix: str = "002") -> Region:
    return Region.objects.create(
        code=village.code + code_suffix, name="二组", level=Level.GROUP, kind=Kind.GROUP,
        parent=village,
    )  # fmt: skip


def system() -> Jurisdiction:
    return Jurisdiction.system("test")


def adjust(app: Application, **fields: Any) -> Application:
    """Set fields the workflow would set over days (dates, outcomes) on one application."""
    with system_scope("test: set dates"):
        Application.objects.filter(pk=app.pk).update(**fields)
        return Application.objects.select_related("item").get(pk=app.pk)


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def made(
    cast: Any,
    person: Person,
    item: ServiceItem,
    *,
    by: str = "clerk_a",
    mode: str = "daiban",
    submitted: date,
    **fields: Any,
) -> Application:
    """An application submitted through the services, then dated and finished as given:
    `decided_days` (calendar days after submission), `on_time`, `status`, `trips`..."""
    app = submit(cast, person, item, by=by, mode=mode)
    values: dict[str, Any] = {"submitted_at": at(submitted)}
    decided_days = fields.pop("decided_days", None)
    if decided_days is not None:
        values["decided_at"] = at(submitted) + timedelta(days=decided_days)
    if "on_time" in fields:
        values["finished_on_time"] = fields.pop("on_time")
    values.update(fields)
    return adjust(app, **values)


def rate(app: Application, score: int, on: date) -> Rating:
    """A rating of `score` for an application (test data; the ratings service has its own
    tests)."""
    with system_scope("test: rating"):
        return Rating.objects.create(
            application=app, region=app.region, score=score, item=app.item,
            handler_code=app.handler_code, rated_at=at(on),
        )  # fmt: skip


@pytest.fixture
def township_item(db):  # type: ignore[no-untyped-def]
    return make_item("M-TWN", name="最低生活保障申请", level="township")


@pytest.fixture
def county_item(db):  # type: ignore[no-untyped-def]
    return make_item("M-CTY", name="残疾人两项补贴", level="county", department="civil_affairs")


@pytest.fixture
def village_item(db):  # type: ignore[no-untyped-def]
    return make_item("M-VIL", name="村级证明", level="village", department="civil_affairs")
