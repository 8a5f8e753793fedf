"""audit_many: many events appended to the hash chain in one transaction (one lock, one read
of the last hash, bulk INSERTs), with the same checks and defaults as audit()."""

from __future__ import annotations

import math
import threading
from itertools import pairwise
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cunshe.core.audit import (
    GENESIS,
    Event,
    audit,
    audit_many,
    reset_current_request,
    set_current_request,
    verify_chain,
)
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent
from cunshe.core.tests.conftest import requires_postgres

pytestmark = pytest.mark.django_db

VILLAGE = Jurisdiction(prefixes=("220182102200",), role="village_clerk")
FIELDS = [
    "actor_id",
    "actor_username",
    "role",
    "region_code",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "ip",
    "request_id",
    "detail",
]


def _events(n: int, action: str = "test.batch.step") -> list[Event]:
    return [Event(action, jurisdiction=VILLAGE, detail={"i": i}) for i in range(n)]


def test_events_are_linked_in_order_and_the_chain_verifies_mixed_with_audit():
    first = audit("test.single.before")
    batch = audit_many(_events(5))
    last = audit("test.single.after")
    assert [e.detail["i"] for e in batch] == [0, 1, 2, 3, 4]
    ids = [e.pk for e in batch]
    assert ids == sorted(ids) and ids[0] > first.pk and last.pk > ids[-1]
    assert batch[0].prev_hash == first.hash
    for prev, event in pairwise(batch):
        assert event.prev_hash == prev.hash
    assert last.prev_hash == batch[-1].hash
    stored = list(AuditEvent.objects.order_by("id"))
    assert [e.action for e in stored] == (
        ["test.single.before"] + ["test.batch.step"] * 5 + ["test.single.after"]
    )
    result = verify_chain(batch_size=2)  # across verification batches too
    assert result.ok, result.reason
    assert result.checked == 7


def test_first_events_of_an_empty_trail_start_at_genesis():
    batch = audit_many(_events(2))
    assert batch[0].prev_hash == GENESIS
    assert verify_chain().ok


