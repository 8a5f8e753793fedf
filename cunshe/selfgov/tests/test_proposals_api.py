"""/api/v1/selfgov/proposals/ and /api/v1/selfgov/rules/: the same rules as the pages over JSON.
A villager proposes and co-signs (counts only), a second signature is 400 naming the rule, the
threshold at exactly 1/10 (20 adults → 2), linking the 村民会议 (409 on a stale version);
rules adopted only by a passed 村民会议 decision, the township files once; refusals (outsider
404, wrong role 403, anonymous 401); list query counts pinned."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.test import Client
from django.utils import timezone

from cunshe.selfgov.models import (
    Meeting,
    MeetingKind,
    Proposal,
    ProposalSignature,
    RulesKind,
    RulesVersion,
)
from cunshe.selfgov.services import meetings as meeting_services
from cunshe.selfgov.services import proposals as svc
from cunshe.selfgov.services import village_rules as rules_svc
from cunshe.selfgov.tests.proposals_fixtures import *  # noqa: F403
from cunshe.selfgov.tests.proposals_fixtures import TZ

pytestmark = pytest.mark.django_db
URL = "/api/v1/selfgov/proposals/"
RULES = "/api/v1/selfgov/rules/"


def post(client: Client, url: str, **body):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json")


def _proposal(cast, clerk_j, crowd, title="修村东水渠", who=1):  # type: ignore[no-untyped-def]
    return svc.proposal_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, village=cast.village_a, title=title,
        text="集资修缮", proposer=crowd.extra[who],
    )  # fmt: skip


def test_villager_proposes_and_threshold_is_reached_at_exactly_one_tenth(
    cast, clerk_j, crowd, client_as
):
    me = client_as("villager")
    r = post(me, URL, village=cast.village_a.code, title="村口装路灯", text="晚上太黑")
    assert r.status_code == 201, r.content
    body = r.json()
    # One signature of 20 adults: one fewer than 1/10 — still collecting.
    assert body["status"] == "open" and body["villager_signatures"] == 1
    assert body["standing"]["adults"] == 20 and body["standing"]["villagers_needed"] == 2
    assert body["signed"] is True
    assert body["signatures"] is None and body["proposer_name"] is None  # counts only
    assert crowd.me.name not in r.content.decode()
    again = post(me, f"{URL}{body['id']}/signatures")
    assert again.status_code == 400 and again.json()["code"] == "rule"
    assert "只能联署一次" in again.json()["message"]
    # The clerk records a paper signature: 2 of 20 = exactly 1/10 — reached.
    r = post(client_as("clerk_a"), f"{URL}{body['id']}/signatures", person=crowd.extra[4].pk)
    assert r.status_code == 201, r.content
    staff_view = r.json()
    assert staff_view["status"] == "must_convene" and staff_view["reached_by"] == "villagers"
    assert staff_view["convene_by"] is not None and staff_view["overdue"] is False
    assert {s["name"] for s in staff_view["signatures"]} == {crowd.me.name, crowd.extra[4].name}
    assert ProposalSignature.objects.filter(proposal_id=body["id"]).count() == 2


def test_a_child_or_another_village_cannot_sign(cast, clerk_j, crowd, hamlet, client_as):
    p = _proposal(cast, clerk_j, crowd)
    c = client_as("clerk_a")
    r = post(c, f"{URL}{p.pk}/signatures", person=hamlet.children[0].pk)
    assert r.status_code == 400 and "第二十一条" in r.json()["message"]
    r = post(c, f"{URL}{p.pk}/signatures", person=999_999)
    assert r.status_code == 400 and "person" in r.json()["fields"]
    assert ProposalSignature.objects.filter(proposal=p).count() == 1


def _requested_meeting(cast, clerk_j, requested_by):  # type: ignore[no-untyped-def]
    now = datetime.now(TZ)
    return meeting_services.meeting_convene(
        actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a,
        kind=MeetingKind.VILLAGERS, title="按村民提议召开的村民会议", notice_on=now.date(),
        scheduled_at=now.replace(year=now.year + 1), place="村委会", agenda=["修村东水渠"],
        requested_by=requested_by,
    )  # fmt: skip


def test_link_meeting_conflict_and_refusal(cast, clerk_j, crowd, client_as):
    p = _proposal(cast, clerk_j, crowd)
    svc.proposal_sign(actor=cast.clerk_a, jurisdiction=clerk_j, proposal=p, person=crowd.extra[2])
    p.refresh_from_db()
    assert p.status == Proposal.Status.MUST_CONVENE
    c = client_as("leader_a")
    by_committee = _requested_meeting(cast, clerk_j, Meeting.RequestedBy.COMMITTEE)
    r = post(c, f"{URL}{p.pk}/meeting", meeting=by_committee.pk, expected_version=p.version)
    assert r.status_code == 400 and "提议" in r.json()["message"]
    requested = _requested_meeting(cast, clerk_j, Meeting.RequestedBy.VILLAGERS)
    r = post(c, f"{URL}{p.pk}/meeting", meeting=requested.pk, expected_version=p.version - 1)
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    r = post(c, f"{URL}{p.pk}/meeting", meeting=requested.pk, expected_version=p.version)
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "convened" and r.json()["meeting_id"] == requested.pk
    assert client_as("clerk_a").get(URL, {"status": "convened"}).json()["items"][0]["id"] == p.pk


def test_proposal_refusals(cast, clerk_j, crowd, client_as):
    p = _proposal(cast, clerk_j, crowd)
    out = client_as("outsider")
    assert out.get(f"{URL}{p.pk}").status_code == 404
    assert post(out, f"{URL}{p.pk}/signatures", person=crowd.extra[3].pk).status_code == 404
    assert post(out, f"{URL}{p.pk}/meeting", meeting=1).status_code == 404
    assert out.get(URL).json()["items"] == []
    r = post(out, URL, village=cast.village_a.code, title="x", text="y")
    assert r.status_code == 400 and "village" in r.json()["fields"]
    assert post(client_as("villager"), f"{URL}{p.pk}/meeting", meeting=1).status_code == 403
    # The township reads (selfgov.view) but neither proposes nor signs.
    township = client_as("township_officer")
    assert township.get(f"{URL}{p.pk}").status_code == 200
    assert post(township, f"{URL}{p.pk}/signatures").status_code == 403
    assert Client().get(URL).status_code == 401
    assert ProposalSignature.objects.filter(proposal=p).count() == 1


def test_proposal_list_query_count(cast, clerk_j, crowd, client_as, django_assert_num_queries):
    for i in range(4):
        _proposal(cast, clerk_j, crowd, title=f"提议{i}", who=i + 1)
    for who in ("clerk_a", "villager"):
        client = client_as(who)
        client.get(URL)
        with django_assert_num_queries(8):  # session, user, OTP, roles, rows, session save
            assert len(client.get(URL).json()["items"]) == 4


# --- village rules -------------------------------------------------------------------------


def test_rules_adopt_file_and_refusals(cast, clerk_j, passed_decision, client_as):
    c = client_as("clerk_a")
    failed = passed_decision(passed=False)
    r = post(c, RULES, village=cast.village_a.code, kind=RulesKind.COVENANT, title="村规民约",
             text="爱护公共设施。", decision=failed.pk)  # fmt: skip
    assert r.status_code == 400 and "第二十七条" in r.json()["message"]
    reps = passed_decision(kind=MeetingKind.REPRESENTATIVES)
    r = post(c, RULES, village=cast.village_a.code, kind=RulesKind.COVENANT, title="村规民约",
             text="爱护公共设施。", decision=reps.pk)  # fmt: skip
    assert r.status_code == 400 and "第二十七条" in r.json()["message"]
    assert not RulesVersion.objects.within(clerk_j).exists()
    ok = passed_decision(title="制定村规民约")
    r = post(c, RULES, village=cast.village_a.code, kind=RulesKind.COVENANT, title="村规民约",
             text="爱护公共设施。", decision=ok.pk)  # fmt: skip
    assert r.status_code == 201, r.content
    v = r.json()
    assert v["number"] == 1 and v["filed_on"] is None and v["meeting_id"]
    today = timezone.localdate().isoformat()
    assert post(c, f"{RULES}{v['id']}/filing", filed_on=today).status_code == 403
    township = client_as("township_officer")
    r = post(township, f"{RULES}{v['id']}/filing", filed_on=today, note="已备案")
    assert r.status_code == 200 and r.json()["filed_on"] == today
    again = post(township, f"{RULES}{v['id']}/filing", filed_on=today)
    assert again.status_code == 400 and again.json()["code"] == "rule"
    assert "clerk_a" not in township.get(f"{RULES}{v['id']}").content.decode()
    out = client_as("outsider")
    assert out.get(f"{RULES}{v['id']}").status_code == 404
    assert post(out, f"{RULES}{v['id']}/filing", filed_on=today).status_code == 404
    assert client_as("villager").get(RULES).status_code == 403
    assert Client().get(RULES).status_code == 401
    assert c.get(RULES, {"unfiled": True}).json()["items"] == []


def test_rules_list_query_count(cast, clerk_j, passed_decision, client_as,
                                django_assert_num_queries):  # fmt: skip
    for i in range(3):
        rules_svc.rules_adopt(
            actor=cast.clerk_a, jurisdiction=clerk_j, village=cast.village_a,
            kind=RulesKind.COVENANT, title=f"村规民约{i}", text="全文", decision=passed_decision(
                title=f"修订{i}"),
        )  # fmt: skip
    client = client_as("township_officer")
    client.get(RULES)
    with django_assert_num_queries(8):  # session, user, OTP, roles, rows, session save
        assert [v["number"] for v in client.get(RULES).json()["items"]] == [3, 2, 1]
