"""The metrics selector on a hand-made data set (see metrics_data.py for the figures worked out
by hand): per unit and for the region, by item, by mode and by month; scoped to the caller."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cunshe.core.reporting import default_period
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.selectors.metrics import region_metrics
from cunshe.servicedesk.tests.metrics_data import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.metrics_data import END, START
from cunshe.servicedesk.tests.metrics_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.metrics_fixtures import made

pytestmark = pytest.mark.django_db


def report_for(cast, who: str, region, start=START, end=END):  # type: ignore[no-untyped-def]
    return region_metrics(jurisdiction_of(cast.users[who]), region, start=start, end=end)


def test_per_village_figures_for_the_township(cast, dataset):
    r = report_for(cast, "township_officer", cast.township)
    units = {u.code: u for u in r.units}
    assert set(units) == {cast.village_a.code, cast.village_b.code}
    a, b = units[cast.village_a.code], units[cast.village_b.code]
    assert a.name == "闵家村委会"
    assert a.total == 4
    assert a.by_mode == {"daiban": 1, "lingban": 1, "online": 1, "appointment": 1}
    assert (a.finished, a.on_time) == (3, 2)
    assert a.on_time_rate == pytest.approx(2 / 3)
    assert a.avg_days == pytest.approx(7.0)
    assert a.zero_trip_rate == pytest.approx(0.5)
    assert (a.open, a.overdue) == (2, 2)
    assert (a.ratings, a.avg_score, a.satisfaction_rate) == (2, 3.5, 0.5)
    assert b.total == 2 and b.by_mode == {"daiban": 2}
    assert b.on_time_rate == 1.0 and b.avg_days == pytest.approx(2.0)
    assert b.zero_trip_rate == 1.0 and (b.open, b.overdue) == (1, 0)
    assert (b.ratings, b.avg_score, b.satisfaction_rate) == (1, 4.0, 1.0)


def test_the_region_total(cast, dataset):
    t = report_for(cast, "township_officer", cast.township).total
    assert t.code == cast.township.code and t.total == 6
    assert t.on_time_rate == pytest.approx(3 / 4)
    assert t.avg_days == pytest.approx(16 / 3)
    assert t.zero_trip_rate == pytest.approx(4 / 6)
    assert (t.open, t.overdue) == (3, 2)
    assert t.ratings == 3
    assert t.avg_score == pytest.approx(11 / 3)
    assert t.satisfaction_rate == pytest.approx(2 / 3)


def test_by_item_by_mode_and_by_month(cast, dataset):
    r = report_for(cast, "township_officer", cast.township)
    items = {i.code: i for i in r.by_item}
    assert items["M-TWN"].total == 5 and items["M-CTY"].total == 1
    assert items["M-TWN"].on_time_rate == pytest.approx(2 / 3)
    assert [i.code for i in r.by_item] == ["M-TWN", "M-CTY"]  # most used first
    assert {m: n for m, _label, n in r.modes} == {
        "online": 1, "daiban": 3, "lingban": 1, "appointment": 1,
    }  # fmt: skip
    assert [(m.month, m.total, m.finished, m.on_time) for m in r.trend] == [
        ("2026-01", 2, 2, 1), ("2026-02", 2, 1, 1), ("2026-03", 2, 1, 1),
    ]  # fmt: skip


def test_the_county_department_sees_the_same_through_its_townships(cast, dataset):
    r = report_for(cast, "county_civil", cast.county)
    assert [u.code for u in r.units] == [cast.township.code]
    assert r.total.total == 6 and r.total.satisfaction_rate == pytest.approx(2 / 3)
    # Another department of the county sees none of these matters.
    hr = report_for(cast, "yushu_hr", cast.county)
    assert hr.total.total == 0 and hr.total.ratings == 0 and hr.total.open == 0


def test_a_village_clerk_sees_the_village_alone(cast, dataset):
    r = report_for(cast, "clerk_a", cast.village_a)
    assert r.units == [] and r.child_level is None
    assert r.total.total == 4 and r.total.on_time_rate == pytest.approx(2 / 3)


def test_the_province_counts_the_other_county_apart(cast, dataset):
    r = report_for(cast, "province_official", cast.regions["22"])
    units = {u.code: u for u in r.units}
    assert units["2201"].total == 6 and units["2203"].total == 1
    assert units["2203"].satisfaction_rate == 0.0
    assert r.total.total == 7 and r.total.ratings == 4


def test_counts_exclude_the_other_county(cast, dataset):
    for who, region in (("township_officer", cast.township), ("county_civil", cast.county)):
        r = report_for(cast, who, region)
        assert r.total.total == 6 and r.total.ratings == 3  # c1 and its rating left out


def test_a_shorter_period_takes_only_its_matters(cast, dataset):
    r = report_for(cast, "township_officer", cast.township, date(2026, 3, 1), date(2026, 3, 1))
    assert r.total.total == 1 and r.total.by_mode == {"daiban": 1}
    assert [m.month for m in r.trend] == ["2026-03"]
    assert (r.total.open, r.total.overdue) == (3, 2)  # "now" figures ignore the period


def test_a_region_outside_or_a_bad_period_is_refused(cast, dataset):
    with pytest.raises(ValidationError):
        report_for(cast, "outsider", cast.township)
    with pytest.raises(ValidationError) as exc:
        report_for(cast, "township_officer", cast.township, END, START)
    assert "to" in exc.value.message_dict
    with pytest.raises(ValidationError):
        report_for(cast, "township_officer", cast.township, date(2015, 1, 1), END)
    with pytest.raises(PermissionDenied):
        report_for(cast, "system_admin", cast.regions["22"])


def test_the_default_period_is_the_last_twelve_months():
    assert default_period(date(2026, 11, 29)) == (date(2025, 12, 1), date(2026, 11, 29))
    assert default_period(date(2026, 12, 31)) == (date(2026, 1, 1), date(2026, 12, 31))


def test_fixed_number_of_queries_whatever_the_data(cast, dataset, django_assert_num_queries):
    j = jurisdiction_of(cast.province_official)
    province = cast.regions["22"]
    with django_assert_num_queries(5):
        region_metrics(j, province, start=START, end=END)
    person = dataset.apps["a1"].applicant
    for day in range(1, 20):
        made(cast, person, dataset.apps["a1"].item, submitted=date(2026, 2, day),
             decided_days=1, on_time=True, status="closed")  # fmt: skip
    with django_assert_num_queries(5):
        r = region_metrics(j, province, start=START, end=END)
    assert r.total.total == 7 + 19