def test_more_events_than_one_insert_holds_stay_one_chain():
    audit("test.single.before")
    with CaptureQueriesContext(connection) as ctx:
        batch = audit_many(_events(1201))
    inserts = [q for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
    # Up to 500 rows per INSERT (fewer on SQLite, whose statements take at most 999 values).
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    per_insert = min(500, connection.ops.bulk_batch_size(fields, batch))
    assert len(inserts) == math.ceil(1201 / per_insert) > 1
    assert [e.detail["i"] for e in AuditEvent.objects.order_by("id")[1:]] == list(range(1201))
    assert AuditEvent.objects.order_by("-id").first().hash == batch[-1].hash
    assert verify_chain(batch_size=500).ok


def test_the_statements_do_not_grow_with_the_number_of_events():
    audit("test.single.before")
    counts = []
    for n in (2, 60):  # both within one INSERT on either database
        with CaptureQueriesContext(connection) as ctx:
            audit_many(_events(n))
        sql = [q["sql"] for q in ctx.captured_queries]
        assert sum(s.startswith("SELECT") and "core_auditevent" in s for s in sql) == 1
        assert sum(s.startswith("INSERT") for s in sql) == 1
        assert sum("pg_advisory_xact_lock" in s for s in sql) == (
            1 if connection.vendor == "postgresql" else 0
        )
        counts.append(len(sql))
    assert counts[0] == counts[1]


def test_fields_are_filled_as_audit_fills_them(cast):
    target = cast.clerk_a
    one = audit(
        "test.thing.done",
        actor=cast.leader_a,
        jurisdiction=VILLAGE,
        obj=target,
        outcome=AuditEvent.Outcome.DENIED,
        detail={"why": "x"},
    )
    (many,) = audit_many(
        [
            Event(
                "test.thing.done",
                actor=cast.leader_a,
                jurisdiction=VILLAGE,
                obj=target,
                outcome=AuditEvent.Outcome.DENIED,
                detail={"why": "x"},
            )
        ]
    )
    stored = AuditEvent.objects.get(pk=many.pk)
    assert [getattr(stored, f) for f in FIELDS] == [getattr(one, f) for f in FIELDS]
    assert stored.object_type == "accounts.user" and stored.object_id == str(target.pk)
    assert stored.region_code == "220182102200" and stored.role == "village_clerk"
    explicit = audit_many([Event("test.thing.done", object_type="x.y", object_id=7)])[0]
    assert (explicit.object_type, explicit.object_id) == ("x.y", "7")


def test_actor_region_ip_and_request_id_default_to_the_current_request(cast, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = SimpleNamespace(
        user=cast.clerk_a,
        jurisdiction=VILLAGE,
        META={"REMOTE_ADDR": "10.1.2.3"},
        request_id="req-1",
    )
    token = set_current_request(request)  # type: ignore[arg-type]
    try:
        a, b = audit_many([Event("test.thing.read"), Event("test.thing.read", actor=cast.leader_a)])
    finally:
        reset_current_request(token)
    assert (a.actor_id, a.actor_username) == (cast.clerk_a.pk, cast.clerk_a.username)
    assert b.actor_id == cast.leader_a.pk  # an explicit actor wins
    for event in (a, b):
        assert (event.ip, event.request_id, event.region_code) == (
            "10.1.2.3",
            "req-1",
            "220182102200",
        )
    # An explicit request is used the same way.
    (c,) = audit_many([Event("test.thing.read")], request=request)  # type: ignore[arg-type]
    assert c.request_id == "req-1"
    assert verify_chain().ok


@pytest.mark.parametrize(
    "bad",
    [
        Event("test.thing.done", detail={"phone": "13812345678"}),
        Event("test.thing.done", detail={"id_number": "x"}),
        Event("notnamespaced"),
        Event("two.parts"),
    ],
)
def test_one_bad_event_refuses_the_whole_batch_and_writes_nothing(bad):
    with pytest.raises(ValueError):
        audit_many([*_events(3), bad])
    assert AuditEvent.objects.count() == 0


def test_nothing_to_write_touches_nothing():
    with CaptureQueriesContext(connection) as ctx:
        assert audit_many([]) == []
    assert ctx.captured_queries == []


def test_the_caller_rolling_back_takes_the_whole_batch_with_it():
    from django.db import transaction

    audit("test.single.before")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_many(_events(4))
        raise RuntimeError("caller fails after writing")
    assert AuditEvent.objects.count() == 1
    after = audit_many(_events(2))
    assert AuditEvent.objects.count() == 3
    assert after[0].prev_hash == AuditEvent.objects.order_by("id").first().hash
    assert verify_chain().ok


def test_an_altered_event_inside_a_batch_is_detected(raw_tamper):
    audit("test.single.before")
    batch = audit_many(_events(4))
    raw_tamper("UPDATE core_auditevent SET detail = %s WHERE id = %s", ['{"i": 99}', batch[2].id])
    result = verify_chain()
    assert not result.ok
    assert result.broken_at == batch[2].id
    assert "altered" in result.reason


def test_an_event_removed_from_a_batch_breaks_the_next_link(raw_tamper):
    batch = audit_many(_events(4))
    raw_tamper("DELETE FROM core_auditevent WHERE id = %s", [batch[1].id])
    result = verify_chain()
    assert result.broken_at == batch[2].id
    assert "removed" in result.reason


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_batches_and_single_events_from_two_connections_keep_one_unbroken_chain():
    rounds, per_batch = 10, 20
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def singles() -> None:
        try:
            barrier.wait()
            for i in range(rounds * 2):
                audit("test.concurrent.single", detail={"i": i})
        except BaseException as exc:  # surfaced to the main thread below
            errors.append(exc)
        finally:
            connection.close()

    def batches() -> None:
        try:
            barrier.wait()
            for _ in range(rounds):
                audit_many(_events(per_batch, "test.concurrent.batch"))
        except BaseException as exc:  # surfaced to the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=singles), threading.Thread(target=batches)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = verify_chain()
    assert result.ok, result.reason
    assert AuditEvent.objects.filter(action="test.concurrent.batch").count() == rounds * per_batch
    assert AuditEvent.objects.filter(action="test.concurrent.single").count() == rounds * 2
    # Each batch landed in one piece: its 20 events have consecutive ids.
    batch_ids = list(
        AuditEvent.objects.filter(action="test.concurrent.batch")
        .order_by("id")
        .values_list("id", flat=True)
    )
    all_ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    for start in range(0, len(batch_ids), per_batch):
        chunk = batch_ids[start : start + per_batch]
        at = all_ids.index(chunk[0])
        assert all_ids[at : at + per_batch] == chunk
    prevs = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(prevs) == len(set(prevs))
