"""/api/v1/volunteering/needs/: the whole flow over JSON, refusals, outsider 404, batch run."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cunshe.volunteering.models import Match, Need
from cunshe.volunteering.tests.needs_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.needs_fixtures import tomorrow_at

P = "/api/v1/volunteering/needs/"


def _post(client, url, data=None):  # type: ignore[no-untyped-def]
    return client.post(url, data or {}, content_type="application/json")


def test_need_flow_over_the_api(cast, client_as, volunteer, hamlet):
    clerk = client_as("clerk_a")
    v = volunteer(
        "王桂兰",
        region=hamlet,
        skills=["haircut", "company"],
        account=cast.villager,
        shifts_attended=8,
        shifts_signed=9,
    )
    payload = {
        "region_code": cast.village_a.code,
        "title": "给老人理发",
        "category": "elderly",
        "skills": ["haircut", "company", "care"],
        "starts_at": tomorrow_at(9).isoformat(),
        "ends_at": tomorrow_at(11).isoformat(),
    }
    bad = _post(clerk, P, {**payload, "ends_at": tomorrow_at(8).isoformat()})
    assert bad.status_code == 400 and "结束时间" in str(bad.json())
    r = _post(clerk, P, payload)
    assert r.status_code == 201, r.content
    nid = r.json()["id"]
    r = _post(clerk, f"{P}{nid}/propose")
    assert r.status_code == 200 and len(r.json()) == 1
    prop = r.json()[0]
    assert prop["volunteer_id"] == v.pk and prop["reasons"]["skills"] == "技能 2/3：理发、陪伴聊天"
    assert prop["reasons"]["reliability"] == "出勤 8/9"
    villager = client_as("villager")
    assert _post(villager, f"{P}matches/{prop['id']}/confirm").status_code in (403, 404)
    r = _post(clerk, f"{P}matches/{prop['id']}/confirm")
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    mine = villager.get(f"{P}matches/mine").json()
    assert [m["id"] for m in mine] == [prop["id"]]
    assert _post(villager, f"{P}matches/{prop['id']}/decline", {"reason": ""}).status_code in (
        400,
        422,
    )
    r = _post(villager, f"{P}matches/{prop['id']}/accept")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    detail = clerk.get(f"{P}{nid}").json()
    assert detail["status"] == "matched" and detail["matches"][0]["status"] == "accepted"
    stale = _post(clerk, f"{P}{nid}/close", {"text": "理完了", "expected_version": 99})
    assert stale.status_code == 409
    r = _post(clerk, f"{P}{nid}/close", {"text": "理完了", "expected_version": detail["version"]})
    assert r.status_code == 200 and r.json()["status"] == "done"
    listed = clerk.get(f"{P}?status=done").json()
    assert [n["id"] for n in listed["items"]] == [nid]


def test_outsider_and_roles_without_permission(cast, client_as, need_maker, volunteer):
    need = need_maker()
    volunteer("王桂兰", skills=["housework"])
    outsider = client_as("outsider")
    assert outsider.get(f"{P}{need.pk}").status_code == 404
    assert _post(outsider, f"{P}{need.pk}/propose").status_code == 404
    assert outsider.get(P).json()["items"] == []
    leader = client_as("leader_a")  # volunteering.view, not .manage
    assert leader.get(f"{P}{need.pk}").status_code == 200
    assert _post(leader, f"{P}{need.pk}/propose").status_code == 403
    assert (
        _post(leader, f"{P}batch", {"since": "2026-01-01", "until": "2026-01-10"}).status_code
        == 403
    )
    assert (
        Match.objects.within(
            cast.__dict__
            and __import__("cunshe.residents.tests.conftest", fromlist=["x"]).jurisdiction_of(
                cast.clerk_a
            )
        ).count()
        == 0
    )


def test_batch_run_over_the_api_writes_one_batch(cast, client_as, need_maker, volunteer):
    a = need_maker(title="甲", volunteers_needed=2)
    need_maker(title="乙", starts_at=a.starts_at + timedelta(hours=3))
    for name in ("王", "李", "赵"):
        volunteer(name, skills=["housework"])
    clerk = client_as("clerk_a")
    today = timezone.localdate()
    r = _post(
        clerk,
        f"{P}batch",
        {"since": today.isoformat(), "until": (today + timedelta(days=3)).isoformat()},
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["needs"] == 2 and body["places"] == 3 and body["proposed"] == 3
    assert body["total"] >= body["greedy_total"]
    with __import__("cunshe.core.jurisdiction", fromlist=["x"]).system_scope("test"):
        rows = list(Match.objects.filter(batch=body["batch"]))
        assert len(rows) == 3 and len({(m.need_id, m.volunteer_id) for m in rows}) == 3
        assert Need.objects.filter(status="open").count() == 2


def test_care_conversion_over_the_api(cast, client_as, care_needs):
    clerk = client_as("clerk_a")
    r = _post(clerk, f"{P}from-care/{care_needs['elder'].pk}")
    assert r.status_code == 201 and r.json()["source"] == "care"
    again = _post(clerk, f"{P}from-care/{care_needs['elder'].pk}")
    assert again.status_code == 400 and "已经转为" in again.json()["message"]
    assert _post(client_as("outsider"), f"{P}from-care/{care_needs['child'].pk}").status_code == 404
