"""关爱统计 figures on a known data set (stats_fixtures): every number checked by hand, the SOS
percentiles against Python's statistics module, the small-cell rule for readers without
care.view_children, and a fixed number of queries."""

from __future__ import annotations

import statistics

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cunshe.care.selectors import stats
from cunshe.care.tests.stats_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.stats_fixtures import END, NOW, SOS_A, SOS_B, START
from cunshe.residents.tests.conftest import jurisdiction_of

pytestmark = pytest.mark.django_db

STATS_QUERIES = 8 if connection.vendor == "postgresql" else 7


def _report(cast, who="township_officer", region=None):  # type: ignore[no-untyped-def]
    user = cast.users[who]
    return stats.care_stats(
        jurisdiction_of(user), region or cast.township, start=START, end=END, now=NOW
    )


def _p(values: list[float], n: int, i: int) -> float:
    return statistics.quantiles(values, n=n, method="inclusive")[i]


def test_counts_by_kind_and_risk_per_village(cast, stats_data):
    r = _report(cast)
    a, b = r.units
    assert (a.name, b.name) == ("闵家村委会", "古城村委会")
    assert a.active == {
        ("child", "high"): 2, ("child", "general"): 1, ("elderly", "priority"): 2,
        ("elderly", "general"): 1, ("woman", "general"): 1,
    }  # fmt: skip
    assert b.active == {("child", "high"): 1, ("child", "general"): 5, ("elderly", "general"): 2}
    assert a.candidates == {"elderly": 1, "child": 1} and b.candidates == {}
    assert r.total.kind_total("child") == 9 and r.total.active_total == 15


def test_coverage_and_overdue(cast, stats_data):
    r = _report(cast)
    a, b = r.units
    assert (a.covered, a.active_total) == (4, 7)  # high 3 d, general 80 d, priority 20 d, 90 d
    assert (b.covered, b.active_total) == (6, 8)
    assert r.total.covered == 10 and round(r.total.coverage, 4) == round(10 / 15, 4)
    assert (a.overdue, b.overdue, r.total.overdue) == (1, 0, 1)


def test_sos_percentiles_equal_pythons(cast, stats_data):
    r = _report(cast)
    a, b = r.units
    everything = SOS_A + SOS_B
    assert a.sos.acknowledged == 5 and b.sos.acknowledged == 2 and r.total.sos.acknowledged == 7
    assert a.sos.p50 == pytest.approx(statistics.median(SOS_A))
    assert a.sos.p95 == pytest.approx(_p(SOS_A, 20, 18))
    assert b.sos.p50 == pytest.approx(_p(SOS_B, 2, 0))
    assert b.sos.p95 == pytest.approx(_p(SOS_B, 20, 18))
    assert r.total.sos.p50 == pytest.approx(statistics.median(everything))
    assert r.total.sos.p95 == pytest.approx(_p(everything, 20, 18))
    assert (r.total.sos.p50, round(r.total.sos.p95, 2)) == (90, 510.0)


def test_percentile_helper_matches_statistics_on_many_lists():
    lists = [[5.0, 1.0], [3.0, 1.0, 2.0], [float(x * x % 97) for x in range(1, 40)]]
    for values in lists:
        for n in (2, 4, 10, 20, 100):
            cuts = statistics.quantiles(values, n=n, method="inclusive")
            for i, cut in enumerate(cuts, start=1):
                assert stats.percentile(values, i / n) == pytest.approx(cut)
    assert stats.percentile([42.0], 0.95) == 42.0 and stats.percentile([], 0.5) is None


def test_open_alerts_by_kind_and_age(cast, stats_data):
    r = _report(cast)
    a, b = r.units
    assert a.open_alerts == {("sos", "lt1h"): 1, ("fall", "lt7d"): 1}
    assert b.open_alerts == {("device_removed", "older"): 1}
    assert r.total.open_alert_total == 3


def test_trend_by_month(cast, stats_data):
    trend = {m.month: m for m in _report(cast).trend}
    assert list(trend) == ["2026-01", "2026-02", "2026-03"]
    assert [trend[m].new_profiles for m in trend] == [2, 1, 0]
    assert [trend[m].closed_profiles for m in trend] == [0, 0, 1]
    assert [trend[m].visits for m in trend] == [0, 1, 8]
    assert [trend[m].alerts for m in trend] == [2, 3, 6]


def test_exact_children_for_the_township(cast, stats_data):
    shown = _report(cast).shown
    assert shown["active"][(cast.village_a.code, "all")] == 3
    assert shown["active"][("", "high")] == 3


def test_small_cells_are_hidden_from_the_province(cast, stats_data):
    r = _report(cast, "province_official")
    a, b = cast.village_a.code, cast.village_b.code
    shown = r.shown["active"]
    assert r.exact_children is False
    assert shown[(a, "all")] == "<5"  # three children in village A
    assert shown[(a, "high")] == "<5" and shown[(a, "general")] == "<5"
    assert shown[(b, "high")] == "<5"  # one high-risk child in B
    # B's 6 children would give A's 3 away from the township's 9: hidden too; so is B's 5
    # general (with B's 1 high-risk child hidden, 6 − 0 − 5 would give it away).
    assert shown[(b, "all")] == "*" and shown[(b, "general")] == "*"
    assert shown[("", "all")] == 9
    assert r.shown["candidates"][a] == "<5"
    body = stats.report_dict(r)
    units = {u["code"]: u for u in body["units"]}
    assert units[a]["active"]["child"]["total"] == "<5"
    assert units[a]["active"]["elderly"]["total"] == 3  # adults are never hidden
    assert units[a]["active_total"] is None and units[a]["coverage"]["covered"] is None
    assert body["totals"]["active"]["child"]["total"] == 9


def test_no_names_in_the_serialised_report(cast, stats_data):
    text = str(stats.report_dict(_report(cast)))
    assert "测试" not in text


def test_the_figures_take_a_fixed_number_of_queries(cast, stats_data):
    j = jurisdiction_of(cast.township_officer)
    with CaptureQueriesContext(connection) as ctx:
        stats.care_stats(j, cast.township, start=START, end=END, now=NOW)
    assert len(ctx.captured_queries) == STATS_QUERIES
