"""notify_many: the same rows and checks as notify, written in bulk; SMS rows handed to the
sending task once the transaction commits, one `send_sms_batch` task per SMS_BATCH rows, each
row still sent, locked, counted and retried on its own."""

from __future__ import annotations

import pytest

from cunshe.core.models import Notification
from cunshe.core.notifications import Message, notify_many
from cunshe.core.tests.conftest import requires_postgres

pytestmark = pytest.mark.django_db


def test_rows_per_channel_in_order(cast):
    cast.clerk_a.phone = "13700000001"
    cast.clerk_a.save()
    rows = notify_many(
        [
            Message(recipient=cast.clerk_a, subject="甲", body="正文甲", link="/care/board/",
                    channels=("in_app", "sms")),
            Message(recipient=None, subject="乙", body="正文乙", channels=("sms",),
                    phone="13911112222"),
        ]
    )  # fmt: skip
    assert [r.pk is not None for r in rows] == [True, True, True]
    stored = list(Notification.objects.order_by("id"))
    assert [(n.channel, n.subject) for n in stored] == [
        ("in_app", "甲"),
        ("sms", "甲"),
        ("sms", "乙"),
    ]
    assert stored[0].status == "sent" and stored[0].sent_at is not None
    assert stored[1].phone == "" and stored[1].phone_masked.endswith("0001")
    assert stored[2].phone == "13911112222" and stored[2].recipient_id is None


