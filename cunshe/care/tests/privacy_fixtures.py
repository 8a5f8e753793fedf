"""Fixtures for the privacy tests: village A's care records of every kind and the readers.

`world` (built on conftest's `family`): active profiles for the child 张小明 (high risk, guardian
王桂芝), the left-behind woman 李娜 and the elderly 张大山 (family contact); a visit and a need
on each; a terminal on the elderly man and one on the child, each with an open SOS alert.
`readers`: the cast plus a county justice officer, a women's federation officer and a disabled
persons' federation officer of 榆树市.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Department, Role
from cunshe.care.services import alerts, needs, profiles, visits
from cunshe.care.services.profiles import ContactIn
from cunshe.core.jurisdiction import system_scope
from cunshe.residents.tests.conftest import jurisdiction_of

__all__ = ["readers", "world"]

CHILD_NAME = "张小明"
ADULT_NAMES = ("李娜", "张大山")
PHONES = ("13900002222", "13900003333", "13900004444")
EXTRA_OFFICERS = {
    "county_justice": Department.JUSTICE,
    "county_women": Department.WOMEN,
    "county_disabled": Department.DISABLED,
}


@pytest.fixture
def readers(cast):  # type: ignore[no-untyped-def]
    """Every cast member plus the three county officers, by name."""
    for name, department in EXTRA_OFFICERS.items():
        if name in cast.users:
            continue
        user = User.objects.create_user(username=name, password="x-unused-123", display_name=name)
        RoleAssignment.objects.create(
            user=user, role=Role.COUNTY_OFFICER, region=cast.county, department=department
        )
        cast.users[name] = user
    return cast.users


@pytest.fixture
def world(cast, family, make_profile, make_terminal, readers):  # type: ignore[no-untyped-def]
    clerk = cast.clerk_a
    j = jurisdiction_of(clerk)
    family.father.phone = PHONES[2]
    with system_scope("test set-up"):
        family.father.save(update_fields=["phone"])
    child = make_profile(family.child, "child", risk="high", guardian_person=family.grandmother,
                         guardian_name="王桂芝", guardian_relation="祖母",
                         guardian_phone=PHONES[0])  # fmt: skip
    woman = make_profile(family.mother, "woman", risk="priority")
    elderly = make_profile(family.grandfather, "elderly")
    profiles.profile_set_contacts(
        actor=clerk, jurisdiction=j, profile=elderly, expected_version=None,
        contacts=[ContactIn("张伟", "儿子", PHONES[1], True)],
    )  # fmt: skip
    now = timezone.now()
    made = {}
    for key, p in (("child", child), ("woman", woman), ("elderly", elderly)):
        v = visits.visit_record(
            actor=clerk, jurisdiction=j, profile=p, mode="home", findings="入户走访，情况良好",
            visited_at=now - timedelta(hours=3),
        )  # fmt: skip
        need = needs.need_create(
            actor=clerk, jurisdiction=j, profile_id=p.pk, category="daily_care",
            description="需要生活照料", visit_id=v.pk,
        )  # fmt: skip
        made[key] = SimpleNamespace(profile=p, visit=v, need=need)
    t_elderly = make_terminal(family.grandfather, serial="P-ELDER-1", callback_phone=PHONES[1])
    t_child = make_terminal(family.child, serial="P-CHILD-1", callback_phone=PHONES[0])
    with system_scope("test set-up"):
        a_elderly = alerts.alert_raise(terminal=t_elderly, kind="sos", at=now)
        a_child = alerts.alert_raise(terminal=t_child, kind="sos", at=now)
    return SimpleNamespace(
        family=family, child=made["child"], woman=made["woman"], elderly=made["elderly"],
        terminal_elderly=t_elderly, terminal_child=t_child, alert_elderly=a_elderly,
        alert_child=a_child,
    )  # fmt: skip
