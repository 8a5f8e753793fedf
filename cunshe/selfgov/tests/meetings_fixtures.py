"""Fixtures for bodies and meetings: a small village built through the register's services.

`hamlet` — village A (闵家村) with six households; households 1–4 are in 一组 (220182102200001),
5–6 on the village itself. Each has a head (man) and his wife, both adults living here, and a
child of 10. Household 6's wife is away for work (not counted). So the village has 11 adults
living here and 6 households; 一组 has 8 adults and 4 households.

`bodies` — a committee (3 members: heads 1, 2 and wife 3), a party branch (heads 4, 5) and an
assembly (6 representatives: heads 1–6) in village A.
"""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from cunshe.residents import services as register_services
from cunshe.residents.codes import EventKind
from cunshe.residents.tests.conftest import clerk_j, household_a, register  # noqa: F401
from cunshe.selfgov.models import BodyKind, Position
from cunshe.selfgov.services import bodies as body_services
from cunshe.selfgov.services import meetings as meeting_services

SURNAMES = ["赵", "钱", "孙", "李", "周", "吴"]
GROUP_CODE = "220182102200001"
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def hamlet(cast, clerk_j, register):  # type: ignore[no-untyped-def]  # noqa: F811
    group = cast.regions[GROUP_CODE]
    heads, wives, children, households = [], [], [], []
    for i, surname in enumerate(SURNAMES, start=1):
        hh = register_services.household_create(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            region=group if i <= 4 else cast.village_a,
            number=f"M-{i:03d}",
        )
        households.append(hh)
        heads.append(
            register(f"{surname}大{i}", date(1970, 1, i), "M", "02", seq=i * 3, household=hh)
        )
        wives.append(
            register(f"王{surname}{i}", date(1972, 2, i), "F", "12", seq=i * 3 + 1, household=hh)
        )
        children.append(
            register(f"{surname}小{i}", date(2016, 3, i), "M", "20", seq=i * 3 + 2, household=hh)
        )
    register_services.event_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=wives[5],
        kind=EventKind.LEAVE_FOR_WORK,
        occurred_on=date(2025, 3, 1),
        destination="长春市",
    )
    wives[5].refresh_from_db()
    return SimpleNamespace(
        heads=heads, wives=wives, children=children, households=households, group=group
    )


@pytest.fixture
def bodies(cast, clerk_j, hamlet):  # type: ignore[no-untyped-def]  # noqa: F811
    def make(kind, name, members, position=Position.MEMBER):  # type: ignore[no-untyped-def]
        body = body_services.body_create(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            region=cast.village_a,
            kind=kind,
            name=name,
            term_start=date(2021, 6, 1),
        )
        for p in members:
            body_services.membership_add(
                actor=cast.clerk_a, jurisdiction=clerk_j, body=body, person=p,
                position=position, start=date(2021, 6, 1),
            )  # fmt: skip
        return body

    h, w = hamlet.heads, hamlet.wives
    return SimpleNamespace(
        committee=make(BodyKind.COMMITTEE, "闵家村村民委员会", [h[0], h[1], w[2]]),
        branch=make(BodyKind.PARTY_BRANCH, "闵家村党支部", [h[3], h[4]]),
        assembly=make(BodyKind.ASSEMBLY, "闵家村村民代表会议", h, Position.REPRESENTATIVE),
    )


def at(y: int, m: int, d: int, hh: int = 9) -> datetime:
    return datetime(y, m, d, hh, 0, tzinfo=TZ)


@pytest.fixture
def convene(cast, clerk_j):  # type: ignore[no-untyped-def]  # noqa: F811
    """convene(kind=..., region=village A, body=None, agenda=[...], **fields) → Meeting."""

    def make(kind="villagers", region=None, **fields):  # type: ignore[no-untyped-def]
        fields.setdefault("title", "2026年第四次村民会议")
        fields.setdefault("notice_on", date(2026, 11, 1))
        fields.setdefault("scheduled_at", at(2026, 11, 20))
        fields.setdefault("place", "村委会会议室")
        fields.setdefault("agenda", ["修建村东水渠", "2026年村集体收益分配"])
        return meeting_services.meeting_convene(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            region=region or cast.village_a,
            kind=kind,
            **fields,
        )

    return make
