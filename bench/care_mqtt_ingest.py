"""MQTT ingestion of terminal events: sustained events/s through the local Mosquitto into the
database, with no loss and no duplicates stored.

    .venv/bin/python bench/care_mqtt_ingest.py [--db sqlite|postgres] [--events 50000]
        [--terminals 1000] [--rates 500,1000,2000,0] [--dup 0.01] [--broker mqtt://127.0.0.1:1883]

Uses its own database: SQLite in var/bench_care_mqtt.sqlite3 (deleted and re-made), or
PostgreSQL at postgres://postgres@127.0.0.1:5432/cunshe_bench_care_mqtt (dropped and
re-created). It registers `terminals` terminals in three villages, starts
`manage.py care_mqtt_consume` in another process (a fresh client id and topic prefix), then
publishes signed heartbeats/check-ins from this process in phases of increasing rate (0 = as
fast as paho publishes), `events / len(rates)` per phase, about `dup` of them re-published with
the same id (what a QoS 1 redelivery looks like).

Printed per phase: offered rate, the consumer's sustained rate (messages counted / time from the
first publish to the last one counted), stored == unique published (no loss), duplicates counted and
not stored. Then, in this process, the same rows through `ingest.ingest_batch` without MQTT and
as a plain `bulk_create` (the floor), as ratios. Not part of CI.

Mosquitto's defaults matter: max_inflight_messages 20 (the consumer sees at most 20
unacknowledged messages at a time, so batches stay small) and max_queued_messages 1000 (a
persistent session's backlog beyond 1000 is dropped by the broker). docs/terminals.md says what
to set in production; the phases show where these defaults start to bite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
PG_URL = "postgres://postgres@127.0.0.1:5432/cunshe_bench_care_mqtt"
SQLITE = ROOT / "var" / "bench_care_mqtt.sqlite3"
PY = str(ROOT / ".venv" / "bin" / "python")


def _setup(db: str) -> str:
    if db == "postgres":
        from _common import recreate_database

        url = os.environ.get("DATABASE_URL") or PG_URL
        recreate_database(url)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{SQLITE}"
    os.environ.update(
        CUNSHE_ENV="development", CUNSHE_DEBUG="0", DATABASE_URL=url, CUNSHE_LOG_LEVEL="WARNING"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunshe.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def _populate(n: int) -> list[tuple[str, str]]:
    """n persons wearing terminals in the cast's three villages; (serial, secret) pairs."""
    from cunshe.care.models import Terminal
    from cunshe.core.testing.cast import build_tree
    from cunshe.residents.models import Household, Person

    regions = build_tree()
    villages = [regions[c] for c in ("220182102200", "220182102201", "220322103200")]
    households = [
        Household(region=v, region_code=v.code, village_code=v.code, number=f"B-{i}")
        for i, v in enumerate(villages * (n // 30 + 1))
    ]
    Household.objects.bulk_create(households, batch_size=2000)
    persons = [
        Person(
            household=households[i // 10],
            region_id=households[i // 10].region_id,
            region_code=households[i // 10].region_code,
            relationship="70",
            name=f"老人{i}",
            sex="F",
            birth_date=date(1948, 1, 1),
        )
        for i in range(n)
    ]
    Person.objects.bulk_create(persons, batch_size=2000)
    pairs = [(f"BENCH-{i:06d}", uuid.uuid4().hex) for i in range(n)]
    Terminal.objects.bulk_create(
        [
            Terminal(
                person=p,
                region_id=p.region_id,
                region_code=p.region_code,
                serial=serial,
                secret=secret,
                callback_phone="13900001111",
            )
            for p, (serial, secret) in zip(persons, pairs, strict=True)
        ],
        batch_size=2000,
    )
    return pairs


def _messages(pairs, count: int, dup: float, tag: str, rnd: random.Random):  # type: ignore[no-untyped-def]
    """`count` signed messages (raw bytes, with their serials), `dup` of them repeats."""
    from django.utils import timezone

    from cunshe.care import signing

    base = timezone.localtime() - timedelta(minutes=5)
    out: list[tuple[str, bytes]] = []
    unique = 0
    for i in range(count):
        if out and rnd.random() < dup:
            out.append(rnd.choice(out))
            continue
        serial, secret = pairs[i % len(pairs)]
        body = {
            "v": 1,
            "id": f"{tag}-{i}",
            "device": serial,
            "type": "checkin" if i % 10 == 0 else "heartbeat",
            "at": (base + timedelta(milliseconds=i)).isoformat(),
            "battery": 50 + i % 50,
        }
        out.append((serial, json.dumps(signing.sign(secret, body)).encode()))
        unique += 1
    return out, unique


def _counted() -> dict[str, int]:
    from django.db import close_old_connections

    from cunshe.care.models import IngestCounter

    close_old_connections()
    return dict(
        IngestCounter.objects.filter(source="mqtt")
        .values_list("outcome", "count")
        .order_by("outcome")
    )


def _consumer(
    url: str, broker: str, prefix: str, client_id: str, connections: int
) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url)
    log = open(ROOT / "var" / "bench_care_mqtt_consumer.log", "w")
    return subprocess.Popen(
        [PY, "manage.py", "care_mqtt_consume", "--url", broker, "--prefix", prefix,
         "--client-id", client_id, "--log-every", "5", "--connections", str(connections)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def _tuned_broker() -> subprocess.Popen:
    """A private, non-persistent Mosquitto on 127.0.0.1:18830 with production-like limits."""
    conf = ROOT / "var" / "bench_mosquitto.conf"
    conf.write_text(
        "listener 18830 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_inflight_messages 500\nmax_queued_messages 200000\n"
    )
    log = open(ROOT / "var" / "bench_mosquitto.log", "w")
    proc = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=log, stderr=log)
    time.sleep(1)
    if proc.poll() is not None:
        sys.exit("could not start mosquitto on port 18830")
    return proc


def _publish(client, prefix: str, batch: list[tuple[str, bytes]], rate: float) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    infos = []
    for i, (serial, payload) in enumerate(batch):
        infos.append(client.publish(f"{prefix}/terminals/{serial}/events", payload, qos=1))
        if rate:
            ahead = started + (i + 1) / rate - time.perf_counter()
            if ahead > 0:
                time.sleep(ahead)
    for info in infos:
        info.wait_for_publish(timeout=60)


def _wait_for(
    target: int, before: int, quiet: float = 5.0, limit: float = 600.0
) -> tuple[int, float]:
    """Poll the counters until `target` more messages were counted (or nothing moved for
    `quiet` seconds); (how many were counted, when the last one was)."""
    start = last_move = time.perf_counter()
    seen = before
    while time.perf_counter() - start < limit:
        now_total = sum(_counted().values())
        if now_total != seen:
            seen, last_move = now_total, time.perf_counter()
        if seen - before >= target or time.perf_counter() - last_move > quiet:
            break
        time.sleep(0.05)
    return seen - before, last_move


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--terminals", type=int, default=1000)
    parser.add_argument("--rates", default="500,1000,2000,0")
    parser.add_argument("--dup", type=float, default=0.01)
    parser.add_argument("--broker", default="mqtt://127.0.0.1:1883")
    parser.add_argument("--connections", type=int, default=1, help="the consumer's sessions")
    parser.add_argument(
        "--tuned-broker",
        action="store_true",
        help="start a private Mosquitto on port 18830 with the settings docs/terminals.md "
        "recommends (max_inflight_messages 500, max_queued_messages 200000) and use it",
    )
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    rnd = random.Random(5)  # noqa: S311 - synthetic load

    own_broker = _tuned_broker() if args.tuned_broker else None
    if own_broker is not None:
        args.broker = "mqtt://127.0.0.1:18830"
    url = _setup(args.db)
    import paho.mqtt.client as paho

    from cunshe.care import mqtt
    from cunshe.care.models import TerminalEvent
    from cunshe.core.jurisdiction import system_scope

    with system_scope("bench set-up"):
        pairs = _populate(args.terminals)
    run = uuid.uuid4().hex[:8]
    prefix, client_id = f"bench-{run}/cunshe/v1", f"cunshe-bench-{run}"
    broker = mqtt.parse_url(args.broker)
    consumer = _consumer(url, args.broker, prefix, client_id, args.connections)
    pub = paho.Client(callback_api_version=paho.CallbackAPIVersion.VERSION2)
    pub.max_inflight_messages_set(100)
    pub.connect(broker.host, broker.port)
    pub.loop_start()
    try:
        # A probe for an unregistered serial: parked once the consumer has subscribed.
        probe = json.dumps(
            {"v": 1, "id": "probe", "device": "PROBE-1", "type": "heartbeat",
             "at": "2026-01-01T00:00:00+08:00", "sig": "0" * 64}
        ).encode()  # fmt: skip
        deadline = time.perf_counter() + 60
        while not _counted() and time.perf_counter() < deadline:
            pub.publish(f"{prefix}/terminals/PROBE-1/events", probe, qos=1).wait_for_publish(5)
            time.sleep(0.5)
        if not _counted():
            sys.exit("the consumer did not start: see var/bench_care_mqtt_consumer.log")
        time.sleep(1)
        print(f"{args.db}: {args.terminals} terminals, {args.events} events, dup {args.dup:.0%}, "
              f"consumer with {args.connections} connection(s), broker {args.broker}"
              f"{' (tuned)' if own_broker else ' (as installed)'}", flush=True)  # fmt: skip
        print(f"{'offered/s':>10} {'sent':>7} {'unique':>7} {'stored':>7} {'dups':>6} "
              f"{'sustained/s':>12}  no loss")  # fmt: skip
        per_phase = args.events // len(rates)
        all_ok = True
        for p, rate in enumerate(rates):
            batch, unique = _messages(pairs, per_phase, args.dup, f"{run}-p{p}", rnd)
            before_counts = _counted()
            with system_scope("bench count"):
                stored_before = TerminalEvent.objects.count()
            started = time.perf_counter()
            _publish(pub, prefix, batch, rate)
            counted, last = _wait_for(len(batch), sum(before_counts.values()))
            elapsed = last - started
            after = _counted()
            with system_scope("bench count"):
                stored = TerminalEvent.objects.count() - stored_before
            dups = after.get("duplicate", 0) - before_counts.get("duplicate", 0)
            ok = stored == unique and dups == len(batch) - unique and counted == len(batch)
            all_ok &= ok
            label = f"{rate:.0f}" if rate else "max"
            rate_out = counted / elapsed  # what the consumer got through (lost ones never come)
            print(f"{label:>10} {len(batch):>7} {unique:>7} {stored:>7} {dups:>6} "
                  f"{rate_out:>12.0f}  {'yes' if ok else 'NO'}", flush=True)  # fmt: skip
    finally:
        consumer.terminate()
        consumer.wait(timeout=30)
        pub.disconnect()
        pub.loop_stop()
        # forget the bench's persistent sessions on the broker
        ids = [client_id] if args.connections == 1 else [
            f"{client_id}-{n}" for n in range(args.connections)
        ]  # fmt: skip
        for cid in ids:
            wipe = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=cid, clean_session=True)
            wipe.connect(broker.host, broker.port)
            wipe.disconnect()
        if own_broker is not None:
            own_broker.terminate()
            own_broker.wait(timeout=10)

    # In-process baselines on the same kind of rows (fresh ids): ingestion without MQTT, and
    # the plain bulk insert that is its floor.
    from django.db import transaction
    from django.utils import timezone

    from cunshe.care import ingest
    from cunshe.care.models import Terminal

    n = min(args.events, 20_000)
    batch, _u = _messages(pairs, n, 0.0, f"{run}-direct", rnd)
    raw = [m for _s, m in batch]
    started = time.perf_counter()
    for i in range(0, n, 500):
        ingest.ingest_batch(raw[i : i + 500], "mqtt")
    direct = n / (time.perf_counter() - started)
    with system_scope("bench baseline"):
        terminals = {t.serial: t for t in Terminal.objects.all()}
    now = timezone.now()
    rows = []
    for i, (serial, _payload) in enumerate(batch):
        t = terminals[serial]
        rows.append(
            TerminalEvent(terminal_id=t.pk, region_id=t.region_id, region_code=t.region_code,
                          event_id=f"{run}-bulk-{i}", kind="heartbeat", occurred_at=now,
                          received_at=now, source="mqtt", battery=50, payload={})
        )  # fmt: skip
    with system_scope("bench baseline"):
        started = time.perf_counter()
        for i in range(0, n, 500):
            with transaction.atomic():
                TerminalEvent.objects.bulk_create(rows[i : i + 500])
        bulk = n / (time.perf_counter() - started)
    print(f"in-process, {n} events in batches of 500:")
    print(f"  ingest_batch (parse, verify, dedupe, store, update terminals): {direct:,.0f}/s")
    print(f"  plain bulk_create of the same rows:                          {bulk:,.0f}/s")
    print(f"  ingest_batch / bulk_create: {direct / bulk:.2f}")
    print("no loss in every phase" if all_ok else "LOSS or double counting in some phase (above)")


if __name__ == "__main__":
    main()
