"""Jobs: appointment reminders.

Every 15 minutes, each live booking whose slot starts within REMIND_BEFORE_HOURS gets one
reminder. A booking is *claimed* by a conditional UPDATE (`reminded_at IS NULL` → now) in the
same transaction that writes its message, so two runs at once (a slow run overlapping the next
one, two workers) remind each person once: the second UPDATE finds the row already claimed.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from cunshe.core.jurisdiction import system_scope
from cunshe.core.scheduling import periodic
from cunshe.servicedesk.models import Booking
from cunshe.servicedesk.notices import notify_person
from cunshe.servicedesk.rules import rule
from cunshe.servicedesk.services.appointments import (
    REMINDER_BODY,
    REMINDER_SUBJECT,
    booking_values,
    my_bookings_link,
)

# One run handles at most this many; the next run (15 minutes on) takes the rest.
BATCH = 2000


@periodic(every=timedelta(minutes=15), name="servicedesk.appointments.remind")
@task()
def send_reminders() -> int:
    """Remind every live booking starting soon, once; returns how many were reminded."""
    sent = 0
    with system_scope("servicedesk.appointments.remind"):
        now = timezone.now()
        horizon = now + timedelta(hours=rule("REMIND_BEFORE_HOURS"))
        due = list(
            Booking.objects.filter(
                state=Booking.State.BOOKED,
                reminded_at__isnull=True,
                slot__starts_at__gt=now,
                slot__starts_at__lte=horizon,
            )
            .order_by("slot__starts_at", "pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        for pk in due:
            with transaction.atomic():
                claimed = Booking.objects.filter(
                    pk=pk, reminded_at__isnull=True, state=Booking.State.BOOKED
                ).update(reminded_at=now)
                if not claimed:
                    continue  # another run has it, or it was cancelled meanwhile
                booking = Booking.objects.select_related("slot__window", "person__account").get(
                    pk=pk
                )
                notify_person(
                    booking.person,
                    REMINDER_SUBJECT,
                    REMINDER_BODY,
                    booking_values(booking),
                    my_bookings_link(),
                )
            sent += 1
    return sent
