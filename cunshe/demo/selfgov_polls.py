"""Polls demo: in 闵家村 (220182102200) a closed secret poll with its results (votes at the
hall and by proxy, then its closing time moved into the past and closed through the service) and
an open poll the demo villager can vote in. Idempotent: a village that has a poll is skipped."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment
from cunshe.accounts.roles import Role
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Region
from cunshe.residents.models import Person
from cunshe.selfgov.models import Poll, PollParticipation
from cunshe.selfgov.selectors import polls as sel
from cunshe.selfgov.services import polls as svc

VILLAGE = "220182102200"
SYSTEM = Jurisdiction.system("demo_seed: polls demo (backdating a closing time)")
CLOSED_VOTES = 40


def seed_polls(*, seed: int = 1) -> dict[str, int]:
    counts = {"selfgov_polls": 0, "selfgov_poll_votes": 0}
    if Poll.objects.within(SYSTEM).filter(region_code__startswith=VILLAGE).exists():
        return counts
    ra = (
        RoleAssignment.objects.active()
        .filter(user__is_active=True, region_code=VILLAGE, role=Role.VILLAGE_CLERK)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    region = Region.objects.filter(code=VILLAGE).first()
    if ra is None or region is None:
        return counts
    clerk, j = ra.user, ra.jurisdiction()
    rng = random.Random(f"{seed}:polls")  # noqa: S311 - demo data
    now = timezone.now()

    def make(question: str, options: list[str], days: int, **kw: Any) -> Poll:
        poll = svc.poll_create(
            actor=clerk,
            jurisdiction=j,
            region=region,
            question=question,
            options=options,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=days),
            **kw,
        )
        counts["selfgov_polls"] += 1
        return svc.poll_open(actor=clerk, jurisdiction=j, poll=poll)

    closed = make(
        "村文化广场夜间照明改造方案征求意见",
        ["方案一：太阳能路灯", "方案二：市电路灯", "暂不改造"],
        7,
        description="改造费用由村集体收益支出，约4.2万元。",
    )
    options = sel.options_of(closed)
    voter_ids = list(closed.voters.values_list("person_id", flat=True))
    rng.shuffle(voter_ids)
    people = {
        p.pk: p for p in Person.objects.within(SYSTEM).filter(pk__in=voter_ids[:CLOSED_VOTES])
    }
    for pid in voter_ids[:CLOSED_VOTES]:
        option = options[rng.choices([0, 1, 2], weights=[6, 3, 1])[0]]
        svc.vote_cast(
            actor=clerk,
            jurisdiction=j,
            poll=closed,
            option=option,
            person=people[pid],
            origin=PollParticipation.Origin.HALL,
        )
        counts["selfgov_poll_votes"] += 1
    Poll._base_manager.filter(pk=closed.pk).update(
        opens_at=now - timedelta(days=10), closes_at=now - timedelta(days=3)
    )
    closed.refresh_from_db()
    svc.poll_close(actor=clerk, jurisdiction=j, poll=closed)
    open_poll = make(
        "是否同意每户每年出工两天维护村内道路？", ["同意", "不同意"], 10, per_household=True
    )
    # A few households have voted at the hall already; the demo villager's has not.
    mine = Person.objects.within(SYSTEM).filter(~Q(account=None), region_code__startswith=VILLAGE)
    skip = set(mine.values_list("household_id", flat=True))
    done: set[int] = set()
    for v in open_poll.voters.select_related("person").order_by("person_id")[:60]:
        if v.household_id in skip or v.household_id in done or len(done) >= 8:
            continue
        svc.vote_cast(
            actor=clerk,
            jurisdiction=j,
            poll=open_poll,
            option=sel.options_of(open_poll)[0],
            person=v.person,
            origin=PollParticipation.Origin.HALL,
        )
        done.add(v.household_id)
        counts["selfgov_poll_votes"] += 1
    return counts
