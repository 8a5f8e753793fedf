"""The sweep's writes are batched: one audit event per alert (the same action and detail as a
single raise writes), appended to the chain together in one INSERT, the chain still valid; the
first rung's SMS rows queued as one send task per batch of ids after commit, every row sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cunshe.care.jobs.checkins import sweep
from cunshe.care.models import Alert, Terminal
from cunshe.care.services.alerts import alert_raise
from cunshe.care.tests.alerts_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.alerts_fixtures import local
from cunshe.core.audit import verify_chain
from cunshe.core.models import AuditEvent, Notification

pytestmark = pytest.mark.django_db

DAY = (2026, 5, 10)
END = local(*DAY, 10, 0)  # the fixture terminals' window is 06:00–10:00


@pytest.fixture
def four_missed(alerting, make_terminal):  # type: ignore[no-untyped-def]
    """The grandfather's terminal and three more in the family, none checked in."""
    f = alerting.family
    for i, person in enumerate((f.grandmother, f.father, f.mother), start=2):
        make_terminal(person, serial=f"T-BULK-{i}", callback_phone=f"1390000000{i}")
    Terminal._base_manager.update(created_at=local(2026, 1, 1, 9, 0))
    return alerting


@pytest.fixture
def batches(monkeypatch):
    """The id lists handed to send_sms_batch (run as the test backend runs them); 2 per task."""
    from cunshe.core import tasks

    enqueued: list[list[int]] = []
    real = tasks.send_sms_batch

    class Recording:
        def enqueue(self, ids):  # type: ignore[no-untyped-def]
            enqueued.append(list(ids))
            return real.enqueue(ids)

    monkeypatch.setattr(tasks, "SMS_BATCH", 2)
    monkeypatch.setattr(tasks, "send_sms_batch", Recording())
    return enqueued


def test_one_audit_event_per_alert_written_in_one_insert(four_missed):
    with CaptureQueriesContext(connection) as ctx:
        assert sweep(now=END) == 4
    # (entering the job's system scope writes an event of its own, in its own INSERT)
    inserts = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('INSERT INTO "core_auditevent"')
        and "care.alert.escalated" in q["sql"]
    ]
    assert len(inserts) == 1
    alerts = list(Alert._base_manager.order_by("id"))
    events = list(AuditEvent.objects.filter(action="care.alert.escalated").order_by("id"))
    assert [e.object_id for e in events] == [str(a.pk) for a in alerts]
    assert {e.object_type for e in events} == {"care.alert"}
    # Grandfather: two family contacts; the others have no profile: their call-back number.
    assert [e.detail for e in events] == [
        {"kind": "missed_checkin", "step": 1, "rung": "family", "recipients": 2, "raised": True},
        *[{"kind": "missed_checkin", "step": 1, "rung": "family", "recipients": 1,
           "raised": True}] * 3,
    ]  # fmt: skip
    # One unbroken run on the chain, linked to the event just before it.
    before = AuditEvent.objects.filter(id__lt=events[0].id).order_by("-id").first()
    assert events[0].prev_hash == before.hash
    assert [e.id for e in events] == list(range(events[0].id, events[0].id + 4))
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert verify_chain().ok


def test_the_batched_event_equals_what_a_single_raise_writes(four_missed, make_terminal):
    sweep(now=END)
    swept = AuditEvent.objects.filter(action="care.alert.escalated").order_by("id").last()
    single_alert = alert_raise(
        terminal=Terminal._base_manager.get(serial="T-BULK-4"),
        kind="missed_checkin",
        at=END,
        for_date=END.date() + timedelta(days=1),
        now=END,
    )
    single = AuditEvent.objects.get(action="care.alert.escalated", object_id=str(single_alert.pk))
    fields = ("actor_id", "actor_username", "role", "region_code", "object_type", "outcome")
    assert [getattr(swept, f) for f in fields] == [getattr(single, f) for f in fields]
    assert swept.detail == single.detail
    assert verify_chain().ok


def test_sms_rows_are_queued_in_batches_after_commit_and_all_sent(
    four_missed, batches, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert sweep(now=END) == 4
    assert batches == []  # nothing queued before the sweep's transaction commits
    for callback in callbacks:
        callback()
    sms = list(
        Notification.objects.filter(channel="sms").order_by("id").values_list("pk", flat=True)
    )
    assert len(sms) == 5  # 2 family contacts + 3 call-back numbers
    assert batches == [sms[0:2], sms[2:4], sms[4:5]]
    assert set(Notification.objects.values_list("status", "attempts")) == {("sent", 1)}
