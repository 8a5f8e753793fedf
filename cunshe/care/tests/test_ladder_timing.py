"""The ladder, driven through time with `now`: family → carers → village leader → township,
each rung with its own limit (SOS 5 minutes, missed check-in 2 hours); exactly at the limit the
next rung is told, a second before it is not; acknowledging stops it; after the last rung the
alert stays open as overdue and climbs no further."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cunshe.care.jobs.alerts import climb
from cunshe.care.models import Alert, AlertStep, CarerAssignment
from cunshe.care.services.alerts import alert_acknowledge, alert_raise, is_overdue
from cunshe.care.tests.alerts_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.alerts_fixtures import local
from cunshe.core.models import AuditEvent, Notification

pytestmark = pytest.mark.django_db

T0 = local(2026, 5, 10, 8, 3)
MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)


def _raise(alerting, kind="sos"):  # type: ignore[no-untyped-def]
    return alert_raise(terminal=alerting.terminal, kind=kind, at=T0, now=T0)


def _reload(alert: Alert) -> Alert:
    return Alert._base_manager.get(pk=alert.pk)


def test_at_four_fifty_nine_nothing_at_five_minutes_the_carers_are_told(alerting):
    alert = _raise(alerting)
    before = Notification.objects.count()
    assert climb(now=T0 + 5 * MIN - SEC) == 0
    assert _reload(alert).step == 1 and Notification.objects.count() == before
    assert climb(now=T0 + 5 * MIN) == 1
    alert = _reload(alert)
    assert alert.step == 2 and alert.step_due_at == T0 + 10 * MIN
    new = Notification.objects.order_by("id")[before:]
    # The carer with an account: in-app and SMS; the volunteer without one: SMS to the phone.
    got = sorted((n.channel, n.recipient_id or 0, n.phone) for n in new)
    assert got == sorted(
        [
            ("in_app", alerting.carer.pk, ""),
            ("sms", alerting.carer.pk, ""),
            ("sms", 0, "13911110009"),
        ]
    )
    in_app = next(n for n in new if n.channel == "in_app")
    assert in_app.link == f"/care/alerts/{alert.pk}/"
    step = AlertStep.objects.get(alert=alert, step=2)
    assert (step.rung, step.recipients) == ("carer", 2)


def test_every_rung_in_turn_then_overdue_without_climbing(alerting, cast):
    alert = _raise(alerting)
    climb(now=T0 + 5 * MIN)
    leader_time = T0 + 10 * MIN
    assert climb(now=leader_time) == 1
    leader_notes = Notification.objects.filter(recipient=cast.leader_a)
    assert sorted(n.channel for n in leader_notes) == ["in_app", "sms"]
    assert climb(now=T0 + 15 * MIN) == 1
    township = Notification.objects.filter(recipient=cast.township_officer, channel="in_app").get()
    assert township.link == f"/care/alerts/{alert.pk}/" and "张大山" in township.body
    alert = _reload(alert)
    assert alert.step == 4 and not is_overdue(alert, T0 + 20 * MIN - SEC)
    assert is_overdue(alert, T0 + 20 * MIN)
    count = Notification.objects.count()
    assert climb(now=T0 + 2 * 60 * MIN) == 0
    assert _reload(alert).step == 4 and Notification.objects.count() == count
    assert [s.rung for s in AlertStep.objects.filter(alert=alert).order_by("step")] == [
        "family",
        "carer",
        "leader",
        "township",
    ]
    escalated = AuditEvent.objects.filter(action="care.alert.escalated", object_id=str(alert.pk))
    assert sorted(e.detail["step"] for e in escalated) == [1, 2, 3, 4]
    # Only the township officers over the village: not village B's or the outsider's people.
    assert not Notification.objects.filter(recipient=cast.outsider).exists()


def test_acknowledging_stops_the_ladder(alerting, cast):
    alert = _raise(alerting)
    climb(now=T0 + 5 * MIN)
    alert_acknowledge(
        actor=cast.clerk_a, jurisdiction=alerting.clerk_j, alert=alert, now=T0 + 6 * MIN
    )
    count = Notification.objects.count()
    assert climb(now=T0 + 60 * MIN) == 0
    alert = _reload(alert)
    assert alert.status == "acknowledged" and alert.step == 2
    assert Notification.objects.count() == count


def test_missed_checkin_rungs_are_two_hours(alerting):
    alert = alert_raise(
        terminal=alerting.terminal, kind="missed_checkin", at=T0, for_date=T0.date(), now=T0
    )
    assert climb(now=T0 + 2 * 60 * MIN - SEC) == 0
    assert climb(now=T0 + 2 * 60 * MIN) == 1
    assert _reload(alert).step_due_at == T0 + 4 * 60 * MIN


def test_a_rung_with_nobody_to_tell_passes_straight_to_the_next(alerting, cast):
    CarerAssignment.objects.filter(profile=alerting.profile).delete()
    alert = _raise(alerting)
    assert climb(now=T0 + 5 * MIN) == 2  # carers (nobody) and the leader, in one run
    alert = _reload(alert)
    assert alert.step == 3 and alert.step_due_at == T0 + 10 * MIN
    empty = AlertStep.objects.get(alert=alert, step=2)
    assert empty.recipients == 0 and empty.note
    assert Notification.objects.filter(recipient=cast.leader_a).exists()


def test_rule_overrides_change_the_limits(alerting, settings):
    settings.CARE_RULES = {
        "LADDER_MINUTES": {"sos": (1, 2, 3, 4), "fall": (1, 1, 1, 1),
                           "missed_checkin": (60,) * 4, "device_removed": (60,) * 4},
    }  # fmt: skip
    alert = _raise(alerting)
    assert _reload(alert).step_due_at == T0 + MIN
    climb(now=T0 + MIN)
    assert _reload(alert).step_due_at == T0 + 3 * MIN
