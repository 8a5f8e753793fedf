"""Terminal message ingestion, shared by the MQTT consumer and the HTTP endpoint.

`ingest_batch` takes a batch of raw messages and, in a handful of set-based queries:
- rejects what is malformed, too big, unsigned, badly signed, from the future, older than
  MAX_EVENT_AGE_DAYS or sent on another device's topic (counted in IngestCounter by reason,
  never stored, never raised);
- parks well-formed messages for serials nobody registered (or that were deactivated);
- stores each (terminal, event id) once: a redelivered message is counted as a duplicate and
  changes nothing;
- moves each terminal's last seen / last check-in / battery / worn with one UPDATE per batch;
- raises an alert for each SOS, fall and removed-device event that has none yet. This runs after
  the events are committed and checks "no alert yet for this source event", so a message
  redelivered after a crash between the two steps still raises its alert, and never twice.

Nothing here is audited per message (the audit chain is serialised, and devices speak thousands
of times a minute); registrations, secret resets and parked reviews are audited by the services.
Terminals are read without a jurisdiction: a device belongs to no user, and the signature under
its own secret is what authorises its message.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from cunshe.care import signing
from cunshe.care.models import (
    Alert,
    IngestCounter,
    ParkedEvent,
    Terminal,
    TerminalEvent,
)
from cunshe.care.rules import rule

logger = logging.getLogger("cunshe.care.ingest")

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
PARKED = "parked"
REJECTED = "rejected"

KINDS = frozenset(TerminalEvent.Kind.values)
# Which event kinds raise which alert kind.
ALERT_KIND = {"sos": "sos", "fall": "fall", "removed": "device_removed"}
MAX_ID = 64
MAX_SERIAL = 40
_ID = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces
_SIG = re.compile(r"^[0-9a-f]{64}$")
_TOPIC = re.compile(r"^(?P<prefix>.+)/terminals/(?P<serial>[^/]+)/events$")


@dataclass
class Outcome:
    """What became of one message: accepted / duplicate / parked / rejected (with a reason)."""

    outcome: str
    reason: str = ""
    id: str = ""
    device: str = ""

    @property
    def key(self) -> str:
        return f"{self.outcome}:{self.reason}" if self.reason else self.outcome

    def as_dict(self) -> dict[str, str]:
        out = {"id": self.id, "device": self.device, "outcome": self.outcome}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass
class IngestResult:
    results: list[Outcome] = field(default_factory=list)
    alerts_raised: int = 0
    alerts_failed: list[int] = field(default_factory=list)  # event ids whose alert failed

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(r.key for r in self.results))


class _Reject(Exception):
    def __init__(self, reason: str, message: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message or {}


def topic_for(serial: str, prefix: str | None = None) -> str:
    """The MQTT topic a terminal publishes its events on."""
    from django.conf import settings

    return f"{prefix or settings.CARE_MQTT_TOPIC_PREFIX}/terminals/{serial}/events"


def serial_from_topic(topic: str) -> str | None:
    match = _TOPIC.match(topic or "")
    return match.group("serial") if match else None


# --- parsing ----------------------------------------------------------------------------------


def _text(message: dict[str, Any], key: str) -> str:
    value = message.get(key)
    return value if isinstance(value, str) else ""


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse(
    raw: bytes | str | dict[str, Any],
    *,
    now: datetime,
    topic: str | None = None,
    arrived: datetime | None = None,
) -> dict:
    """The message as a checked dict with `at` parsed; raises _Reject(reason) when it is not a
    well-formed, signed message for the topic it came on. Its age is measured from `arrived`
    (when it first reached us: a parked message replayed later), by default `now`."""
    max_bytes = rule("MAX_MESSAGE_BYTES")
    if isinstance(raw, dict):
        message = raw
        try:
            size = len(json.dumps(message, ensure_ascii=False).encode())
        except (TypeError, ValueError) as exc:
            raise _Reject("malformed") from exc
        if size > max_bytes:
            raise _Reject("too_big", message)
    else:
        if isinstance(raw, str):
            raw = raw.encode()
        if len(raw) > max_bytes:
            raise _Reject("too_big")
        try:
            message = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _Reject("malformed") from exc
    if not isinstance(message, dict):
        raise _Reject("malformed")
    if message.get("v") != 1 or isinstance(message.get("v"), bool):
        raise _Reject("version", message)
    event_id, serial = _text(message, "id"), _text(message, "device")
    if not (0 < len(event_id) <= MAX_ID and _ID.match(event_id)):
        raise _Reject("id", message)
    if not (0 < len(serial) <= MAX_SERIAL and _ID.match(serial)):
        raise _Reject("device", message)
    if message.get("type") not in KINDS:
        raise _Reject("type", message)
    stamp = _text(message, "at")
    try:
        at = datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None or at.utcoffset() is None:
        raise _Reject("timestamp", message)
    if at > now + timedelta(minutes=rule("MAX_CLOCK_SKEW_MINUTES")):
        raise _Reject("future", message)
    # Low fix (security review L4): a lower bound as well. An old signed message sent again
    # under a new id is not news; after a secret leak it would be a forged alert.
    if at < (arrived or now) - timedelta(days=rule("MAX_EVENT_AGE_DAYS")):
        raise _Reject("too_old", message)
    battery = message.get("battery")
    if battery is not None and not (isinstance(battery, int) and not isinstance(battery, bool)):
        raise _Reject("battery", message)
    if battery is not None and not 0 <= battery <= 100:
        raise _Reject("battery", message)
    lat, lon = message.get("lat"), message.get("lon")
    if lat is not None and not (_number(lat) and -90 <= lat <= 90):
        raise _Reject("position", message)
    if lon is not None and not (_number(lon) and -180 <= lon <= 180):
        raise _Reject("position", message)
    if "sig" not in message:
        raise _Reject("unsigned", message)
    if not (isinstance(message["sig"], str) and _SIG.match(message["sig"])):
        raise _Reject("signature", message)
    if topic is not None and serial_from_topic(topic) != serial:
        raise _Reject("topic", message)
    return {**message, "_at": at}


# --- the batch --------------------------------------------------------------------------------


def ingest_batch(
    messages: Sequence[bytes | str | dict[str, Any]],
    source: str,
    received_at: datetime | None = None,
    *,
    topics: Sequence[str | None] | None = None,
    count: bool = True,
    arrived: Sequence[datetime | None] | None = None,
) -> IngestResult:
    """Ingest one batch (see the module's docstring); one Outcome per message, in order.
    `topics` (MQTT) gives each message's topic; `count=False` leaves IngestCounter alone (a
    replay of parked messages, already counted when they were parked); `arrived` gives each
    message's first arrival (a replay: the parked row's received_at), from which its age is
    measured."""
    now = received_at or timezone.now()
    result = IngestResult(results=[Outcome("")] * len(messages))
    parsed: list[tuple[int, dict[str, Any]]] = []
    for i, raw in enumerate(messages):
        try:
            message = parse(
                raw,
                now=now,
                topic=topics[i] if topics else None,
                arrived=arrived[i] if arrived else None,
            )
        except _Reject as reject:
            result.results[i] = Outcome(
                REJECTED,
                reject.reason,
                id=_text(reject.message, "id")[:MAX_ID],
                device=_text(reject.message, "device")[:MAX_SERIAL],
            )
            continue
        except Exception:  # a message must never take the consumer down
            logger.exception("Unexpected error parsing a terminal message")
            result.results[i] = Outcome(REJECTED, "malformed")
            continue
        parsed.append((i, message))

    alert_candidates: list[tuple[int, str]] = []  # (terminal id, event id)
    with transaction.atomic():
        terminals = _terminals({m["device"] for _i, m in parsed})
        to_park: list[tuple[int, dict[str, Any]]] = []
        fresh: dict[tuple[int, str], tuple[int, dict[str, Any]]] = {}
        bad_signatures: Counter[int] = Counter()
        for i, message in parsed:
            base = {"id": message["id"], "device": message["device"]}
            terminal = terminals.get(message["device"])
            if terminal is None or not terminal.active:
                to_park.append((i, message))
                continue
            if not signing.verify(terminal.secret, _wire(message)):
                bad_signatures[terminal.pk] += 1
                result.results[i] = Outcome(REJECTED, "signature", **base)
                continue
            key = (terminal.pk, message["id"])
            if key in fresh:
                result.results[i] = Outcome(DUPLICATE, **base)
                continue
            fresh[key] = (i, message)
        rows = [_event(terminals[m["device"]], m, source, now) for _i, m in fresh.values()]
        inserted = _insert_events(rows)
        for key, (i, message) in fresh.items():
            base = {"id": message["id"], "device": message["device"]}
            new = key in inserted
            result.results[i] = Outcome(ACCEPTED if new else DUPLICATE, **base)
            if message["type"] in ALERT_KIND:
                # Duplicates too: the first delivery may have stored the event and died before
                # its alert was raised.
                alert_candidates.append(key)
        if inserted:
            _update_terminals(
                terminals, [e for e in rows if (e.terminal_id, e.event_id) in inserted]
            )
        if bad_signatures:
            _count_bad_signatures(bad_signatures, now)
        for i, outcome in _park(to_park, source, now):
            result.results[i] = outcome
        if count:
            _count(result.results, source, now)
    if alert_candidates:
        result.alerts_raised = raise_missing_alerts(alert_candidates, result.alerts_failed)
    return result


def _wire(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k != "_at"}


@dataclass(slots=True)
class _Device:
    """What ingestion needs of a terminal (plain values: model instances cost more)."""

    pk: int
    serial: str
    secret: str
    active: bool
    region_id: int
    region_code: str
    last_seen_at: datetime | None
    last_checkin_at: datetime | None
    battery: int | None
    worn: bool


_DEVICE_FIELDS = [f for f in _Device.__dataclass_fields__ if f != "pk"]


def _terminals(serials: Iterable[str]) -> dict[str, _Device]:
    serials = list(serials)
    if not serials:
        return {}
    rows = Terminal._base_manager.filter(serial__in=serials).values_list("pk", *_DEVICE_FIELDS)
    return {row[1]: _Device(*row) for row in rows}


_EVENT_COLUMNS = (
    "region_id, region_code, terminal_id, event_id, kind, occurred_at, received_at, source, "
    "battery, payload"
)
# PostgreSQL gets one array per column (10 parameters whatever the batch size: psycopg parses a
# statement with thousands of placeholders slowly); SQLite a multi-row VALUES.
_PG_EVENT_ARRAYS = (
    "%s::bigint[], %s::varchar[], %s::bigint[], %s::varchar[], %s::varchar[], "
    "%s::timestamptz[], %s::timestamptz[], %s::varchar[], %s::smallint[], %s::jsonb[]"
)


def _insert_events(rows: list[TerminalEvent]) -> set[tuple[int, str]]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: the (terminal, event id) pairs that are new.
    One statement, and correct when two consumers store the same message at once."""
    if not rows:
        return set()
    table = connection.ops.quote_name(TerminalEvent._meta.db_table)
    tail = "ON CONFLICT (terminal_id, event_id) DO NOTHING RETURNING terminal_id, event_id"
    columns = [
        [e.region_id for e in rows],
        [e.region_code for e in rows],
        [e.terminal_id for e in rows],
        [e.event_id for e in rows],
        [e.kind for e in rows],
        [e.occurred_at for e in rows],
        [e.received_at for e in rows],
        [e.source for e in rows],
        [e.battery for e in rows],
        [json.dumps(e.payload) for e in rows],
    ]
    if connection.vendor == "postgresql":
        arrays = f"unnest({_PG_EVENT_ARRAYS})"
        sql = f"INSERT INTO {table} ({_EVENT_COLUMNS}) SELECT * FROM {arrays} {tail}"  # noqa: S608
        params: list[Any] = columns
    else:
        adapt = connection.ops.adapt_datetimefield_value
        columns[5] = [adapt(v) for v in columns[5]]
        columns[6] = [adapt(v) for v in columns[6]]
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        values = ", ".join([one] * len(rows))
        sql = f"INSERT INTO {table} ({_EVENT_COLUMNS}) VALUES {values} {tail}"  # noqa: S608
        params = [v for row in zip(*columns, strict=True) for v in row]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(t, e) for t, e in cursor.fetchall()}