def test_sms_is_sent_after_commit(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify_many([Message(recipient=None, subject="s", body="b", channels=("sms",),
                             phone="13911112222")])  # fmt: skip
    assert len(callbacks) == 1
    assert Notification.objects.get().status == "sent"  # the outbox backend "sent" it


@pytest.mark.parametrize(
    "message",
    [
        Message(recipient=None, subject="s", body="b", channels=("in_app",), phone="1391111"),
        Message(recipient=None, subject="s", body="b", channels=("sms",)),
        Message(recipient=None, subject="s", body="b", channels=("fax",), phone="1"),
        Message(recipient=None, subject="s", body="b", channels=("sms",), phone="1",
                link="https://evil.example/"),
    ],
)  # fmt: skip
def test_bad_messages_are_refused_and_nothing_is_written(message):
    with pytest.raises(ValueError):
        notify_many([message])
    assert Notification.objects.count() == 0


def test_nothing_to_send_writes_nothing():
    assert notify_many([]) == []


# --- sending in batches: one send_sms_batch task per SMS_BATCH rows ---------------------------

FAILING = "cunshe.core.sms.FailingSmsBackend"


def _sms(n: int, phone: str = "13911112222") -> list[Message]:
    return [
        Message(recipient=None, subject=f"s{i}", body="b", channels=("sms",), phone=phone)
        for i in range(n)
    ]


@pytest.fixture
def batches(monkeypatch):
    """Record the id lists handed to send_sms_batch (and run them, as the test backend does);
    batches of 2 so a handful of rows makes several tasks."""
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


def test_one_task_per_batch_after_commit_and_every_row_sent(
    batches, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = notify_many(_sms(5))
        assert batches == []  # nothing is queued before the transaction commits
    assert len(callbacks) == 1
    callbacks[0]()
    ids = [r.pk for r in rows]
    assert batches == [ids[0:2], ids[2:4], ids[4:5]]
    stored = list(Notification.objects.order_by("id"))
    assert [(n.status, n.attempts) for n in stored] == [("sent", 1)] * 5
    assert all(n.gateway_reference.startswith("outbox-") for n in stored)
    assert all(n.phone_masked == "139****2222" for n in stored)


def test_in_app_rows_are_not_queued(batches, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify_many(
            [Message(recipient=cast.clerk_a, subject="s", body="b", channels=("in_app",))]
        )
    assert batches == []
    assert rows[0].status == "sent"


def test_a_batch_reports_each_row_and_leaves_sent_and_spent_rows_alone():
    from cunshe.core.tasks import SMS_MAX_ATTEMPTS, send_sms_batch

    pending, sent, spent = notify_many(_sms(3))
    Notification.objects.filter(pk=sent.pk).update(status="sent", attempts=1)
    Notification.objects.filter(pk=spent.pk).update(status="failed", attempts=SMS_MAX_ATTEMPTS)
    outcomes = send_sms_batch.call([pending.pk, sent.pk, spent.pk, 999_999])
    assert outcomes == {"sent": 1, "already-sent": 1, "gave-up": 1, "missing": 1}
    rows = {n.pk: n for n in Notification.objects.all()}
    assert (rows[pending.pk].status, rows[pending.pk].attempts) == ("sent", 1)
    assert rows[sent.pk].attempts == 1 and rows[sent.pk].gateway_reference == ""
    assert (rows[spent.pk].status, rows[spent.pk].attempts) == ("failed", SMS_MAX_ATTEMPTS)


def test_failures_are_recorded_per_row_and_the_retry_job_sends_them(
    batches, settings, cast, django_capture_on_commit_callbacks
):
    from cunshe.core.tasks import retry_failed_sms

    settings.SMS_BACKEND = FAILING
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify_many(_sms(3))
    for note in Notification.objects.all():
        assert (note.status, note.attempts) == ("failed", 1)
        assert "gateway unavailable" in note.last_error
    settings.SMS_BACKEND = "cunshe.core.sms.OutboxSmsBackend"
    batches.clear()
    assert retry_failed_sms.call() == 3
    assert batches == [[rows[0].pk, rows[1].pk], [rows[2].pk]]  # the retry job batches too
    assert [(n.status, n.attempts, n.last_error) for n in Notification.objects.order_by("id")] == [
        ("sent", 2, "")
    ] * 3
    assert retry_failed_sms.call() == 0


def test_a_row_without_a_phone_fails_alone(cast, django_capture_on_commit_callbacks):
    from cunshe.core.tasks import send_sms_batch

    cast.clerk_a.phone = ""
    cast.clerk_a.save()
    ok, nophone, ok2 = notify_many(
        [
            *_sms(1),
            Message(recipient=cast.clerk_a, subject="s", body="b", channels=("sms",)),
            *_sms(1),
        ]
    )
    assert send_sms_batch.call([ok.pk, nophone.pk, ok2.pk]) == {"sent": 2, "failed": 1}
    nophone.refresh_from_db()
    assert nophone.status == "failed" and "no phone" in nophone.last_error


def test_an_error_on_one_row_does_not_strand_the_rest(monkeypatch):
    from cunshe.core import tasks

    first, broken, last = notify_many(_sms(3))
    real = tasks._send_one

    def send_one(notification_id: int) -> str:
        if notification_id == broken.pk:
            raise RuntimeError("database went away")
        return real(notification_id)

    monkeypatch.setattr(tasks, "_send_one", send_one)
    assert tasks.send_sms_batch.call([first.pk, broken.pk, last.pk]) == {"sent": 2, "error": 1}
    statuses = dict(Notification.objects.values_list("pk", "status"))
    # The broken row stays pending: the retry job takes it up once it counts as stuck.
    assert statuses == {first.pk: "sent", broken.pk: "pending", last.pk: "sent"}


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_row_locked_by_another_sender_is_not_sent_twice():
    import threading
    import time

    from django.db import connection, transaction
    from django.utils import timezone

    from cunshe.core.tasks import send_sms_batch

    # Written directly: notify_many's own after-commit sending would send them at once here.
    locked, other = (
        Notification.objects.create(channel="sms", subject="s", body="b", phone="13911112222")
        for _ in range(2)
    )
    holding = threading.Event()

    def other_sender() -> None:
        try:
            with transaction.atomic():
                Notification.objects.select_for_update().get(pk=locked.pk)
                holding.set()
                time.sleep(0.5)  # the batch below waits on the row lock meanwhile
                Notification.objects.filter(pk=locked.pk).update(
                    status="sent", attempts=1, sent_at=timezone.now(), gateway_reference="other"
                )
        finally:
            connection.close()

    thread = threading.Thread(target=other_sender)
    thread.start()
    assert holding.wait(10)
    outcomes = send_sms_batch.call([locked.pk, other.pk])
    thread.join()
    assert outcomes == {"already-sent": 1, "sent": 1}
    locked.refresh_from_db()
    assert (locked.attempts, locked.gateway_reference) == (1, "other")
