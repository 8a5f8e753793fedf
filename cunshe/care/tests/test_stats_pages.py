"""The statistics page (/care/stats/) and API (/api/v1/care/stats/): the same numbers, drill-down,
chart data in a json_script block (no inline script), refusals (outsider 404 for a region
outside, a county justice officer 403), small cells for the province, pinned query counts."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cunshe.care.selectors import visits as visit_selectors
from cunshe.care.tests.needs_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.stats_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.stats_fixtures import END, START
from cunshe.core.models import AuditEvent
from cunshe.residents.tests.conftest import jurisdiction_of

pytestmark = pytest.mark.django_db

PAGE = "/care/stats/"
API = "/api/v1/care/stats/"
PERIOD = {"from": START.isoformat(), "to": END.isoformat()}
PG = connection.vendor == "postgresql"
PAGE_QUERIES = 17 if PG else 16
API_QUERIES = 16 if PG else 15


def chart_data(html: str) -> dict:
    match = re.search(r'<script id="care-stats-data" type="application/json">(.*?)</script>', html)
    assert match, "chart data block missing"
    return json.loads(match.group(1))


def test_the_township_page_has_units_tables_and_chart_data(cast, stats_data, client_as):
    response = client_as("township_officer").get(PAGE, {"region": cast.township.code, **PERIOD})
    assert response.status_code == 200
    html = response.content.decode()
    assert "闵家村委会" in html and "古城村委会" in html
    assert "测试" not in html  # no names
    data = chart_data(html)
    assert data["units"]["names"] == ["闵家村委会", "古城村委会"]
    assert data["units"]["series"][0]["data"] == [3, 6]  # children
    assert data["trend"]["months"] == ["2026-01", "2026-02", "2026-03"]
    assert data["trend"]["alerts"] == [2, 3, 6]
    assert "care/stats.js" in html and "vendor/echarts/echarts.min.js" in html
    assert html.index("web/js/charts.js") < html.index("care/stats.js")  # the shared drawer first
    assert "<script>" not in html and "data-small-cells" not in html
    assert f'href="?region={cast.village_a.code}&amp;from=2026-01-01&amp;to=2026-03-31"' in html


def test_the_api_gives_the_same_numbers_as_the_page(cast, stats_data, client_as):
    client = client_as("township_officer")
    body = client.get(API, {"region": cast.township.code, **PERIOD}).json()
    assert body["region"] == {"code": cast.township.code, "name": "闵家镇", "level": 4}
    assert body["period"] == {"from": "2026-01-01", "to": "2026-03-31"}
    t = body["totals"]
    assert t["active"]["child"] == {"total": 9, "high": 3, "priority": 0, "general": 6}
    assert t["active"]["elderly"]["total"] == 5 and t["active_total"] == 15
    assert t["candidates"] == {"child": 1, "woman": 0, "elderly": 1}
    assert t["sos"]["acknowledged"] == 7 and t["sos"]["p50_seconds"] == 90.0
    assert t["open_alerts"]["by_kind"]["device_removed"] == 1
    page = chart_data(client.get(PAGE, {"region": cast.township.code, **PERIOD}).content.decode())
    assert page["units"]["series"][2]["data"] == [
        u["active"]["elderly"]["total"] for u in body["units"]
    ]


def test_the_province_drills_down_and_sees_small_cells_hidden(cast, stats_data, client_as):
    client = client_as("province_official")
    province = client.get(PAGE, PERIOD).content.decode()
    assert "长春市" in province and "四平市" in province
    township = client.get(PAGE, {"region": cast.township.code, **PERIOD})
    html = township.content.decode()
    assert township.status_code == 200
    assert "data-small-cells" in html and "&lt;5" in html
    assert chart_data(html)["units"]["series"][0]["data"] == [None, None]
    body = client.get(API, {"region": cast.township.code, **PERIOD}).json()
    a = body["units"][0]
    assert body["exact_children"] is False
    assert a["active"]["child"]["total"] == "<5" and a["candidates"]["child"] == "<5"
    assert body["units"][1]["active"]["child"]["total"] == "*"
    village = client.get(PAGE, {"region": cast.village_a.code, **PERIOD})
    assert village.status_code == 200 and chart_data(village.content.decode())["units"]["names"]


def test_the_auditor_reads_counts_without_names(cast, stats_data, client_as):
    body = client_as("auditor").get(API, {"region": cast.village_a.code, **PERIOD}).json()
    assert body["units"] == [] and body["totals"]["active"]["woman"]["total"] == 1
    assert "测试" not in json.dumps(body, ensure_ascii=False)


def test_a_county_justice_officer_is_refused_with_403(cast, justice_officer, client_as):
    client = client_as(justice_officer)
    assert client.get(PAGE).status_code == 403
    assert client.get(API).status_code == 403
    assert AuditEvent.objects.filter(action="core.permission.denied").count() == 2


def test_a_region_outside_is_404_for_page_and_api(cast, stats_data, client_as):
    client = client_as("outsider")
    assert client.get(PAGE, {"region": cast.township.code}).status_code == 404
    assert client.get(API, {"region": cast.township.code}).status_code == 404
    own = client.get(API).json()  # the outsider's own village: none of A's or B's rows
    assert own["region"]["code"] == cast.village_c.code
    assert own["totals"]["active"]["child"]["total"] == 0


def test_the_villager_is_refused(cast, client_as):
    assert client_as("villager").get(PAGE).status_code == 403


def test_a_backwards_period_is_refused(cast, client_as):
    client = client_as("township_officer")
    page = client.get(PAGE, {"from": "2026-03-01", "to": "2026-01-01"})
    assert page.status_code == 400 and "结束日期不能早于开始日期" in page.content.decode()
    api = client.get(API, {"from": "2026-03-01", "to": "2026-01-01"})
    assert api.status_code == 422 and api.json()["code"] == "invalid_period"


def test_query_counts_are_pinned(cast, stats_data, client_as):
    client = client_as("township_officer")
    params = {"region": cast.township.code, **PERIOD}
    client.get(PAGE, params)  # warm the session and caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(PAGE, params).status_code == 200
    assert len(ctx.captured_queries) == PAGE_QUERIES
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(API, params).status_code == 200
    assert len(ctx.captured_queries) == API_QUERIES


def test_coverage_agrees_with_the_visits_part(cast, stats_data):
    """Same definition as selectors.visits.coverage, read from last_visit_at in one pass."""
    from django.utils import timezone

    from cunshe.care.selectors import stats

    j = jurisdiction_of(cast.township_officer)
    today = timezone.localdate()
    report = stats.care_stats(j, cast.township, start=START, end=END)
    theirs = {r["code"]: (r["covered"], r["active"]) for r in visit_selectors.coverage(j, today)}
    mine = {u.code: (u.covered, u.active_total) for u in report.units if u.active_total}
    assert mine == theirs
