"""The MQTT consumer of terminal events (run by `manage.py care_mqtt_consume`).

At-least-once, end to end:
- a persistent session (fixed client id, clean session off), QoS 1: the broker keeps what
  arrives while the consumer is away and redelivers whatever it sent but never saw acknowledged;
- paho's manual acknowledgement: a message is acknowledged only after the batch holding it was
  committed by `ingest.ingest_batch`, so a crash at any point loses nothing (the redelivered
  copies are counted as duplicates and change nothing);
- batches of up to `batch_size` messages or `batch_ms` milliseconds; a batch is also closed when
  the stream pauses for `idle_ms` (the broker sends only so many unacknowledged messages at a
  time — Mosquitto's max_inflight_messages, 20 by default — and waits for our acks; several
  `connections` in a shared subscription widen that window);
- paho reconnects by itself with a growing delay; acknowledgements for messages received on an
  earlier connection are not sent (their ids belong to that connection: the broker redelivers);
- a message that is not even JSON is rejected and counted like any other bad input;
- if the database fails, the batch is retried (with backoff) and not acknowledged meanwhile;
- `stop` (SIGTERM, SIGINT) drains what was received, acknowledges it and disconnects.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as paho
from django.conf import settings
from django.db import close_old_connections

from cunshe.care import ingest

logger = logging.getLogger("cunshe.care.mqtt")

DEFAULT_CLIENT_ID = "cunshe-care-consumer"


class BrokerConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    username: str = ""
    password: str = ""
    tls: bool = False

    def __str__(self) -> str:  # never the password
        scheme = "mqtts" if self.tls else "mqtt"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def parse_url(url: str) -> Broker:
    """mqtt://[user:pass@]host[:port] (1883) or mqtts://… (8883)."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise BrokerConfigError(f"not an MQTT URL (mqtt://host:port): {url!r}")
    tls = parts.scheme == "mqtts"
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError as exc:
        raise BrokerConfigError(f"bad port in {url!r}") from exc
    return Broker(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        tls=tls,
    )


def subscription(prefix: str | None = None, share_group: str = "") -> str:
    topic = f"{prefix or settings.CARE_MQTT_TOPIC_PREFIX}/terminals/+/events"
    return f"$share/{share_group}/{topic}" if share_group else topic


@dataclass
class _Received:
    topic: str
    payload: bytes
    mid: int
    qos: int
    generation: int
    link: int = 0


@dataclass
class Totals:
    received: int = 0
    batches: int = 0
    acked: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        return f"received {self.received} in {self.batches} batches ({parts})"


class _Link:
    """One connection to the broker (a consumer has one, or several in a shared subscription)."""

    def __init__(self, consumer: Consumer, index: int, client_id: str) -> None:
        self.consumer = consumer
        self.index = index
        self.generation = 0
        self.subscribed = False
        broker = consumer.broker
        self.client = paho.Client(
            callback_api_version=paho.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            protocol=paho.MQTTv311,
            manual_ack=True,
        )
        if broker.username:
            self.client.username_pw_set(broker.username, broker.password or None)
        if broker.tls:
            self.client.tls_set()
        self.client.reconnect_delay_set(min_delay=1, max_delay=60)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message

    # paho's network thread calls these.

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        c = self.consumer
        if reason.is_failure:
            logger.warning("MQTT connection to %s refused: %s", c.broker, reason)
            return
        with c._lock:
            self.generation += 1
        logger.info(
            "Connected to %s (session present: %s); subscribing to %s",
            c.broker,
            getattr(flags, "session_present", "?"),
            c.topic,
        )
        client.subscribe(c.topic, qos=1)

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        with self.consumer._lock:
            self.subscribed = False
            self.consumer._update_subscribed()
        if reason.is_failure:
            logger.warning("MQTT connection lost (%s); paho reconnects with backoff", reason)

    def _on_subscribe(self, client: Any, userdata: Any, mid: int, reasons: Any, props: Any) -> None:
        if any(r.is_failure for r in reasons):
            logger.error(
                "The broker refused the subscription to %s: %s", self.consumer.topic, reasons
            )
            return
        with self.consumer._lock:
            self.subscribed = True
            self.consumer._update_subscribed()

    def _on_message(self, client: Any, userdata: Any, msg: paho.MQTTMessage) -> None:
        with self.consumer._lock:
            generation = self.generation
        self.consumer._queue.put(
            _Received(msg.topic, msg.payload, msg.mid, msg.qos, generation, self.index)
        )


