"""Fixtures of the 四议两公开 and disclosure tests: jurisdictions of the cast, meetings and
decisions made directly (another part builds their services), and a matter taken through its
steps by this part's services.

    make_meeting(kind, village=None, status="closed", title=None)
    make_decision(meeting, passed=True, matter=None)
    walk(matter, upto)   -> the matter after steps 1..upto, each with a fitting record
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment
from cunshe.core.jurisdiction import system_scope
from cunshe.selfgov.models import AgendaItem, Decision, Meeting, MeetingKind, Step
from cunshe.selfgov.services import disclosure as disclosure_services
from cunshe.selfgov.services import matters as matter_services

__all__ = ["aware", "clock", "js", "make_decision", "make_meeting", "new_matter", "walk"]


def jurisdiction_of(user):  # type: ignore[no-untyped-def]
    return RoleAssignment.objects.active().filter(user=user).first().jurisdiction()


@pytest.fixture
def js(cast):  # type: ignore[no-untyped-def]
    """Jurisdictions of the cast by name: js.clerk_a, js.leader_a, js.villager, ..."""
    return SimpleNamespace(**{name: jurisdiction_of(user) for name, user in cast.users.items()})


@pytest.fixture
def make_meeting(cast):  # type: ignore[no-untyped-def]
    counter = {"n": 0}

    def make(kind, village=None, status=Meeting.Status.CLOSED, title=None, at=None):  # type: ignore[no-untyped-def]
        counter["n"] += 1
        village = village or cast.village_a
        at = at or timezone.now() - timedelta(days=30 - counter["n"])
        with system_scope("test set-up"):
            return Meeting.objects.create(
                region=village,
                kind=kind,
                title=title or f"{MeetingKind(kind).label}第{counter['n']}次",
                notice_on=timezone.localdate(at) - timedelta(days=10),
                scheduled_at=at,
                place="村部会议室",
                status=status,
                convened_by=cast.clerk_a,
            )

    return make


@pytest.fixture
def make_decision(cast):  # type: ignore[no-untyped-def]
    def make(meeting, passed=True, matter=None, present=30, title="议题"):  # type: ignore[no-untyped-def]
        votes_for = present // 2 + 1 if passed else present // 2
        with system_scope("test set-up"):
            item = AgendaItem.objects.create(meeting=meeting, title=title, matter=matter)
            return Decision.objects.create(
                agenda_item=item,
                text="同意" if passed else "未通过",
                present=present,
                votes_for=votes_for,
                votes_against=present - votes_for,
                abstentions=0,
                passed=passed,
                recorded_by=cast.clerk_a,
            )

    return make


@pytest.fixture
def new_matter(cast, js):  # type: ignore[no-untyped-def]
    def make(title="村道硬化工程筹资筹劳方案", village=None):  # type: ignore[no-untyped-def]
        return matter_services.matter_create(
            actor=cast.clerk_a,
            jurisdiction=js.clerk_a,
            village=village or cast.village_a,
            title=title,
            category="public_welfare",
            description="硬化二组至三组村道1.2公里。",
        )

    return make


@pytest.fixture
def walk(cast, js, make_meeting, make_decision):  # type: ignore[no-untyped-def]
    """walk(matter, upto): take a matter through steps 1..upto with fitting records."""
    kinds = {1: MeetingKind.BRANCH, 2: MeetingKind.JOINT, 3: MeetingKind.PARTY_MEMBERS}

    def go(matter, upto):  # type: ignore[no-untyped-def]
        for step in range(matter.step + 1, upto + 1):
            if step in kinds:
                matter_services.matter_advance(
                    actor=cast.clerk_a, jurisdiction=js.clerk_a, matter=matter, step=step,
                    meeting=make_meeting(kinds[step]),
                )  # fmt: skip
            elif step == Step.DECIDED:
                meeting = make_meeting(MeetingKind.REPRESENTATIVES)
                matter_services.matter_advance(
                    actor=cast.clerk_a, jurisdiction=js.clerk_a, matter=matter, step=step,
                    decision=make_decision(meeting, matter=matter),
                )  # fmt: skip
            else:
                disclosure_services.disclosure_publish(
                    actor=cast.clerk_a, jurisdiction=js.clerk_a, village=cast.village_a,
                    category="major",
                    title="决议公开" if step == Step.DECISION_PUBLISHED else "实施结果公开",
                    body="经村民代表会议表决通过。", matter=matter,
                )  # fmt: skip
            matter.refresh_from_db()
        return matter

    return go


def aware(y: int, m: int, d: int, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime(y, m, d, hour))


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """clock.move_to(aware_datetime): timezone.now() (and so localdate) answers that time."""

    real = timezone.now

    class Clock:
        def move_to(self, when: datetime) -> None:
            monkeypatch.setattr(timezone, "now", lambda: when)

        def reset(self) -> None:
            # Role assignments start today (really): lookups of who holds a role need it.
            monkeypatch.setattr(timezone, "now", real)

    return Clock()