def _event(
    terminal: Terminal, message: dict[str, Any], source: str, now: datetime
) -> TerminalEvent:
    payload = {k: message[k] for k in ("lat", "lon") if message.get(k) is not None}
    return TerminalEvent(
        terminal_id=terminal.pk,
        region_id=terminal.region_id,
        region_code=terminal.region_code,
        event_id=message["id"],
        kind=message["type"],
        occurred_at=message["_at"],
        received_at=now,
        source=source,
        battery=message.get("battery"),
        payload=payload,
    )


def _update_terminals(terminals: dict[str, _Device], events: list[TerminalEvent]) -> None:
    """Fold the new events into their terminals: never backwards (messages arrive out of
    order), worn again after any event later than a removal."""
    by_id = {t.pk: t for t in terminals.values()}
    changed: dict[int, Terminal] = {}
    for event in sorted(events, key=lambda e: e.occurred_at):
        t = by_id[event.terminal_id]
        if t.last_seen_at is None or event.occurred_at >= t.last_seen_at:
            t.last_seen_at = event.occurred_at
            t.worn = event.kind != TerminalEvent.Kind.REMOVED
            if event.battery is not None:
                t.battery = event.battery
            changed[t.pk] = t
        if event.kind == TerminalEvent.Kind.CHECKIN and (
            t.last_checkin_at is None or event.occurred_at > t.last_checkin_at
        ):
            t.last_checkin_at = event.occurred_at
            changed[t.pk] = t
    if changed:
        _write_terminal_state(list(changed.values()))


