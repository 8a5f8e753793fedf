"""Who supervises whom: `supervisors_for(application, level)` climbs the tree from the handling
unit — village → township → county department → city → province — one rung per level."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment
from cunshe.regions.models import Region
from cunshe.servicedesk.models import CountyAdjustment
from cunshe.servicedesk.selectors.deadlines import (
    supervising_unit,
    supervisors_for,
    unit_officers,
)
from cunshe.servicedesk.tests.factories import submit, villager_person
from cunshe.servicedesk.tests.metrics_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.metrics_fixtures import add_user

pytestmark = pytest.mark.django_db


def names(users) -> set[str]:  # type: ignore[no-untyped-def]
    return {u.username for u in users}


@pytest.fixture
def person(cast, register):  # type: ignore[no-untyped-def]
    return villager_person(cast, register)


def test_village_matter_climbs_township_county_city_province(cast, officials, person, village_item):
    app = submit(cast, person, village_item)
    assert app.handler_code == cast.village_a.code
    assert names(unit_officers(app)) == {"clerk_a"}  # not the villager, not the leader
    assert names(supervisors_for(app, 1)) == {"township_officer"}
    assert names(supervisors_for(app, 2)) == {"county_civil"}  # the item's department
    assert names(supervisors_for(app, 3)) == {"city_cc"}
    assert names(supervisors_for(app, 4)) == {"province_official"}
    assert names(supervisors_for(app, 9)) == {"province_official"}  # capped


def test_township_matter_goes_to_the_county_department_of_the_matter(
    cast, officials, person, township_item
):
    app = submit(cast, person, township_item)
    assert names(unit_officers(app)) == {"township_officer"}
    unit = supervising_unit(app, 1)
    assert (unit.code, unit.department) == (cast.county.code, "civil_affairs")
    assert names(supervisors_for(app, 1)) == {"county_civil"}  # not yushu_hr
    assert names(supervisors_for(app, 2)) == {"city_cc"}  # not city_sp
    assert names(supervisors_for(app, 3)) == {"province_official"}


def test_county_matter_goes_to_the_city_then_the_province(cast, officials, person, county_item):
    app = submit(cast, person, county_item)
    assert names(unit_officers(app)) == {"county_civil"}
    assert names(supervisors_for(app, 1)) == {"city_cc"}
    assert names(supervisors_for(app, 2)) == {"province_official"}


def test_a_county_adjustment_names_the_supervising_department_of_a_village_matter(
    cast, officials, person, village_item
):
    CountyAdjustment.objects.create(
        item=village_item, county=cast.county, department="hr_social_security"
    )
    app = submit(cast, person, village_item)
    assert names(supervisors_for(app, 2)) == {"yushu_hr"}


def test_nobody_from_another_county_or_city_ever_supervises(
    cast, officials, person, village_item, township_item, county_item
):
    outsiders = {"outsider", "lishu_civil", "gujiazi_officer", "city_sp"}
    for item in (village_item, township_item, county_item):
        app = submit(cast, person, item)
        for level in range(1, 6):
            assert not names(supervisors_for(app, level)) & outsiders


def test_revoked_ended_and_inactive_officers_are_left_out(cast, officials, person, township_item):
    app = submit(cast, person, township_item)
    later = add_user(cast, "new_civil", "county_officer", "220182", "civil_affairs")
    ended = add_user(cast, "old_civil", "county_officer", "220182", "civil_affairs")
    RoleAssignment.objects.filter(user=ended).update(
        valid_from=timezone.localdate() - timedelta(days=30),
        valid_to=timezone.localdate() - timedelta(days=1),
    )
    revoked = add_user(cast, "gone_civil", "county_officer", "220182", "civil_affairs")
    RoleAssignment.objects.filter(user=revoked).update(revoked_at=timezone.now())
    inactive = add_user(cast, "off_civil", "county_officer", "220182", "civil_affairs")
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    assert names(supervisors_for(app, 1)) == {"county_civil", later.username}


def test_a_township_officer_of_another_township_in_the_county_does_not_supervise(
    cast, officials, person, village_item
):
    other = Region.objects.create(
        code="220182103", name="秀水镇", level=4, kind="admin", parent=cast.county
    )
    add_user(cast, "xiushui_officer", "township_officer", other.code)
    app = submit(cast, person, village_item)
    assert names(supervisors_for(app, 1)) == {"township_officer"}


def test_level_zero_is_not_an_escalation(cast, person, township_item):
    app = submit(cast, person, township_item)
    with pytest.raises(ValueError):
        supervising_unit(app, 0)
