"""Consume terminal events from the MQTT broker (settings.CARE_MQTT_URL) until SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cunshe.care import mqtt


class Command(BaseCommand):
    help = "Ingest terminal events from MQTT (QoS 1, acknowledged after commit)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--url", default="", help="broker URL (default: CUNSHE_MQTT_URL)")
        parser.add_argument("--client-id", default=mqtt.DEFAULT_CLIENT_ID)
        parser.add_argument("--prefix", default="", help="topic prefix (default: settings)")
        parser.add_argument(
            "--share-group", default="", help="MQTT shared subscription group (several consumers)"
        )
        parser.add_argument(
            "--connections",
            type=int,
            default=1,
            help="sessions in a shared subscription (each gets the broker's in-flight window)",
        )
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--batch-ms", type=int, default=200)
        parser.add_argument("--idle-ms", type=int, default=5)
        parser.add_argument("--log-every", type=float, default=60.0, help="seconds between counts")

    def handle(self, *args: Any, **opts: Any) -> None:
        url = opts["url"] or settings.CARE_MQTT_URL
        if not url:
            self.stdout.write(
                "No MQTT broker configured (CUNSHE_MQTT_URL is empty): nothing to consume. "
                "Terminals can still post to /api/v1/care/terminals/events."
            )
            return
        try:
            broker = mqtt.parse_url(url)
        except mqtt.BrokerConfigError as exc:
            raise CommandError(str(exc)) from exc
        if not 1 <= opts["batch_size"] <= 5000:
            raise CommandError("--batch-size must be between 1 and 5000")
        if not 1 <= opts["connections"] <= 32:
            raise CommandError("--connections must be between 1 and 32")
        logging.getLogger("cunshe.care").setLevel(logging.INFO)
        consumer = mqtt.Consumer(
            broker,
            client_id=opts["client_id"],
            prefix=opts["prefix"] or None,
            share_group=opts["share_group"],
            connections=opts["connections"],
            batch_size=opts["batch_size"],
            batch_ms=opts["batch_ms"],
            idle_ms=opts["idle_ms"],
        )
        stop = threading.Event()

        def on_signal(signum: int, frame: Any) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.stdout.write(f"Consuming {consumer.topic} from {broker} as {opts['client_id']}")
        consumer.connect()
        try:
            totals = consumer.run(stop, log_every=opts["log_every"])
        finally:
            consumer.close()
        self.stdout.write(f"Stopped: {totals.line()}")
