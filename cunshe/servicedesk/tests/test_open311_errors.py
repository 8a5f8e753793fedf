"""Open311 refusals in the spec's shape — a list of {code, description}, <errors><error> in
XML — with the right HTTP status; a refused POST stores nothing."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from cunshe.core.jurisdiction import system_scope
from cunshe.servicedesk.models import ProblemReport
from cunshe.servicedesk.services import reports as services
from cunshe.servicedesk.tests.open311_client import GeoReportClient
from cunshe.servicedesk.tests.reports_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.reports_fixtures import LAT, LON, jurisdiction_of


def key_for(cast, region):  # type: ignore[no-untyped-def]
    client, key = services.open311_client_create(
        actor=cast.county_civil,
        jurisdiction=jurisdiction_of(cast.county_civil),
        name="客户端",
        region=region,
    )
    return client, key


@pytest.fixture
def village_key(cast, categories):  # type: ignore[no-untyped-def]
    return key_for(cast, cast.village_a)[1]


@pytest.fixture
def county_key(cast, categories):  # type: ignore[no-untyped-def]
    return key_for(cast, cast.county)[1]


def stored() -> int:
    with system_scope("test count"):
        return ProblemReport.objects.count()


def post(fmt="json", **form):  # type: ignore[no-untyped-def]
    base = {"service_code": "rubbish", "lat": LAT, "long": LON, "description": "垃圾"}
    return GeoReportClient(fmt).post("requests", **{**base, **form})


def assert_errors(body, code):  # type: ignore[no-untyped-def]
    assert isinstance(body, list) and body
    for error in body:
        assert set(error) == {"code", "description"}
        assert int(error["code"]) == code
        assert error["description"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key", [None, "", "o311_deadbeef_" + "x" * 40, "nonsense"])
def test_missing_or_wrong_api_key_is_403(village_key, fmt, key):
    form = {} if key is None else {"api_key": key}
    status, body = post(fmt, **form)
    assert status == 403
    if fmt == "xml":
        root, body = body
        assert root == "errors"
    assert_errors(body, 403)
    assert stored() == 0


def test_revoked_key_is_403(cast, categories):
    client, key = key_for(cast, cast.village_a)
    services.open311_client_revoke(
        actor=cast.county_civil, jurisdiction=jurisdiction_of(cast.county_civil), client=client
    )
    assert post(api_key=key)[0] == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_service_code_is_400_in_the_spec_shape(village_key, fmt):
    status, body = post(fmt, api_key=village_key, service_code="")
    assert status == 400
    if fmt == "xml":
        root, body = body
        assert root == "errors"
    assert_errors(body, 400)
    assert "service_code" in body[0]["description"]
    assert stored() == 0


def test_unknown_service_code_is_404(village_key):
    status, body = post(api_key=village_key, service_code="potholes")
    assert status == 404
    assert_errors(body, 404)


def test_missing_location_is_400(village_key):
    status, body = post(api_key=village_key, lat="", long="")
    assert status == 400
    assert_errors(body, 400)
    assert stored() == 0


def test_point_outside_jilin_names_the_spec_parameter(village_key):
    status, body = post(api_key=village_key, lat="44.8", long="140.2")
    assert status == 400
    assert body[0]["description"].startswith("long:")
    assert stored() == 0


def test_county_key_needs_the_village_as_jurisdiction_id(cast, county_key):
    status, body = post(api_key=county_key)
    assert status == 400 and "jurisdiction_id" in body[0]["description"]
    status, body = post(api_key=county_key, jurisdiction_id=cast.township.code)
    assert status == 400
    status, body = post(api_key=county_key, jurisdiction_id="220182102299")
    assert status == 404  # no such village
    status, body = post(api_key=county_key, jurisdiction_id=cast.village_b.code)
    assert status == 200
    with system_scope("test"):
        assert ProblemReport.objects.get().region_code == cast.village_b.code


def test_posting_outside_the_keys_region_is_refused(cast, village_key, county_key):
    assert post(api_key=village_key, jurisdiction_id=cast.village_b.code)[0] == 403
    assert post(api_key=county_key, jurisdiction_id=cast.village_c.code)[0] == 403
    assert stored() == 0


def test_unknown_resources_are_404_in_the_spec_shape(categories):
    client = GeoReportClient("json")
    for resource in ("services/nothing", "requests/NOSUCHNUMBER", "tokens/nosuchtoken"):
        status, body = client.get(resource)
        assert status == 404
        assert_errors(body, 404)
    status, (root, body) = GeoReportClient("xml").get("requests/NOSUCHNUMBER")
    assert status == 404 and root == "errors"


def test_posts_are_rate_limited_per_key(settings, cast, categories):
    cache.clear()
    settings.SERVICEDESK_RULES = {"OPEN311_POSTS_PER_MINUTE": 2}
    _c, key = key_for(cast, cast.village_a)
    _c2, other = key_for(cast, cast.village_a)
    assert post(api_key=key)[0] == 200
    assert post(api_key=key)[0] == 200
    status, body = post(api_key=key)
    assert status == 429
    assert_errors(body, 429)
    assert post(api_key=other)[0] == 200  # another key has its own allowance
    assert stored() == 3


def test_private_or_staff_fields_cannot_be_forced(village_key):
    status, _body = post(api_key=village_key, status="closed", public="0")
    assert status == 200
    with system_scope("test"):
        report = ProblemReport.objects.get()
    assert report.state == "open" and report.public is True
