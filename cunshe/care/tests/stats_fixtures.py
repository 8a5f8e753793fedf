"""A known data set for the statistics tests (`stats_data`), written directly as rows: profiles,
visits, alerts and profile events in villages A and B at fixed times around NOW (2026-03-15
12:00 Beijing). The expected figures are worked out by hand in test_stats_figures.py."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from cunshe.care.models import Alert, CareProfile, ProfileEvent, Visit
from cunshe.core.jurisdiction import system_scope

__all__ = ["stats_data"]

START, END = date(2026, 1, 1), date(2026, 3, 31)


def at(y: int, m: int, d: int, hh: int = 12, mm: int = 0, ss: int = 0) -> datetime:
    return timezone.make_aware(datetime(y, m, d, hh, mm, ss))


NOW = at(2026, 3, 15, 12)
# SOS acknowledgement times in seconds, by village; and the whole township's.
SOS_A = [30, 60, 90, 120, 600]
SOS_B = [45, 300]


@pytest.fixture
def stats_data(cast, register):  # type: ignore[no-untyped-def]
    people = iter(
        register(f"测试{i:02d}", date(1950, 1, 1), "M", "20", seq=100 + i) for i in range(40)
    )
    a, b = cast.village_a, cast.village_b
    made: dict[str, Any] = {}

    def profile(key: str, region: Any, kind: str, risk: str = "general", **kw: Any) -> CareProfile:
        status = kw.pop("status", CareProfile.Status.ACTIVE)
        last = kw.pop("last_visit", None)
        with system_scope("test set-up"):
            p = CareProfile(
                person=next(people), region=region, kind=kind, status=status, risk_level=risk,
                identified_on=date(2026, 1, 5), last_visit_at=last, **kw,
            )  # fmt: skip
            p.save()
            if last is not None:
                v = Visit(
                    profile=p, region=region, visited_at=last, mode="home", carer_name="x",
                    recorded_by=cast.clerk_a,
                )  # fmt: skip
                v.save()
        made[key] = p
        return p

    def alert(region: Any, kind: str, opened: datetime, ack: float | None = None, **kw: Any):  # type: ignore[no-untyped-def]
        status = kw.pop("status", Alert.Status.ACKNOWLEDGED if ack is not None else "open")
        person_profile = made["a_child_high_1"] if region == a else made["b_child_1"]
        with system_scope("test set-up"):
            row = Alert(
                person=person_profile.person, profile=person_profile, region=region, kind=kind,
                opened_at=opened, status=status,
                acknowledged_at=opened + timedelta(seconds=ack) if ack is not None else None,
                **kw,
            )  # fmt: skip
            row.save()
        return row

    # Village A: children 2 high + 1 general (3: a small cell), elderly 2 priority + 1 general,
    # a woman (general); candidates: one elderly, one child.
    profile("a_child_high_1", a, "child", "high", last_visit=NOW - timedelta(days=3))
    profile("a_child_high_2", a, "child", "high", last_visit=NOW - timedelta(days=10))
    profile("a_child_general", a, "child", "general", last_visit=NOW - timedelta(days=80))
    profile("a_elder_pri_1", a, "elderly", "priority", last_visit=NOW - timedelta(days=20))
    profile("a_elder_pri_2", a, "elderly", "priority", next_visit_due=NOW - timedelta(days=1))
    profile("a_elder_general", a, "elderly", "general", last_visit=NOW - timedelta(days=91))
    # Exactly 90 local days before today (at 08:00): still covered.
    profile("a_woman", a, "woman", "general", last_visit=at(2025, 12, 15, 8))
    profile("a_cand_elder", a, "elderly", status=CareProfile.Status.CANDIDATE)
    profile("a_cand_child", a, "child", status=CareProfile.Status.CANDIDATE)
    # Not counted: dismissed and closed profiles.
    profile("a_dismissed", a, "elderly", status=CareProfile.Status.DISMISSED)
    profile("a_closed", a, "child", status=CareProfile.Status.CLOSED)
    # Village B: six children (1 high, 5 general), all visited yesterday; two elderly never.
    profile("b_child_1", b, "child", "high", last_visit=NOW - timedelta(days=1))
    for i in range(2, 7):
        profile(f"b_child_{i}", b, "child", "general", last_visit=NOW - timedelta(days=1))
    profile("b_elder_1", b, "elderly", "general")
    profile("b_elder_2", b, "elderly", "general")

    # SOS alerts in the period, acknowledged after the given seconds, then closed.
    for opened, secs in zip(
        [at(2026, 1, 10), at(2026, 1, 20), at(2026, 2, 5), at(2026, 2, 25), at(2026, 3, 1)],
        SOS_A,
        strict=True,
    ):
        alert(a, "sos", opened, secs, status="closed", closed_at=opened + timedelta(hours=1))
    for opened, secs in zip([at(2026, 3, 2), at(2026, 3, 3)], SOS_B, strict=True):
        alert(b, "sos", opened, secs, status="closed", closed_at=opened + timedelta(hours=1))
    old = at(2025, 12, 20)  # before the period: not counted
    alert(a, "sos", old, 5000, status="closed", closed_at=old + timedelta(hours=2))
    alert(a, "sos", NOW - timedelta(minutes=30))  # open, not acknowledged: age < 1 h
    alert(a, "fall", NOW - timedelta(days=2), 120)  # acknowledged, not closed: 1–7 days
    alert(
        a, "missed_checkin", at(2026, 2, 10), 60, status=Alert.Status.CLOSED,
        closed_at=at(2026, 2, 10, 14),
    )  # fmt: skip
    alert(b, "device_removed", NOW - timedelta(days=10))  # open: older than 7 days

    # Profile events: confirmed twice in January, re-included in February, closed in March; a
    # dismissal (not counted) and a confirmation in village C (outside).
    with system_scope("test set-up"):
        for key, kind, when in (
            ("a_child_high_1", ProfileEvent.Kind.CONFIRMED, at(2026, 1, 5)),
            ("b_child_1", ProfileEvent.Kind.CONFIRMED, at(2026, 1, 6)),
            ("a_woman", ProfileEvent.Kind.REOPENED, at(2026, 2, 1)),
            ("a_closed", ProfileEvent.Kind.CLOSED, at(2026, 3, 3)),
            ("a_dismissed", ProfileEvent.Kind.DISMISSED, at(2026, 2, 3)),
        ):
            ProfileEvent.objects.create(profile=made[key], kind=kind, at=when)
    return SimpleNamespace(**made)
