"""The profiles and visits API: same privacy as the pages (outsider 404, wrong role 403,
children hidden), audited reads, PATCH with version (409 when stale), recording a visit with
photos over multipart, the due list; list query count pinned."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cunshe.care.tests.profiles_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.profiles_fixtures import GIF, JPEG
from cunshe.core.models import AuditEvent

API = "/api/v1/care/profiles/"
VISITS = "/api/v1/care/visits/"


@pytest.fixture
def profiles(family, make_profile):  # type: ignore[no-untyped-def]
    return {
        "child": make_profile(family.child, "child"),
        "woman": make_profile(family.mother, "woman"),
        "elderly": make_profile(
            family.grandmother, "elderly", status_changed_at=timezone.now() - timedelta(days=1)
        ),
    }


def test_list_masks_nothing_it_should_not_show_and_is_audited(client_as, profiles, family):
    r = client_as("clerk_a").get(API)
    assert r.status_code == 200
    body = r.json()
    assert {i["name"] for i in body["items"]} == {"张小明", "李娜", "王桂芝"}
    assert family.mother.id_number not in r.content.decode()
    ev = AuditEvent.objects.filter(action="care.list.viewed").last()
    assert ev.detail["count"] == 3 and ev.detail["children"] == 1 and ev.detail["api"] is True


def test_list_hides_children_from_disabled_federation(client_as, profiles, county_officer):
    r = client_as(county_officer("disabled_federation")).get(API)
    assert {i["kind"] for i in r.json()["items"]} == {"woman", "elderly"}
    r = client_as(county_officer("disabled_federation")).get(API + f"{profiles['child'].pk}")
    assert r.status_code == 403


@pytest.mark.parametrize("who", ["province_official", "auditor", "villager"])
def test_roles_without_care_view_get_403(client_as, profiles, who):
    assert client_as(who).get(API).status_code == 403


def test_outsider_gets_404_everywhere(client_as, profiles):
    c = client_as("outsider")
    pk = profiles["woman"].pk
    assert c.get(API).json()["items"] == []
    assert c.get(API + f"{pk}").status_code == 404
    assert c.patch(API + f"{pk}", {"version": 1, "notes": "x"},
                   content_type="application/json").status_code == 404  # fmt: skip
    assert c.get(VISITS, {"profile": pk}).status_code == 404
    r = c.post(VISITS, {"profile": pk, "visited_at": timezone.now().isoformat(), "mode": "home",
                        "findings": "x"})  # fmt: skip
    assert r.status_code == 404


def test_detail_is_masked_and_audited(client_as, profiles, family):
    r = client_as("township_officer").get(API + f"{profiles['woman'].pk}")
    assert r.status_code == 200
    d = r.json()
    assert d["id_number_masked"].count("*") == 8
    assert family.mother.id_number not in r.content.decode()
    assert AuditEvent.objects.filter(action="care.profile.viewed").exists()


def test_patch_with_version_and_409_when_stale(client_as, profiles):
    c = client_as("clerk_a")
    pk = profiles["elderly"].pk
    r = c.patch(API + f"{pk}", {"version": 1, "risk_criteria": ["alone"], "notes": "独居",
                                "contacts": [{"name": "张伟", "relation": "儿子",
                                              "phone": "13900000001"}]},
                content_type="application/json")  # fmt: skip
    assert r.status_code == 200, r.content
    d = r.json()
    assert d["risk_level"] == "priority" and d["notes"] == "独居" and d["version"] == 4
    assert d["contacts"][0]["phone_masked"] == "139****0001"
    r = c.patch(API + f"{pk}", {"version": 1, "notes": "旧"}, content_type="application/json")
    assert r.status_code == 409
    r = c.patch(API + f"{pk}", {"version": 4, "risk_criteria": ["nonsense"]},
                content_type="application/json")  # fmt: skip
    assert r.status_code == 400 and "criteria" in r.json()["fields"]
    r = client_as("leader_a").patch(
        API + f"{pk}", {"version": 4, "notes": "x"}, content_type="application/json"
    )
    assert r.status_code == 403


def test_record_visit_over_multipart_with_photos(client_as, profiles, media):
    c = client_as("leader_a")
    pk = profiles["elderly"].pk
    data = {
        "profile": pk,
        "visited_at": timezone.now().isoformat(),
        "mode": "phone",
        "findings": "电话问候",
        "photos": [SimpleUploadedFile("a.jpg", JPEG, "image/jpeg")],
    }
    r = c.post(VISITS, data)
    assert r.status_code == 201, r.content
    assert len(r.json()["photos"]) == 1
    data["photos"] = [SimpleUploadedFile("a.jpg", GIF, "image/jpeg")]
    assert c.post(VISITS, data).status_code == 400
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    r = c.post(VISITS, {**data, "photos": [], "visited_at": future})
    assert r.status_code == 400 and "visited_at" in r.json()["fields"]
    r = c.get(VISITS, {"profile": pk})
    assert [v["mode"] for v in r.json()] == ["phone"]


def test_due_list_and_coverage(client_as, profiles):
    r = client_as("leader_a").get(VISITS + "due")
    assert r.status_code == 200
    assert client_as("county_civil").get(VISITS + "due").status_code == 403
    r = client_as("county_civil").get(VISITS + "coverage", {"group_by": "township"})
    assert r.status_code == 200 and r.json()[0]["code"] == "220182102"


def test_list_query_count_is_pinned(client_as, profiles, family, make_profile):
    c = client_as("clerk_a")
    c.get(API)
    with CaptureQueriesContext(connection) as few:
        c.get(API)
    make_profile(family.grandfather, "elderly")
    with CaptureQueriesContext(connection) as more:
        r = c.get(API)
    assert len(r.json()["items"]) == 4
    assert len(more.captured_queries) == len(few.captured_queries)
    # Session, user, role, nav; the page's reads; one audit event (PostgreSQL also takes
    # the audit chain's advisory lock).
    assert len(more.captured_queries) == 13 + (connection.vendor == "postgresql")
