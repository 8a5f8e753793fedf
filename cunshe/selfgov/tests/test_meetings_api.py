"""/api/v1/selfgov/meetings/ and /bodies/: the same rules as the pages over JSON."""

from __future__ import annotations

from django.test import Client

from cunshe.selfgov.models import Decision
from cunshe.selfgov.tests.meetings_fixtures import *  # noqa: F403 (fixtures)

M = "/api/v1/selfgov/meetings/"
B = "/api/v1/selfgov/bodies/"


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_meeting_flow_over_the_api(client_as, cast, clerk_j, hamlet):
    client = client_as("clerk_a")
    payload = {
        "region_code": cast.village_a.code,
        "kind": "villagers",
        "title": "村民会议",
        "requested_by": "representatives",
        "notice_on": "2026-11-11",
        "scheduled_at": "2026-11-20T09:00:00+08:00",
        "place": "村委会",
        "agenda": ["修路"],
    }
    r = _post(client, M, payload)
    assert r.status_code == 400 and "第二十一条" in r.json()["message"] + str(r.json())
    r = _post(client, M, {**payload, "notice_on": "2026-11-10"})
    assert r.status_code == 201, r.content
    meeting = r.json()
    mid, item = meeting["id"], meeting["agenda"][0]["id"]
    assert meeting["quorum"]["opened"] is False
    assert _post(client, f"{M}{mid}/open", {"expected_version": 99}).status_code == 409
    r = _post(client, f"{M}{mid}/open", {"expected_version": meeting["version"]})
    assert r.status_code == 200 and r.json()["base_adults"] == 11
    decision = {"text": "同意", "votes_for": 1}
    r = _post(client, f"{M}{mid}/items/{item}/decision", decision)
    assert r.status_code == 400 and "法定人数" in r.json()["message"]
    for head in hamlet.heads[:4]:
        r = _post(client, f"{M}{mid}/attendance", {"person_id": head.pk, "for_household": True})
        assert r.status_code == 201, r.content
    q = client.get(f"{M}{mid}/quorum").json()
    assert q["reached"] and q["measures"][1] == {
        "basis": "households",
        "present": 4,
        "base": 6,
        "needed": 4,
        "reached": True,
        "rule": "VILLAGERS_MEETING_QUORUM_HOUSEHOLDS",
    }
    r = _post(client, f"{M}{mid}/attendance", {"person_id": hamlet.children[0].pk})
    assert r.status_code == 400
    votes = {
        str(hamlet.heads[0].pk): "for",
        str(hamlet.heads[1].pk): "for",
        str(hamlet.heads[2].pk): "against",
    }
    r = _post(client, f"{M}{mid}/items/{item}/decision", {"text": "同意", "named_votes": votes})
    assert r.status_code == 201, r.content
    assert r.json() | {} == {
        "text": "同意",
        "present": 4,
        "votes_for": 2,
        "votes_against": 1,
        "abstentions": 0,
        "named": True,
        "passed": False,  # 2 of 4 is not more than half
    }
    r = _post(client, f"{M}{mid}/close", {"minutes_text": "散会"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    items = client.get(M).json()["items"]
    assert [i["id"] for i in items] == [mid]


def test_api_access(client_as, convene, hamlet):
    meeting = convene()
    assert client_as("outsider").get(f"{M}{meeting.pk}").status_code == 404
    assert client_as("outsider").get(M).json()["items"] == []
    assert client_as("villager").get(M).status_code == 403
    assert Client().get(M).status_code == 401
    township = client_as("township_officer")
    assert township.get(f"{M}{meeting.pk}").status_code == 200
    assert _post(township, f"{M}{meeting.pk}/open", {}).status_code == 403
    assert not Decision.objects.exists()


def test_bodies_api(client_as, cast, clerk_j, bodies, hamlet):
    client = client_as("clerk_a")
    listing = client.get(B).json()
    assert {b["kind"] for b in listing["items"]} == {"committee", "party_branch", "assembly"}
    r = _post(
        client,
        B,
        {
            "region_code": cast.village_a.code,
            "kind": "supervision",
            "name": "监委会",
            "term_start": "2021-06-01",
        },
    )
    assert r.status_code == 201, r.content
    sup = r.json()["id"]
    assert r.json()["term_end"] == "2026-06-01"
    r = _post(
        client,
        f"{B}{sup}/members",
        {"person_id": hamlet.wives[0].pk, "position": "member", "start": "2022-01-01"},
    )
    assert r.status_code == 400 and "第三十二条" in r.json()["message"] + str(r.json())
    r = _post(
        client,
        f"{B}{sup}/members",
        {"person_id": hamlet.heads[5].pk, "position": "member", "start": "2022-01-01"},
    )
    assert r.status_code == 201
    detail = client.get(f"{B}{bodies.assembly.pk}").json()
    assert len(detail["members"]) == 6
    assert "assembly_women" in {w["code"] for w in detail["warnings"]}
    mid = r.json()["id"]
    r = _post(client, f"{B}{sup}/members/{mid}/end", {"end": "2023-01-01"})
    assert r.status_code == 200 and r.json()["end"] == "2023-01-01"
    assert client_as("outsider").get(f"{B}{sup}").status_code == 404
    assert (
        _post(
            client_as("township_officer"),
            B,
            {"region_code": cast.village_a.code, "kind": "council", "name": "x"},
        ).status_code
        == 403
    )


def test_list_endpoints_query_counts(client_as, convene, bodies, django_assert_num_queries):
    for i in range(3):
        convene(title=f"会议{i}")
    client = client_as("clerk_a")
    client.get(M)
    with django_assert_num_queries(QUERIES_API_MEETINGS):
        assert len(client.get(M).json()["items"]) == 3
    with django_assert_num_queries(QUERIES_API_BODIES):
        assert client.get(B).json()["count"] == 3


QUERIES_API_MEETINGS = 8  # session, user, roles … and one list query
QUERIES_API_BODIES = 9  # … a count and one list query (page numbers)
