"""Make the registered terminals of demo villages talk: signed heartbeats, the daily check-in
inside each terminal's window (a few skip it, so the missed check-in sweep has work) and an
occasional SOS — published to MQTT (QoS 1), or posted to the HTTP endpoint with --http.

    manage.py care_simulate --village 220182102200 --rate 20 --sos-every 120 --duration 600

The terminals' secrets are read once, under an audited system scope. For demos and load tests
only: never point it at a production broker.
"""

from __future__ import annotations

import json
import random
import signal
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cunshe.care import ingest, mqtt, signing
from cunshe.care.models import Terminal
from cunshe.core.jurisdiction import is_valid_code, system_scope


@dataclass
class Device:
    serial: str
    secret: str
    start: Any
    end: Any
    battery: int
    checked_in_on: Any = None
    seq: int = 0


class Command(BaseCommand):
    help = "Publish simulated terminal traffic (heartbeats, check-ins, SOS) for demo villages."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--village", action="append", default=[], help="region code prefix")
        parser.add_argument("--rate", type=float, default=10.0, help="messages per second")
        parser.add_argument("--sos-every", type=float, default=300.0, help="seconds; 0 = never")
        parser.add_argument("--duration", type=float, default=0.0, help="seconds; 0 = until ^C")
        parser.add_argument("--skip-checkin", type=float, default=5.0, help="percent who forget")
        parser.add_argument("--http", default="", help="POST to this events URL instead of MQTT")
        parser.add_argument("--url", default="", help="MQTT broker (default: CUNSHE_MQTT_URL)")
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args: Any, **opts: Any) -> None:
        for code in opts["village"]:
            if not is_valid_code(code):
                raise CommandError(f"not a region code: {code}")
        if not 0 < opts["rate"] <= 10_000:
            raise CommandError("--rate must be between 0 and 10000 messages per second")
        rng = random.Random(opts["seed"])  # noqa: S311 - simulated traffic, not secrets
        devices = self._devices(opts["village"], rng)
        if not devices:
            self.stdout.write("No active terminals in those villages: nothing to simulate.")
            return
        send, close = self._sender(opts)
        stop = threading.Event()
        previous = {
            sig: signal.signal(sig, lambda *a: stop.set())
            for sig in (signal.SIGINT, signal.SIGTERM)
        }
        self.stdout.write(f"Simulating {len(devices)} terminals at {opts['rate']}/s")
        sent: dict[str, int] = {}
        interval = 1.0 / opts["rate"]
        started = time.monotonic()
        next_sos = started + opts["sos_every"] if opts["sos_every"] else None
        i = 0
        try:
            while not stop.is_set():
                now_m = time.monotonic()
                if opts["duration"] and now_m - started >= opts["duration"]:
                    break
                device = devices[i % len(devices)]
                i += 1
                kind = self._kind(device, rng, opts["skip_checkin"])
                if next_sos is not None and now_m >= next_sos:
                    device, kind = rng.choice(devices), "sos"
                    next_sos = now_m + opts["sos_every"]
                send(device.serial, self._message(device, kind))
                sent[kind] = sent.get(kind, 0) + 1
                stop.wait(max(0.0, started + i * interval - time.monotonic()))
        finally:
            close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Sent: " + ", ".join(f"{k} {v}" for k, v in sorted(sent.items())))

    def _devices(self, villages: list[str], rng: random.Random) -> list[Device]:
        with system_scope("care_simulate: terminal secrets for simulated traffic"):
            qs = Terminal.objects.filter(active=True)
            if villages:
                from django.db.models import Q

                match = Q()
                for code in villages:
                    match |= Q(region_code__startswith=code)
                qs = qs.filter(match)
            return [
                Device(t.serial, t.secret, t.checkin_start, t.checkin_end, rng.randint(40, 100))
                for t in qs.order_by("serial")
            ]

    def _kind(self, d: Device, rng: random.Random, skip_percent: float) -> str:
        local = timezone.localtime()
        today = local.date()
        if d.checked_in_on != today and d.start and d.end and d.start <= local.time() < d.end:
            d.checked_in_on = today  # the day's one chance: some forget (a missed check-in)
            if rng.random() * 100 >= skip_percent:
                return "checkin"
        if d.battery <= 15 and rng.random() < 0.1:
            return "low_battery"
        return "heartbeat"

    def _message(self, d: Device, kind: str) -> dict[str, Any]:
        d.seq += 1
        if d.seq % 50 == 0:  # batteries run down slowly
            d.battery = max(5, d.battery - 1)
        at: datetime = timezone.localtime()
        body = {
            "v": 1,
            "id": f"sim-{at:%Y%m%d%H%M%S}-{d.seq}",
            "device": d.serial,
            "type": kind,
            "at": at.isoformat(timespec="seconds"),
            "battery": d.battery,
        }
        return signing.sign(d.secret, body)

    def _sender(self, opts: dict[str, Any]) -> tuple[Any, Any]:
        if opts["http"]:
            url = opts["http"]
            if not url.startswith(("http://", "https://")):
                raise CommandError("--http needs an http(s) URL")

            def post(serial: str, message: dict[str, Any]) -> None:
                data = json.dumps(message).encode()
                request = urllib.request.Request(  # noqa: S310 - checked http(s) above
                    url, data=data, headers={"Content-Type": "application/json"}
                )
                try:
                    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                        response.read()
                except OSError as exc:
                    self.stderr.write(f"POST failed: {exc}")

            return post, lambda: None
        url = opts["url"] or settings.CARE_MQTT_URL
        if not url:
            raise CommandError("No MQTT broker: set CUNSHE_MQTT_URL, pass --url, or use --http")
        broker = mqtt.parse_url(url)
        import paho.mqtt.client as paho

        client = paho.Client(callback_api_version=paho.CallbackAPIVersion.VERSION2)
        if broker.username:
            client.username_pw_set(broker.username, broker.password or None)
        if broker.tls:
            client.tls_set()
        client.connect(broker.host, broker.port)
        client.loop_start()
        pending: list[Any] = []

        def publish(serial: str, message: dict[str, Any]) -> None:
            pending.append(client.publish(ingest.topic_for(serial), json.dumps(message), qos=1))
            if len(pending) > 100:
                pending.pop(0).wait_for_publish(timeout=10)

        def close() -> None:
            for info in pending:
                info.wait_for_publish(timeout=10)
            client.disconnect()
            client.loop_stop()

        return publish, close
