"""How it will be checked: an SOS arrives from a terminal (through the ingestion the MQTT
consumer and the HTTP endpoint share) and climbs rung by rung, each rung's people told through
the outbox, until someone acknowledges it; then it climbs no further."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cunshe.care import signing
from cunshe.care.jobs.alerts import climb
from cunshe.care.models import Alert, AlertStep
from cunshe.care.tests.alerts_fixtures import *  # noqa: F403 (fixtures)
from cunshe.core.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def _sos_message(serial: str, secret: str, at) -> dict:  # type: ignore[no-untyped-def]
    body = {"v": 1, "id": "sos-0001", "device": serial, "type": "sos",
            "at": at.isoformat(), "battery": 80}  # fmt: skip
    return signing.sign(secret, body)


def test_sos_from_a_terminal_escalates_until_acknowledged(
    flushable_audit, alerting, client_as, cast
):
    from cunshe.care.ingest import ingest_batch

    t0 = timezone.now().replace(microsecond=0)
    message = _sos_message(alerting.terminal.serial, "s3cret", t0)
    ingest_batch([message], "http", received_at=t0)
    ingest_batch([message], "http", received_at=t0)  # redelivered: still one alert
    alert = Alert._base_manager.get()
    assert alert.kind == "sos" and alert.step == 1
    told = {1: Notification.objects.count()}
    due = alert.step_due_at
    for step in (2, 3):
        assert climb(now=due - timedelta(seconds=1)) == 0
        assert climb(now=due) == 1
        alert = Alert._base_manager.get()
        assert alert.step == step
        told[step] = Notification.objects.count()
        due = alert.step_due_at
    assert told[1] == 2 and told[2] - told[1] == 3 and told[3] - told[2] == 2
    assert Notification.objects.filter(recipient=cast.leader_a, link=f"/care/alerts/{alert.pk}/")
    # The village leader opens the link and acknowledges: the ladder stops.
    response = client_as(cast.leader_a).post(f"/care/alerts/{alert.pk}/", {"action": "acknowledge"})
    assert response.status_code == 302
    assert climb(now=due + timedelta(hours=1)) == 0
    alert = Alert._base_manager.get()
    assert alert.status == "acknowledged" and alert.step == 3
    assert not Notification.objects.filter(recipient=cast.township_officer).exists()
    assert list(AlertStep.objects.order_by("step").values_list("rung", flat=True)) == [
        "family", "carer", "leader",
    ]  # fmt: skip
