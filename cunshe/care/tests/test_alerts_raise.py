"""Raising an alert: one per source event, a second SOS joins the open one, one missed
check-in per terminal per day, and the first rung (family contacts) is told at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cunshe.care.models import Alert, AlertStep, Contact
from cunshe.care.services.alerts import alert_raise
from cunshe.care.tests.alerts_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.alerts_fixtures import local
from cunshe.core.jurisdiction import system_scope
from cunshe.core.models import AuditEvent, Notification

pytestmark = pytest.mark.django_db

T0 = local(2026, 5, 10, 8, 3)


def _sms_to(phone_tail: str) -> list[Notification]:
    return [
        n
        for n in Notification.objects.filter(channel="sms")
        if n.phone.endswith(phone_tail) or n.phone_masked.endswith(phone_tail)
    ]


def test_sos_opens_an_alert_and_texts_the_family_contacts_in_order(alerting):
    alert = alert_raise(terminal=alerting.terminal, kind="sos", at=T0, now=T0)
    assert alert is not None
    assert alert.person_id == alerting.person.pk and alert.profile_id == alerting.profile.pk
    assert alert.status == "open" and alert.step == 1
    assert alert.step_due_at == T0 + timedelta(minutes=5)
    assert alert.region_code == alerting.person.region_code
    notes = list(Notification.objects.order_by("id"))
    # The two family contacts, in order; not the neighbour; no one else yet.
    assert [n.phone for n in notes] == ["13911110001", "13911110002"]
    assert all(n.channel == "sms" and n.recipient_id is None for n in notes)
    body = notes[0].body
    assert "张大山" in body and "闵家村" in body and "一键呼救" in body
    assert "05-10 08:03" in body and "13900001111" in body
    assert "2201" not in body.replace("13900001111", "")  # no ID number
    step = AlertStep.objects.get(alert=alert)
    assert (step.step, step.rung, step.recipients, step.due_at) == (
        1,
        "family",
        2,
        alert.step_due_at,
    )
    event = AuditEvent.objects.get(action="care.alert.escalated")
    assert event.detail["raised"] is True and event.detail["rung"] == "family"
    assert event.object_id == str(alert.pk)


def test_without_family_contacts_the_terminal_callback_phone_is_texted(alerting):
    Contact.objects.filter(profile=alerting.profile).delete()
    alert_raise(terminal=alerting.terminal, kind="fall", at=T0, now=T0)
    assert [n.phone for n in Notification.objects.all()] == ["13900001111"]


def test_the_same_source_event_raises_once(alerting):
    from cunshe.care.models import TerminalEvent

    with system_scope("test"):
        event = TerminalEvent.objects.create(
            terminal=alerting.terminal, event_id="e1", kind="sos", occurred_at=T0,
            received_at=T0, source="http", region=alerting.terminal.region,
        )  # fmt: skip
    first = alert_raise(terminal=alerting.terminal, kind="sos", at=T0, source_event=event, now=T0)
    again = alert_raise(terminal=alerting.terminal, kind="sos", at=T0, source_event=event, now=T0)
    assert first is not None and again is None
    assert Alert._base_manager.count() == 1


def test_a_second_sos_while_one_is_open_joins_it(alerting):
    first = alert_raise(terminal=alerting.terminal, kind="sos", at=T0, now=T0)
    later = T0 + timedelta(minutes=2)
    assert alert_raise(terminal=alerting.terminal, kind="sos", at=later, now=later) is None
    assert Alert._base_manager.count() == 1
    repeat = AlertStep.objects.get(alert=first, rung="repeat")
    assert repeat.at == later
    assert AuditEvent.objects.filter(action="care.alert.joined").count() == 1
    # Nobody is told twice for the repeat.
    assert Notification.objects.count() == 2


def test_after_the_sos_is_closed_a_new_press_opens_a_new_alert(alerting):
    first = alert_raise(terminal=alerting.terminal, kind="sos", at=T0, now=T0)
    Alert._base_manager.filter(pk=first.pk).update(
        status="closed", closed_at=T0, acknowledged_at=T0
    )
    second = alert_raise(terminal=alerting.terminal, kind="sos", at=T0, now=T0)
    assert second is not None and second.pk != first.pk


def test_missed_checkin_once_per_terminal_per_day(alerting):
    day = T0.date()
    a = alert_raise(terminal=alerting.terminal, kind="missed_checkin", at=T0, for_date=day, now=T0)
    b = alert_raise(terminal=alerting.terminal, kind="missed_checkin", at=T0, for_date=day, now=T0)
    assert a is not None and b is None
    assert a.step_due_at == T0 + timedelta(hours=2)
    tomorrow = alert_raise(
        terminal=alerting.terminal, kind="missed_checkin", at=T0 + timedelta(days=1), now=T0
    )
    assert tomorrow is not None and tomorrow.for_date == day + timedelta(days=1)


def test_a_wearer_without_an_active_profile_still_gets_an_alert(alerting):
    from cunshe.care.models import CareProfile

    CareProfile._base_manager.filter(pk=alerting.profile.pk).update(status="closed")
    alert = alert_raise(terminal=alerting.terminal, kind="sos", at=T0, now=T0)
    assert alert.profile_id is None
    # No profile, no contacts: the call-back phone is texted.
    assert [n.phone for n in Notification.objects.all()] == ["13900001111"]


def test_unknown_kind_is_refused(alerting):
    with pytest.raises(ValueError):
        alert_raise(terminal=alerting.terminal, kind="fire", at=T0)


def test_a_redelivered_repeat_is_recorded_once(alerting):
    from cunshe.care.models import TerminalEvent

    alert_raise(terminal=alerting.terminal, kind="sos", at=T0, now=T0)
    with system_scope("test"):
        event = TerminalEvent.objects.create(
            terminal=alerting.terminal, event_id="e2", kind="sos", occurred_at=T0,
            received_at=T0, source="http", region=alerting.terminal.region,
        )  # fmt: skip
    for _ in range(2):
        assert (
            alert_raise(terminal=alerting.terminal, kind="sos", at=T0, source_event=event) is None
        )
    assert AlertStep.objects.filter(rung="repeat").count() == 1
