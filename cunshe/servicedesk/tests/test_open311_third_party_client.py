"""A third-party client drives the endpoints only through the spec: discovery → services →
service definition → POST requests with api_key → GET tokens/{token} → GET requests/{id}, in
JSON and in XML (parsed with xml.etree, element names checked)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from cunshe.servicedesk.models import ProblemReport
from cunshe.servicedesk.services import reports as services
from cunshe.servicedesk.tests.open311_client import GeoReportClient, xml_root
from cunshe.servicedesk.tests.reports_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.reports_fixtures import LAT, LON, jurisdiction_of

REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
]  # fmt: skip


@pytest.fixture
def api_key(cast, categories):  # type: ignore[no-untyped-def]
    _client, key = services.open311_client_create(
        actor=cast.county_civil,
        jurisdiction=jurisdiction_of(cast.county_civil),
        name="随手拍小程序",
        region=cast.village_a,
    )
    return key


def test_json_client_flow(api_key, cast):
    c = GeoReportClient("json")
    status, disc = c.get("discovery")
    assert status == 200
    endpoint = disc["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert "application/json" in endpoint["formats"] and "text/xml" in endpoint["formats"]
    assert {"changeset", "contact", "key_service"} <= set(disc)

    status, services_list = c.get("services")
    assert status == 200
    codes = {s["service_code"] for s in services_list}
    assert codes == {"rubbish", "streetlight", "sewage", "relief"}
    rubbish = next(s for s in services_list if s["service_code"] == "rubbish")
    assert set(rubbish) == {
        "service_code", "service_name", "description", "metadata", "type", "keywords", "group",
    }  # fmt: skip
    assert rubbish["metadata"] is False and rubbish["type"] == "realtime"

    status, definition = c.get("services/rubbish")
    assert status == 200 and definition == {"service_code": "rubbish", "attributes": []}

    status, created = c.post(
        "requests",
        api_key=api_key,
        service_code="rubbish",
        lat=LAT,
        long=LON,
        address_string="村口小桥边",
        description="垃圾堆积，有异味",
        first_name="秀兰",
        last_name="王",
        phone="13904315678",
        email="wxl@example.cn",
        device_id="dev-1",
        account_id="acct-9",
    )
    assert status == 200
    assert isinstance(created, list) and len(created) == 1
    row = created[0]
    assert row["account_id"] == "acct-9" and row["service_notice"]
    token = row["token"]

    status, resolved = c.get(f"tokens/{token}")
    assert status == 200
    assert resolved == [{"service_request_id": row["service_request_id"], "token": token}]
    request_id = resolved[0]["service_request_id"]

    status, found = c.get(f"requests/{request_id}")
    assert status == 200 and len(found) == 1
    req = found[0]
    assert list(req) == REQUEST_FIELDS
    assert req["status"] == "open"
    assert req["service_code"] == "rubbish" and req["service_name"] == "垃圾乱堆"
    assert req["description"] == "垃圾堆积，有异味"
    assert req["lat"] == pytest.approx(float(LAT)) and req["long"] == pytest.approx(float(LON))
    assert req["requested_datetime"].endswith("+08:00")
    assert "闵家村委会" in req["agency_responsible"]
    # The reporter never comes back.
    text = json.dumps(found, ensure_ascii=False)
    for secret in ("秀兰", "13904315678", "wxl@example.cn", "acct-9"):
        assert secret not in text

    # The report is on the desk with the identity the client sent, routed like any other.
    from cunshe.core.jurisdiction import system_scope

    with system_scope("test"):
        report = ProblemReport.objects.get(number=request_id)
    assert report.reporter_name == "王秀兰" and report.reporter_email == "wxl@example.cn"
    assert report.handler_code == cast.village_a.code and report.client is not None


def test_xml_client_flow_with_spec_element_names(api_key):
    http = Client()
    base = "/open311/v2"

    root = xml_root(http.get(f"{base}/discovery.xml").content)
    assert root.tag == "discovery"
    assert [e.tag for e in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None
    assert [e.tag for e in endpoint] == ["specification", "url", "changeset", "type", "formats"]
    assert {f.text for f in endpoint.findall("formats/format")} == {"text/xml", "application/json"}

    response = http.get(f"{base}/services.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = xml_root(response.content)
    assert root.tag == "services"
    assert {e.tag for e in root} == {"service"}
    service = root.find("service")
    assert [e.tag for e in service] == [
        "service_code", "service_name", "description", "metadata", "type", "keywords", "group",
    ]  # fmt: skip
    assert service.findtext("metadata") == "false"

    root = xml_root(http.get(f"{base}/services/sewage.xml").content)
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "sewage"
    assert root.find("attributes") is not None and list(root.find("attributes")) == []

    response = http.post(
        f"{base}/requests.xml",
        "api_key=" + api_key + "&service_code=streetlight&address_string=%E4%BA%8C%E7%BB%84"
        "&description=%E8%B7%AF%E7%81%AF%E4%B8%8D%E4%BA%AE",
        content_type="application/x-www-form-urlencoded; charset=utf-8",
    )
    assert response.status_code == 200
    root = xml_root(response.content)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert {e.tag for e in request} == {
        "service_request_id", "token", "service_notice", "account_id",
    }  # fmt: skip
    assert request.findtext("account_id") == ""
    token = request.findtext("token")

    root = xml_root(http.get(f"{base}/tokens/{token}.xml").content)
    assert root.tag == "service_requests"
    assert [e.tag for e in root.find("request")] == ["service_request_id", "token"]
    request_id = root.findtext("request/service_request_id")
    assert request_id == request.findtext("service_request_id")

    root = xml_root(http.get(f"{base}/requests/{request_id}.xml").content)
    assert root.tag == "service_requests"
    assert [e.tag for e in root.find("request")] == REQUEST_FIELDS
    assert root.findtext("request/status") == "open"
    assert root.findtext("request/description") == "路灯不亮"
    assert root.findtext("request/address").startswith("二组")

    root = xml_root(http.get(f"{base}/requests.xml").content)
    assert root.tag == "service_requests"
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [request_id]


def test_csrf_does_not_block_the_key_authenticated_post(api_key):
    http = Client(enforce_csrf_checks=True)
    response = http.post(
        "/open311/v2/requests.json",
        {"api_key": api_key, "service_code": "rubbish", "address_string": "村口"},
    )
    assert response.status_code == 200
    # Without a description the service's name stands in (the spec makes it optional).
    assert json.loads(response.content)[0]["service_request_id"]
