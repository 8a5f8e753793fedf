"""The self-governance demo: bodies with the composition the brief asks for (and the warning in one
village), decisions only where the meeting had its quorum, one meeting that failed it, matters
whose steps run in order with fitting records, disclosures with an overdue village, questions,
an election whose roll is exactly the eligibility rules, nothing in the outsider's village, and
an idempotent second run.

The demo is seeded once for the module (inside a transaction rolled back at the end); each test
runs in its own savepoint on top of it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.core.jurisdiction import system_scope
from cunshe.demo import selfgov as demo
from cunshe.demo.services import demo_seed
from cunshe.demo.tests.test_demo_seed import _tree_for_demo
from cunshe.residents.models import Person
from cunshe.selfgov import quorum as q
from cunshe.selfgov.models import (
    Body,
    BodyKind,
    Decision,
    Disclosure,
    DisclosureDue,
    DisclosureQuestion,
    Election,
    Matter,
    MatterStep,
    Meeting,
    MeetingKind,
    Membership,
    NonHukouApproval,
    Position,
    Proxy,
    RollObjection,
    Step,
    VoterRollEntry,
)
from cunshe.selfgov.selectors import bodies as body_sel
from cunshe.selfgov.selectors import meetings as meeting_sel
from cunshe.selfgov.services import matters as matter_svc
from cunshe.selfgov.tests.elections_fixtures import generated_roll, reference_roll

OUTSIDER = "220322103200"
A, B, HL = demo.SELFGOV_VILLAGES


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            _tree_for_demo()
            # The register is all self-governance needs; the desk and care demos have their
            # own tests (test_demo_seed runs every part together).
            counts = demo_seed(seed=1, servicedesk=False, care=False, volunteering=False)
            yield counts
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def sys_j(seeded, db):  # type: ignore[no-untyped-def]
    with system_scope("test") as j:
        yield j


def _current(body: Body) -> list[Membership]:
    today = timezone.localdate()
    return list(body.memberships.filter(body_sel.current_q(today)).select_related("person"))


def test_counts_and_every_village_but_the_outsiders(seeded, sys_j):
    for key in ("selfgov_bodies", "selfgov_meetings", "selfgov_attendance", "selfgov_decisions",
                "selfgov_matters", "selfgov_disclosures", "selfgov_questions",
                "selfgov_elections", "selfgov_roll"):  # fmt: skip
        assert seeded[key] > 0, key
    assert seeded["selfgov_bodies"] == Body.objects.within(sys_j).count()
    assert seeded["selfgov_decisions"] == Decision.objects.count()
    for model in (Body, Meeting, Matter, Disclosure, DisclosureDue, Election, NonHukouApproval):
        codes = set(model.objects.within(sys_j).values_list("region_code", flat=True))
        assert {c[:12] for c in codes} <= set(demo.SELFGOV_VILLAGES), model
        assert not any(c.startswith(OUTSIDER) for c in codes)
    assert {
        code for code in Meeting.objects.within(sys_j).values_list("region_code", flat=True)
    } == set(demo.SELFGOV_VILLAGES)


def test_bodies_committee_of_five_with_two_women_and_the_assembly_warning(seeded, sys_j):
    today = timezone.localdate()
    for code in demo.SELFGOV_VILLAGES:
        bodies = {b.kind: b for b in Body.objects.within(sys_j).filter(village_code=code)}
        assert {BodyKind.COMMITTEE, BodyKind.PARTY_BRANCH, BodyKind.ASSEMBLY,
                BodyKind.SUPERVISION} <= set(bodies)  # fmt: skip
        committee = _current(bodies[BodyKind.COMMITTEE])
        assert len(committee) == 5
        assert sum(m.person.sex == "F" for m in committee) == 2
        assert not body_sel.body_warnings(
            bodies[BodyKind.COMMITTEE], committee, village_households=0, on=today
        )
        branch = _current(bodies[BodyKind.PARTY_BRANCH])
        assert branch and all(m.person.political_status in ("01", "02") for m in branch)
        supervision = _current(bodies[BodyKind.SUPERVISION])
        assert len(supervision) == 3
        assert not {m.person_id for m in supervision} & {m.person_id for m in committee}
        assembly = bodies[BodyKind.ASSEMBLY]
        households = body_sel.households(sys_j, code).count()
        codes = {
            w.code
            for w in body_sel.body_warnings(
                assembly, _current(assembly), village_households=households, on=today
            )
        }
        if code == demo.WEAK_ASSEMBLY:
            assert codes == {"assembly_women"}
        else:
            assert not codes
        reps = [m for m in _current(assembly) if m.position == Position.REPRESENTATIVE]
        assert all(5 <= m.households_represented <= 15 for m in reps)
    groups = Body.objects.within(sys_j).filter(kind=BodyKind.GROUP)
    assert groups.count() == 5  # 一组, 二组, 西屯 of 闵家村; 一组 of 古城村 and of 东新村
    assert all(g.memberships.count() == 1 for g in groups)


def test_every_decision_was_taken_with_a_quorum_and_a_majority(seeded, sys_j):
    decisions = list(Decision.objects.select_related("agenda_item__meeting"))
    assert decisions
    for d in decisions:
        meeting = d.agenda_item.meeting
        present = meeting.attendance.count()
        assert d.present == present
        quorum = meeting_sel.quorum_of(meeting)
        assert quorum is not None and quorum.reached, meeting.title
        assert d.passed == q.decision_passed(d.votes_for, d.present)
        assert d.votes_for + d.votes_against + d.abstentions <= d.present
        assert d.recorded_at >= meeting.scheduled_at
    assert any(not d.passed for d in decisions)  # one item lost its vote
    kinds = {d.agenda_item.meeting.kind for d in decisions}
    assert {MeetingKind.VILLAGERS, MeetingKind.REPRESENTATIVES} <= kinds


def test_a_year_of_meetings_and_one_that_failed_its_quorum(seeded, sys_j):
    today = timezone.localdate()
    meetings = list(Meeting.objects.within(sys_j))
    assert all(m.status == Meeting.Status.CLOSED for m in meetings)
    assert min(timezone.localdate(m.scheduled_at) for m in meetings) <= today - timedelta(days=300)
    assert max(timezone.localdate(m.scheduled_at) for m in meetings) < today
    failed = [m for m in meetings if not meeting_sel.quorum_of(m).reached]
    assert len(failed) == 1
    [meeting] = failed
    assert meeting.kind == MeetingKind.VILLAGERS and meeting.region_code == demo.FAILED_QUORUM
    assert meeting.requested_by == Meeting.RequestedBy.VILLAGERS
    assert not Decision.objects.filter(agenda_item__meeting=meeting).exists()
    assert (timezone.localdate(meeting.scheduled_at) - meeting.notice_on).days >= 10
    for m in meetings:
        assert m.created_at.date() <= timezone.localdate(m.scheduled_at)
        assert all(a.signed_in_at < m.closed_at for a in m.attendance.all())
    reps = [m for m in meetings if m.kind == MeetingKind.REPRESENTATIVES]
    assert len(reps) == 4 * len(demo.SELFGOV_VILLAGES)


def test_matters_move_through_their_steps_in_order(seeded, sys_j):
    matters = list(Matter.objects.within(sys_j))
    assert sorted(m.step for m in matters) == [3, 6, 6]
    for matter in matters:
        steps = list(MatterStep.objects.filter(matter=matter).order_by("step"))
        assert [s.step for s in steps] == list(range(1, matter.step + 1))
        assert [s.at for s in steps] == sorted(s.at for s in steps)
        assert matter.created_at < steps[0].at
        for s in steps:
            kind = matter_svc.record_kind(s.step)
            if kind == "meeting":
                assert s.meeting.kind == matter_svc.MEETING_FOR_STEP[s.step]
                assert s.meeting.region_code == matter.region_code
            elif kind == "decision":
                assert s.decision.passed
                assert s.decision.agenda_item.meeting.kind in matter_svc.DECIDING_KINDS
            else:
                assert s.disclosure.matter_id == matter.pk
        if matter.step == Step.RESULT_PUBLISHED:
            due = DisclosureDue.objects.within(sys_j).get(matter=matter)
            decided = timezone.localdate(steps[3].decision.recorded_at)
            assert due.period_start == decided
            assert due.fulfilled_by_id == steps[4].disclosure_id
            assert timezone.localdate(steps[4].disclosure.published_at) <= due.due_on
    stuck = [m for m in matters if m.step == Step.REVIEWED]
    assert [m.region_code for m in stuck] == [demo.MATTER_STUCK]


def test_disclosures_monthly_and_quarterly_with_one_overdue_village(seeded, sys_j):
    today = timezone.localdate()
    overdue = DisclosureDue.objects.within(sys_j).filter(
        due_on__lt=today, fulfilled_by__isnull=True
    )
    assert {d.region_code for d in overdue} == {demo.OVERDUE_VILLAGE}
    assert sorted(d.category for d in overdue) == ["finance", "finance", "general"]
    assert all(d.alerted_at is not None for d in overdue)  # the township was told
    township = User.objects.get(username="xiangzhen")
    assert township.notifications.filter(link="/gov/disclosures/overdue/").exists()
    for code in (A, HL):
        finance = Disclosure.objects.within(sys_j).filter(region_code=code, category="finance")
        assert finance.count() >= 11
        assert all(d.published_at.date() <= today for d in finance)
        assert all(d.published_at.date() > d.period_end for d in finance)
    assert (
        not DisclosureDue.objects.within(sys_j)
        .filter(period_end__lt=today - timedelta(days=400))
        .exists()
    )


def test_questions_asked_by_the_villagers_and_mostly_answered(seeded, sys_j):
    questions = list(DisclosureQuestion.objects.within(sys_j).select_related("disclosure"))
    assert {x.region_code for x in questions} == {A, HL}
    villagers = set(
        RoleAssignment.objects.filter(role="villager").values_list("user_id", flat=True)
    )
    assert all(x.asked_by_id in villagers for x in questions)
    answered = [x for x in questions if x.answered_at]
    assert 0 < len(answered) < len(questions)
    for x in questions:
        assert x.asked_at > x.disclosure.published_at
        assert x.answered_at is None or x.answered_at > x.asked_at


def test_the_election_roll_is_the_eligibility_rules(seeded, sys_j):
    today = timezone.localdate()
    elections = {e.region_code: e for e in Election.objects.within(sys_j)}
    assert set(elections) == set(demo.ELECTION_DAYS)
    for code, election in elections.items():
        assert election.vote_on == today + timedelta(days=demo.ELECTION_DAYS[code])
        assert generated_roll(election) == reference_roll(election)
    a = elections[A]
    assert a.status == Election.Status.ROLL_PUBLISHED
    assert a.roll_published_on == today - timedelta(days=2)
    assert (a.vote_on - a.roll_published_on).days >= 20
    assert elections[B].status == Election.Status.PREPARING
    categories = set(
        VoterRollEntry.objects.filter(election=a, removed=False).values_list("category", flat=True)
    )
    assert categories == {"a", "b", "c"}  # an approved non-hukou resident, opted-in away workers
    proxies = list(Proxy.objects.filter(election=a).select_related("principal", "holder"))
    assert len(proxies) == 2
    assert all(p.principal.person.household_id == p.holder.person.household_id for p in proxies)
    objections = list(RollObjection.objects.filter(election=a))
    assert len(objections) == 2
    assert sum(o.answered_on is not None for o in objections) == 1
    assert all(a.roll_published_on <= o.filed_on <= today for o in objections)


def test_nothing_of_the_demo_lives_outside_the_villages_register(seeded, sys_j):
    for m in Membership.objects.within(sys_j).select_related("person", "body"):
        assert m.person.region_code.startswith(m.body.region_code)
    attendees = Person.objects.within(sys_j).filter(
        pk__in=Meeting.objects.within(sys_j).values("attendance__person")
    )
    assert not attendees.filter(region_code__startswith=OUTSIDER).exists()


def test_a_second_run_adds_nothing(seeded, sys_j):
    before = (Meeting.objects.within(sys_j).count(), Decision.objects.count())
    again = demo.seed_selfgov(seed=1)
    assert not any(again.values()), again
    assert (Meeting.objects.within(sys_j).count(), Decision.objects.count()) == before
