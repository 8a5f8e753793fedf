"""Objections (answer due, upheld changes the roll), proxies (near relatives, cap per holder),
results (turnout, winners, run-off) and recall, through the services."""

# ruff: noqa: F811 - fixtures are imported by name
from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cunshe.residents import services as register_services
from cunshe.residents.tests.conftest import clerk_j, household_a, register  # noqa: F401
from cunshe.selfgov.models.bodies import Body, BodyKind, Membership, Position
from cunshe.selfgov.models.elections import Candidate, Election, Proxy, VoterRollEntry
from cunshe.selfgov.selectors import elections as sel
from cunshe.selfgov.services import elections as svc
from cunshe.selfgov.tests.elections_fixtures import make_election, vote_on  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(register):
    """Head, spouse, two children and the head's father in one household; a neighbour."""
    head = register("王父", date(1970, 1, 1), seq=1)
    spouse = register("李母", date(1972, 1, 1), sex="F", relationship="12", seq=2)
    son = register("王子", date(1995, 1, 1), relationship="20", seq=3)
    daughter = register("王女", date(1997, 1, 1), sex="F", relationship="30", seq=4)
    grandpa = register("王爷", date(1945, 1, 1), relationship="51", seq=5)
    return head, spouse, son, daughter, grandpa


@pytest.fixture
def published(cast, clerk_j, family, make_election):
    election = make_election(timezone.localdate() + timedelta(days=25))
    svc.roll_generate(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    svc.roll_publish(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    return election


def entry(election, person):
    return VoterRollEntry.objects.get(election=election, person=person)


def test_objection_answer_due_and_upheld_removal(cast, clerk_j, published, family):
    head = family[0]
    o = svc.objection_file(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        election=published,
        text="已迁往外地",
        filed_by_name="张三",
        entry=entry(published, head),
    )
    rows = sel.objections(published)
    assert rows[0]["due"] == timezone.localdate() + timedelta(days=3) and not rows[0]["overdue"]
    svc.objection_answer(
        actor=cast.clerk_a, jurisdiction=clerk_j, objection=o, answer="经核实属实", upheld=True
    )
    assert entry(published, head).removed
    with pytest.raises(ValidationError):
        svc.objection_answer(
            actor=cast.clerk_a, jurisdiction=clerk_j, objection=o, answer="再答", upheld=False
        )


def test_late_answer_is_shown_overdue(cast, clerk_j, family, make_election):
    election = make_election(timezone.localdate() + timedelta(days=20))
    svc.roll_generate(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    Election._base_manager.filter(pk=election.pk).update(
        status="roll_published", roll_published_on=timezone.localdate() - timedelta(days=5)
    )
    election.refresh_from_db()
    o = svc.objection_file(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        election=election,
        text="漏登",
        filed_by_name="赵四",
        subject=family[1],
        filed_on=timezone.localdate() - timedelta(days=4),
    )
    assert sel.objections(election)[0]["overdue"]  # due 3 days after, not answered
    svc.objection_answer(
        actor=cast.clerk_a, jurisdiction=clerk_j, objection=o, answer="已在名单上", upheld=False
    )
    assert sel.objections(election)[0]["overdue"]  # answered late: still shown


def test_proxies_near_relatives_and_cap(cast, clerk_j, published, family, register, settings):
    head, spouse, son, daughter, grandpa = family
    hh = register_services.household_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a, number="A-009"
    )
    neighbour = register("邻居", date(1960, 1, 1), seq=9, household=hh)

    svc.roll_entry_add(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        election=published,
        person=neighbour,
        reason="新登记",
    )
    record = dict(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        election=published,
        written_on=timezone.localdate(),
    )
    with pytest.raises(ValidationError) as exc:
        svc.proxy_record(
            principal=entry(published, neighbour), holder=entry(published, head), **record
        )
    assert "近亲属" in str(exc.value) and "第十五条" in str(exc.value)
    p = svc.proxy_record(
        principal=entry(published, spouse), holder=entry(published, head), **record
    )
    assert p.relation == "配偶"
    settings.SELFGOV_RULES = {"PROXY_MAX_PER_HOLDER": 2}
    svc.proxy_record(principal=entry(published, son), holder=entry(published, head), **record)
    with pytest.raises(ValidationError) as exc:
        svc.proxy_record(
            principal=entry(published, daughter), holder=entry(published, head), **record
        )
    assert "不得超过2人" in str(exc.value)
    with pytest.raises(ValidationError):  # a holder who gave their own vote away
        svc.proxy_record(
            principal=entry(published, grandpa), holder=entry(published, son), **record
        )
    assert Proxy.objects.filter(election=published).count() == 2
    svc.proxy_revoke(actor=cast.clerk_a, jurisdiction=clerk_j, proxy=p)
    assert Proxy.objects.filter(election=published).count() == 1


def _vote_day(election):
    Election._base_manager.filter(pk=election.pk).update(vote_on=timezone.localdate())
    election.refresh_from_db()


def test_results_turnout_and_winners(cast, clerk_j, published, family):
    head, spouse, son, _daughter, _grandpa = family
    c = {}
    for person in (head, spouse, son):
        c[person.pk] = svc.candidate_add(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            election=published,
            person=person,
            position="委员",
        )
    _vote_day(published)
    registered = 5
    # Exactly half of 5 is impossible; 2 of 5 is not more than half: invalid, nobody elected.
    r = svc.result_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        election=published,
        ballots_cast=2,
        invalid_ballots=0,
        votes={c[head.pk].pk: 2, c[spouse.pk].pk: 2, c[son.pk].pk: 0},
    )
    assert r.registered == registered and not r.valid
    assert not Candidate.objects.filter(elected=True).exists()
    published.refresh_from_db()
    assert published.status == "roll_published"


def test_results_round_one_and_runoff(cast, clerk_j, published, family):
    head, spouse, son, daughter, _grandpa = family
    first = {
        p.pk: svc.candidate_add(
            actor=cast.clerk_a, jurisdiction=clerk_j, election=published, person=p, position="委员"
        )
        for p in (head, spouse, son)
    }
    _vote_day(published)
    # 4 of 5 voted (valid); 2 of 4 is exactly half: loses; 3 of 4 wins.
    svc.result_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        election=published,
        ballots_cast=4,
        invalid_ballots=0,
        votes={first[head.pk].pk: 3, first[spouse.pk].pk: 2, first[son.pk].pk: 1},
    )
    assert set(Candidate.objects.filter(elected=True).values_list("person_id", flat=True)) == {
        head.pk
    }
    # Run-off: at least one third of ballots cast wins (3 cast: 1 vote is exactly a third).
    second = svc.candidate_add(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        election=published,
        person=spouse,
        position="委员",
        round=2,
    )
    third = svc.candidate_add(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        election=published,
        person=daughter,
        position="委员",
        round=2,
    )
    svc.result_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        election=published,
        round=2,
        ballots_cast=4,
        invalid_ballots=1,
        votes={second.pk: 2, third.pk: 1},
    )
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.elected and not third.elected  # 1 of 4 is less than a third
    with pytest.raises(ValidationError):
        svc.result_record(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            election=published,
            round=2,
            ballots_cast=4,
            invalid_ballots=0,
            votes={second.pk: 2, third.pk: 1},
        )


def test_recall_thresholds(cast, clerk_j, published, family):
    head = family[0]
    body = Body._base_manager.create(region=cast.village_a, kind=BodyKind.COMMITTEE, name="村委会")
    member = Membership._base_manager.create(
        region=cast.village_a,
        body=body,
        person=head,
        position=Position.CHAIR,
        start=date(2021, 1, 1),
    )
    # 5 voters on the roll: one fifth is 1 signature; 0 is refused with the rule named.
    with pytest.raises(ValidationError) as exc:
        svc.recall_file(
            actor=cast.clerk_a, jurisdiction=clerk_j, member=member, reason="失职", signatures=0
        )
    assert "第十六条" in str(exc.value)
    petition = svc.recall_file(
        actor=cast.clerk_a, jurisdiction=clerk_j, member=member, reason="失职", signatures=1
    )
    assert petition.threshold_met and petition.eligible_base == 5
    svc.recall_result(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        petition=petition,
        voters_registered=5,
        voters_voting=3,
        votes_for=2,
    )
    member.refresh_from_db()
    assert petition.passed and member.end == timezone.localdate()
