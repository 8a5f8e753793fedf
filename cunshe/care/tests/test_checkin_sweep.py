"""The missed check-in sweep: a check-in inside the window → no alert; the window closed with
none → one alert for today, its first rung told; run again → still one; terminals with their
own window, inactive terminals, terminals registered after the window opened, and wearers whose
profile is closed."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from cunshe.care.jobs.checkins import sweep
from cunshe.care.models import Alert, CareProfile, Terminal, TerminalEvent
from cunshe.care.tests.alerts_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.alerts_fixtures import local
from cunshe.core.jurisdiction import system_scope
from cunshe.core.models import Notification

pytestmark = pytest.mark.django_db

DAY = (2026, 5, 10)
END = local(*DAY, 10, 0)  # the fixture terminal's window is 06:00–10:00


def _checkin(terminal: Terminal, at, event_id="c1") -> None:  # type: ignore[no-untyped-def]
    with system_scope("test"):
        TerminalEvent.objects.create(
            terminal=terminal, event_id=event_id, kind="checkin", occurred_at=at, received_at=at,
            source="http", region=terminal.region,
        )  # fmt: skip


def _alerts() -> list[Alert]:
    return list(Alert._base_manager.order_by("id"))


def _registered_early(terminal: Terminal) -> None:
    Terminal._base_manager.filter(pk=terminal.pk).update(created_at=local(2026, 1, 1, 9, 0))


def test_a_checkin_inside_the_window_raises_nothing(alerting):
    _registered_early(alerting.terminal)
    _checkin(alerting.terminal, local(*DAY, 7, 30))
    assert sweep(now=END + timedelta(minutes=5)) == 0
    assert _alerts() == []


def test_before_the_window_closes_nothing_at_its_end_one_alert(alerting):
    _registered_early(alerting.terminal)
    assert sweep(now=END - timedelta(seconds=1)) == 0
    assert sweep(now=END) == 1
    (alert,) = _alerts()
    assert alert.kind == "missed_checkin" and alert.for_date == END.date()
    assert alert.opened_at == END and alert.step == 1
    assert alert.step_due_at == END + timedelta(hours=2)
    assert alert.profile_id == alerting.profile.pk
    # The family contacts were texted at once.
    assert sorted(n.phone for n in Notification.objects.all()) == ["13911110001", "13911110002"]
    assert "未按时签到" in Notification.objects.first().body


def test_running_the_sweep_twice_still_one_alert(alerting):
    _registered_early(alerting.terminal)
    assert sweep(now=END) == 1
    assert sweep(now=END + timedelta(minutes=5)) == 0
    assert len(_alerts()) == 1 and Notification.objects.count() == 2


def test_a_checkin_outside_the_window_does_not_count(alerting):
    _registered_early(alerting.terminal)
    _checkin(alerting.terminal, local(*DAY, 5, 59), "early")
    _checkin(alerting.terminal, local(*DAY, 10, 1), "late")
    assert sweep(now=END + timedelta(minutes=5)) == 1


def test_yesterdays_alert_does_not_stop_todays(alerting):
    _registered_early(alerting.terminal)
    assert sweep(now=END - timedelta(days=1)) == 1
    assert sweep(now=END) == 1
    assert [a.for_date for a in _alerts()] == [END.date() - timedelta(days=1), END.date()]


def test_own_windows_and_the_default_window(alerting, make_terminal, family, settings):
    settings.CARE_RULES = {"CHECKIN_WINDOW": ("07:00", "09:00")}
    _registered_early(alerting.terminal)  # own window 06:00–10:00
    default = make_terminal(
        family.grandmother, serial="T-DEFAULT", checkin_start=None, checkin_end=None
    )
    late = make_terminal(
        family.mother, serial="T-LATE", checkin_start=time(18, 0), checkin_end=time(20, 0)
    )
    for t in (default, late):
        _registered_early(t)
    assert sweep(now=local(*DAY, 9, 0)) == 1  # the default window closed at 09:00
    assert {a.terminal_id for a in _alerts()} == {default.pk}
    assert sweep(now=local(*DAY, 10, 0)) == 1
    assert sweep(now=local(*DAY, 20, 0)) == 1
    assert {a.terminal_id for a in _alerts()} == {default.pk, alerting.terminal.pk, late.pk}


def test_inactive_and_newly_registered_terminals_are_not_swept(alerting):
    Terminal._base_manager.filter(pk=alerting.terminal.pk).update(
        created_at=local(*DAY, 8, 0)  # registered after today's window opened
    )
    assert sweep(now=END) == 0
    _registered_early(alerting.terminal)
    Terminal._base_manager.filter(pk=alerting.terminal.pk).update(active=False)
    assert sweep(now=END) == 0


def test_a_closed_profile_still_counts(alerting):
    _registered_early(alerting.terminal)
    CareProfile._base_manager.filter(pk=alerting.profile.pk).update(status="closed")
    assert sweep(now=END) == 1
    (alert,) = _alerts()
    assert alert.profile_id is None
    assert [n.phone for n in Notification.objects.all()] == ["13900001111"]


def test_the_sweep_is_a_registered_five_minute_job():
    from cunshe.core.scheduling import registered_jobs

    jobs = {j.name: j for j in registered_jobs()}
    assert jobs["care.checkins.sweep"].every == timedelta(minutes=5)
    assert jobs["care.alerts.climb"].every == timedelta(minutes=1)
