"""志愿积分统计 figures against the hand-computed fixtures (reports_fixtures.EXPECTED), scoping of
each role, and sections by permission."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cunshe.regions.models import Region
from cunshe.volunteering.selectors.reports import vol_report
from cunshe.volunteering.tests.public_fixtures import jur
from cunshe.volunteering.tests.reports_fixtures import EXPECTED, A, B, C, township_records


@pytest.fixture
def records(cast):  # type: ignore[no-untyped-def]
    return township_records(cast)


def _report(cast, who: str, code: str, **kw):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    return vol_report(
        jur(cast.users[who]), Region.objects.get(code=code),
        start=kw.get("start", today - timedelta(days=30)), end=kw.get("end", today),
    )  # fmt: skip


def _unit(section: dict, code: str) -> dict:
    return next(u for u in section["units"] if u["code"] == code)


@pytest.mark.django_db
def test_township_hours_by_village_and_organisation(cast, records):
    data = _report(cast, "township_officer", "220182102")
    assert [u["code"] for u in data["units"]] == [A, B]
    for code in (A, B):
        unit = _unit(data["hours"], code)
        assert {k: unit[k] for k in EXPECTED["hours"][code]} == EXPECTED["hours"][code]
    assert data["hours"]["totals"] == EXPECTED["township_hours"]
    orgs = [(o["name"], o["minutes"]) for o in data["hours"]["organisations"]]
    assert orgs == EXPECTED["organisations"]


@pytest.mark.django_db
def test_volunteers_by_star_and_active_count(cast, records):
    data = _report(cast, "township_officer", "220182102")
    for code in (A, B):
        assert _unit(data["volunteers"], code)["by_star"] == EXPECTED["stars"][code]
    totals = data["volunteers"]["totals"]
    assert totals["by_star"] == [1, 1, 1, 0, 1, 0]
    assert totals["registered"] == 4  # the withdrawn volunteer is not counted
    assert totals["active_in_period"] == 3


@pytest.mark.django_db
def test_star_grades_follow_the_configured_rule(cast, records, settings):
    settings.VOLUNTEERING_RULES = {"STAR_HOURS": (50, 100, 200, 300, 400)}
    data = _report(cast, "township_officer", "220182102")
    assert _unit(data["volunteers"], A)["by_star"] == [1, 0, 1, 0, 1, 0]  # 0 h, 100 h, 300 h
    assert _unit(data["volunteers"], B)["by_star"] == [0, 0, 0, 0, 0, 1]


@pytest.mark.django_db
def test_points_issued_reversed_redeemed_by_category_and_unit(cast, records):
    data = _report(cast, "township_officer", "220182102")
    points = data["points"]
    for code in (A, B):
        assert {k: v for k, v in _unit(points, code).items() if k not in ("code", "name")} == (
            EXPECTED["points"][code]
        )
    cats = {c["code"]: (c["issued"], c["reversed"], c["net"]) for c in points["categories"]}
    for code, figures in EXPECTED["categories"].items():
        assert cats[code] == figures
    assert cats["customs"] == (0, 0, 0)
    assert points["totals"] == {
        "issued": 42, "reversed": 4, "redeemed": 11, "redemptions_reversed": 4,
        "in_circulation": 27,
    }  # fmt: skip
    # In circulation = issued − reversed − redeemed when everything happened in the period.
    t = points["totals"]
    assert t["in_circulation"] == t["issued"] - t["reversed"] - t["redeemed"]


@pytest.mark.django_db
def test_points_of_a_period_before_any_movement_are_zero(cast, records):
    today = timezone.localdate()
    data = _report(
        cast, "township_officer", "220182102", start=today - timedelta(days=90),
        end=today - timedelta(days=1),
    )  # fmt: skip
    assert data["points"]["totals"]["issued"] == 0
    assert data["points"]["totals"]["in_circulation"] == 0
    assert data["store"]["totals"]["redemptions"] == 0
    # Stock is "now": it does not depend on the period.
    assert data["store"]["totals"]["units_in_stock"] == 19


@pytest.mark.django_db
def test_store_turnover_and_stock(cast, records):
    data = _report(cast, "township_officer", "220182102")
    for code in (A, B):
        unit = _unit(data["store"], code)
        assert {k: unit[k] for k in EXPECTED["store"][code]} == EXPECTED["store"][code]
    totals = data["store"]["totals"]
    assert totals["value_fen"] == 8000 and totals["items_out"] == 3 and totals["points"] == 11


@pytest.mark.django_db
def test_village_clerk_sees_their_village_only_without_units(cast, records):
    data = _report(cast, "clerk_a", A)
    assert data["units"] == [] and data["hours"]["units"] == []
    assert data["hours"]["totals"]["minutes"] == 240
    assert data["points"]["totals"]["issued"] == 22
    assert data["store"]["totals"]["value_fen"] == 6500
    with pytest.raises(Exception):  # noqa: B017 - outside the clerk's village
        _report(cast, "clerk_a", B)


@pytest.mark.django_db
def test_county_sees_its_county_not_the_other(cast, records):
    data = _report(cast, "county_civil", "220182")
    assert [u["code"] for u in data["units"]] == ["220182102"]
    assert data["hours"]["totals"]["minutes"] == 270
    assert data["points"]["totals"]["issued"] == 42
    province = _report(cast, "province_official", "22")
    assert province["hours"]["totals"]["minutes"] == 770  # with village C's 500
    assert province["points"]["totals"]["issued"] == 92


@pytest.mark.django_db
def test_outsider_gets_only_their_own_village(cast, records):
    data = _report(cast, "outsider", C)
    assert data["hours"]["totals"]["minutes"] == 500
    assert data["points"]["totals"]["issued"] == 50
    assert data["store"]["totals"]["redemptions"] == 0


@pytest.mark.django_db
def test_sections_follow_permissions(cast, records):
    from cunshe.core.jurisdiction import Jurisdiction

    j = jur(cast.township_officer)
    only_vol = Jurisdiction(
        prefixes=j.prefixes, permissions=frozenset({"volunteering.reports"}), role=j.role
    )
    today = timezone.localdate()
    township = Region.objects.get(code="220182102")
    data = vol_report(only_vol, township, start=today - timedelta(days=30), end=today)
    assert data["hours"] and data["volunteers"] and data["points"] is None and data["store"] is None
    with pytest.raises(PermissionDenied):
        vol_report(jur(cast.villager), cast.village_a, start=date(2026, 1, 1), end=today)
