"""Care jobs: the missed daily check-in sweep, every 5 minutes.

Every active terminal whose check-in window for today (its own, or rules CHECKIN_WINDOW; local
time) has closed with no check-in inside it gets one MISSED_CHECKIN alert for today, and the
alert's first rung is told at once. Set-based: one query per distinct window finds the
terminals (NOT EXISTS a check-in event in the window, NOT EXISTS today's alert), alerts are
inserted in batches (ON CONFLICT DO NOTHING on the once-per-day constraint) and their first
rung told in bulk. Running it twice, or in two workers, raises each alert once.

Terminals whose wearer's profile is closed still count: the device is registered and active,
so someone wants it watched. A terminal registered after its window opened today is not held
to that window. Windows are within one day (start before end); a missed day is not swept
afterwards (the sweep looks at today only).
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_tasks import task

from cunshe.care.models import Alert, Terminal, TerminalEvent
from cunshe.care.rules import rule
from cunshe.care.services.alerts import alerts_raise_missed
from cunshe.core.jurisdiction import system_scope
from cunshe.core.scheduling import periodic

logger = logging.getLogger(__name__)


def _parse(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def default_window() -> tuple[time, time]:
    start, end = rule("CHECKIN_WINDOW")
    return _parse(start), _parse(end)


def missed_rows(now: datetime) -> tuple[list[tuple[int, int, int, str]], dict[int, datetime]]:
    """(terminal, person, region id, region code) of every terminal that missed today's window,
    and each one's window end (when its alert is dated)."""
    today = timezone.localdate(now)
    default_start, default_end = default_window()
    active = Terminal.objects.filter(active=True)
    windows = set(active.values_list("checkin_start", "checkin_end").distinct())
    rows: list[tuple[int, int, int, str]] = []
    ends: dict[int, datetime] = {}
    for own_start, own_end in sorted(windows, key=lambda w: (str(w[0]), str(w[1]))):
        start = timezone.make_aware(datetime.combine(today, own_start or default_start))
        end = timezone.make_aware(datetime.combine(today, own_end or default_end))
        if end > now or start >= end:
            continue
        window = Q(checkin_start=own_start) if own_start else Q(checkin_start__isnull=True)
        window &= Q(checkin_end=own_end) if own_end else Q(checkin_end__isnull=True)
        checked_in = TerminalEvent.objects.filter(
            terminal=OuterRef("pk"),
            kind=TerminalEvent.Kind.CHECKIN,
            occurred_at__gte=start,
            occurred_at__lte=end,
        )
        alerted = Alert.objects.filter(
            terminal=OuterRef("pk"), kind=Alert.Kind.MISSED_CHECKIN, for_date=today
        )
        found = list(
            active.filter(window, created_at__lte=start)
            .exclude(Exists(checked_in))
            .exclude(Exists(alerted))
            .order_by("pk")
            .values_list("pk", "person_id", "region_id", "region_code")
        )
        rows.extend(found)
        for row in found:
            ends[row[0]] = end
    return rows, ends


def sweep(now: datetime | None = None) -> int:
    """Raise today's missed check-in alerts; returns how many were raised."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    raised = 0
    with system_scope("care.checkins.sweep"):
        rows, ends = missed_rows(now)
        by_end: dict[datetime, list[tuple[int, int, int, str]]] = {}
        for row in rows:
            by_end.setdefault(ends[row[0]], []).append(row)
        for end, group in sorted(by_end.items()):
            raised += alerts_raise_missed(group, for_date=today, opened_at=end, now=now)
    if raised:
        logger.info("missed check-in sweep: %s alerts raised", raised)
    return raised


@periodic(every=timedelta(minutes=5), name="care.checkins.sweep")
@task()
def sweep_missed_checkins() -> int:
    """The 5-minute job (see `sweep`)."""
    return sweep()
