"""Ingestion core: what is stored, de-duplicated, parked, rejected and counted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cunshe.care import ingest
from cunshe.care.models import Alert, IngestCounter, ParkedEvent, Terminal, TerminalEvent
from cunshe.care.tests.terminals_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.terminals_fixtures import SECRET, message, raw
from cunshe.core.jurisdiction import system_scope

pytestmark = pytest.mark.django_db


def _events(t: Terminal) -> list[TerminalEvent]:
    return list(t.events.order_by("occurred_at"))


def _counts(source: str = "http") -> dict[str, int]:
    return dict(IngestCounter.objects.filter(source=source).values_list("outcome", "count"))


def _fresh(t: Terminal) -> Terminal:
    return Terminal._base_manager.get(pk=t.pk)


def test_a_heartbeat_is_stored_and_moves_the_terminal(terminal):
    at = timezone.now() - timedelta(minutes=1)
    result = ingest.ingest_batch([raw(message(at=at, battery=76))], "mqtt")
    assert result.counts == {"accepted": 1}
    t = _fresh(terminal)
    assert t.last_seen_at == at
    assert t.battery == 76
    assert t.last_checkin_at is None
    [event] = _events(terminal)
    assert (event.kind, event.source, event.battery) == ("heartbeat", "mqtt", 76)
    assert event.region_code == terminal.region_code
    assert _counts("mqtt") == {"accepted": 1}


def test_a_checkin_sets_the_last_checkin(terminal):
    at = timezone.now() - timedelta(minutes=2)
    ingest.ingest_batch([message(kind="checkin", at=at)], "http")
    assert _fresh(terminal).last_checkin_at == at


def test_redelivered_messages_are_stored_once_and_counted_as_duplicates(terminal):
    m = message(event_id="dup-1")
    first = ingest.ingest_batch([raw(m), raw(m)], "mqtt")
    again = ingest.ingest_batch([raw(m)], "mqtt")
    assert [r.outcome for r in first.results] == ["accepted", "duplicate"]
    assert again.counts == {"duplicate": 1}
    assert len(_events(terminal)) == 1
    assert _counts("mqtt") == {"accepted": 1, "duplicate": 2}


def test_the_same_event_id_on_two_terminals_is_two_events(family, make_terminal, terminal):
    other = make_terminal(family.grandfather, serial="T-0002", secret="other")
    ingest.ingest_batch(
        [message(event_id="x"), message("T-0002", event_id="x", secret="other")], "http"
    )
    assert len(_events(terminal)) == 1 and len(_events(other)) == 1


def test_an_sos_raises_one_alert_however_often_it_is_delivered(terminal, raised):
    m = message(kind="sos", event_id="sos-1")
    result = ingest.ingest_batch([raw(m)], "mqtt")
    ingest.ingest_batch([raw(m)], "mqtt")
    ingest.ingest_batch([m], "http")
    assert result.alerts_raised == 1
    event = TerminalEvent._base_manager.get(event_id="sos-1")
    assert raised == [("sos", event.pk)]


def test_fall_and_removed_raise_their_alerts_low_battery_does_not(terminal, raised):
    ingest.ingest_batch(
        [message(kind="fall"), message(kind="removed"), message(kind="low_battery", battery=9)],
        "http",
    )
    assert sorted(kind for kind, _e in raised) == ["device_removed", "fall"]
    assert _fresh(terminal).battery == 9


def test_a_stored_sos_whose_alert_was_lost_raises_it_on_redelivery(terminal, monkeypatch, raised):
    from cunshe.care.services import alerts

    recorder = alerts.alert_raise

    def dies(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the process died here")

    monkeypatch.setattr(alerts, "alert_raise", dies)
    m = message(kind="sos", event_id="sos-lost")
    first = ingest.ingest_batch([raw(m)], "mqtt")
    assert first.results[0].outcome == "accepted"
    assert len(first.alerts_failed) == 1
    with system_scope("test"):
        assert not Alert.objects.exists()
    monkeypatch.setattr(alerts, "alert_raise", recorder)
    again = ingest.ingest_batch([raw(m)], "mqtt")
    assert again.results[0].outcome == "duplicate"
    assert again.alerts_raised == 1
    assert len(raised) == 1


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json", "malformed"),
        (b"[1, 2]", "malformed"),
        (b"\xff\xfe", "malformed"),
        (raw({**message(), "v": 2}), "version"),
        (raw({**message(), "v": True}), "version"),
        (raw({k: v for k, v in message().items() if k != "id"}), "id"),
        (raw(message(event_id="x" * 65)), "id"),
        (raw(message(event_id="has space")), "id"),
        (raw({**message(), "device": ""}), "device"),
        (raw(message(kind="party")), "type"),
        (raw(message(at="yesterday")), "timestamp"),
        (raw(message(at="2026-05-01T08:00:00")), "timestamp"),
        (raw(message(battery=101)), "battery"),
        (raw(message(battery="full")), "battery"),
        (raw(message(lat=91.0)), "position"),
        (raw(message(lon="east")), "position"),
        (raw(message(secret="")), "unsigned"),
        (raw({**message(), "sig": "zz"}), "signature"),
    ],
)
def test_malformed_messages_are_rejected_counted_and_not_stored(terminal, payload, reason):
    result = ingest.ingest_batch([payload], "mqtt")
    assert [(r.outcome, r.reason) for r in result.results] == [("rejected", reason)]
    assert not _events(terminal)
    assert not ParkedEvent.objects.exists()
    assert _counts("mqtt") == {f"rejected:{reason}": 1}


def test_a_message_too_big_is_rejected_before_parsing(terminal, settings):
    settings.CARE_RULES = {"MAX_MESSAGE_BYTES": 200}
    result = ingest.ingest_batch([raw(message(pad="x" * 300))], "mqtt")
    assert result.counts == {"rejected:too_big": 1}
    result = ingest.ingest_batch([message(pad="x" * 300)], "http")
    assert result.counts == {"rejected:too_big": 1}


def test_a_timestamp_beyond_the_clock_skew_is_rejected(terminal, settings):
    settings.CARE_RULES = {"MAX_CLOCK_SKEW_MINUTES": 10}
    now = timezone.now()
    ok = message(at=now + timedelta(minutes=9))
    late = message(at=now + timedelta(minutes=11))
    result = ingest.ingest_batch([ok, late], "http", received_at=now)
    assert [r.key for r in result.results] == ["accepted", "rejected:future"]


def test_a_bad_signature_is_rejected_and_counted_on_the_terminal(terminal):
    forged = message(kind="sos", secret="guessed")
    tampered = {**message(kind="heartbeat"), "type": "sos"}
    result = ingest.ingest_batch([forged, tampered], "http")
    assert result.counts == {"rejected:signature": 2}
    t = _fresh(terminal)
    assert t.bad_signature_count == 2 and t.bad_signature_at is not None
    assert not _events(terminal)


def test_a_message_on_another_devices_topic_is_rejected(terminal):
    m = message()
    result = ingest.ingest_batch(
        [raw(m), raw(m)],
        "mqtt",
        topics=["cunshe/v1/terminals/T-9999/events", "cunshe/v1/terminals/T-0001/events"],
    )
    assert [r.key for r in result.results] == ["rejected:topic", "accepted"]


def test_unknown_serials_are_parked_once(terminal):
    m = message("NEW-77", secret="whatever")
    result = ingest.ingest_batch([raw(m), raw(m)], "mqtt")
    ingest.ingest_batch([raw(m)], "mqtt")
    assert [r.outcome for r in result.results] == ["parked", "duplicate"]
    [parked] = ParkedEvent.objects.all()
    assert (parked.serial, parked.event_id, parked.source) == ("NEW-77", m["id"], "mqtt")
    assert parked.payload["sig"] == m["sig"]  # kept whole, so a replay can verify it
    assert _counts("mqtt") == {"parked": 1, "duplicate": 2}


def test_an_inactive_terminals_messages_are_parked(terminal):
    Terminal._base_manager.filter(pk=terminal.pk).update(active=False)
    result = ingest.ingest_batch([message(kind="sos")], "http")
    assert result.counts == {"parked": 1}
    assert not _events(terminal)


def test_removed_clears_worn_and_any_later_event_sets_it_again(terminal):
    now = timezone.now()
    ingest.ingest_batch([message(kind="removed", at=now - timedelta(minutes=5))], "http")
    assert _fresh(terminal).worn is False
    ingest.ingest_batch([message(at=now - timedelta(minutes=9))], "http")  # older: no change
    t = _fresh(terminal)
    assert t.worn is False and t.last_seen_at == now - timedelta(minutes=5)
    ingest.ingest_batch([message(at=now - timedelta(minutes=1))], "http")
    assert _fresh(terminal).worn is True


def test_messages_out_of_order_in_one_batch_leave_the_latest_state(terminal):
    now = timezone.now()
    batch = [
        message(at=now - timedelta(minutes=1), battery=50),
        message(at=now - timedelta(minutes=3), battery=80),
        message(kind="checkin", at=now - timedelta(minutes=2)),
    ]
    ingest.ingest_batch(batch, "http")
    t = _fresh(terminal)
    assert (t.last_seen_at, t.battery) == (now - timedelta(minutes=1), 50)
    assert t.last_checkin_at == now - timedelta(minutes=2)


def test_a_mixed_batch_answers_per_message_in_order(terminal):
    batch = [message(), b"{", message("NOPE-1", secret="x"), message(secret="bad")]
    result = ingest.ingest_batch(batch, "http")
    assert [r.key for r in result.results] == [
        "accepted",
        "rejected:malformed",
        "parked",
        "rejected:signature",
    ]
    assert result.results[2].as_dict() == {
        "id": batch[2]["id"],
        "device": "NOPE-1",
        "outcome": "parked",
    }


def test_replays_can_leave_the_counters_alone(terminal):
    ingest.ingest_batch([message()], "http", count=False)
    assert _counts() == {}


def test_a_batch_costs_the_same_queries_for_ten_or_eighty_messages(family, make_terminal, terminal):
    others = [
        make_terminal(family.grandfather, serial=f"T-1{i:03d}", secret=SECRET) for i in range(9)
    ]
    serials = ["T-0001", *(t.serial for t in others)]

    def run(n: int) -> int:
        batch = [raw(message(serials[i % 10], battery=50 + i % 10)) for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            result = ingest.ingest_batch(batch, "mqtt")
        assert result.counts == {"accepted": n}
        return len(ctx.captured_queries)

    run(1)  # creates the day's counter row
    small, big = run(10), run(80)
    # the terminals, one INSERT … RETURNING, one UPDATE … FROM (VALUES …) of the terminals, one
    # counter UPDATE, and the savepoint pair of the batch's atomic inside pytest's transaction
    assert small == big == 6
