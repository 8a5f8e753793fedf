"""Jobs of the activities part: each day, close the sign-ups left open after their shift —
未到 (no_show) for those who never signed in, 已服务 with no hours for those who signed in but
were never signed out within CHECKOUT_GRACE_DAYS (services/shifts.signups_close_due).
Idempotent and set-based."""

from __future__ import annotations

from datetime import datetime, timedelta

from django_tasks import task

from cunshe.core.scheduling import periodic
from cunshe.volunteering.services.shifts import signups_close_due


def activities_daily(now: datetime | None = None) -> dict[str, int]:
    """The sweep; returns how many sign-ups became no-shows and how many were closed."""
    return signups_close_due(now=now)


@periodic(every=timedelta(hours=6), name="volunteering.activities.daily")
@task()
def activities_daily_task() -> dict[str, int]:
    return activities_daily()