class Consumer:
    """One consumer process. `connect()` starts paho's network thread(s); `run()` ingests in the
    calling thread (which owns the database connection) until `stop` is set.

    `connections` > 1 opens that many sessions (client ids `<client_id>-<n>`) in an MQTT shared
    subscription: the broker lets each session have only so many unacknowledged messages in
    flight, so several sessions fill bigger batches. Keep the number fixed for a deployment:
    a persistent session that no longer connects keeps its share of queued messages."""

    def __init__(
        self,
        broker: Broker,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        prefix: str | None = None,
        share_group: str = "",
        connections: int = 1,
        batch_size: int = 500,
        batch_ms: int = 200,
        idle_ms: int = 5,
        keepalive: int = 30,
    ) -> None:
        if connections > 1 and not share_group:
            share_group = client_id
        self.broker = broker
        self.topic = subscription(prefix, share_group)
        self.batch_size = batch_size
        self.batch_ms = batch_ms
        self.idle_ms = idle_ms
        self.keepalive = keepalive
        self.totals = Totals()
        self.subscribed = threading.Event()
        self._queue: queue.Queue[_Received] = queue.Queue()
        self._lock = threading.Lock()
        ids = [client_id] if connections == 1 else [f"{client_id}-{n}" for n in range(connections)]
        self.links = [_Link(self, n, cid) for n, cid in enumerate(ids)]

    def _update_subscribed(self) -> None:
        # under self._lock
        if all(link.subscribed for link in self.links):
            self.subscribed.set()
        else:
            self.subscribed.clear()

    # --- the consumer's thread ------------------------------------------------------------

    def connect(self) -> None:
        for link in self.links:
            link.client.connect_async(self.broker.host, self.broker.port, keepalive=self.keepalive)
            link.client.loop_start()

    def close(self) -> None:
        """Disconnect (unacknowledged messages stay with the broker) and stop paho's threads."""
        for link in self.links:
            link.client.disconnect()
            link.client.loop_stop()

    def pending(self) -> int:
        return self._queue.qsize()

    def _collect(self, wait: float) -> list[_Received]:
        try:
            first = self._queue.get(timeout=wait)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.batch_ms / 1000
        while len(batch) < self.batch_size:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                batch.append(self._queue.get(timeout=min(left, self.idle_ms / 1000)))
            except queue.Empty:
                break  # the stream paused: the broker is probably waiting for our acks
        return batch

    def _ingest(self, batch: list[_Received], stop: threading.Event) -> ingest.IngestResult | None:
        delay = 1.0
        while True:
            try:
                return ingest.ingest_batch(
                    [m.payload for m in batch], "mqtt", topics=[m.topic for m in batch]
                )
            except Exception:
                logger.exception(
                    "Ingesting a batch of %d failed; retrying in %.0fs", len(batch), delay
                )
                close_old_connections()
                if stop.wait(delay):
                    return None  # stopping: leave the batch unacknowledged for redelivery
                delay = min(delay * 2, 60.0)

    def _ack(self, batch: list[_Received]) -> None:
        with self._lock:
            generations = [link.generation for link in self.links]
        for m in batch:
            # An id from an earlier connection means nothing on this one: the broker will
            # redeliver that message, and ingestion will count it as a duplicate.
            if m.qos > 0 and m.generation == generations[m.link]:
                self.links[m.link].client.ack(m.mid, m.qos)
                self.totals.acked += 1

    def process_once(self, stop: threading.Event, wait: float = 0.5) -> int:
        """Collect one batch, ingest it, acknowledge it; the number of messages handled."""
        batch = self._collect(wait)
        if not batch:
            return 0
        result = self._ingest(batch, stop)
        if result is None:
            return 0
        self._ack(batch)
        self.totals.received += len(batch)
        self.totals.batches += 1
        self.totals.outcomes.update(result.counts)
        return len(batch)

    def run(
        self,
        stop: threading.Event,
        *,
        until: Any = None,
        timeout: float | None = None,
        log_every: float = 60.0,
    ) -> Totals:
        """Ingest until `stop` is set (then drain what was received), `until(totals)` is true,
        or `timeout` seconds pass."""
        started = last_log = time.monotonic()
        while not stop.is_set():
            self.process_once(stop)
            now = time.monotonic()
            if until is not None and until(self.totals):
                break
            if timeout is not None and now - started > timeout:
                break
            if now - last_log >= log_every:
                logger.info("MQTT consumer: %s", self.totals.line())
                last_log = now
        if stop.is_set():
            drain = threading.Event()
            while self.process_once(drain, wait=0.05):
                pass
        logger.info("MQTT consumer: %s", self.totals.line())
        return self.totals
