"""Reminders: one per live booking starting within REMIND_BEFORE_HOURS, even when the job runs
twice (one after the other, or at the same moment on PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cunshe.core.models import Notification
from cunshe.core.scheduling import registered_jobs
from cunshe.core.tests.conftest import requires_postgres
from cunshe.servicedesk.jobs.appointments import send_reminders
from cunshe.servicedesk.models import Booking, Slot
from cunshe.servicedesk.services import appointments as svc
from cunshe.servicedesk.tests.appointments_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.appointments_fixtures import make_slot


def _soon(appt, hours: float = 5):  # type: ignore[no-untyped-def]
    return make_slot(appt.hall_a, starts_at=timezone.now() + timedelta(hours=hours), capacity=10)


def _book(cast, appt, slot, person, key):  # type: ignore[no-untyped-def]
    return svc.booking_create(
        actor=cast.clerk_a, jurisdiction=appt.clerk_j, slot=slot, person=person, idempotency_key=key
    )


def _reminders() -> int:
    return Notification.objects.filter(subject="预约提醒").count()


def test_the_job_is_registered_every_fifteen_minutes():
    job = {j.name: j for j in registered_jobs()}["servicedesk.appointments.remind"]
    assert job.every == timedelta(minutes=15)


def test_each_booking_starting_soon_is_reminded_once(cast, appt):
    soon = _soon(appt)
    later = make_slot(appt.hall_a, starts_at=timezone.now() + timedelta(hours=30))
    mine = _book(cast, appt, soon, appt.me, "1")
    neighbours = _book(cast, appt, soon, appt.neighbour, "2")
    far = _book(cast, appt, later, appt.spouse, "3")
    assert send_reminders.call() == 2
    assert send_reminders.call() == 0
    # The villager has an account (in-app) without a phone on it, the neighbour has no account:
    # both get the text at the register's phone.
    assert Notification.objects.filter(subject="预约提醒", recipient=cast.villager).count() == 1
    texts = Notification.objects.filter(subject="预约提醒", recipient=None, channel="sms")
    assert texts.count() == 2 and all(t.phone for t in texts)
    body = Notification.objects.filter(subject="预约提醒").first().body
    assert "闵家村便民服务站" in body and "村委会一楼" in body
    for booking, reminded in ((mine, True), (neighbours, True), (far, False)):
        booking.refresh_from_db()
        assert (booking.reminded_at is not None) is reminded


def test_cancelled_and_past_bookings_are_not_reminded(cast, appt):
    slot = _soon(appt)
    cancelled = _book(cast, appt, slot, appt.me, "1")
    svc.booking_cancel(actor=cast.clerk_a, jurisdiction=appt.clerk_j, booking=cancelled)
    past = _book(cast, appt, slot, appt.neighbour, "2")
    Slot.objects.filter(pk=slot.pk).update(
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now()
    )
    assert send_reminders.call() == 0
    past.refresh_from_db()
    assert past.reminded_at is None and _reminders() == 0


def test_a_rescheduled_booking_is_reminded_for_its_new_time(cast, appt, settings):
    slot = _soon(appt, hours=2)
    booking = _book(cast, appt, slot, appt.me, "1")
    assert send_reminders.call() == 1
    new = svc.booking_reschedule(
        actor=cast.clerk_a, jurisdiction=appt.clerk_j, booking=booking, slot=_soon(appt, hours=4)
    )
    assert new.reminded_at is None
    assert send_reminders.call() == 1
    assert Booking._base_manager.filter(reminded_at__isnull=False).count() == 2


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_remind_once(cast, appt, register):
    from datetime import date

    slot = _soon(appt)
    people = [
        register(
            f"村民{i}", date(1960, 1, 1), relationship="70", seq=200 + i, phone=f"1380000{i:04d}"
        )
        for i in range(8)
    ]
    for i, person in enumerate(people):
        _book(cast, appt, slot, person, f"r{i}")
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            counts.append(send_reminders.call())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sum(counts) == 8
    assert _reminders() == 8
