"""End to end with the alerts part's real `alert_raise`: an SOS published to the local broker
opens one alert for its wearer, tied to the stored event; the same SOS delivered again (MQTT
redelivery, or the device retrying over HTTP) opens nothing more."""

from __future__ import annotations

import json
import threading

import pytest

from cunshe.care.models import Alert, TerminalEvent
from cunshe.care.tests.mqtt_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.terminals_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.terminals_fixtures import message, raw
from cunshe.core.jurisdiction import system_scope

pytestmark = pytest.mark.django_db


@pytest.mark.mqtt
def test_an_sos_through_the_broker_opens_one_alert(broker, client, family, make_profile, terminal):
    make_profile(family.grandmother, "elderly")
    c = broker.consumer()
    c.connect()
    assert c.subscribed.wait(5)
    sos = message(kind="sos", event_id="press-1")
    broker.publish("T-0001", raw(sos))
    broker.publish("T-0001", raw(sos))
    totals = c.run(threading.Event(), until=lambda t: t.received >= 2, timeout=10)
    assert totals.outcomes == {"accepted": 1, "duplicate": 1}
    answer = client.post(
        "/api/v1/care/terminals/events", json.dumps(sos), content_type="application/json"
    )
    assert answer.json()["counts"] == {"duplicate": 1}
    event = TerminalEvent._base_manager.get(event_id="press-1")
    with system_scope("test"):
        [alert] = Alert.objects.all()
    assert (alert.kind, alert.source_event_id) == ("sos", event.pk)
    assert alert.person_id == family.grandmother.pk
    assert alert.status == "open"
