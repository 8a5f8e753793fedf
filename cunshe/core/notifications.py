"""The notifications outbox: every message to a person is a `Notification` row first.

In-app messages are delivered by being written. SMS rows are sent after the surrounding
transaction commits, by a task on the `notifications` queue, through `settings.SMS_BACKEND`;
a failed send stays in the outbox and the periodic retry job tries again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from cunshe.core.masking import mask_phone
from cunshe.core.models import Notification

CHANNELS = frozenset(Notification.Channel.values)


def notify(
    *,
    recipient: Any,
    subject: str,
    body: str,
    link: str = "",
    channels: Iterable[str] = (Notification.Channel.IN_APP,),
    phone: str = "",
) -> list[Notification]:
    """Write one outbox row per channel; SMS rows are sent once the transaction commits.

    `recipient` may be None for an SMS to a person without an account: `phone` is then the
    number (kept encrypted). In-app messages need a recipient."""
    channels = list(dict.fromkeys(channels))
    unknown = set(channels) - CHANNELS
    if unknown or not channels:
        raise ValueError(f"unknown or no notification channels: {sorted(unknown)}")
    if recipient is None and (not phone or Notification.Channel.IN_APP in channels):
        raise ValueError("in-app messages need a recipient; an SMS without one needs a phone")
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link):
        # Links point inside the platform; an outside URL in a message is a phishing vector.
        raise ValueError("notification links must be site-relative paths")
    now = timezone.now()
    rows = []
    for channel in channels:
        row = Notification(
            recipient=recipient,
            channel=channel,
            subject=subject[:200],
            body=body,
            link=link[:300],
        )
        if channel == Notification.Channel.IN_APP:
            row.status = Notification.Status.SENT
            row.sent_at = now
        else:
            # Only the masked number is kept here; the task reads the real one at send time.
            row.phone = phone if recipient is None else ""
            row.phone_masked = mask_phone(phone or getattr(recipient, "phone", ""))
        row.save()
        rows.append(row)
        if channel == Notification.Channel.SMS:
            transaction.on_commit(_enqueue_sms(row.pk))
    return rows


def _enqueue_sms(notification_id: int):  # type: ignore[no-untyped-def]
    def enqueue() -> None:
        from cunshe.core.tasks import send_sms

        send_sms.enqueue(notification_id)

    return enqueue


@dataclass(frozen=True)
class Message:
    """One message for `notify_many`: the same fields as `notify` takes."""

    recipient: Any
    subject: str
    body: str
    link: str = ""
    channels: tuple[str, ...] = (Notification.Channel.IN_APP,)
    phone: str = ""


def notify_many(messages: Iterable[Message], *, batch_size: int = 1000) -> list[Notification]:
    """`notify` for many messages at once: the same checks, one INSERT per `batch_size` rows,
    and the SMS rows handed to the sending task after the transaction commits, one
    `send_sms_batch` task per `cunshe.core.tasks.SMS_BATCH` rows (each row still sent, locked,
    counted and retried on its own). For jobs that tell thousands of people in one pass (the
    missed check-in sweep)."""

    now = timezone.now()
    rows: list[Notification] = []
    for message in messages:
        channels = list(dict.fromkeys(message.channels))
        unknown = set(channels) - CHANNELS
        if unknown or not channels:
            raise ValueError(f"unknown or no notification channels: {sorted(unknown)}")
        recipient, phone, link = message.recipient, message.phone, message.link
        if recipient is None and (not phone or Notification.Channel.IN_APP in channels):
            raise ValueError("in-app messages need a recipient; an SMS without one needs a phone")
        if link and (not link.startswith("/") or link.startswith("//") or "\\" in link):
            raise ValueError("notification links must be site-relative paths")
        for channel in channels:
            row = Notification(
                recipient=recipient,
                channel=channel,
                subject=message.subject[:200],
                body=message.body,
                link=link[:300],
            )
            if channel == Notification.Channel.IN_APP:
                row.status = Notification.Status.SENT
                row.sent_at = now
            else:
                row.phone = phone if recipient is None else ""
                row.phone_masked = mask_phone(phone or getattr(recipient, "phone", ""))
            rows.append(row)
    if not rows:
        return []
    Notification.objects.bulk_create(rows, batch_size=batch_size)
    sms_ids = [r.pk for r in rows if r.channel == Notification.Channel.SMS]
    if sms_ids:
        transaction.on_commit(_enqueue_many_sms(sms_ids))
    return rows


def _enqueue_many_sms(ids: list[int]):  # type: ignore[no-untyped-def]
    def enqueue() -> None:
        from cunshe.core.tasks import enqueue_sms

        enqueue_sms(ids)

    return enqueue
