"""Proposals through the services: the convene thresholds at their edges, one signature per
person, who may sign, the deadline and the meeting that meets it; consultation stages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cunshe.core.models import AuditEvent, Notification
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.selfgov.models import Consultation, Meeting, Proposal, ProposalSignature
from cunshe.selfgov.selectors import proposals as sel
from cunshe.selfgov.services import proposals as svc
from cunshe.selfgov.tests.proposals_fixtures import *  # noqa: F403


def _propose(cast, clerk_j, proposer, title="修村东水渠"):
    return svc.proposal_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, village=cast.village_a, title=title,
        text="村东水渠年久失修，提议召开村民会议讨论集资修缮。", proposer=proposer,
    )  # fmt: skip


def _sign(cast, clerk_j, proposal, person):
    return svc.proposal_sign(
        actor=cast.clerk_a, jurisdiction=clerk_j, proposal=proposal, person=person
    )


def test_one_tenth_of_adults_exactly_reaches(cast, clerk_j, crowd, settings):
    settings.SELFGOV_RULES = {"VILLAGERS_MEETING_REQUEST_REPRESENTATIVES": (1, 1)}
    p = _propose(cast, clerk_j, crowd.extra[1])  # 20 adults: 1/10 is exactly 2
    assert p.status == Proposal.Status.OPEN and p.villager_signatures == 1
    assert sel.standing(clerk_j, p).villagers_needed == 2
    _sign(cast, clerk_j, p, crowd.extra[2])
    p.refresh_from_db()
    assert p.status == Proposal.Status.MUST_CONVENE
    assert p.reached_on == timezone.localdate() and p.reached_by == "villagers"
    assert p.base_adults == 20
    assert p.convene_by == p.reached_on + timedelta(days=30)
    told = Notification.objects.filter(recipient__in=[cast.clerk_a, cast.leader_a])
    assert {n.recipient_id for n in told} >= {cast.clerk_a.pk, cast.leader_a.pk}
    assert AuditEvent.objects.filter(action="selfgov.proposal.signed").count() == 1
    assert AuditEvent.objects.filter(action="selfgov.proposal.created").count() == 1


def test_one_fewer_than_one_tenth_does_not_reach(cast, clerk_j, crowd, settings):
    settings.SELFGOV_RULES = {"VILLAGERS_MEETING_REQUEST_VILLAGERS": (3, 20)}  # 3 of 20
    p = _propose(cast, clerk_j, crowd.extra[1])
    _sign(cast, clerk_j, p, crowd.extra[2])
    p.refresh_from_db()
    assert p.status == Proposal.Status.OPEN and p.convene_by is None
    _sign(cast, clerk_j, p, crowd.extra[3])
    p.refresh_from_db()
    assert p.status == Proposal.Status.MUST_CONVENE


def test_one_third_of_representatives_edge(cast, clerk_j, crowd, bodies, settings):
    # Villagers' threshold out of reach; 6 representatives: 1/3 is exactly 2.
    settings.SELFGOV_RULES = {"VILLAGERS_MEETING_REQUEST_VILLAGERS": (1, 1)}
    heads = crowd.hamlet.heads
    p = _propose(cast, clerk_j, heads[0])
    assert p.representative_signatures == 1 and p.status == Proposal.Status.OPEN
    _sign(cast, clerk_j, p, crowd.extra[1])  # a villager, not a representative
    p.refresh_from_db()
    assert p.status == Proposal.Status.OPEN and p.villager_signatures == 2
    _sign(cast, clerk_j, p, heads[1])
    p.refresh_from_db()
    assert p.status == Proposal.Status.MUST_CONVENE and p.reached_by == "representatives"
    assert p.base_representatives == 6


def test_double_signature_refused(cast, clerk_j, crowd):
    p = _propose(cast, clerk_j, crowd.extra[1])
    with pytest.raises(ValidationError) as exc:
        _sign(cast, clerk_j, p, crowd.extra[1])
    assert "只能联署一次" in str(exc.value)
    assert ProposalSignature.objects.filter(proposal=p).count() == 1
    p.refresh_from_db()
    assert p.villager_signatures == 1
    with pytest.raises(IntegrityError), transaction.atomic():  # the database says so too
        ProposalSignature.objects.create(
            proposal=p, person=crowd.extra[1], signed_at=timezone.now(), recorded_by=cast.clerk_a
        )


def test_child_or_absent_or_other_village_cannot_sign(cast, clerk_j, crowd, register):
    p = _propose(cast, clerk_j, crowd.extra[1])
    for person in (crowd.hamlet.children[0], crowd.hamlet.wives[5]):  # 10 years old; away
        with pytest.raises(ValidationError) as exc:
            _sign(cast, clerk_j, p, person)
        assert "第二十一条" in str(exc.value)
    assert ProposalSignature.objects.filter(proposal=p).count() == 1


def test_villager_signs_for_self_by_phone(cast, crowd, clerk_j):
    vj = jurisdiction_of(cast.villager)
    p = _propose(cast, clerk_j, crowd.extra[1])
    sig = svc.proposal_sign(actor=cast.villager, jurisdiction=vj, proposal=p)
    assert sig.person == crowd.me and not sig.on_paper
    with pytest.raises(ValidationError):
        svc.proposal_sign(actor=cast.villager, jurisdiction=vj, proposal=p)
    own = svc.proposal_create(
        actor=cast.villager, jurisdiction=vj, village=cast.village_a, title="路灯", text="装路灯"
    )
    assert own.proposer == crowd.me and not own.on_paper


def test_villager_without_register_match_refused(cast, hamlet):
    vj = jurisdiction_of(cast.villager)
    with pytest.raises(ValidationError) as exc:
        svc.proposal_create(
            actor=cast.villager, jurisdiction=vj, village=cast.village_a, title="路灯", text="x"
        )
    assert "手机号" in str(exc.value)
    assert not Proposal.objects.within(vj).exists()


def test_outsider_cannot_propose_in_village_a(cast, crowd):
    oj = jurisdiction_of(cast.outsider)
    with pytest.raises(PermissionDenied):
        svc.proposal_create(
            actor=cast.outsider, jurisdiction=oj, village=cast.village_a, title="t", text="x",
            proposer=crowd.extra[1],
        )  # fmt: skip


def _reached(cast, clerk_j, crowd):
    p = _propose(cast, clerk_j, crowd.extra[1])
    _sign(cast, clerk_j, p, crowd.extra[2])
    p.refresh_from_db()
    assert p.status == Proposal.Status.MUST_CONVENE
    return p


def test_link_meeting_meets_deadline(cast, clerk_j, crowd, convene):
    p = _reached(cast, clerk_j, crowd)
    today = timezone.localdate()
    committee = convene(notice_on=today, scheduled_at=timezone.now() + timedelta(days=12))
    with pytest.raises(ValidationError) as exc:
        svc.proposal_link_meeting(actor=cast.clerk_a, jurisdiction=clerk_j, proposal=p,
                                  meeting=committee)  # fmt: skip
    assert "召集依据" in str(exc.value)
    meeting = convene(
        notice_on=today, scheduled_at=timezone.now() + timedelta(days=12),
        requested_by=Meeting.RequestedBy.VILLAGERS,
    )  # fmt: skip
    with pytest.raises(svc.ConcurrentEdit):
        svc.proposal_link_meeting(actor=cast.clerk_a, jurisdiction=clerk_j, proposal=p,
                                  meeting=meeting, expected_version=p.version - 1)  # fmt: skip
    done = svc.proposal_link_meeting(
        actor=cast.clerk_a, jurisdiction=clerk_j, proposal=p, meeting=meeting,
        expected_version=p.version,
    )  # fmt: skip
    assert done.status == Proposal.Status.CONVENED and done.meeting == meeting
    assert not sel.is_overdue(done, today + timedelta(days=100))


def test_overdue_after_deadline(cast, clerk_j, crowd):
    p = _reached(cast, clerk_j, crowd)
    assert not sel.is_overdue(p, p.convene_by)
    assert sel.is_overdue(p, p.convene_by + timedelta(days=1))


def test_link_refused_before_threshold(cast, clerk_j, crowd, convene):
    p = _propose(cast, clerk_j, crowd.extra[1])
    meeting = convene(notice_on=timezone.localdate(),
                      scheduled_at=timezone.now() + timedelta(days=12),
                      requested_by=Meeting.RequestedBy.VILLAGERS)  # fmt: skip
    with pytest.raises(ValidationError):
        svc.proposal_link_meeting(actor=cast.clerk_a, jurisdiction=clerk_j, proposal=p,
                                  meeting=meeting)  # fmt: skip


def test_consultation_stages_in_order(cast, clerk_j, crowd):
    today = timezone.localdate()
    c = svc.consultation_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, village=cast.village_a, topic="垃圾清运",
        parties="村两委、保洁公司、一组村民代表", notice_on=today - timedelta(days=5),
        notice_how="村务公开栏、微信群",
    )  # fmt: skip

    def advance(stage, on, text="记录", **kw):
        return svc.consultation_advance(
            actor=cast.clerk_a, jurisdiction=clerk_j, consultation=c, stage=stage, on=on,
            text=text, **kw,
        )  # fmt: skip

    with pytest.raises(ValidationError) as exc:
        advance(Consultation.Stage.CONCLUDED, today)  # skips the discussion
    assert "依次" in str(exc.value)
    with pytest.raises(ValidationError):
        advance(Consultation.Stage.DISCUSSED, today - timedelta(days=6))  # before the notice
    with pytest.raises(ValidationError):
        advance(Consultation.Stage.DISCUSSED, today + timedelta(days=1))
    advance(Consultation.Stage.DISCUSSED, today - timedelta(days=4), "三方协商")
    advance(Consultation.Stage.CONCLUDED, today - timedelta(days=4), "每周清运两次")
    advance(Consultation.Stage.IMPLEMENTED, today - timedelta(days=1), "已签协议")
    done = advance(Consultation.Stage.FEEDBACK, today, "村民满意")
    assert done.stage == Consultation.Stage.FEEDBACK and done.feedback == "村民满意"
    assert AuditEvent.objects.filter(action="selfgov.consultation.advanced").count() == 4
    with pytest.raises(ValidationError):
        advance(Consultation.Stage.FEEDBACK + 1, today)


@pytest.mark.parametrize(("adults", "signed", "reached"),
                         [(10, 1, True), (20, 1, False), (20, 2, True), (21, 2, False),
                          (21, 3, True), (0, 0, False), (9, 1, True)])  # fmt: skip
def test_standing_table(adults, signed, reached):
    assert sel.Standing(adults, 0, signed, 0).by_villagers is reached


@pytest.mark.parametrize(("reps", "signed", "reached"),
                         [(6, 2, True), (6, 1, False), (7, 2, False), (7, 3, True),
                          (3, 1, True), (0, 0, False)])  # fmt: skip
def test_standing_table_representatives(reps, signed, reached):
    assert sel.Standing(0, reps, 0, signed).by_representatives is reached


def test_date_reached_is_today(cast, clerk_j, crowd):
    p = _reached(cast, clerk_j, crowd)
    assert isinstance(p.reached_on, date)
