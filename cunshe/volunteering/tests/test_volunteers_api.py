"""Volunteers and records API: list and detail (masked), register (resident and non-resident,
duplicate refused with 400), the five-category record, certificates issue and list; outsider 404,
villager 403; the public certificate check is tested with the certificates."""

from __future__ import annotations

from cunshe.volunteering.models import Volunteer
from cunshe.volunteering.tests.volunteers_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.volunteers_fixtures import OTHER_ID

API = "/api/v1/volunteering"


def test_list_and_detail_are_masked(client_as, vols):
    client = client_as("clerk_a")
    r = client.get(f"{API}/volunteers/", {"q": "李"})
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["number"] for i in items] == [vols.li.number]
    d = client.get(f"{API}/volunteers/{vols.li.pk}").json()
    assert d["id_number_masked"] == "220102********" + OTHER_ID[-4:]
    assert d["phone_masked"] == "139****5678" and OTHER_ID not in str(d)
    assert d["is_verified"] and not d["is_resident"]


def test_access(client_as, vols):
    url = f"{API}/volunteers/{vols.li.pk}"
    assert client_as("outsider").get(url).status_code == 404
    assert client_as("villager").get(url).status_code == 403
    assert client_as("villager").get(f"{API}/volunteers/{vols.zhang.pk}/record").status_code == 403


def test_register_through_the_api(client_as, cast, clerk_j, people):
    client = client_as("clerk_a")
    r = client.post(
        f"{API}/volunteers/",
        {"person_id": people.wang.pk, "skills": ["care"]},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["is_resident"]
    r = client.post(
        f"{API}/volunteers/",
        {"name": "李四", "id_number": OTHER_ID, "region_code": cast.village_a.code},
        content_type="application/json",
    )
    assert r.status_code == 201 and not r.json()["is_verified"]
    r = client.post(
        f"{API}/volunteers/",
        {"name": "李四", "id_number": OTHER_ID, "region_code": cast.village_a.code},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["fields"]["id_number"]
    assert Volunteer.objects.within(clerk_j).count() == 2
    r = client_as("leader_a").post(
        f"{API}/volunteers/", {"person_id": people.zhao.pk}, content_type="application/json"
    )
    assert r.status_code == 403


def test_record_and_certificates(client_as, vols, activity, approve_hours):
    approve_hours(vols.zhang, 125, activity)
    client = client_as("clerk_a")
    rec = client.get(f"{API}/volunteers/{vols.zhang.pk}/record").json()
    assert rec["total_minutes"] == 125 and rec["service"][0]["title"] == "三月理发日"
    assert set(rec) >= {"identity", "service", "training", "honours", "evaluations"}
    r = client.post(
        f"{API}/records/volunteers/{vols.zhang.pk}/certificates",
        {"issuer_name": "闵家村志愿服务站"},
        content_type="application/json",
    )
    assert r.status_code == 201
    cert = r.json()
    assert cert["minutes"] == 125 and cert["verify_url"].startswith("/vol/cert/")
    listed = client.get(f"{API}/records/volunteers/{vols.zhang.pk}/certificates").json()
    assert [c["number"] for c in listed["items"]] == [cert["number"]]
    outsider = client_as("outsider").get(f"{API}/records/volunteers/{vols.zhang.pk}/certificates")
    assert outsider.status_code == 404
    check = client_as("outsider").get(f"{API}/records/certificates/check/x")
    assert check.status_code == 404
