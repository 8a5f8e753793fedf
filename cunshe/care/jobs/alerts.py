"""Care jobs: the alert ladder, every minute.

Each run moves every open, unacknowledged alert whose rung's time is up to the next rung
(`cunshe.care.services.alerts.ladder_climb`). Two workers running it at once tell each rung once
(conditional UPDATE … WHERE step = old step). After the last rung an alert stays open and shows
as overdue on the boards; it does not climb further.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django_tasks import task

from cunshe.care.services.alerts import ladder_climb
from cunshe.core.jurisdiction import system_scope
from cunshe.core.scheduling import periodic

logger = logging.getLogger(__name__)


def climb(now: datetime | None = None) -> int:
    """One pass of the ladder; returns how many rungs were told."""
    with system_scope("care.alerts.climb"):
        told = ladder_climb(now)
    if told:
        logger.info("care alert ladder: %s rungs told", told)
    return told


@periodic(every=timedelta(minutes=1), name="care.alerts.climb")
@task()
def climb_alert_ladders() -> int:
    """The every-minute job (see `climb`)."""
    return climb()
