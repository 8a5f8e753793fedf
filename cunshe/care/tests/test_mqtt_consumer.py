"""The MQTT consumer against the real local Mosquitto: stored once, acknowledged only after
commit (a crash loses nothing), bad messages counted, SIGTERM drains."""

from __future__ import annotations

import threading
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cunshe.care import mqtt
from cunshe.care.models import IngestCounter, Terminal, TerminalEvent
from cunshe.care.tests.mqtt_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.terminals_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.terminals_fixtures import message, raw

pytestmark = pytest.mark.django_db


def _started(c: mqtt.Consumer) -> mqtt.Consumer:
    c.connect()
    assert c.subscribed.wait(5), "the broker did not confirm the subscription"
    return c


def _run_until(c: mqtt.Consumer, n: int, timeout: float = 10) -> mqtt.Totals:
    return c.run(threading.Event(), until=lambda t: t.received >= n, timeout=timeout)


def _stored() -> list[TerminalEvent]:
    return list(TerminalEvent._base_manager.order_by("id"))


@pytest.mark.mqtt
def test_published_events_are_stored_once_and_acknowledged(broker, terminal, raised):
    c = _started(broker.consumer())
    sos = message(kind="sos", event_id="sos-mqtt")
    for m in (message(event_id="hb-1", battery=60), sos, sos):
        broker.publish("T-0001", raw(m))
    totals = _run_until(c, 3)
    assert totals.outcomes == {"accepted": 2, "duplicate": 1}
    assert totals.acked == 3
    assert sorted(e.event_id for e in _stored()) == ["hb-1", "sos-mqtt"]
    assert [kind for kind, _e in raised] == ["sos"]
    assert Terminal._base_manager.get(pk=terminal.pk).battery == 60


@pytest.mark.mqtt
def test_bad_messages_are_counted_and_do_not_stop_the_consumer(broker, terminal):
    c = _started(broker.consumer())
    broker.publish("T-0001", b"\x00garbage")
    broker.publish("T-0001", raw(message(secret="wrong")))
    broker.publish("T-0002", raw(message()))  # T-0001's message on another device's topic
    broker.publish("T-0001", raw(message(event_id="after")))
    totals = _run_until(c, 4)
    assert totals.outcomes == {
        "rejected:malformed": 1,
        "rejected:signature": 1,
        "rejected:topic": 1,
        "accepted": 1,
    }
    assert [e.event_id for e in _stored()] == ["after"]
    counted = dict(IngestCounter.objects.filter(source="mqtt").values_list("outcome", "count"))
    assert counted["rejected:malformed"] == 1


@pytest.mark.mqtt
def test_messages_received_but_not_committed_are_redelivered_after_a_crash(broker, terminal):
    first = _started(broker.consumer("same"))
    for i in range(5):
        broker.publish("T-0001", raw(message(event_id=f"crash-{i}")))
    deadline = time.monotonic() + 5
    while first.pending() < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert first.pending() == 5  # received, never ingested nor acknowledged
    first.close()  # the process dies here
    assert _stored() == []

    second = _started(broker.consumer("same"))  # the same persistent session
    totals = _run_until(second, 5)
    assert totals.outcomes == {"accepted": 5}
    assert sorted(e.event_id for e in _stored()) == [f"crash-{i}" for i in range(5)]


@pytest.mark.mqtt
def test_messages_published_while_the_consumer_is_away_wait_for_it(broker, terminal):
    c = _started(broker.consumer("away"))
    c.close()
    broker.publish("T-0001", raw(message(event_id="while-away")))
    again = _started(broker.consumer("away"))
    totals = _run_until(again, 1)
    assert totals.outcomes == {"accepted": 1}


@pytest.mark.mqtt
def test_stop_drains_what_was_received_then_returns(broker, terminal):
    c = _started(broker.consumer())
    for i in range(3):
        broker.publish("T-0001", raw(message(event_id=f"drain-{i}")))
    deadline = time.monotonic() + 5
    while c.pending() < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    stop = threading.Event()
    stop.set()  # what the SIGTERM handler does
    totals = c.run(stop)
    assert totals.received == 3 and totals.acked == 3
    assert len(_stored()) == 3


def test_without_a_broker_url_the_command_says_so_and_exits(settings):
    settings.CARE_MQTT_URL = ""
    out = StringIO()
    call_command("care_mqtt_consume", stdout=out)
    assert "CUNSHE_MQTT_URL" in out.getvalue()


def test_a_bad_broker_url_is_refused(settings):
    with pytest.raises(CommandError):
        call_command("care_mqtt_consume", url="http://example.org")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mqtt://127.0.0.1:1883", mqtt.Broker("127.0.0.1", 1883)),
        ("mqtt://broker", mqtt.Broker("broker", 1883)),
        ("mqtts://u:p%40ss@b.example:8884", mqtt.Broker("b.example", 8884, "u", "p@ss", True)),
    ],
)
def test_broker_urls(url, expected):
    assert mqtt.parse_url(url) == expected
    assert "p@ss" not in str(mqtt.parse_url(url))


def test_topic_and_subscription_follow_the_prefix(settings):
    from cunshe.care import ingest

    settings.CARE_MQTT_TOPIC_PREFIX = "x/v1"
    assert ingest.topic_for("T-1") == "x/v1/terminals/T-1/events"
    assert ingest.serial_from_topic("x/v1/terminals/T-1/events") == "T-1"
    assert mqtt.subscription() == "x/v1/terminals/+/events"
    assert mqtt.subscription(share_group="g") == "$share/g/x/v1/terminals/+/events"


@pytest.mark.mqtt
def test_several_connections_share_the_stream_and_store_each_message_once(broker, terminal):
    c = _started(broker.consumer("shared", connections=3))
    assert c.topic.startswith("$share/")
    for i in range(30):
        broker.publish("T-0001", raw(message(event_id=f"s-{i}")))
    totals = _run_until(c, 30)
    assert totals.outcomes == {"accepted": 30}
    assert totals.acked == 30
    assert len(_stored()) == 30