def _write_terminal_state(terminals: list[_Device]) -> None:
    """One UPDATE … FROM (a set of rows) for all of them: Django's bulk_update builds a CASE per
    field and row, which cost more than the rest of the batch."""
    table = connection.ops.quote_name(Terminal._meta.db_table)
    ordered = sorted(terminals, key=lambda t: t.pk)  # a fixed lock order across consumers
    columns = [
        [t.pk for t in ordered],
        [t.last_seen_at for t in ordered],
        [t.last_checkin_at for t in ordered],
        [t.battery for t in ordered],
        [t.worn for t in ordered],
    ]
    if connection.vendor == "postgresql":
        values = (
            "unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::smallint[], "
            "%s::boolean[]) AS v(id, seen, checkin, battery, worn)"
        )
        params: list[Any] = columns
    else:  # SQLite ≥ 3.33 has UPDATE … FROM; VALUES names its columns column1, column2, …
        adapt = connection.ops.adapt_datetimefield_value
        columns[1] = [adapt(v) for v in columns[1]]
        columns[2] = [adapt(v) for v in columns[2]]
        rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(ordered))
        values = (
            "(SELECT column1 AS id, column2 AS seen, column3 AS checkin, column4 AS battery, "  # noqa: S608
            f"column5 AS worn FROM (VALUES {rows})) AS v"
        )
        params = [v for row in zip(*columns, strict=True) for v in row]
    # Only placeholders and our own table name are interpolated into this statement.
    sql = (
        f"UPDATE {table} SET last_seen_at = v.seen, last_checkin_at = v.checkin, "  # noqa: S608
        f"battery = v.battery, worn = v.worn FROM {values} WHERE {table}.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _count_bad_signatures(bad: Counter[int], now: datetime) -> None:
    for terminal_id, n in bad.items():
        Terminal._base_manager.filter(pk=terminal_id).update(
            bad_signature_count=F("bad_signature_count") + n, bad_signature_at=now
        )


def _park(
    to_park: list[tuple[int, dict[str, Any]]], source: str, now: datetime
) -> list[tuple[int, Outcome]]:
    """Keep messages for unknown serials, once per (serial, event id) while unreviewed, up to
    MAX_PARKED_UNREVIEWED in all and MAX_PARKED_PER_SERIAL per serial: parking needs no
    signature (nobody knows the secret of an unregistered device), so without a bound anyone
    could fill the table through the anonymous HTTP endpoint. Past a bound a message is rejected
    as "parked_full" (counted, not stored) until the parked messages are reviewed."""
    if not to_park:
        return []
    unreviewed = ParkedEvent.objects.filter(reviewed_at__isnull=True)
    room_total = max(0, rule("MAX_PARKED_UNREVIEWED") - unreviewed.count())
    per_serial = rule("MAX_PARKED_PER_SERIAL")
    room_serial = {
        serial: max(0, per_serial - n)
        for serial, n in unreviewed.filter(serial__in={m["device"] for _i, m in to_park})
        .order_by()
        .values_list("serial")
        .annotate(n=Count("id"))
    }
    seen = set(
        ParkedEvent.objects.filter(
            serial__in={m["device"] for _i, m in to_park},
            event_id__in={m["id"] for _i, m in to_park},
            reviewed_at__isnull=True,
        ).values_list("serial", "event_id")
    )
    rows, out = [], []
    for i, message in to_park:
        key = (message["device"], message["id"])
        base = {"id": message["id"], "device": message["device"]}
        if key in seen:
            out.append((i, Outcome(DUPLICATE, **base)))
            continue
        room = room_serial.get(message["device"], per_serial)
        if room_total <= 0 or room <= 0:
            out.append((i, Outcome(REJECTED, "parked_full", **base)))
            continue
        room_total -= 1
        room_serial[message["device"]] = room - 1
        seen.add(key)
        rows.append(
            ParkedEvent(
                received_at=now,
                source=source,
                serial=message["device"],
                event_id=message["id"],
                payload=_wire(message),
            )
        )
        out.append((i, Outcome(PARKED, **base)))
    ParkedEvent.objects.bulk_create(rows)
    return out


def _count(results: list[Outcome], source: str, now: datetime) -> None:
    """Add this batch's outcomes to the day's counters (a few rows, one statement each)."""
    day = timezone.localdate(now)
    for outcome, n in Counter(r.key for r in results).items():
        if not outcome:
            continue
        rows = IngestCounter.objects.filter(day=day, source=source, outcome=outcome)
        if rows.update(count=F("count") + n):
            continue
        try:
            with transaction.atomic():
                IngestCounter.objects.create(day=day, source=source, outcome=outcome, count=n)
        except IntegrityError:  # another consumer created it meanwhile
            rows.update(count=F("count") + n)


# --- alerts -----------------------------------------------------------------------------------


def raise_missing_alerts(keys: list[tuple[int, str]], failed: list[int] | None = None) -> int:
    """Raise the alert of each stored SOS / fall / removed event that has none yet; each in its
    own transaction, so one failure neither loses the others nor the stored events (the message
    is redelivered unacknowledged, or the next delivery of any duplicate retries it)."""
    from cunshe.care.services import alerts
    from cunshe.core.jurisdiction import active_system_scope, system_scope

    failed = failed if failed is not None else []
    wanted = set(keys)
    events = [
        e
        for e in TerminalEvent._base_manager.select_related("terminal").filter(
            terminal_id__in={t for t, _e in wanted},
            event_id__in={e for _t, e in wanted},
            kind__in=list(ALERT_KIND),
        )
        if (e.terminal_id, e.event_id) in wanted
    ]
    if not events:
        return 0
    done = set(
        Alert._base_manager.filter(source_event__in=events).values_list(
            "source_event_id", flat=True
        )
    )
    todo = [e for e in events if e.pk not in done]
    if not todo:
        return 0
    raised = 0
    with contextlib.ExitStack() as stack:
        if active_system_scope() is None:
            stack.enter_context(system_scope("care terminal alerts"))
        for event in sorted(todo, key=lambda e: e.occurred_at):
            try:
                with transaction.atomic():
                    alert = alerts.alert_raise(
                        terminal=event.terminal,
                        kind=ALERT_KIND[event.kind],
                        at=event.occurred_at,
                        source_event=event,
                    )
            except Exception:
                # Logged, not raised: the event is stored, and any redelivery of the message
                # retries the alert (it is still missing).
                logger.exception("Raising the alert for terminal event %s failed", event.pk)
                failed.append(event.pk)
                continue
            raised += alert is not None
    return raised
