"""Fixtures for activities, shifts and hours (village A of the cast).

`vol(name, **fields)` makes a verified, active volunteer of village A (rows written directly: the
volunteers part owns registration). `me` is the cast villager's own volunteer record.
`project` is a project of village A; `activity_maker(**fields)` an open activity with one shift
(`activity.first_shift`) starting in `starts_in` (default a day ahead) for `hours` hours.
`jof(name)` is a cast member's jurisdiction.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment
from cunshe.residents import idcard
from cunshe.volunteering.models import Shift, Signup, Volunteer
from cunshe.volunteering.services import activities as act_svc

_seq = {"n": 0}


def jof(user):  # type: ignore[no-untyped-def]
    return RoleAssignment.objects.active().filter(user=user).first().jurisdiction()


@pytest.fixture
def jurisdictions(cast):  # type: ignore[no-untyped-def]
    return {name: jof(user) for name, user in cast.users.items()}


@pytest.fixture
def vol(cast):  # type: ignore[no-untyped-def]
    def make(name="王志愿", region=None, **fields):  # type: ignore[no-untyped-def]
        _seq["n"] += 1
        n = _seq["n"]
        fields.setdefault("verified_at", timezone.now())
        return Volunteer._base_manager.create(
            region=region or cast.village_a,
            number=f"T{n:08d}",
            name=name,
            id_number=idcard.make("220182", date(1980, 1, 1 + n % 28), n % 999 + 1, "M"),
            **fields,
        )

    return make


@pytest.fixture
def me(cast, vol):  # type: ignore[no-untyped-def]
    return vol("村民本人", account=cast.villager)


@pytest.fixture
def project(cast, jurisdictions):  # type: ignore[no-untyped-def]
    return act_svc.project_create(
        actor=cast.clerk_a,
        jurisdiction=jurisdictions["clerk_a"],
        region=cast.village_a,
        name="敬老助老服务",
        category="elderly",
        starts_on=timezone.localdate(),
    )


@pytest.fixture
def activity_maker(cast, jurisdictions, project):  # type: ignore[no-untyped-def]
    def make(starts_in=timedelta(days=1), hours=2, capacity=3, publish=True, **fields):  # type: ignore[no-untyped-def]
        j = jurisdictions["clerk_a"]
        fields.setdefault("title", "重阳节理发")
        fields.setdefault("place", "村委会活动室")
        activity = act_svc.activity_create(
            actor=cast.clerk_a, jurisdiction=j, project=project, **fields
        )
        start = timezone.now() + starts_in
        shift = act_svc.shift_create(
            actor=cast.clerk_a, jurisdiction=j, activity=activity,
            starts_at=start, ends_at=start + timedelta(hours=hours), capacity=capacity,
        )  # fmt: skip
        if publish:
            activity = act_svc.activity_publish(actor=cast.clerk_a, jurisdiction=j,
                                                activity=activity)  # fmt: skip
        activity.first_shift = shift
        return activity

    return make


def move_shift(shift: Shift, starts_in: timedelta, hours: float = 2) -> Shift:
    """Move a shift (and its sign-ups' copied times) as if the clock had run on."""
    start = timezone.now() + starts_in
    end = start + timedelta(hours=hours)
    Shift._base_manager.filter(pk=shift.pk).update(starts_at=start, ends_at=end)
    Signup._base_manager.filter(shift=shift).update(starts_at=start, ends_at=end)
    shift.refresh_from_db()
    return shift


def reload(obj):  # type: ignore[no-untyped-def]
    return type(obj)._base_manager.get(pk=obj.pk)
