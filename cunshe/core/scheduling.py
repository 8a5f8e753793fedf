"""Periodic jobs: a registry filled by `@periodic`, and the scheduler pass that enqueues them.

    @periodic(every=timedelta(minutes=5), name="core.notifications.retry")
    @task(queue_name="notifications")
    def retry_failed_sms() -> int: ...

Apps register jobs in their `tasks.py` (imported by `registered_jobs()`). Time is cut into
slots of `every` counted from a fixed epoch; a job is enqueued at most once per slot. The last
slot enqueued is kept in `ScheduledRun`, so a restarted scheduler neither repeats the current
slot nor forgets a missed one (missed slots collapse into one run: these jobs catch up by
nature, running them once per missed slot would only pile up identical work). The row is
locked while a pass decides, so two scheduler processes still enqueue once per slot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks.base import Task

from cunshe.core.models import ScheduledRun

logger = logging.getLogger(__name__)

# Slots are counted from here, so a 5-minute job runs at :00, :05, … whatever the start time.
EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday, so weekly slots start on Mondays (UTC)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    task: Task

    def slot_start(self, now: datetime) -> datetime:
        """The start of the slot `now` lies in."""
        return EPOCH + self.every * ((now - EPOCH) // self.every)


_REGISTRY: dict[str, PeriodicJob] = {}


def periodic(*, every: timedelta, name: str):  # type: ignore[no-untyped-def]
    """Register a django_tasks Task to be enqueued once every `every` by the scheduler."""
    if every < timedelta(seconds=1):
        raise ValueError("a periodic job needs a period of at least one second")
    if name.count(".") < 2:
        raise ValueError(f"periodic job name {name!r} must be namespaced like app.thing.verb")

    def decorator(task_obj: Task) -> Task:
        if not isinstance(task_obj, Task):
            raise TypeError("@periodic goes above @task: it registers a Task, not a function")
        known = _REGISTRY.get(name)
        if known is not None and known.task.module_path != task_obj.module_path:
            raise ValueError(f"periodic job {name!r} is already registered for another task")
        _REGISTRY[name] = PeriodicJob(name=name, every=every, task=task_obj)
        return task_obj

    return decorator


def registered_jobs() -> list[PeriodicJob]:
    """Every registered job, by name, after importing each installed app's tasks module."""
    autodiscover_modules("tasks")
    return sorted(_REGISTRY.values(), key=lambda j: j.name)


def enqueue_if_due(job: PeriodicJob, now: datetime) -> bool:
    """Enqueue `job` when its current slot has not been enqueued yet; True when it was."""
    slot = job.slot_start(now)
    # Created as long overdue, so a new job runs in the first pass that sees it.
    ScheduledRun.objects.get_or_create(job=job.name, defaults={"last_enqueued_at": EPOCH})
    with transaction.atomic():
        run = ScheduledRun.objects.select_for_update().get(job=job.name)
        if run.last_enqueued_at >= slot:
            return False
        # With the database backend the task row is inserted in this same transaction: the
        # enqueue and the bookkeeping commit together or not at all.
        result = job.task.enqueue()
        run.last_enqueued_at = slot
        run.last_task_id = str(result.id)[:64]
        run.save(update_fields=["last_enqueued_at", "last_task_id"])
    logger.info("scheduler: enqueued %s for slot %s", job.name, slot.isoformat())
    return True


def run_due(now: datetime | None = None, jobs: list[PeriodicJob] | None = None) -> list[str]:
    """One scheduler pass: enqueue every due job; returns the names enqueued."""
    now = now or timezone.now()
    enqueued = []
    for job in registered_jobs() if jobs is None else jobs:
        if enqueue_if_due(job, now):
            enqueued.append(job.name)
    return enqueued
