"""Proposals, consultation and village rules demo for 闵家村 (220182102200) and 东新村
(222406101200), seeded after the rest of the self-governance demo (it needs its bodies and
register):

- a proposal whose co-signatures (recorded from paper by the clerk) reached 1/10 of the
  village's adults 40 days ago, linked to the 村民会议 convened at the villagers' request
  (noticed 32 days ago — within the deadline —, held 20 days ago with 12 days' notice);
- a proposal still collecting signatures (a few, below the threshold);
- a consultation record noticed three weeks ago, discussed, concluded and implemented (feedback
  still to come), about the first proposal;
- 村规民约 v1 adopted by a passed 村民会议 decision about 400 days ago and v2 by another about 60
  days ago, v2 filed with the township by the township officer.

Through the services (`services.proposals`, `services.village_rules`; the three 村民会议 through
the selfgov demo's own `_hold`, held and closed in the past). The services stamp the present;
the first proposal's dates are then moved back in `_backdate_proposal`, and only there (the
audit trail and notifications are not backdated). Adoption and filing keep their real dates
(adopted_on is the meeting's day; v2 is filed nine days after it).
IDEMPOTENT: a village that has a proposal is left alone. Fast: signatures up to the threshold
only (about 1/10 of adults, a few dozen service calls per village)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from cunshe.accounts.models import RoleAssignment
from cunshe.accounts.roles import Role
from cunshe.regions.models import Level, Region
from cunshe.residents.models import GONE, Person
from cunshe.selfgov.models import Meeting, MeetingKind, Proposal, ProposalSignature, RulesKind
from cunshe.selfgov.selectors.bodies import adults
from cunshe.selfgov.services import proposals as proposal_svc
from cunshe.selfgov.services import village_rules as rules_svc

VILLAGES = ("220182102200", "222406101200")
REACHED_DAYS_AGO = 40  # the first proposal reached its threshold then
MEETING_DAYS_AGO = 20  # and the 村民会议 it asked for was held then (noticed 12 days before)
COLLECTING = 3  # signatures on the second proposal (below the threshold in any demo village)
RULES_V1 = ("村规民约", "第一条 爱护村内道路、路灯、水渠等公共设施，损坏照价赔偿。\n"
            "第二条 垃圾分类投放，不乱倒乱堆。\n第三条 红白喜事从简，不大操大办。")  # fmt: skip
RULES_V2 = ("村规民约（2025年修订）", RULES_V1[1] + "\n第四条 秸秆不露天焚烧，禁烧期内由村民小组长"
            "巡查。\n第五条 房前屋后实行门前三包，每季度评选一次清洁户。")  # fmt: skip


def _backdate_proposal(v, proposal: Proposal, meeting: Meeting) -> None:  # type: ignore[no-untyped-def]
    """The only backdating here: the first proposal was made REACHED_DAYS_AGO + 5 days ago,
    reached its threshold REACHED_DAYS_AGO days ago (its deadline counted from then) and was
    linked the day the 村民会议 was noticed; its signatures are spread over those five days."""
    from cunshe.selfgov.rules import rule

    reached = v.today - timedelta(days=REACHED_DAYS_AGO)
    Proposal._base_manager.filter(pk=proposal.pk).update(
        created_at=v.at(REACHED_DAYS_AGO + 5, 10),
        reached_on=reached,
        convene_by=reached + timedelta(days=rule("CONVENE_WITHIN_DAYS")),
        linked_at=timezone.make_aware(datetime.combine(meeting.notice_on, time(16, 0))),
    )
    signatures = list(ProposalSignature.objects.filter(proposal=proposal).order_by("pk"))
    for i, sig in enumerate(signatures):
        days = REACHED_DAYS_AGO + 5 - (5 * i) // max(1, len(signatures) - 1)
        ProposalSignature.objects.filter(pk=sig.pk).update(
            signed_at=v.at(days, 8 + i % 10, (7 * i) % 60)
        )


def _township_actor(code: str):  # type: ignore[no-untyped-def]
    ra = (
        RoleAssignment.objects.active()
        .filter(user__is_active=True, region_code=code[:9], role=Role.TOWNSHIP_OFFICER)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return ra and (ra.user, ra.jurisdiction())


def _village(code: str, region: Region, clerk, today, seed: int, counts):  # type: ignore[no-untyped-def]
    from cunshe.demo import selfgov as demo

    persons = list(
        Person.objects.within(demo.SYSTEM)
        .filter(region_code__startswith=code)
        .exclude(residence_status__in=GONE)
        .select_related("household", "region")
        .order_by("household__number", "pk")
    )
    return demo.Village(
        code=code, region=region,
        rng=random.Random(f"{seed}:selfgov_proposals:{code}"),  # noqa: S311 - demo data
        today=today, clerk=clerk, villager=None, persons=persons,
        groups=list(Region.objects.filter(parent=region, level=Level.GROUP).order_by("code")),
        counts=counts,
    )  # fmt: skip


def _proposals(v, counts) -> Proposal:  # type: ignore[no-untyped-def]
    c = v.clerk
    people = list(adults(c.j, v.code, v.today).order_by("pk"))
    v.rng.shuffle(people)
    first = proposal_svc.proposal_create(
        actor=c.user, jurisdiction=c.j, village=v.region, title="村东排水渠清淤和加固",
        text="村东排水渠多年未清淤，雨季倒灌农田。提议召开村民会议，讨论清淤加固方案和筹资筹劳办法。",
        proposer=people[0],
    )  # fmt: skip
    counts["selfgov_proposals"] += 1
    signers = iter(people[1:])
    while first.status == Proposal.Status.OPEN:
        proposal_svc.proposal_sign(
            actor=c.user, jurisdiction=c.j, proposal=first, person=next(signers)
        )
        counts["selfgov_signatures"] += 1
    from cunshe.demo import selfgov as demo

    meeting, _decisions = demo._hold(
        v, kind=MeetingKind.VILLAGERS, title="村民会议（十分之一以上村民提议召开）",
        days_ago=MEETING_DAYS_AGO, agenda=[("讨论村东排水渠清淤和加固方案", 0.82)],
        notice_days=12, requested_by=Meeting.RequestedBy.VILLAGERS, place="村文化广场",
    )  # fmt: skip
    proposal_svc.proposal_link_meeting(
        actor=c.user, jurisdiction=c.j, proposal=first, meeting=meeting
    )
    _backdate_proposal(v, first, meeting)
    second = proposal_svc.proposal_create(
        actor=c.user, jurisdiction=c.j, village=v.region, title="村部门前安装路灯",
        text="村部门前到小学一段没有路灯，冬天放学天黑，提议安装六盏太阳能路灯。",
        proposer=people[-1],
    )  # fmt: skip
    counts["selfgov_proposals"] += 1
    for person in people[-1 - COLLECTING : -1]:
        proposal_svc.proposal_sign(actor=c.user, jurisdiction=c.j, proposal=second, person=person)
        counts["selfgov_signatures"] += 1
    assert second.status == Proposal.Status.OPEN, "the demo village is too small"
    return first


def _consultation(v, proposal: Proposal, counts) -> None:  # type: ignore[no-untyped-def]
    c = v.clerk
    row = proposal_svc.consultation_create(
        actor=c.user, jurisdiction=c.j, village=v.region, topic="排水渠清淤占用耕地的补偿",
        parties="村民委员会、渠边六户承包户、村务监督委员会、镇农业站",
        notice_on=v.today - timedelta(days=21), notice_how="村务公开栏、村民微信群、逐户告知",
        proposal=proposal,
    )  # fmt: skip
    for stage, days_ago, text in [
        (2, 14, "在村部召开协商会，六户承包户到场，提出临时占地按季节损失补偿。"),
        (3, 14, "占地按每亩每季400元补偿，由村集体支付；清淤土方就近平整回填。"),
        (4, 3, "补偿款已发放到户，签字确认单存村委会。"),
    ]:
        row = proposal_svc.consultation_advance(
            actor=c.user, jurisdiction=c.j, consultation=row, stage=stage,
            on=v.today - timedelta(days=days_ago), text=text,
        )  # fmt: skip
    counts["selfgov_consultations"] += 1


def _rules(v, counts) -> None:  # type: ignore[no-untyped-def]
    from cunshe.demo import selfgov as demo

    name = v.region.name.removesuffix("委会")
    versions = []
    for days_ago, (title, text), item in [
        (400, RULES_V1, "制定村规民约"),
        (60, RULES_V2, "修订村规民约"),
    ]:
        _meeting, decisions = demo._hold(
            v, kind=MeetingKind.VILLAGERS, title=f"{name}村民会议（{item}）", days_ago=days_ago,
            agenda=[(f"审议{item}草案", 0.88)], notice_days=10, place="村文化广场",
        )  # fmt: skip
        versions.append(
            rules_svc.rules_adopt(
                actor=v.clerk.user,
                jurisdiction=v.clerk.j,
                village=v.region,
                kind=RulesKind.COVENANT,
                title=title,
                text=text,
                decision=decisions[0],
            )
        )
        counts["selfgov_rules_versions"] += 1
    township = _township_actor(v.code)
    if township is not None:
        user, j = township
        rules_svc.rules_file(
            actor=user, jurisdiction=j, version=versions[1],
            filed_on=versions[1].adopted_on + timedelta(days=9), note="已审查，准予备案。",
        )  # fmt: skip


def seed_proposals(*, seed: int = 1, today=None, counts=None) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Seed the villages that have no proposal yet; adds what was made to `counts` (the selfgov
    demo's, whose meetings/attendance/decisions counters the two 村民会议 add to) and returns it."""
    from cunshe.demo import selfgov as demo

    counts = counts if counts is not None else {}
    for key in ("selfgov_proposals", "selfgov_signatures", "selfgov_consultations",
                "selfgov_rules_versions", "selfgov_meetings", "selfgov_attendance",
                "selfgov_decisions"):  # fmt: skip
        counts.setdefault(key, 0)
    today = today or timezone.localdate()
    clerks, _villagers = demo._actors()
    regions = {r.code: r for r in Region.objects.filter(code__in=VILLAGES)}
    done = set(
        Proposal.objects.within(demo.SYSTEM).filter(region_code__in=VILLAGES)
        .values_list("region_code", flat=True)
    )  # fmt: skip
    for code in VILLAGES:
        if code in done or code not in clerks or code not in regions:
            continue
        v = _village(code, regions[code], clerks[code], today, seed, counts)
        if len(v.persons) < 60:
            continue  # no register to draw from
        first = _proposals(v, counts)
        _consultation(v, first, counts)
        _rules(v, counts)
    return counts
