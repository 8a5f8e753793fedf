# ruff: noqa: F811 - fixtures are imported by name
"""The voter roll: generated from the register, compared with the reference computation on
random populations; idempotent; one village only; hand additions and removals; approvals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cunshe.core.models import AuditEvent
from cunshe.residents.codes import ResidenceStatus
from cunshe.residents.models import Person
from cunshe.residents.tests.conftest import clerk_j, household_a, register  # noqa: F401
from cunshe.selfgov import eligibility as el
from cunshe.selfgov.models.elections import NonHukouApproval, VoterOptIn, VoterRollEntry
from cunshe.selfgov.models.meetings import MeetingKind
from cunshe.selfgov.services import elections as svc
from cunshe.selfgov.tests.elections_fixtures import (  # noqa: F401 - fixtures
    bulk_village,
    generated_roll,
    make_decision,
    make_election,
    reference_roll,
    sprinkle,
    vote_on,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_generation_equals_reference_on_random_population(cast, clerk_j, make_election, seed):
    vote_on = timezone.localdate() + timedelta(days=30 + seed * 37)
    election = make_election(vote_on)
    ids = bulk_village(cast.village_a, 300, seed=seed, vote_on=vote_on)
    sprinkle(election, cast.clerk_a, ids, seed=seed)
    # A neighbour village's roll in the same round holds some of the same ID numbers: moved.
    other = make_election(vote_on + timedelta(days=seed * 20), region=cast.village_b)
    for p in Person._base_manager.filter(pk__in=ids[::17]):
        VoterRollEntry.objects.create(
            election=other, person=p, id_number_bidx=p.id_number_bidx, category="a"
        )
    summary = svc.roll_generate(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    expected = reference_roll(election)
    assert generated_roll(election) == expected
    assert summary.total == len(expected)
    assert sum(summary.by_category.values()) == len(expected)
    assert set(expected.values()) <= {"a", "b", "c"}
    assert len(set(expected.values())) >= 2


def test_generation_is_idempotent_and_follows_the_register(cast, clerk_j, make_election, vote_on):
    election = make_election(vote_on)
    ids = bulk_village(cast.village_a, 120, seed=9, vote_on=vote_on)
    sprinkle(election, cast.clerk_a, ids, seed=9)
    first = svc.roll_generate(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    rows = list(VoterRollEntry.objects.filter(election=election).values_list().order_by("pk"))
    again = svc.roll_generate(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    assert (again.added, again.removed, again.updated, again.reinstated) == (0, 0, 0, 0)
    assert again.total == first.total
    assert (
        list(VoterRollEntry.objects.filter(election=election).values_list().order_by("pk")) == rows
    )
    # Someone on the roll dies: the next generation marks the entry removed, naming the rule.
    entry = VoterRollEntry.objects.filter(election=election, removed=False).first()
    Person._base_manager.filter(pk=entry.person_id).update(residence_status="deceased")
    third = svc.roll_generate(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    entry.refresh_from_db()
    assert third.removed == 1 and entry.removed and entry.removed_rule == el.GONE_RULE
    assert "第十三条" in entry.removed_reason
    assert generated_roll(election) == reference_roll(election)
    assert AuditEvent.objects.filter(action="selfgov.roll.generated").count() == 3


def test_roll_includes_approved_non_hukou_and_excludes_the_day_after_birthday(
    cast,
    clerk_j,
    register,
    make_election,
    vote_on,
):
    election = make_election(vote_on)
    adult = register("张大", date(1980, 5, 1), relationship="02", seq=1)
    almost = register(
        "张小",
        vote_on.replace(year=vote_on.year - 18) + timedelta(days=1),
        relationship="20",
        seq=2,
    )
    exactly = register(
        "张中", vote_on.replace(year=vote_on.year - 18), sex="F", relationship="30", seq=3
    )
    newcomer = register(
        "李外",
        date(1985, 3, 3),
        relationship="99",
        seq=4,
        status=ResidenceStatus.NON_HUKOU_HERE,
        hukou_here=False,
        since=vote_on - timedelta(days=400),
    )
    unapproved = register(
        "王外",
        date(1986, 3, 3),
        relationship="99",
        seq=5,
        status=ResidenceStatus.NON_HUKOU_HERE,
        hukou_here=False,
        since=vote_on - timedelta(days=400),
    )
    decision = make_decision(cast.village_a, cast.clerk_a)
    svc.approval_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=newcomer,
        applied_on=timezone.localdate() - timedelta(days=40),
        decision=decision,
    )
    svc.roll_generate(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    roll = generated_roll(election)
    assert roll == {adult.pk: "a", exactly.pk: "a", newcomer.pk: "c"}
    assert almost.pk not in roll and unapproved.pk not in roll
    assert svc.judge_person(election, almost).rule == el.AGE
    assert svc.judge_person(election, unapproved).rule == el.NOT_APPROVED
    # Adding them by hand is refused with the rule named, and nothing is written.
    for person, words in ((almost, "未满18周岁"), (unapproved, "未经村民会议")):
        with pytest.raises(ValidationError) as exc:
            svc.roll_entry_add(
                actor=cast.clerk_a,
                jurisdiction=clerk_j,
                election=election,
                person=person,
                reason="补登",
            )
        assert words in str(exc.value) and "第十三条" in str(exc.value)
    assert generated_roll(election) == roll


def test_residence_year_for_non_hukou(cast, clerk_j, register, make_election, vote_on):
    election = make_election(vote_on)
    decision = make_decision(cast.village_a, cast.clerk_a)
    short = register(
        "赵短",
        date(1990, 1, 1),
        relationship="99",
        seq=6,
        status=ResidenceStatus.NON_HUKOU_HERE,
        hukou_here=False,
        since=vote_on - timedelta(days=364),
    )
    svc.approval_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=short,
        applied_on=timezone.localdate() - timedelta(days=40),
        decision=decision,
    )
    svc.roll_generate(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    assert short.pk not in generated_roll(election)
    verdict = svc.judge_person(election, short)
    assert verdict.rule == el.RESIDENCE_YEAR and "不满1年" in verdict.reason


def test_approval_needs_a_passed_decision_of_this_villages_meeting(cast, clerk_j, register):
    person = register(
        "钱外",
        date(1985, 3, 3),
        relationship="99",
        seq=7,
        status=ResidenceStatus.NON_HUKOU_HERE,
        hukou_here=False,
        since=date(2020, 1, 1),
    )
    applied = timezone.localdate() - timedelta(days=90)
    bad = [
        (make_decision(cast.village_a, cast.clerk_a, kind=MeetingKind.JOINT), "村民代表会议作出"),
        (make_decision(cast.village_a, cast.clerk_a, passed=False), "未获通过"),
        (make_decision(cast.village_b, cast.clerk_a), "不是本村"),
    ]
    for decision, words in bad:
        with pytest.raises(ValidationError) as exc:
            svc.approval_record(
                actor=cast.clerk_a,
                jurisdiction=clerk_j,
                person=person,
                applied_on=applied,
                decision=decision,
            )
        assert words in str(exc.value)
    assert not NonHukouApproval.objects.within(clerk_j).exists()
    ok = make_decision(cast.village_a, cast.clerk_a, kind=MeetingKind.REPRESENTATIVES)
    approval = svc.approval_record(
        actor=cast.clerk_a, jurisdiction=clerk_j, person=person, applied_on=applied, decision=ok
    )
    assert approval.approved_on is not None


def test_one_village_only(cast, clerk_j, register, make_election, vote_on):
    election = make_election(vote_on)
    person = register("孙迁", date(1970, 1, 1), relationship="10", seq=8)
    other = make_election(vote_on + timedelta(days=30), region=cast.village_b)
    VoterRollEntry.objects.create(
        election=other, person=person, id_number_bidx=person.id_number_bidx, category="a"
    )
    svc.roll_generate(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    entry = VoterRollEntry.objects.get(election=election, person=person)
    assert (
        entry.removed
        and entry.removed_rule == el.ONE_VILLAGE
        and "第十三条" in entry.removed_reason
    )
    with pytest.raises(ValidationError) as exc:
        svc.roll_entry_add(
            actor=cast.clerk_a, jurisdiction=clerk_j, election=election, person=person, reason="补"
        )
    assert "另一村" in str(exc.value)
    # Outside the round (more than ROLL_OVERLAP_DAYS apart) the other roll does not count.
    other.vote_on = vote_on + timedelta(days=181)
    other.save()
    svc.roll_generate(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    entry.refresh_from_db()
    assert not entry.removed


def test_opt_in_and_manual_changes(cast, clerk_j, register, make_election, vote_on):
    election = make_election(vote_on)
    away = register(
        "周外出", date(1990, 6, 1), relationship="20", seq=9, status=ResidenceStatus.AWAY_FOR_WORK
    )
    home = register("吴在家", date(1960, 6, 1), seq=10)
    svc.roll_generate(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    assert generated_roll(election) == {home.pk: "a"}
    assert svc.judge_person(election, away).rule == el.NOT_OPTED_IN
    svc.optin_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        election=election,
        person=away,
        opted_in_on=timezone.localdate(),
    )
    assert generated_roll(election) == {home.pk: "a", away.pk: "b"}
    entry = VoterRollEntry.objects.get(election=election, person=home)
    with pytest.raises(ValidationError):
        svc.roll_entry_remove(actor=cast.clerk_a, jurisdiction=clerk_j, entry=entry, reason=" ")
    svc.roll_entry_remove(actor=cast.clerk_a, jurisdiction=clerk_j, entry=entry, reason="重复登记")
    # A clerk's removal stands through a re-generation.
    svc.roll_generate(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    assert generated_roll(election) == {away.pk: "b"}
    svc.roll_entry_add(
        actor=cast.clerk_a, jurisdiction=clerk_j, election=election, person=home, reason="核实无误"
    )
    entry.refresh_from_db()
    assert not entry.removed and entry.manual and entry.added_reason == "核实无误"
    assert VoterOptIn.objects.filter(election=election).count() == 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"selfgov.roll.removed", "selfgov.roll.added", "selfgov.optin.recorded"} <= actions


def test_deprivation_keeps_a_person_off(cast, clerk_j, register, make_election, vote_on):
    election = make_election(vote_on)
    person = register("郑某", date(1975, 1, 1), relationship="10", seq=11)
    svc.roll_generate(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    svc.deprivation_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=person,
        since=date(2024, 1, 1),
        until=vote_on,
        basis="（2023）吉0182刑初5号",
    )
    entry = VoterRollEntry.objects.get(election=election, person=person)
    assert entry.removed and entry.removed_rule == el.DEPRIVED
    assert svc.judge_person(election, person).rule == el.DEPRIVED


def test_outsider_and_villager_are_refused(cast, make_election, vote_on):
    from cunshe.residents.tests.conftest import jurisdiction_of

    election = make_election(vote_on)
    with pytest.raises(Exception) as exc:
        svc.roll_generate(
            actor=cast.outsider, jurisdiction=jurisdiction_of(cast.outsider), election=election
        )
    assert exc.type.__name__ == "Http404"
    with pytest.raises(Exception) as exc:
        svc.roll_generate(
            actor=cast.township_officer,
            jurisdiction=jurisdiction_of(cast.township_officer),
            election=election,
        )
    assert exc.type.__name__ == "PermissionDenied"
    assert not VoterRollEntry.objects.filter(election=election).exists()
