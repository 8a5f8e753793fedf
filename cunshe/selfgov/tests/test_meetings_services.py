"""Meetings through the services: notice rule, bases fixed at opening, eligible sign-in, live
quorum, decisions refused without quorum, majority of those present."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from cunshe.core.models import AuditEvent
from cunshe.residents.services import ConcurrentEdit
from cunshe.selfgov.models import Attendance, Decision, Meeting, MeetingKind
from cunshe.selfgov.selectors import meetings as sel
from cunshe.selfgov.services import meetings as svc
from cunshe.selfgov.tests.meetings_fixtures import *  # noqa: F403 (fixtures)

V = Meeting.RequestedBy.VILLAGERS


@pytest.mark.parametrize(
    ("notice_on", "requested_by", "ok"),
    [
        (date(2026, 11, 10), V, True),  # 10 days before the 20th
        (date(2026, 11, 11), V, False),  # 9 days
        (date(2026, 11, 11), Meeting.RequestedBy.REPRESENTATIVES, False),
        (date(2026, 11, 19), Meeting.RequestedBy.COMMITTEE, True),  # called by the committee
        (date(2026, 11, 21), Meeting.RequestedBy.COMMITTEE, False),  # notice after the meeting
    ],
)
def test_notice_rule(cast, clerk_j, convene, notice_on, requested_by, ok):
    if ok:
        assert convene(notice_on=notice_on, requested_by=requested_by).pk
        return
    with pytest.raises(ValidationError) as exc:
        convene(notice_on=notice_on, requested_by=requested_by)
    assert "notice_on" in exc.value.message_dict
    if requested_by != Meeting.RequestedBy.COMMITTEE:
        assert "第二十一条" in str(exc.value) and "提前了9天" in str(exc.value)
    assert not Meeting.objects.within(clerk_j).exists()


def test_convene_refusals(cast, clerk_j, convene, bodies, hamlet):
    with pytest.raises(ValidationError) as exc:
        convene(agenda=["  "])
    assert "agenda" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        convene(kind=MeetingKind.REPRESENTATIVES)  # no body named
    assert "body" in exc.value.message_dict
    with pytest.raises(ValidationError):
        convene(kind=MeetingKind.REPRESENTATIVES, body=bodies.branch)
    with pytest.raises(ValidationError):
        convene(kind=MeetingKind.GROUP)  # a group meeting sits on a group
    assert convene(kind=MeetingKind.GROUP, region=hamlet.group).pk


def _open(cast, clerk_j, meeting):
    return svc.meeting_open(actor=cast.clerk_a, jurisdiction=clerk_j, meeting=meeting)


def _sign(cast, clerk_j, meeting, person, **kw):
    return svc.attendee_sign_in(
        actor=cast.clerk_a, jurisdiction=clerk_j, meeting=meeting, person=person, **kw
    )


def _decide(cast, clerk_j, item, **kw):
    kw.setdefault("text", "同意")
    return svc.decision_record(actor=cast.clerk_a, jurisdiction=clerk_j, item=item, **kw)


def test_villagers_meeting_flow(cast, clerk_j, convene, hamlet):
    meeting = _open(cast, clerk_j, convene())
    # 11 adults living here (one wife away), 6 households.
    assert (meeting.base_adults, meeting.base_households) == (11, 6)
    items = sel.agenda_of(meeting)
    adults = hamlet.heads + hamlet.wives[:5]
    for p in adults[:5]:
        _sign(cast, clerk_j, meeting, p)
    assert not sel.quorum_of(meeting).reached
    # No quorum: refused, rule named, nothing recorded.
    with pytest.raises(ValidationError) as exc:
        _decide(cast, clerk_j, items[0], votes_for=5)
    assert "法定人数" in str(exc.value) and "第二十二条" in str(exc.value)
    assert not Decision.objects.exists()
    _sign(cast, clerk_j, meeting, adults[5])  # 6 of 11: more than half
    quorum = sel.quorum_of(meeting)
    assert quorum.reached and quorum.main.needed == 6
    decision = _decide(cast, clerk_j, items[0], votes_for=4, votes_against=1, abstentions=1)
    assert decision.passed and decision.present == 6
    with pytest.raises(ValidationError):
        _decide(cast, clerk_j, items[0], votes_for=6)  # decided already
    # Exactly half of those present is not a majority.
    tie = _decide(cast, clerk_j, items[1], votes_for=3, votes_against=3)
    assert not tie.passed
    svc.meeting_close(
        actor=cast.clerk_a, jurisdiction=clerk_j, meeting=meeting, minutes_text="记录"
    )
    assert Meeting.objects.within(clerk_j).get(pk=meeting.pk).status == Meeting.Status.CLOSED
    assert AuditEvent.objects.filter(action="selfgov.attendance.signed_in").count() == 6
    assert AuditEvent.objects.filter(action="selfgov.decision.recorded").count() == 2


def test_quorum_by_household_representatives(cast, clerk_j, convene, hamlet):
    meeting = _open(cast, clerk_j, convene())
    for head in hamlet.heads[:4]:
        _sign(cast, clerk_j, meeting, head, for_household=True)
    quorum = sel.quorum_of(meeting)
    # 4 of 11 adults is short; 4 of 6 households is two thirds exactly: reached.
    assert not quorum.measures[0].reached and quorum.measures[1].reached and quorum.reached
    with pytest.raises(ValidationError) as exc:
        _sign(cast, clerk_j, meeting, hamlet.wives[0], for_household=True)
    assert "每户只能有一位代表" in str(exc.value)
    _sign(cast, clerk_j, meeting, hamlet.wives[0])  # as herself: fine
    assert sel.counts_of(meeting).households_present == 4


def test_sign_in_refusals(cast, clerk_j, convene, hamlet, register):
    meeting = convene()
    with pytest.raises(ValidationError):
        _sign(cast, clerk_j, meeting, hamlet.heads[0])  # not opened yet
    meeting = _open(cast, clerk_j, meeting)
    for person, words in [
        (hamlet.children[0], "十八"),
        (hamlet.wives[5], "不在本村居住"),
    ]:
        with pytest.raises(ValidationError) as exc:
            _sign(cast, clerk_j, meeting, person)
        assert words in str(exc.value)
    _sign(cast, clerk_j, meeting, hamlet.heads[0])
    with pytest.raises(ValidationError) as exc:
        _sign(cast, clerk_j, meeting, hamlet.heads[0])
    assert "已经签到" in str(exc.value)
    assert Attendance.objects.filter(meeting=meeting).count() == 1


def test_eighteen_on_the_day_counts(cast, clerk_j, convene, hamlet, register, settings):
    from django.utils import timezone

    today = timezone.localdate()
    hh = hamlet.households[0]
    eighteen = register(
        "赵成年", today.replace(year=today.year - 18), "M", "20", seq=60, household=hh
    )
    tomorrow = date.fromordinal(today.toordinal() + 1)
    almost = register(
        "赵差一天", tomorrow.replace(year=tomorrow.year - 18), "M", "20", seq=61, household=hh
    )
    meeting = _open(cast, clerk_j, convene())
    assert meeting.base_adults == 12
    _sign(cast, clerk_j, meeting, eighteen)
    with pytest.raises(ValidationError):
        _sign(cast, clerk_j, meeting, almost)


def test_representatives_meeting_members_only(cast, clerk_j, convene, bodies, hamlet):
    meeting = _open(
        cast,
        clerk_j,
        convene(kind=MeetingKind.REPRESENTATIVES, body=bodies.assembly, title="代表会议"),
    )
    assert meeting.base_members == 6
    with pytest.raises(ValidationError) as exc:
        _sign(cast, clerk_j, meeting, hamlet.wives[0])
    assert "应到人员" in str(exc.value)
    for head in hamlet.heads[:3]:
        _sign(cast, clerk_j, meeting, head)
    assert not sel.quorum_of(meeting).reached  # 3 of 6
    _sign(cast, clerk_j, meeting, hamlet.heads[3])
    assert sel.quorum_of(meeting).reached  # 4 of 6 = two thirds exactly


def test_joint_meeting_counts_both_bodies(cast, clerk_j, convene, bodies, hamlet):
    meeting = _open(cast, clerk_j, convene(kind=MeetingKind.JOINT, title="两委联席会议"))
    assert meeting.base_members == 5
    for p in (hamlet.heads[0], hamlet.heads[3]):
        _sign(cast, clerk_j, meeting, p)
    assert not sel.quorum_of(meeting).reached  # 2 of 5
    _sign(cast, clerk_j, meeting, hamlet.wives[2])
    assert sel.quorum_of(meeting).reached  # 3 of 5


def test_group_meeting(cast, clerk_j, convene, hamlet):
    meeting = _open(
        cast, clerk_j, convene(kind=MeetingKind.GROUP, region=hamlet.group, title="一组会议")
    )
    assert (meeting.base_adults, meeting.base_households) == (8, 4)
    with pytest.raises(ValidationError):
        _sign(cast, clerk_j, meeting, hamlet.heads[4])  # household 5 is not in the group
    for p in hamlet.heads[:3]:
        _sign(cast, clerk_j, meeting, p, for_household=True)
    assert sel.quorum_of(meeting).reached  # 3 of 4 households ≥ 2/3


def test_named_votes_give_the_counts(cast, clerk_j, convene, hamlet):
    meeting = _open(cast, clerk_j, convene())
    people = [*hamlet.heads, hamlet.wives[0]]
    for p in people:
        _sign(cast, clerk_j, meeting, p)
    item = sel.agenda_of(meeting)[0]
    votes = {p.pk: "for" for p in people[:4]} | {people[4].pk: "against"}
    decision = _decide(cast, clerk_j, item, named_votes=votes, votes_for=99)
    assert (decision.votes_for, decision.votes_against, decision.abstentions) == (4, 1, 0)
    assert decision.named and decision.passed and decision.votes.count() == 5
    with pytest.raises(ValidationError):
        _decide(cast, clerk_j, sel.agenda_of(meeting)[1], named_votes={hamlet.wives[1].pk: "for"})


def test_counts_over_present_refused(cast, clerk_j, convene, hamlet):
    meeting = _open(cast, clerk_j, convene())
    for p in hamlet.heads:
        _sign(cast, clerk_j, meeting, p)
    item = sel.agenda_of(meeting)[0]
    with pytest.raises(ValidationError) as exc:
        _decide(cast, clerk_j, item, votes_for=5, votes_against=2)
    assert "超过到会人数" in str(exc.value)
    with pytest.raises(ValidationError):
        _decide(cast, clerk_j, item, votes_for=-1)
    assert not Decision.objects.exists()


def test_stale_open_refused_and_cancel(cast, clerk_j, convene):
    meeting = convene()
    with pytest.raises(ConcurrentEdit):
        svc.meeting_open(
            actor=cast.clerk_a, jurisdiction=clerk_j, meeting=meeting, expected_version=99
        )
    with pytest.raises(ValidationError):
        svc.meeting_cancel(actor=cast.clerk_a, jurisdiction=clerk_j, meeting=meeting, reason="")
    svc.meeting_cancel(actor=cast.clerk_a, jurisdiction=clerk_j, meeting=meeting, reason="大雪")
    with pytest.raises(ValidationError):
        _open(cast, clerk_j, meeting)
