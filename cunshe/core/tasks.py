"""Background tasks of the core app: sending SMS from the outbox and retrying failures."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from cunshe.core.masking import mask_phone
from cunshe.core.models import Notification
from cunshe.core.scheduling import periodic
from cunshe.core.sms import get_sms_backend

logger = logging.getLogger(__name__)

# The first attempt plus this many retries, then the message stays failed for a person to see.
SMS_MAX_RETRIES = 5
SMS_MAX_ATTEMPTS = 1 + SMS_MAX_RETRIES
# A pending SMS older than this lost its task (worker died, queue wiped): retry it too.
SMS_STUCK_AFTER = timedelta(minutes=10)


# Ids per `send_sms_batch` task: one queue entry per this many messages.
SMS_BATCH = 200


def _send_one(notification_id: int) -> str:
    """Send one SMS notification through the configured gateway; record the outcome."""
    with transaction.atomic():
        # The row lock stops the retry job and a late first attempt from sending twice.
        note = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, channel=Notification.Channel.SMS)
            .first()
        )
        if note is None:
            return "missing"
        if note.status == Notification.Status.SENT:
            return "already-sent"
        if note.attempts >= SMS_MAX_ATTEMPTS:
            return "gave-up"
        note.attempts += 1
        phone = getattr(note.recipient, "phone", "") if note.recipient_id else note.phone
        try:
            if not phone:
                raise ValueError("recipient has no phone number")
            reference = get_sms_backend().send(phone, f"{note.subject}\n{note.body}")
        except Exception as exc:  # any gateway failure is recorded, never lost
            note.status = Notification.Status.FAILED
            note.last_error = f"{type(exc).__name__}: {exc}"[:300]
            note.save(update_fields=["attempts", "status", "last_error"])
            logger.warning("sms %s to %s failed: %s", note.pk, mask_phone(phone), note.last_error)
            return "failed"
        note.status = Notification.Status.SENT
        note.sent_at = timezone.now()
        note.gateway_reference = str(reference)[:100]
        note.last_error = ""
        note.phone_masked = mask_phone(phone)
        note.save(
            update_fields=[
                "attempts",
                "status",
                "sent_at",
                "gateway_reference",
                "last_error",
                "phone_masked",
            ]
        )
        return "sent"


@task(queue_name="notifications")
def send_sms(notification_id: int) -> str:
    """Send one SMS notification through the configured gateway; record the outcome."""
    return _send_one(notification_id)


@task(queue_name="notifications")
def send_sms_batch(notification_ids: list[int]) -> dict[str, int]:
    """Send several SMS notifications, each exactly as `send_sms` does: its own transaction and
    row lock, its attempt counted, a gateway failure recorded on that row (the retry job takes
    it up) without stopping the others. Returns how many ended each way ("sent": 3, ...).

    If the worker dies part-way, the rows not reached stay pending and the retry job picks them
    up once they count as stuck (SMS_STUCK_AFTER)."""
    outcomes: dict[str, int] = {}
    for notification_id in notification_ids:
        try:
            outcome = _send_one(int(notification_id))
        except Exception:  # a database error on one row must not strand the rest of the batch
            logger.exception("sms %s: sending raised; left for the retry job", notification_id)
            outcome = "error"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def enqueue_sms(notification_ids: list[int]) -> None:
    """Queue sending for these SMS rows: one `send_sms_batch` task per SMS_BATCH ids."""
    for start in range(0, len(notification_ids), SMS_BATCH):
        send_sms_batch.enqueue(list(notification_ids[start : start + SMS_BATCH]))


@periodic(every=timedelta(minutes=5), name="core.notifications.retry")
@task(queue_name="notifications")
def retry_failed_sms() -> int:
    """Enqueue another attempt for each failed (or stuck pending) SMS still under the limit."""
    stuck_before = timezone.now() - SMS_STUCK_AFTER
    ids = list(
        Notification.objects.filter(channel=Notification.Channel.SMS, attempts__lt=SMS_MAX_ATTEMPTS)
        .filter(
            Q(status=Notification.Status.FAILED)
            | Q(status=Notification.Status.PENDING, created_at__lt=stuck_before)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    enqueue_sms(ids)
    return len(ids)
