"""Fixtures of the volunteers and records parts.

`people` — village A with a household of three adults (张三丰 is linked to the cast villager's
account), built through the register's services. `vols` — 张三丰 (resident, the villager's own)
and 李四 (non-resident, verified) registered as volunteers. `approve_hours(volunteer, minutes,
activity=None)` inserts an approved HoursEntry and keeps the cached total in step (what the
activities part does on approval).
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.db.models import F
from django.utils import timezone

from cunshe.residents import idcard
from cunshe.residents.tests.conftest import (  # noqa: F401 (fixtures)
    clerk_j,
    household_a,
    jurisdiction_of,
    register,
)
from cunshe.volunteering.models import Activity, HoursEntry, Project, Volunteer
from cunshe.volunteering.services import volunteers as _vol_svc

OTHER_ID = idcard.make("220102", date(1990, 5, 6), 7, "M")


@pytest.fixture
def people(cast, clerk_j, register):  # type: ignore[no-untyped-def]  # noqa: F811
    zhang = register("张三丰", date(1970, 3, 4), "M", "02", seq=1)
    wang = register("王秀英", date(1972, 6, 7), "F", "10", seq=2)
    zhao = register("赵大勇", date(1995, 1, 2), "M", "20", seq=3)
    zhang.account = cast.villager
    zhang.save(update_fields=["account"])
    return SimpleNamespace(zhang=zhang, wang=wang, zhao=zhao)


@pytest.fixture
def vols(cast, clerk_j, people):  # type: ignore[no-untyped-def]  # noqa: F811
    zhang = _vol_svc.volunteer_register_resident(
        actor=cast.clerk_a, jurisdiction=clerk_j, person=people.zhang,
        skills=["haircut", "company"], public_consent=True,
    )  # fmt: skip
    li = _vol_svc.volunteer_register_other(
        actor=cast.clerk_a, jurisdiction=clerk_j, name="李四", id_number=OTHER_ID,
        phone="13912345678", region=cast.village_a, verified=True, skills=["repair"],
    )  # fmt: skip
    return SimpleNamespace(zhang=zhang, li=li)


@pytest.fixture
def activity(cast):  # type: ignore[no-untyped-def]
    project = Project._base_manager.create(
        region=cast.village_a, name="助老理发", category="elderly",
        starts_on=date(2026, 1, 1), created_by=cast.clerk_a,
    )  # fmt: skip
    return Activity._base_manager.create(
        region=cast.village_a, project=project, title="三月理发日", place="村委会",
        organiser=cast.clerk_a, status="closed",
    )  # fmt: skip


@pytest.fixture
def approve_hours(cast):  # type: ignore[no-untyped-def]
    def make(volunteer, minutes, activity=None, *, days_ago=10, kind="manual", corrects=None):  # type: ignore[no-untyped-def]
        entry = HoursEntry._base_manager.create(
            region_id=volunteer.region_id, volunteer=volunteer, activity=activity, kind=kind,
            service_date=timezone.localdate() - timedelta(days=days_ago), minutes=minutes,
            corrects=corrects, reason="测试" if corrects else "", status="approved",
            recorded_by=cast.clerk_a, confirmed_by=cast.clerk_a, decided_by=cast.leader_a,
            decided_at=timezone.now(),
        )  # fmt: skip
        Volunteer._base_manager.filter(pk=volunteer.pk).update(
            approved_minutes=F("approved_minutes") + minutes
        )
        volunteer.refresh_from_db()
        return entry

    return make
