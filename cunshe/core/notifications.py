"""The notifications outbox: every message to a person is a `Notification` row first.

In-app messages are delivered by being written. SMS rows are sent after the surrounding
transaction commits, by a task on the `notifications` queue, through `settings.SMS_BACKEND`;
a failed send stays in the outbox and the periodic retry job tries again.
"""

from __future__ import annotations

from collections.abc import Iterable
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
