"""Visit coverage on a small known data set, per village, township and county."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cunshe.care.models import Visit
from cunshe.care.selectors.visits import coverage, coverage_total
from cunshe.care.tests.profiles_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.profiles_fixtures import at
from cunshe.core.jurisdiction import system_scope
from cunshe.residents import services as rs


def _visit(profile, when):  # type: ignore[no-untyped-def]
    from cunshe.accounts.models import User

    clerk = User.objects.get(username="clerk_a")
    with system_scope("test set-up"):
        Visit.objects.create(
            profile=profile, region_id=profile.region_id, visited_at=at(when), mode="home",
            carer_name="x", findings="ok", recorded_by=clerk,
        )  # fmt: skip


def test_coverage_counts_active_profiles_visited_within_their_interval(
    cast, family, make_profile, register, j_of
):
    j_clerk = j_of("clerk_a")
    hh_b = rs.household_create(
        actor=cast.clerk_a, jurisdiction=j_clerk,
        region=cast.village_a, number="A-002",
    )  # fmt: skip
    on = date(2026, 6, 30)
    # Village A: general visited exactly 90 days before (covered), general 91 days (not),
    # priority visited 20 days before (covered), high visited 8 days before (not), a closed
    # profile (not counted), an active one never visited (not covered).
    g90 = make_profile(family.grandmother, "elderly")
    _visit(g90, "2026-04-01 09:00")  # 90 days before 06-30
    g91 = make_profile(family.grandfather, "elderly")
    _visit(g91, "2026-03-31 23:30")
    pr = make_profile(family.mother, "woman", risk="priority")
    _visit(pr, "2026-06-10 10:00")
    hi = make_profile(family.child, "child", risk="high")
    _visit(hi, "2026-06-22 10:00")
    make_profile(register("甲", date(1950, 2, 2), "M", "02", seq=31, household=hh_b), "elderly",
                 status="closed")  # fmt: skip
    make_profile(register("乙", date(1951, 2, 2), "F", "12", seq=32, household=hh_b), "elderly")
    # A visit after the day does not count for it.
    third = register("丙", date(1952, 2, 2), "F", "52", seq=34, household=hh_b)
    late = make_profile(third, "elderly")
    _visit(late, "2026-07-01 08:00")

    j_town = j_of("township_officer")
    with CaptureQueriesContext(connection) as ctx:
        rows = coverage(j_town, on=on, group_by="village")
    assert len(ctx.captured_queries) == 2
    assert rows == [
        {"code": "220182102200", "name": "闵家村委会", "active": 6, "covered": 2, "rate": 2 / 6}
    ]
    assert coverage(j_of("county_civil"), on=on, group_by="township")[0]["code"] == "220182102"
    county = coverage(j_of("county_civil"), on=on, group_by="county")
    assert county[0]["covered"] == 2 and county[0]["active"] == 6
    assert coverage_total(rows) == {"active": 6, "covered": 2, "rate": 2 / 6}
    # The day after, the 90-day one runs out; a day before the late visit is in range for "late".
    assert coverage(j_clerk, on=date(2026, 7, 1))[0]["covered"] == 2  # pr + late; g90 ran out
    assert coverage(j_of("outsider"), on=on) == []


def test_coverage_rejects_an_unknown_grouping(cast, j_of):
    import pytest

    with pytest.raises(ValueError):
        coverage(j_of("clerk_a"), group_by="province")
