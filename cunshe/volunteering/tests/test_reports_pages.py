"""The 志愿积分统计 page and its .xlsx exports: who may open them (403 without the permission, 404
outside the jurisdiction), drill-down links, the same numbers as the API, formula-safe cells,
audited exports, and a query count that does not grow with the number of villages."""

from __future__ import annotations

from io import BytesIO

import pytest

from cunshe.volunteering.tests.reports_fixtures import A, period, township_records


@pytest.fixture
def records(cast):  # type: ignore[no-untyped-def]
    return township_records(cast)


@pytest.mark.django_db
def test_township_page_shows_tables_charts_and_drill_down(cast, client_as, records):
    response = client_as("township_officer").get(
        "/vol/reports/", {"region": "220182102", **period()}
    )
    assert response.status_code == 200
    html = response.content.decode()
    for slug in ("hours", "organisations", "stars", "categories", "points", "store"):
        assert f'data-table="{slug}"' in html and f'data-export="{slug}"' in html
    assert f'data-unit="{A}"' in html and f"?region={A}&amp;" in html
    assert 'id="vol-reports-data"' in html and "volunteering/reports.js" in html
    assert 'data-kpi="hours">4.5<' in html
    # Aggregates only: no volunteer's or household head's name.
    for name in ("刘玉芳", "陈桂香", "孙志明", "周大海", "吴小红", "郑国庆"):
        assert name not in html


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["villager", "system_admin"])
def test_roles_without_the_permission_get_403(cast, client_as, records, who):
    assert client_as(who).get("/vol/reports/").status_code == 403
    assert client_as(who).get("/vol/reports/hours.xlsx").status_code == 403


@pytest.mark.django_db
def test_outsider_gets_404_for_another_county_and_empty_figures_at_home(cast, client_as, records):
    outsider = client_as("outsider")
    for code in ("220182102", A, "220182"):
        assert outsider.get("/vol/reports/", {"region": code}).status_code == 404
        assert outsider.get("/vol/reports/store.xlsx", {"region": code}).status_code == 404
    html = outsider.get("/vol/reports/", period()).content.decode()
    assert "闵家" not in html and "古城" not in html
    assert 'data-kpi="hours">8.3<' in html


@pytest.mark.django_db
def test_bad_period_is_400(cast, client_as, records):
    response = client_as("township_officer").get(
        "/vol/reports/", {"from": "2026-05-01", "to": "2026-01-01"}
    )
    assert response.status_code == 400
    assert "结束日期不能早于开始日期" in response.content.decode()


@pytest.mark.django_db
def test_export_is_xlsx_with_inert_cells_and_audited(cast, client_as, records):
    from openpyxl import load_workbook

    from cunshe.core.models import AuditEvent
    from cunshe.volunteering.models import Organisation

    with __import__("cunshe.core.jurisdiction", fromlist=["x"]).system_scope("test"):
        Organisation.objects.filter(name="闵家村志愿者协会").update(name="=HYPERLINK(1)")
    client = client_as("township_officer")
    response = client.get("/vol/reports/organisations.xlsx", {"region": "220182102", **period()})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "组织"
    assert ("'=HYPERLINK(1)", 2, 120, 1) in rows
    assert rows[-1][0] == "合计" and rows[-1][2] == 270
    assert AuditEvent.objects.filter(action="volunteering.reports.exported").count() == 1
    hours = client.get("/vol/reports/hours.xlsx", {"region": "220182102", **period()})
    rows = list(load_workbook(BytesIO(hours.content)).active.iter_rows(values_only=True))
    assert [r[:3] for r in rows[2:4]] == [("闵家村委会", 4, 240), ("古城村委会", 0.5, 30)]
    assert client.get("/vol/reports/nothing.xlsx").status_code == 404


@pytest.mark.django_db
def test_page_and_api_say_the_same(cast, client_as, records):
    client = client_as("county_civil")
    api = client.get("/api/v1/volunteering/reports/", {"region": "220182102", **period()}).json()
    html = client.get("/vol/reports/", {"region": "220182102", **period()}).content.decode()
    assert f'data-kpi="hours">{api["hours"]["totals"]["hours"]}<' in html
    assert f'data-kpi="issued">{api["points"]["totals"]["issued"]}<' in html
    assert f'data-kpi="circulation">{api["points"]["totals"]["in_circulation"]}<' in html


@pytest.mark.django_db
def test_query_count_does_not_grow_with_villages(
    cast, client_as, records, django_assert_num_queries
):
    from cunshe.regions.models import Kind, Level, Region
    from cunshe.volunteering.tests.public_fixtures import hours, volunteer

    client = client_as("township_officer")
    args = {"region": "220182102", **period()}
    client.get("/vol/reports/", args)
    with django_assert_num_queries(QUERIES):
        assert client.get("/vol/reports/", args).status_code == 200
    township = cast.township
    for i in range(3):
        village = Region.objects.create(
            code=f"22018210221{i}",
            name=f"新村{i}",
            level=Level.VILLAGE,
            kind=Kind.RURAL_VILLAGE,
            parent=township,
        )
        from django.utils import timezone

        hours(volunteer(village, f"新人{i}", consent=False), 60, timezone.localdate())
    with django_assert_num_queries(QUERIES):
        response = client.get("/vol/reports/", args)
    assert response.content.decode().count("data-unit=") >= 5 * 3


QUERIES = 18
