"""Care fixtures: the register's (cast, clerk_j, household_a, register) plus a family in
village A and quick builders for profiles and terminals.

`family` is built through the register's services:
  A-001 闵家村一组: 张伟 (head, b. 1985, away for work since 2024-03-01), 李娜 (wife, b. 1988),
  张小明 (son, b. 2016-05-10), 张大山 (head's father, b. 1950), 王桂芝 (head's mother, b. 1952).
Nothing is identified yet: tests of identification run it themselves.
"""

from __future__ import annotations

from datetime import date, time
from types import SimpleNamespace

import pytest

from cunshe.care.models import CareProfile, Terminal
from cunshe.core.jurisdiction import system_scope
from cunshe.residents import services as register_services
from cunshe.residents.codes import EventKind
from cunshe.residents.tests.conftest import clerk_j, household_a, register  # noqa: F401


@pytest.fixture
def family(cast, clerk_j, register):  # type: ignore[no-untyped-def]  # noqa: F811
    father = register("张伟", date(1985, 4, 2), "M", "02", seq=11, marital_status="20")
    mother = register("李娜", date(1988, 7, 9), "F", "12", seq=12, marital_status="20")
    child = register("张小明", date(2016, 5, 10), "M", "20", seq=13)
    grandfather = register("张大山", date(1950, 1, 20), "M", "51", seq=14, marital_status="20")
    grandmother = register("王桂芝", date(1952, 3, 3), "F", "52", seq=16, marital_status="20")
    register_services.event_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=father,
        kind=EventKind.LEAVE_FOR_WORK,
        occurred_on=date(2024, 3, 1),
        destination="长春市",
    )
    father.refresh_from_db()
    return SimpleNamespace(
        father=father,
        mother=mother,
        child=child,
        grandfather=grandfather,
        grandmother=grandmother,
        household=father.household,
    )


@pytest.fixture
def make_profile():  # type: ignore[no-untyped-def]
    """make_profile(person, kind, status="active", risk="general", **fields): a profile row made
    directly (test set-up for parts that start from an existing profile; identification's own
    tests go through its services)."""

    def make(person, kind, status="active", risk="general", **fields):  # type: ignore[no-untyped-def]
        with system_scope("test set-up"):
            return CareProfile.objects.create(
                person=person,
                region_id=person.region_id,
                kind=kind,
                status=status,
                risk_level=risk,
                identified_on=fields.pop("identified_on", date(2026, 1, 5)),
                reason=fields.pop("reason", []),
                **fields,
            )

    return make


@pytest.fixture
def make_terminal(cast):  # type: ignore[no-untyped-def]
    """make_terminal(person, serial="T-0001", secret="s3cret", **fields)."""

    def make(person, serial="T-0001", secret="s3cret", **fields):  # type: ignore[no-untyped-def]  # noqa: S107
        fields.setdefault("checkin_start", time(6, 0))
        fields.setdefault("checkin_end", time(10, 0))
        with system_scope("test set-up"):
            return Terminal.objects.create(
                serial=serial,
                person=person,
                region_id=person.region_id,
                secret=secret,
                callback_phone=fields.pop("callback_phone", "13900001111"),
                registered_by=cast.clerk_a,
                **fields,
            )

    return make
