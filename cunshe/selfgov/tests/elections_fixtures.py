"""Fixtures for the elections tests: a random village population written in bulk, a passed
decision of a 村民会议 (for category-c approvals), an election, and the reference computation
of the roll (a plain loop over persons, written apart from the generator's rules)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from cunshe.residents import bulk, idcard
from cunshe.residents.codes import ResidenceStatus
from cunshe.residents.models import Household, Person
from cunshe.selfgov.models.elections import (
    Election,
    NonHukouApproval,
    RightsDeprivation,
    VoterOptIn,
    VoterRollEntry,
)
from cunshe.selfgov.models.meetings import AgendaItem, Decision, Meeting, MeetingKind

STATUSES = [
    ResidenceStatus.HERE,
    ResidenceStatus.HERE,
    ResidenceStatus.HERE,
    ResidenceStatus.AWAY_FOR_WORK,
    ResidenceStatus.AWAY_OTHER,
    ResidenceStatus.NON_HUKOU_HERE,
    ResidenceStatus.MOVED_OUT,
    ResidenceStatus.DECEASED,
]


def make_decision(region, actor, *, passed=True, kind=MeetingKind.VILLAGERS, on=None):  # type: ignore[no-untyped-def]
    """A meeting of `kind` in `region` on `on` with one agenda item and its decision."""
    on = on or timezone.localdate() - timedelta(days=30)
    meeting = Meeting._base_manager.create(
        region=region,
        kind=kind,
        title="村民会议",
        notice_on=on - timedelta(days=10),
        scheduled_at=timezone.make_aware(datetime.combine(on, time(9, 0))),
        place="村部",
        status=Meeting.Status.CLOSED,
        convened_by=actor,
    )
    item = AgendaItem.objects.create(meeting=meeting, title="同意非户籍居民参加选举")
    return Decision.objects.create(
        agenda_item=item,
        text="同意",
        present=50,
        votes_for=40 if passed else 10,
        votes_against=5,
        abstentions=0,
        passed=passed,
        recorded_by=actor,
    )


class _Ids:
    """Unique ID numbers for bulk rows (region6, birth date, sequence)."""

    def __init__(self) -> None:
        self.used: dict[tuple[str, date], int] = {}

    def make(self, region6: str, born: date, sex: str) -> str:
        """500 numbers per region code and birth date; then the next county code of 22xx."""
        n = self.used.get((region6, born), 0)
        self.used[(region6, born)] = n + 1
        block, seq = divmod(n, 500)
        if block:
            region6 = f"22{block // 90 + 1:02d}{block % 90 + 10:02d}"
        return idcard.make(region6, born, seq, sex)


_IDS = _Ids()


def bulk_village(region, n: int, *, seed: int, vote_on: date, region6: str = "220182") -> list[int]:  # type: ignore[no-untyped-def]
    """`n` persons in households of 1–5 in `region`, with ages clustered around 18 on the vote
    day, residence starts around one year before it, and every status and hukou mix."""
    rng = random.Random(seed)
    persons: list[dict] = []
    sizes: list[int] = []
    left = n
    while left > 0:
        size = min(left, rng.randint(1, 5))
        sizes.append(size)
        left -= size
    hh_ids = bulk.insert(
        Household,
        [
            {
                "region_id": region.pk,
                "region_code": region.code,
                "number": f"R{seed}-{i:05d}",
                "hukou_here": True,
            }
            for i in range(len(sizes))
        ],
    )
    for hh_id, size in zip(hh_ids, sizes, strict=True):
        for k in range(size):
            if rng.random() < 0.35:  # near the age edge
                born = vote_on.replace(year=vote_on.year - 18) + timedelta(days=rng.randint(-3, 3))
            else:
                born = date(1940, 1, 1) + timedelta(days=rng.randint(0, 30000))
            if rng.random() < 0.02:
                born = date(2008, 2, 29)
            status = rng.choice(STATUSES)
            hukou_here = status != ResidenceStatus.NON_HUKOU_HERE and rng.random() < 0.9
            if rng.random() < 0.4:
                since = vote_on.replace(year=vote_on.year - 1) + timedelta(days=rng.randint(-3, 3))
            else:
                since = born + timedelta(days=rng.randint(0, 20000))
            living = status in (ResidenceStatus.HERE, ResidenceStatus.NON_HUKOU_HERE)
            sex = rng.choice("MF")
            persons.append(
                {
                    "household_id": hh_id,
                    "region_id": region.pk,
                    "region_code": region.code,
                    "relationship": "02" if k == 0 else rng.choice(["10", "20", "30", "51"]),
                    "name": f"村民{seed}{len(persons)}",
                    "id_number": _IDS.make(region6, born, sex),
                    "sex": sex,
                    "birth_date": born,
                    "hukou_here": hukou_here,
                    "residence_status": status
                    if not (k == 0 and status in ("moved_out", "deceased"))
                    else "here",
                    "status_since": since,
                    "living_here_since": since if living else None,
                }
            )
    return bulk.insert(Person, persons)


def sprinkle(election, actor, person_ids: list[int], *, seed: int) -> None:  # type: ignore[no-untyped-def]
    """Opt-ins, approvals (some without a decision, some with a failed one) and deprivations on
    a random share of the persons."""
    rng = random.Random(seed)
    region = election.region
    good = make_decision(region, actor)
    failed = make_decision(region, actor, passed=False)
    wrong_kind = make_decision(region, actor, kind=MeetingKind.JOINT)
    for pid in person_ids:
        r = rng.random()
        if r < 0.15:
            VoterOptIn.objects.create(
                election=election,
                person_id=pid,
                opted_in_on=timezone.localdate(),
                recorded_by=actor,
            )
        elif r < 0.35:
            decision = rng.choice([good, good, good, failed, wrong_kind, None])
            NonHukouApproval._base_manager.create(
                region=region,
                person_id=pid,
                applied_on=timezone.localdate() - timedelta(days=60),
                decision=decision,
                approved_on=None if decision is None else timezone.localdate() - timedelta(days=30),
                recorded_by=actor,
            )
        elif r < 0.38:
            until = rng.choice([None, election.vote_on - timedelta(days=1), election.vote_on])
            RightsDeprivation._base_manager.create(
                region=region,
                person_id=pid,
                since=election.vote_on - timedelta(days=400),
                until=until,
                basis="（2024）吉0182刑初1号",
                recorded_by=actor,
            )


@dataclass
class Reference:
    """The roll by hand: {person_id: category}."""

    roll: dict[int, str]


def reference_roll(election: Election) -> dict[int, str]:
    """The straightforward computation: every person of the village, one at a time."""
    vote_on = election.vote_on
    opt_ins = set(VoterOptIn.objects.filter(election=election).values_list("person_id", flat=True))
    approved = set()
    for a in NonHukouApproval._base_manager.filter(region_code=election.region_code):
        d = a.decision
        if d is None or not d.passed or a.approved_on is None or a.approved_on > vote_on:
            continue
        meeting = d.agenda_item.meeting
        if (
            meeting.kind in ("villagers", "representatives")
            and meeting.region_code == election.region_code
        ):
            approved.add(a.person_id)
    deprived = set()
    for d in RightsDeprivation._base_manager.all():
        if d.since <= vote_on and (d.until is None or d.until >= vote_on):
            deprived.add(d.person_id)
    window = 180
    elsewhere = set()
    for entry in VoterRollEntry.objects.filter(removed=False).select_related("election"):
        other = entry.election
        if other.region_code != election.region_code and other.status != "cancelled":
            if abs((other.vote_on - vote_on).days) <= window:
                elsewhere.add(entry.id_number_bidx)
    roll: dict[int, str] = {}
    for p in Person._base_manager.filter(region_code__startswith=election.region_code):
        if p.residence_status in ("moved_out", "deceased"):
            continue
        if p.age_on(vote_on) < 18:
            continue
        if p.pk in deprived or p.id_number_bidx in elsewhere:
            continue
        here = p.residence_status in ("here", "non_hukou")
        if p.hukou_here and here:
            roll[p.pk] = "a"
        elif p.hukou_here and p.pk in opt_ins:
            roll[p.pk] = "b"
        elif not p.hukou_here and here and p.living_here_since is not None:
            s = p.living_here_since
            years = vote_on.year - s.year - ((vote_on.month, vote_on.day) < (s.month, s.day))
            if years >= 1 and p.pk in approved:
                roll[p.pk] = "c"
    return roll


def generated_roll(election: Election) -> dict[int, str]:
    return dict(
        VoterRollEntry.objects.filter(election=election, removed=False).values_list(
            "person_id", "category"
        )
    )


@pytest.fixture
def vote_on():  # type: ignore[no-untyped-def]
    return timezone.localdate() + timedelta(days=40)


@pytest.fixture
def make_election(cast):  # type: ignore[no-untyped-def]
    def make(vote_on: date, region=None, title="第十二届村民委员会换届选举"):  # type: ignore[no-untyped-def]
        return Election._base_manager.create(
            region=region or cast.village_a, title=title, vote_on=vote_on, created_by=cast.clerk_a
        )

    return make
