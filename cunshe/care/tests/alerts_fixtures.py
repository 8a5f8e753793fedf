"""Alert fixtures: 张大山 (the family's grandfather, village A) is a left-behind elderly person
with an active profile, two family contacts and a non-family one, two carers (one with an
account, one name-and-phone only) and a call terminal. The village leader and the township
officer have phones, so their rungs text as well as tell in-app."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.care.models import CareProfile, CarerAssignment, Contact
from cunshe.core.jurisdiction import Jurisdiction

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    """An aware Beijing-time datetime: local(2026, 5, 10, 8, 0)."""
    return datetime(*args, tzinfo=SHANGHAI)


def jurisdiction_of(user: User) -> Jurisdiction:
    return RoleAssignment.objects.active().filter(user=user).first().jurisdiction()


@pytest.fixture
def alerting(cast, family, make_profile, make_terminal):  # type: ignore[no-untyped-def]
    cast.leader_a.phone = "13800000001"
    cast.leader_a.save()
    cast.township_officer.phone = "13800000002"
    cast.township_officer.language = "en"
    cast.township_officer.save()
    carer_user = User.objects.create_user(username="carer_a", display_name="网格员小刘")
    carer_user.phone = "13800000003"
    carer_user.save()
    RoleAssignment.objects.create(user=carer_user, role=Role.VILLAGE_CLERK, region=cast.village_a)
    # With real commits (transactional tests) the identification job may have found him
    # already: take that row and make it active.
    profile = CareProfile._base_manager.filter(person=family.grandfather, kind="elderly").first()
    if profile is None:
        profile = make_profile(family.grandfather, "elderly")
    else:
        CareProfile._base_manager.filter(pk=profile.pk).update(status="active")
        profile.status = "active"
    Contact.objects.create(
        profile=profile, name="张伟", relation="儿子", phone="13911110001", order=1
    )
    Contact.objects.create(
        profile=profile, name="张丽", relation="女儿", phone="13911110002", order=2
    )
    Contact.objects.create(
        profile=profile, name="邻居老李", relation="邻居", phone="13911110003", is_family=False
    )
    CarerAssignment.objects.create(
        profile=profile, carer_type="grid", user=carer_user, name="网格员小刘", phone="13800000003"
    )
    CarerAssignment.objects.create(
        profile=profile, carer_type="volunteer", name="志愿者老王", phone="13911110009"
    )
    terminal = make_terminal(family.grandfather, serial="T-ALERT-1", callback_phone="13900001111")
    return SimpleNamespace(
        family=family,
        person=family.grandfather,
        profile=profile,
        terminal=terminal,
        carer=carer_user,
        clerk_j=jurisdiction_of(cast.clerk_a),
        leader_j=jurisdiction_of(cast.leader_a),
        township_j=jurisdiction_of(cast.township_officer),
    )
