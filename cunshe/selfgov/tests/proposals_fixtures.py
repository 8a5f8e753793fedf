"""Fixtures for proposals and village rules.

`crowd` — the meetings part's `hamlet` (11 adults living in village A, 6 representatives once
`bodies` is used) plus 9 more adults in a new household: 20 adults, so 1/10 is exactly 2.
The cast's villager account carries the phone of the first of the nine (`crowd.me`).
`passed_decision(kind=..., passed=True)` — a decision at a meeting of village A, made through
the meetings services (convened, opened, everyone signed in, decided, closed)."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from cunshe.residents import services as register_services
from cunshe.selfgov.models import MeetingKind
from cunshe.selfgov.services import meetings as meeting_services
from cunshe.selfgov.tests.meetings_fixtures import *  # noqa: F403

TZ = ZoneInfo("Asia/Shanghai")
PHONE = "13900001111"


@pytest.fixture
def crowd(cast, clerk_j, hamlet, register):  # type: ignore[no-untyped-def]
    hh = register_services.household_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a, number="P-001"
    )
    extra = []
    for i in range(9):
        extra.append(
            register(f"郑{'一二三四五六七八九'[i]}", date(1980, 5, i + 1), "M" if i % 2 else "F",
                     "02" if i == 0 else "20", seq=200 + i, household=hh,
                     **({"phone": PHONE} if i == 0 else {}))
        )  # fmt: skip
    cast.villager.phone = PHONE
    cast.villager.save()
    return SimpleNamespace(hamlet=hamlet, extra=extra, me=extra[0], household=hh)


@pytest.fixture
def passed_decision(cast, clerk_j, hamlet, bodies):  # type: ignore[no-untyped-def]
    """passed_decision(kind="villagers", passed=True, title=...) → Decision in village A."""

    def make(kind=MeetingKind.VILLAGERS, passed=True, title="修订村规民约"):  # type: ignore[no-untyped-def]
        now = datetime.now(TZ)
        fields = {}
        people = [*hamlet.heads, *hamlet.wives[:5]]
        if kind == MeetingKind.REPRESENTATIVES:
            fields["body"] = bodies.assembly
            people = hamlet.heads
        meeting = meeting_services.meeting_convene(
            actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a, kind=kind,
            title="村民会议" if kind == MeetingKind.VILLAGERS else "村民代表会议",
            notice_on=now.date(), scheduled_at=now, place="村委会", agenda=[title], **fields,
        )  # fmt: skip
        meeting_services.meeting_open(actor=cast.clerk_a, jurisdiction=clerk_j, meeting=meeting)
        for p in people:
            meeting_services.attendee_sign_in(
                actor=cast.clerk_a, jurisdiction=clerk_j, meeting=meeting, person=p
            )
        item = meeting.agenda.first()
        n = len(people)
        yes = n if passed else 1
        return meeting_services.decision_record(
            actor=cast.clerk_a, jurisdiction=clerk_j, item=item, text=title,
            votes_for=yes, votes_against=n - yes, abstentions=0,
        )  # fmt: skip

    return make
