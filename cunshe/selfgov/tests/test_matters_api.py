"""/api/v1/selfgov/matters/: the same six steps over JSON. A skip is 400 naming the rule, a stale
version 409, the township 403 (audited), the outsider 404, anonymous 401; nothing changes on a
refusal."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from cunshe.core.models import AuditEvent
from cunshe.selfgov.models import MatterStep, MeetingKind
from cunshe.selfgov.tests.matters_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db
URL = "/api/v1/selfgov/matters/"


def post(client: Client, url: str, **body):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json")


def test_create_then_walk_the_steps_over_the_api(cast, client_as, make_meeting, make_decision):
    client = client_as("clerk_a")
    r = post(client, URL, village="220182102200", title="宅基地使用方案", category="homestead")
    assert r.status_code == 201, r.content
    matter = r.json()
    assert matter["step"] == 0 and matter["steps"][0]["current"] is True
    steps_url = f"{URL}{matter['id']}/steps"
    branch = make_meeting(MeetingKind.BRANCH)
    r = post(client, steps_url, step=1, meeting=branch.pk, expected_version=matter["version"])
    assert r.status_code == 200, r.content
    assert r.json()["step"] == 1 and r.json()["steps"][0]["record"] == branch.title
    # A skip: step 3 before step 2.
    r = post(client, steps_url, step=3, meeting=make_meeting(MeetingKind.PARTY_MEMBERS).pk)
    assert r.status_code == 400
    assert r.json()["message"] == "四议两公开须依次进行：请先完成“两委会商议”。"
    # A stale version.
    r = post(client, steps_url, step=2, meeting=make_meeting(MeetingKind.JOINT).pk,
             expected_version=1)  # fmt: skip
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    assert MatterStep.objects.filter(matter_id=matter["id"]).count() == 1
    listing = client.get(URL).json()["items"]
    assert [m["title"] for m in listing] == ["宅基地使用方案"]
    assert client.get(URL, {"step": 1}).json()["items"][0]["step"] == 1
    assert client.get(URL, {"step": 2}).json()["items"] == []


def test_a_failed_decision_is_400_and_the_matter_stays(cast, client_as, new_matter, walk,
                                                       make_meeting, make_decision):  # fmt: skip
    matter = walk(new_matter(), 3)
    failed = make_decision(make_meeting(MeetingKind.VILLAGERS), passed=False, matter=matter)
    r = post(client_as("leader_a"), f"{URL}{matter.pk}/steps", step=4, decision=failed.pk)
    assert r.status_code == 400 and "未获通过" in r.json()["message"]
    assert client_as("leader_a").get(f"{URL}{matter.pk}").json()["step"] == 3


def test_a_record_of_another_village_is_not_found(cast, client_as, new_matter, make_meeting):
    matter = new_matter()
    other = make_meeting(MeetingKind.BRANCH, village=cast.village_c)
    r = post(client_as("clerk_a"), f"{URL}{matter.pk}/steps", step=1, meeting=other.pk)
    assert r.status_code == 400 and "meeting" in r.json()["fields"]


def test_refusals(cast, client_as, new_matter, make_meeting):
    matter = new_matter()
    branch = make_meeting(MeetingKind.BRANCH)
    denied = AuditEvent.objects.filter(outcome="denied").count()
    r = post(client_as("township_officer"), f"{URL}{matter.pk}/steps", step=1, meeting=branch.pk)
    assert r.status_code == 403
    assert AuditEvent.objects.filter(outcome="denied").count() == denied + 1
    assert client_as("township_officer").get(f"{URL}{matter.pk}").status_code == 200
    assert client_as("outsider").get(f"{URL}{matter.pk}").status_code == 404
    r = post(client_as("outsider"), f"{URL}{matter.pk}/steps", step=1, meeting=branch.pk)
    assert r.status_code == 404
    assert client_as("outsider").get(URL).json()["items"] == []
    assert client_as("villager").get(URL).status_code == 403
    assert Client().get(URL).status_code == 401
    r = post(client_as("outsider"), URL, village="220182102200", title="x", category="homestead")
    assert r.status_code == 400
    assert MatterStep.objects.filter(matter=matter).count() == 0


def test_the_list_takes_a_fixed_number_of_queries(
    cast, client_as, new_matter, walk, django_assert_max_num_queries
):
    for i in range(4):
        walk(new_matter(f"事项{i}"), i)
    client = client_as("clerk_a")
    client.get(URL)
    with django_assert_max_num_queries(8):
        assert len(client.get(URL).json()["items"]) == 4
