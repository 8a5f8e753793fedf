"""Two (or eight) workers climbing the ladder at the same moment tell each rung once; two
sweeps at once raise each missed check-in once; two SOS presses at once make one alert. Each
worker on its own connection (PostgreSQL; SQLite serialises writers and proves nothing)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from cunshe.care.jobs.alerts import climb
from cunshe.care.jobs.checkins import sweep
from cunshe.care.models import Alert, AlertStep, Terminal
from cunshe.care.services.alerts import alert_raise
from cunshe.care.tests.alerts_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.alerts_fixtures import local
from cunshe.core.models import AuditEvent, Notification
from cunshe.core.tests.conftest import requires_postgres

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]

T0 = local(2026, 5, 10, 8, 3)
WORKERS = 8


def _at_once(jobs: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcome = job()
        except BaseException as exc:
            with lock:
                errors.append(exc)
            return
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


def test_eight_workers_escalate_an_sos_once(alerting):
    alert = alert_raise(terminal=alerting.terminal, kind="sos", at=T0, now=T0)
    before = Notification.objects.count()
    results, errors = _at_once([lambda: climb(now=T0 + timedelta(minutes=5))] * WORKERS)
    assert errors == []
    assert sorted(results) == [0] * (WORKERS - 1) + [1]
    assert Alert._base_manager.get(pk=alert.pk).step == 2
    assert AlertStep.objects.filter(alert=alert, step=2).count() == 1
    assert Notification.objects.count() - before == 3  # the carers' messages, once
    assert AuditEvent.objects.filter(action="care.alert.escalated").count() == 2


def test_two_sweeps_at_once_raise_once(alerting):
    Terminal._base_manager.filter(pk=alerting.terminal.pk).update(
        created_at=local(2026, 1, 1, 9, 0)
    )
    end = local(2026, 5, 10, 10, 0)
    results, errors = _at_once([lambda: sweep(now=end)] * 4)
    assert errors == []
    assert sum(results) == 1
    assert Alert._base_manager.count() == 1
    assert Notification.objects.count() == 2


def test_two_sos_presses_at_once_make_one_alert(alerting):
    results, errors = _at_once(
        [lambda: alert_raise(terminal=alerting.terminal, kind="sos", at=T0, now=T0)] * 4
    )
    assert errors == []
    assert len([r for r in results if r is not None]) == 1
    assert Alert._base_manager.count() == 1
    assert AlertStep.objects.filter(rung="repeat").count() == 3
