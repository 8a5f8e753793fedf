"""Never overbooked: many people pressing "book" for the last places at the same moment, each on
its own database connection (PostgreSQL; SQLite serialises writers and proves nothing here)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection

from cunshe.core.models import Notification
from cunshe.core.tests.conftest import requires_postgres
from cunshe.servicedesk.models import Booking, Slot
from cunshe.servicedesk.services import appointments as svc
from cunshe.servicedesk.tests.appointments_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.appointments_fixtures import make_slot

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


def _at_once(jobs: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Run each job on its own thread (and so its own connection), all released together."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcome = job()
        except svc.SlotFull as exc:
            outcome = exc
        except BaseException as exc:
            with lock:
                errors.append(exc)
            return
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


def test_twenty_people_for_the_last_three_places_get_exactly_three(cast, appt, register):
    persons = [
        register(
            f"村民{i:02d}",
            date(1960, 1, 1),
            relationship="70",
            seq=100 + i,
            phone=f"1370000{i:04d}",
        )
        for i in range(THREADS)
    ]
    slot = make_slot(appt.hall_a, capacity=5, booked=2)

    def job(i: int) -> Callable[[], Any]:
        def book() -> Any:
            return svc.booking_create(
                actor=cast.clerk_a,
                jurisdiction=appt.clerk_j,
                slot=Slot.objects.select_related("window").get(pk=slot.pk),
                person=persons[i],
                idempotency_key=f"rush-{i}",
            )

        return book

    results, errors = _at_once([job(i) for i in range(THREADS)])
    assert errors == []
    booked = [r for r in results if isinstance(r, Booking)]
    full = [r for r in results if isinstance(r, svc.SlotFull)]
    assert len(booked) == 3 and len(full) == THREADS - 3
    assert all("该时段已约满" in r.message_dict["slot"][0] for r in full)
    slot.refresh_from_db()
    assert slot.booked == slot.capacity == 5
    assert Booking._base_manager.filter(slot=slot, state=Booking.State.BOOKED).count() == 3
    # Those refused left nothing behind: no booking row, no message.
    assert Booking._base_manager.count() == 3
    assert Notification.objects.filter(subject="预约成功").count() == 3


def test_a_double_click_racing_itself_books_once(cast, appt):
    slot = make_slot(appt.hall_a, capacity=5)

    def book() -> Any:
        return svc.booking_create(
            actor=cast.villager,
            jurisdiction=appt.villager_j,
            slot=Slot.objects.select_related("window").get(pk=slot.pk),
            person=appt.me,
            idempotency_key="double-click",
        )

    results, errors = _at_once([book, book, book])
    assert errors == []
    assert len({r.pk for r in results}) == 1
    slot.refresh_from_db()
    assert slot.booked == 1 and Booking._base_manager.count() == 1


def test_two_people_swapping_slots_at_once_both_succeed_without_deadlock(cast, appt):
    first = make_slot(appt.hall_a, hour=9, capacity=2)
    second = make_slot(appt.hall_a, hour=10, capacity=2)
    mine = svc.booking_create(
        actor=cast.clerk_a,
        jurisdiction=appt.clerk_j,
        slot=first,
        person=appt.me,
        idempotency_key="a",
    )
    theirs = svc.booking_create(
        actor=cast.clerk_a,
        jurisdiction=appt.clerk_j,
        slot=second,
        person=appt.neighbour,
        idempotency_key="b",
    )

    def move(booking: Booking, to: Slot) -> Callable[[], Any]:
        def run() -> Any:
            fresh = Booking._base_manager.select_related("person", "slot").get(pk=booking.pk)
            target = Slot.objects.select_related("window").get(pk=to.pk)
            return svc.booking_reschedule(
                actor=cast.clerk_a, jurisdiction=appt.clerk_j, booking=fresh, slot=target
            )

        return run

    results, errors = _at_once([move(mine, second), move(theirs, first)])
    assert errors == [] and all(isinstance(r, Booking) for r in results)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.booked == 1 and second.booked == 1
