"""The metrics page (/desk/metrics/) and API (/api/v1/servicedesk/metrics/): the same numbers,
drill-down by region, chart data in a json_script block, scoped (a region outside → 404, no
permission → 403), bad dates refused, query counts pinned."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from cunshe.servicedesk.tests.metrics_data import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.metrics_data import END, START
from cunshe.servicedesk.tests.metrics_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.metrics_fixtures import made

pytestmark = pytest.mark.django_db

PAGE = "/desk/metrics/"
API = "/api/v1/servicedesk/metrics/"
PERIOD = {"from": START.isoformat(), "to": END.isoformat()}
PAGE_QUERIES, API_QUERIES = 14, 13


def chart_data(html: str) -> dict:
    match = re.search(r'<script id="metrics-data" type="application/json">(.*?)</script>', html)
    assert match, "chart data block missing"
    return json.loads(match.group(1))


def test_the_township_page_shows_units_totals_and_chart_data(cast, dataset, client_as):
    response = client_as("township_officer").get(PAGE, {"region": cast.township.code, **PERIOD})
    assert response.status_code == 200
    html = response.content.decode()
    assert "闵家村委会" in html and "古城村委会" in html
    assert "75.0%" in html  # 按时办结率 3/4
    assert "66.7%" in html  # 不跑腿率 4/6 and 满意率 2/3
    assert "5.3" in html  # 16/3 days
    assert "M-TWN" in html and "残疾人两项补贴" in html  # the by-item table
    assert f'href="?region={cast.village_a.code}&amp;from=2026-01-01&amp;to=2026-03-31"' in html
    data = chart_data(html)
    assert data["units"]["names"] == ["闵家村委会", "古城村委会"]
    assert data["units"]["total"] == [4, 2]
    assert data["units"]["on_time_rate"] == [66.7, 100.0]
    assert data["trend"]["months"] == ["2026-01", "2026-02", "2026-03"]
    assert data["trend"]["total"] == [2, 2, 2]
    assert "servicedesk/metrics.js" in html and "vendor/echarts/echarts.min.js" in html
    assert html.index("web/js/charts.js") < html.index("servicedesk/metrics.js")
    assert "<script>" not in html  # no inline script (CSP)


def test_drill_down_from_the_province_to_a_village(cast, dataset, client_as):
    client = client_as("province_official")
    province = client.get(PAGE, PERIOD).content.decode()
    assert "长春市" in province and "四平市" in province
    county = client.get(PAGE, {"region": cast.county.code, **PERIOD}).content.decode()
    assert "闵家镇" in county and "吉林省" in county  # breadcrumb back up
    village = client.get(PAGE, {"region": cast.village_a.code, **PERIOD})
    assert village.status_code == 200
    assert chart_data(village.content.decode())["units"]["names"] == []


def test_the_api_gives_the_same_numbers_as_the_page(cast, dataset, client_as):
    client = client_as("township_officer")
    body = client.get(API, {"region": cast.township.code, **PERIOD}).json()
    assert body["region"] == {"code": cast.township.code, "name": "闵家镇", "level": 4}
    assert body["period"] == {"from": "2026-01-01", "to": "2026-03-31"}
    assert body["days_basis"] == "calendar"
    t = body["totals"]
    assert (t["total"], t["finished"], t["on_time"], t["on_time_rate"]) == (6, 4, 3, 0.75)
    assert t["avg_days_to_decision"] == 5.33
    assert (t["zero_trip"], t["zero_trip_rate"]) == (4, 0.6667)
    assert (t["ratings"], t["avg_score"], t["satisfaction_rate"]) == (3, 3.67, 0.6667)
    assert (t["open"], t["overdue"]) == (3, 2)
    assert t["by_mode"] == {"online": 1, "daiban": 3, "lingban": 1, "appointment": 1}
    assert [u["code"] for u in body["units"]] == [cast.village_a.code, cast.village_b.code]
    assert [i["code"] for i in body["by_item"]] == ["M-TWN", "M-CTY"]
    assert [m["total"] for m in body["trend"]] == [2, 2, 2]
    page = chart_data(client.get(PAGE, {"region": cast.township.code, **PERIOD}).content.decode())
    assert page["units"]["total"] == [u["total"] for u in body["units"]]


def test_defaults_are_the_callers_region_and_the_last_twelve_months(cast, dataset, client_as):
    body = client_as("clerk_a").get(API).json()
    assert body["region"]["code"] == cast.village_a.code
    assert body["period"]["to"] == date.today().isoformat() or body["period"]["to"]
    assert body["units"] == []


def test_a_region_outside_the_jurisdiction_is_not_found(cast, dataset, client_as):
    outsider = client_as("outsider")
    for code in (cast.township.code, cast.county.code, cast.village_a.code, "22"):
        assert outsider.get(PAGE, {"region": code}).status_code == 404
        response = outsider.get(API, {"region": code})
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    township = client_as("township_officer")
    assert township.get(PAGE, {"region": cast.county.code}).status_code == 404  # above them
    assert township.get(API, {"region": cast.village_c.code}).status_code == 404
    assert township.get(PAGE, {"region": "99999999"}).status_code == 404
    assert township.get(PAGE, {"region": "abc"}).status_code == 404


def test_the_outsider_sees_only_their_own_county(cast, dataset, client_as):
    body = client_as("gujiazi_officer").get(API, PERIOD).json()
    assert body["totals"]["total"] == 1 and body["totals"]["ratings"] == 1


def test_roles_without_the_metrics_permission_are_refused(cast, client_as):
    for who in ("villager", "system_admin", "security_admin"):
        assert client_as(who).get(PAGE).status_code == 403, who
        assert client_as(who).get(API).status_code == 403, who


def test_bad_dates_are_refused_and_change_nothing(cast, dataset, client_as):
    client = client_as("township_officer")
    backwards = client.get(PAGE, {"region": cast.township.code, "from": "2026-03-01",
                                  "to": "2026-01-01"})  # fmt: skip
    assert backwards.status_code == 400
    assert "结束日期不能早于开始日期" in backwards.content.decode()
    assert client.get(PAGE, {"from": "not-a-date"}).status_code == 400
    api = client.get(API, {"from": "2026-03-01", "to": "2026-01-01"})
    assert api.status_code == 422 and "to" in api.json()["fields"]
    assert client.get(API, {"from": "yesterday"}).status_code == 422
    assert client.get(API, {"region": "22x"}).status_code == 422


def test_page_and_api_query_counts_do_not_grow(cast, dataset, client_as, django_assert_num_queries):
    client = client_as("province_official")
    client.get(PAGE, PERIOD)
    # Sign-in and role (4), session save (3), the region (1), the five metrics queries (three
    # aggregates, the child regions' and the items' names), and on the page the breadcrumb (1).
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(PAGE, {"region": cast.county.code, **PERIOD}).status_code == 200
    with django_assert_num_queries(API_QUERIES):
        assert client.get(API, {"region": cast.county.code, **PERIOD}).status_code == 200
    person = dataset.apps["b1"].applicant
    for day in range(1, 15):
        made(cast, person, dataset.apps["b1"].item, by="clerk_b", submitted=date(2026, 2, day),
             decided_days=2, on_time=day % 2 == 0, status="closed")  # fmt: skip
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(PAGE, {"region": cast.county.code, **PERIOD}).status_code == 200
    with django_assert_num_queries(API_QUERIES):
        body = client.get(API, {"region": cast.county.code, **PERIOD}).json()
    assert body["totals"]["total"] == 6 + 14
