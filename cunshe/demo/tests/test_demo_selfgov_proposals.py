"""Proposals, consultation and village rules demo: in 闵家村 and 东新村 a proposal whose
signatures reached exactly the 1/10 threshold, linked to a closed 村民会议 convened at the
villagers' request within the deadline; one still collecting below it; a consultation in stage
order; 村规民约 v1 and v2 adopted by passed 村民会议 decisions, v2 filed after adoption; nothing
elsewhere; a second run adds nothing.

Seeded once for the module, as test_demo_selfgov.py does (its fixtures are reused)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cunshe.demo.selfgov_proposals import VILLAGES, seed_proposals
from cunshe.demo.tests.test_demo_selfgov import seeded, sys_j  # noqa: F401 (fixtures)
from cunshe.selfgov.models import (
    Consultation,
    Meeting,
    MeetingKind,
    Proposal,
    ProposalSignature,
    RulesKind,
    RulesVersion,
)
from cunshe.selfgov.rules import needed_at_least, rule


def test_proposals_threshold_and_linked_meeting(seeded, sys_j):  # noqa: F811
    assert seeded["selfgov_proposals"] == 2 * len(VILLAGES)
    assert {p.region_code for p in Proposal.objects.within(sys_j)} == set(VILLAGES)
    for code in VILLAGES:
        rows = {p.status: p for p in Proposal.objects.within(sys_j).filter(region_code=code)}
        assert set(rows) == {Proposal.Status.CONVENED, Proposal.Status.OPEN}
        done, open_ = rows[Proposal.Status.CONVENED], rows[Proposal.Status.OPEN]
        needed = needed_at_least(done.base_adults, rule("VILLAGERS_MEETING_REQUEST_VILLAGERS"))
        assert done.reached_by == "villagers" and done.villager_signatures == needed
        assert ProposalSignature.objects.filter(proposal=done).count() >= needed
        assert done.convene_by - done.reached_on == timedelta(days=rule("CONVENE_WITHIN_DAYS"))
        m = done.meeting
        assert m.kind == MeetingKind.VILLAGERS and m.region_code == code
        assert m.requested_by == Meeting.RequestedBy.VILLAGERS
        assert m.status == Meeting.Status.CLOSED
        assert done.reached_on <= m.notice_on <= done.convene_by
        assert (m.scheduled_at.date() - m.notice_on).days >= 10
        sigs = list(ProposalSignature.objects.filter(proposal=done).order_by("signed_at"))
        assert sigs[0].person_id == done.proposer_id
        assert max(s.signed_at.date() for s in sigs) <= done.reached_on
        assert 0 < open_.villager_signatures < needed and open_.reached_on is None


def test_consultation_in_stage_order(seeded, sys_j):  # noqa: F811
    rows = list(Consultation.objects.within(sys_j))
    assert {c.region_code for c in rows} == set(VILLAGES) and len(rows) == len(VILLAGES)
    for c in rows:
        assert c.stage == Consultation.Stage.IMPLEMENTED and not c.feedback
        assert c.notice_on <= c.discussed_on <= c.concluded_on <= c.implemented_on
        assert c.proposal is not None and c.proposal.region_code == c.region_code


def test_rules_v1_v2_adopted_by_passed_villagers_meetings_v2_filed(seeded, sys_j):  # noqa: F811
    for code in VILLAGES:
        versions = list(
            RulesVersion.objects.within(sys_j)
            .filter(region_code=code, kind=RulesKind.COVENANT)
            .select_related("decision__agenda_item__meeting")
            .order_by("number")
        )
        assert [v.number for v in versions] == [1, 2]
        for v in versions:
            meeting = v.decision.agenda_item.meeting
            assert v.decision.passed and meeting.kind == MeetingKind.VILLAGERS
            assert meeting.region_code == code and meeting.status == Meeting.Status.CLOSED
            assert v.adopted_on == timezone.localdate(meeting.scheduled_at)
        v1, v2 = versions
        assert v1.adopted_on < v2.adopted_on
        assert v1.filed_on is None and v2.filed_on is not None and v2.filed_on >= v2.adopted_on
        assert v2.filed_by_id is not None
    assert not RulesVersion.objects.within(sys_j).exclude(region_code__in=VILLAGES).exists()


def test_second_run_adds_nothing(seeded, sys_j):  # noqa: F811
    before = (
        Proposal.objects.within(sys_j).count(),
        ProposalSignature.objects.count(),
        RulesVersion.objects.within(sys_j).count(),
        Meeting.objects.within(sys_j).count(),
    )
    counts = seed_proposals(seed=1)
    assert counts["selfgov_proposals"] == 0 and counts["selfgov_meetings"] == 0
    after = (
        Proposal.objects.within(sys_j).count(),
        ProposalSignature.objects.count(),
        RulesVersion.objects.within(sys_j).count(),
        Meeting.objects.within(sys_j).count(),
    )
    assert after == before
