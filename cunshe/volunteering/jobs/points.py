"""Jobs of the points part: each day, turn newly approved volunteer hours into declarations
awaiting the 两委, then credit every declaration whose public posting has ended with no open
objection (idempotent: a credited declaration has its entry and is skipped)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django_tasks import task

from cunshe.core.scheduling import periodic
from cunshe.volunteering.services.declarations import credit_due, hours_declare_due


def points_daily(today: date | None = None) -> dict[str, int]:
    """Hours → declarations, then crediting; returns both counts."""
    made = hours_declare_due()
    credited = credit_due(today=today or timezone.localdate())
    return {"declarations_from_hours": made, "credited": credited}


@periodic(every=timedelta(hours=6), name="volunteering.points.daily")
@task()
def points_daily_task() -> dict[str, int]:
    return points_daily()
