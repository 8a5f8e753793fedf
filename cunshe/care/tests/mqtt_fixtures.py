"""The real local broker for `@pytest.mark.mqtt` tests: a unique topic prefix and client id
per test (parallel runs never see each other's messages), a publisher, and consumers whose
persistent sessions are wiped afterwards. Without a broker the tests skip — unless
REQUIRE_MQTT=1 (CI), where they fail."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import paho.mqtt.client as paho
import pytest

from cunshe.care import mqtt

__all__ = ["broker"]

URL = os.environ.get("CUNSHE_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")


def unavailable_reason() -> str | None:
    b = mqtt.parse_url(URL)
    try:
        with socket.create_connection((b.host, b.port), timeout=1):
            return None
    except OSError as exc:
        return f"no MQTT broker at {b.host}:{b.port} ({exc}); start mosquitto"


def publisher(b: mqtt.Broker) -> paho.Client:
    client = paho.Client(callback_api_version=paho.CallbackAPIVersion.VERSION2)
    client.connect(b.host, b.port)
    client.loop_start()
    return client


def wipe_session(b: mqtt.Broker, client_id: str) -> None:
    """Connect once with a clean session: the broker forgets the persistent one."""
    client = paho.Client(
        callback_api_version=paho.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=True,
    )
    try:
        client.connect(b.host, b.port)
        client.loop_start()
        client.disconnect()
        client.loop_stop()
    except OSError:
        pass


@pytest.fixture
def broker(settings) -> Iterator[SimpleNamespace]:  # type: ignore[no-untyped-def]
    reason = unavailable_reason()
    if reason:
        if os.environ.get("REQUIRE_MQTT") == "1":
            pytest.fail(f"REQUIRE_MQTT=1 but {reason}")
        pytest.skip(reason)
    b = mqtt.parse_url(URL)
    run = uuid.uuid4().hex[:12]
    prefix = f"test-{run}/cunshe/v1"
    settings.CARE_MQTT_TOPIC_PREFIX = prefix
    settings.CARE_MQTT_URL = URL
    client_ids: list[str] = []
    made: list[mqtt.Consumer] = []
    pub = publisher(b)

    def consumer(name: str = "c", **kwargs) -> mqtt.Consumer:  # type: ignore[no-untyped-def]
        client_id = f"cunshe-test-{run}-{name}"
        n = kwargs.get("connections", 1)
        for cid in [client_id] if n == 1 else [f"{client_id}-{k}" for k in range(n)]:
            if cid not in client_ids:
                client_ids.append(cid)
        c = mqtt.Consumer(b, client_id=client_id, prefix=prefix, **kwargs)
        made.append(c)
        return c

    def publish(topic_serial: str, payload: bytes) -> None:
        info = pub.publish(f"{prefix}/terminals/{topic_serial}/events", payload, qos=1)
        info.wait_for_publish(timeout=5)

    yield SimpleNamespace(url=URL, broker=b, prefix=prefix, consumer=consumer, publish=publish)
    pub.disconnect()
    pub.loop_stop()
    for c in made:
        try:
            c.close()
        except Exception:  # noqa: S110 - already closed
            pass
    for client_id in client_ids:
        wipe_session(b, client_id)
