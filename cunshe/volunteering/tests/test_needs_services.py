"""Needs and matches through the services: post, propose with explanations, confirm (lock +
clash), accept/decline, withdraw, close/cancel, conversion from a care need; every refusal
changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cunshe.care.models import CareNeed
from cunshe.core.jurisdiction import system_scope
from cunshe.core.models import AuditEvent, Notification
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.volunteering.models import Match, Need
from cunshe.volunteering.services import needs as svc
from cunshe.volunteering.tests.needs_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.needs_fixtures import tomorrow_at


def _counts():  # type: ignore[no-untyped-def]
    with system_scope("test"):
        written = AuditEvent.objects.filter(action__startswith="volunteering.").count()
        return Need.objects.count(), Match.objects.count(), written


def test_post_need_and_refusals_change_nothing(cast, clerk_j, need_maker):
    need = need_maker(volunteers_needed=2)
    assert (
        need.status == "open" and need.source == "clerk" and need.region_code == cast.village_a.code
    )
    before = _counts()
    with pytest.raises(ValidationError, match="结束时间须晚于开始时间"):
        need_maker(ends_at=tomorrow_at(8))
    with pytest.raises(ValidationError):
        need_maker(skills=["flying"])
    with pytest.raises(ValidationError):
        need_maker(volunteers_needed=0)
    township_j = jurisdiction_of(cast.township_officer)
    with pytest.raises(ValidationError, match="村或村民小组"):
        svc.need_create(
            actor=cast.township_officer,
            jurisdiction=township_j,
            region=cast.township,
            title="x",
            category="elderly",
            starts_at=tomorrow_at(9),
            ends_at=tomorrow_at(10),
        )
    with pytest.raises(PermissionDenied):
        need_maker(region=cast.village_c)
    assert _counts() == before
    leader_j = jurisdiction_of(cast.leader_a)
    with pytest.raises(PermissionDenied):
        svc.need_create(
            actor=cast.leader_a,
            jurisdiction=leader_j,
            region=cast.village_a,
            title="x",
            category="elderly",
            starts_at=tomorrow_at(9),
            ends_at=tomorrow_at(10),
        )
    assert _counts() == before


def test_proposals_rank_by_explainable_score_and_skip_busy_or_unverified(
    cast, clerk_j, need_maker, volunteer, hamlet
):
    need = need_maker(skills=["housework", "company"])
    best = volunteer(
        "王桂兰", region=hamlet, skills=["housework", "company"], shifts_attended=8, shifts_signed=9
    )
    half = volunteer("李明", skills=["company"])
    volunteer("吴古城", region=cast.village_b, skills=["housework", "company"])  # outside
    volunteer("赵未核", skills=["housework", "company"], verified_at=None)  # not verified
    volunteer("钱暂停", skills=["housework", "company"], status="suspended")
    volunteer("孙外县", region=cast.village_c, skills=["housework", "company"])
    busy = volunteer("周忙", skills=["housework", "company"])
    other = need_maker(title="另一件事", starts_at=need.starts_at + timedelta(hours=1))
    with system_scope("test"):
        Match.objects.create(
            need=other,
            volunteer=busy,
            region=cast.village_a,
            score=1,
            status="accepted",
            starts_at=other.starts_at,
            ends_at=other.ends_at,
        )
    proposals = svc.need_propose(actor=cast.clerk_a, jurisdiction=clerk_j, need=need)
    assert [p.volunteer_id for p in proposals] == [best.pk, half.pk]
    exp = proposals[0].explanation
    assert exp["reasons"]["skills"] == "技能 2/2：家政保洁、陪伴聊天"
    assert exp["reasons"]["reliability"] == "出勤 8/9"
    assert exp["reasons"]["distance"].startswith("约 0.")
    assert proposals[0].score == sum(p["points"] for p in exp["parts"].values())
    assert proposals[1].explanation["reasons"]["skills"] == "技能 1/2：陪伴聊天"
    # Proposing again replaces the proposals rather than duplicating them.
    again = svc.need_propose(actor=cast.clerk_a, jurisdiction=clerk_j, need=need)
    assert len(again) == 2 and Match.objects.within(clerk_j).filter(need=need).count() == 2


def test_confirm_accept_makes_the_need_matched_and_tells_the_volunteer(
    cast, clerk_j, need_maker, volunteer
):
    need = need_maker()
    v = volunteer("王桂兰", skills=["housework"], account=cast.villager)
    (m,) = svc.need_propose(actor=cast.clerk_a, jurisdiction=clerk_j, need=need)
    m = svc.match_confirm(actor=cast.clerk_a, jurisdiction=clerk_j, match=m)
    assert m.status == "confirmed" and m.confirmed_by == cast.clerk_a
    assert Notification.objects.filter(recipient=cast.villager, link="/vol/me/matches/").exists()
    vj = jurisdiction_of(cast.villager)
    # Someone else cannot answer it.
    with pytest.raises(PermissionDenied):
        svc.match_accept(actor=cast.clerk_a, jurisdiction=clerk_j, match=m)
    m = svc.match_accept(actor=cast.villager, jurisdiction=vj, match=m)
    need.refresh_from_db()
    assert m.status == "accepted" and need.status == "matched" and v.pk == m.volunteer_id
    with pytest.raises(ValidationError):
        svc.match_decline(actor=cast.villager, jurisdiction=vj, match=m, reason="有事")
    # Withdrawing opens the need again.
    svc.match_withdraw(actor=cast.clerk_a, jurisdiction=clerk_j, match=m)
    need.refresh_from_db()
    assert need.status == "open"


def test_confirm_refuses_a_clash_and_a_full_need(cast, clerk_j, need_maker, volunteer):
    a = need_maker(title="甲")
    b = need_maker(title="乙", starts_at=a.starts_at + timedelta(minutes=30))
    volunteer("王桂兰", skills=["housework"])
    volunteer("李明", skills=["housework"])
    pa = svc.need_propose(actor=cast.clerk_a, jurisdiction=clerk_j, need=a)
    pb = svc.need_propose(actor=cast.clerk_a, jurisdiction=clerk_j, need=b)
    svc.match_confirm(actor=cast.clerk_a, jurisdiction=clerk_j, match=pa[0])
    same = next(p for p in pb if p.volunteer_id == pa[0].volunteer_id)
    before = _counts()
    with pytest.raises(ValidationError, match="已有其他服务安排"):
        svc.match_confirm(actor=cast.clerk_a, jurisdiction=clerk_j, match=same)
    with pytest.raises(ValidationError, match="人数已满"):
        svc.match_confirm(actor=cast.clerk_a, jurisdiction=clerk_j, match=pa[1])
    assert _counts() == before
    assert Match.objects.within(clerk_j).get(pk=same.pk).status == "proposed"


def test_decline_needs_a_reason_and_is_recorded(cast, clerk_j, need_maker, volunteer):
    need = need_maker()
    volunteer("王桂兰", skills=["housework"], account=cast.villager)
    (m,) = svc.need_propose(actor=cast.clerk_a, jurisdiction=clerk_j, need=need)
    svc.match_confirm(actor=cast.clerk_a, jurisdiction=clerk_j, match=m)
    vj = jurisdiction_of(cast.villager)
    with pytest.raises(ValidationError):
        svc.match_decline(actor=cast.villager, jurisdiction=vj, match=m, reason="  ")
    m = svc.match_decline(actor=cast.villager, jurisdiction=vj, match=m, reason="那天要去县里")
    assert m.status == "declined" and m.decline_reason == "那天要去县里"
    # A declined volunteer is not proposed again for this need.
    assert svc.need_propose(actor=cast.clerk_a, jurisdiction=clerk_j, need=need) == []


def test_close_and_cancel(cast, clerk_j, need_maker, volunteer):
    need = need_maker()
    volunteer("王桂兰", skills=["housework"], account=cast.villager)
    (m,) = svc.need_propose(actor=cast.clerk_a, jurisdiction=clerk_j, need=need)
    svc.match_confirm(actor=cast.clerk_a, jurisdiction=clerk_j, match=m)
    with pytest.raises(ValidationError):
        svc.need_cancel(actor=cast.clerk_a, jurisdiction=clerk_j, need=need, reason="")
    need = svc.need_cancel(actor=cast.clerk_a, jurisdiction=clerk_j, need=need, reason="老人住院")
    assert need.status == "cancelled" and need.outcome == "老人住院"
    assert Match.objects.within(clerk_j).get(pk=m.pk).status == "withdrawn"
    with pytest.raises(ValidationError, match="已经结束"):
        svc.need_close(actor=cast.clerk_a, jurisdiction=clerk_j, need=need, outcome="x")
    done = svc.need_close(
        actor=cast.clerk_a, jurisdiction=clerk_j, need=need_maker(), outcome="已打扫干净"
    )
    assert done.status == "done" and done.closed_at is not None


def test_from_care_need_once_without_names(cast, clerk_j, care_needs):
    care = care_needs["elder"]
    need = svc.volunteer_need_from_care(actor=cast.clerk_a, jurisdiction=clerk_j, care_need=care)
    care.refresh_from_db()
    assert need.source == "care" and need.care_need_id == care.pk
    assert care.volunteer_need_id == need.pk and care.status == "referred"
    assert need.recipient_id == care.profile.person_id and need.category == "elderly"
    assert need.skills == ["care"] and "孙" not in need.title + need.description
    assert need.ends_at - need.starts_at == timedelta(hours=2)
    assert need.starts_at.minute == 0 and need.starts_at.second == 0
    before = _counts()
    with pytest.raises(ValidationError, match="已经转为"):
        svc.volunteer_need_from_care(actor=cast.clerk_a, jurisdiction=clerk_j, care_need=care)
    assert _counts() == before
    assert AuditEvent.objects.filter(action="volunteering.need.from_care").count() == 1


def test_child_care_need_text_does_not_reveal_the_child(cast, clerk_j, care_needs):
    need = svc.volunteer_need_from_care(
        actor=cast.clerk_a, jurisdiction=clerk_j, care_need=care_needs["child"]
    )
    assert need.category == "children" and "小宝" not in need.title + need.description
    outsider = jurisdiction_of(cast.outsider)
    with pytest.raises(PermissionDenied):
        svc.volunteer_need_from_care(
            actor=cast.outsider, jurisdiction=outsider, care_need=care_needs["elder"]
        )
    assert CareNeed.objects.within(clerk_j).get(pk=care_needs["elder"].pk).volunteer_need_id is None


def test_villager_asks_for_own_household_only(cast, register, household_a):
    from cunshe.residents.models import Person

    me = register("孙长林", __import__("datetime").date(1970, 1, 1), relationship="10", seq=21)
    Person._base_manager.filter(pk=me.pk).update(account=cast.villager)
    vj = jurisdiction_of(cast.villager)
    need = svc.need_request(
        actor=cast.villager,
        jurisdiction=vj,
        recipient=me,
        title="帮忙理发",
        category="elderly",
        skills=["haircut"],
        starts_at=tomorrow_at(14),
        ends_at=tomorrow_at(15),
    )
    assert need.source == "recipient" and need.recipient_id == me.pk
    from cunshe.residents import services as rs

    other_house = rs.household_create(
        actor=cast.clerk_a,
        jurisdiction=jurisdiction_of(cast.clerk_a),
        region=cast.village_a,
        number="A-002",
        address="x",
    )
    stranger = register(
        "外人",
        __import__("datetime").date(1970, 1, 1),
        relationship="02",
        seq=22,
        household=other_house,
    )
    with pytest.raises(ValidationError, match="本户"):
        svc.need_request(
            actor=cast.villager,
            jurisdiction=vj,
            recipient=stranger,
            title="x",
            category="elderly",
            starts_at=tomorrow_at(14),
            ends_at=tomorrow_at(15),
        )
