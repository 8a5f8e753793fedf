"""Jobs of 村务公开: each day, make the current period's general and finance dues of every
village, then tell the townships (once per due) of disclosures past their date."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import task

from cunshe.core.scheduling import periodic
from cunshe.selfgov.services.disclosure import dues_generate, overdue_alert


def disclosure_daily(now: datetime | None = None) -> dict[str, int]:
    """Generate the period's dues, then alert overdue ones; returns both counts."""
    now = now or timezone.now()
    made = dues_generate(today=timezone.localdate(now))
    alerted = overdue_alert(now=now)
    return {"dues_made": made, "dues_alerted": alerted}


@periodic(every=timedelta(days=1), name="selfgov.disclosure.daily")
@task()
def disclosure_daily_task() -> dict[str, int]:
    return disclosure_daily()
