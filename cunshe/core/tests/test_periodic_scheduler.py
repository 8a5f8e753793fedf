"""Periodic jobs: registered with @periodic, enqueued once per slot by `manage.py scheduler`,
state kept in ScheduledRun so restarts neither repeat nor skip, safe with two schedulers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tasks import task

from cunshe.core.models import ScheduledRun
from cunshe.core.scheduling import PeriodicJob, enqueue_if_due, periodic, registered_jobs, run_due
from cunshe.core.tests.conftest import requires_postgres

CALLS: list[str] = []
DB_BACKEND = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "notifications", "imports"],
    }
}


@task()
def tick() -> str:
    CALLS.append("tick")
    return "tick"


TICK = PeriodicJob(name="test.tick.run", every=timedelta(minutes=5), task=tick)
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # on a 5-minute slot boundary


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


def test_sms_retry_job_is_registered():
    jobs = {j.name: j for j in registered_jobs()}
    job = jobs["core.notifications.retry"]
    assert job.every == timedelta(minutes=5)
    assert job.task.queue_name == "notifications"


def test_periodic_goes_on_a_task_not_a_bare_function():
    with pytest.raises(TypeError):
        periodic(every=timedelta(minutes=1), name="test.bare.function")(lambda: None)
    with pytest.raises(ValueError):
        periodic(every=timedelta(minutes=1), name="unnamespaced")
    with pytest.raises(ValueError):
        periodic(every=timedelta(minutes=5), name="core.notifications.retry")(tick)


@pytest.mark.django_db
def test_one_enqueue_per_slot_and_missed_slots_collapse_into_one():
    assert enqueue_if_due(TICK, T0) is True  # new job: due at once
    assert enqueue_if_due(TICK, T0 + timedelta(minutes=4, seconds=59)) is False
    assert enqueue_if_due(TICK, T0 + timedelta(minutes=5)) is True
    # Down for three slots: one catch-up run, not three.
    assert enqueue_if_due(TICK, T0 + timedelta(minutes=21)) is True
    assert enqueue_if_due(TICK, T0 + timedelta(minutes=22)) is False
    assert CALLS == ["tick", "tick", "tick"]
    run = ScheduledRun.objects.get(job="test.tick.run")
    assert run.last_enqueued_at == T0 + timedelta(minutes=20)


@pytest.mark.django_db
def test_restart_within_a_slot_does_not_repeat_it():
    ScheduledRun.objects.create(job="test.tick.run", last_enqueued_at=T0)
    # A fresh process knows nothing but the table.
    assert run_due(now=T0 + timedelta(minutes=2), jobs=[TICK]) == []
    assert run_due(now=T0 + timedelta(minutes=6), jobs=[TICK]) == ["test.tick.run"]
    assert CALLS == ["tick"]


@pytest.mark.django_db
def test_scheduler_once_runs_the_registered_jobs_one_pass():
    out = StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert "core.notifications.retry" in out.getvalue()
    assert ScheduledRun.objects.filter(job="core.notifications.retry").exists()
    out = StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert "enqueued 0" in out.getvalue()


def test_scheduler_refuses_a_non_positive_interval():
    with pytest.raises(CommandError):
        call_command("scheduler", "--once", "--interval", "0", stdout=StringIO())


@pytest.mark.django_db
def test_with_the_database_backend_the_task_row_is_recorded(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_BACKEND
    assert enqueue_if_due(TICK, T0)
    row = DBTaskResult.objects.get()
    assert row.task_path.endswith("test_periodic_scheduler.tick")
    assert ScheduledRun.objects.get(job=TICK.name).last_task_id == str(row.id)
    assert CALLS == []  # enqueued, not run: the worker runs it


def test_worker_refuses_to_start_without_the_database_backend():
    with pytest.raises(CommandError, match="DatabaseBackend"):
        call_command("worker", "--batch", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_worker_batch_runs_queued_tasks(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_BACKEND
    tick.enqueue()
    call_command("worker", "--batch", "--queues", "default", stdout=StringIO())
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert CALLS == ["tick"]


def test_worker_refuses_unknown_queues(settings):
    settings.TASKS = DB_BACKEND
    with pytest.raises(CommandError, match="Unknown queues"):
        call_command("worker", "--batch", "--queues", "nope", stdout=StringIO())


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_enqueue_once_per_slot(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_BACKEND
    barrier = threading.Barrier(2)
    results: list[bool] = []
    errors: list[BaseException] = []

    def scheduler_process() -> None:
        try:
            barrier.wait()
            for minute in range(0, 15):
                results.append(enqueue_if_due(TICK, T0 + timedelta(minutes=minute)))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler_process) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert DBTaskResult.objects.count() == 3  # slots :00, :05, :10
    assert results.count(True) == 3
