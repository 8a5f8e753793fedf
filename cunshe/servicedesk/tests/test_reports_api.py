"""/api/v1/servicedesk/reports/: scoped like the desk; the reporter's phone only masked."""

from __future__ import annotations

from cunshe.servicedesk.tests.reports_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.reports_fixtures import REPORTER_NAME, REPORTER_PHONE

LIST = "/api/v1/servicedesk/reports/"


def test_staff_list_and_detail(client_as, make_report):
    report = make_report()
    make_report("sewage")
    client = client_as("clerk_a")
    r = client.get(LIST)
    assert r.status_code == 200, r.content
    items = r.json()["items"]
    assert {i["number"] for i in items} >= {report.number}
    row = next(i for i in items if i["number"] == report.number)
    assert row["reporter_name"] == REPORTER_NAME
    assert row["reporter_phone_masked"] == "139****5678"
    assert REPORTER_PHONE not in r.content.decode()
    d = client.get(f"{LIST}{report.pk}")
    assert d.status_code == 200 and d.json()["updates"] == []
    assert client.get(LIST, {"state": "closed"}).json()["items"] == []
    assert len(client.get(LIST, {"category": "sewage"}).json()["items"]) == 1


def test_county_department_sees_its_own_reports_only(client_as, make_report):
    make_report("sewage")
    relief = make_report("relief")
    items = client_as("county_civil").get(LIST).json()["items"]
    assert [i["number"] for i in items] == [relief.number]


def test_outsider_404_villager_403_anonymous_401(client_as, make_report):
    from django.test import Client

    report = make_report()
    assert client_as("outsider").get(f"{LIST}{report.pk}").status_code == 404
    assert client_as("outsider").get(LIST).json()["items"] == []
    assert client_as("villager").get(LIST).status_code == 403
    assert Client().get(LIST).status_code == 401
    assert client_as("clerk_a").get(LIST, {"state": "bogus"}).status_code == 422
