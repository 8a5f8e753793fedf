"""Cancelling, rescheduling and marking bookings: places move exactly, refusals change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cunshe.core.models import AuditEvent, Notification
from cunshe.servicedesk.models import Booking, Slot
from cunshe.servicedesk.services import appointments as svc
from cunshe.servicedesk.tests.appointments_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.appointments_fixtures import make_slot


def _book(cast, appt, slot, person=None, key="k"):  # type: ignore[no-untyped-def]
    return svc.booking_create(
        actor=cast.villager,
        jurisdiction=appt.villager_j,
        slot=slot,
        person=person or appt.me,
        idempotency_key=key,
    )


def _booked(slot: Slot) -> int:
    slot.refresh_from_db()
    return slot.booked


def test_cancel_frees_the_place_for_someone_else(cast, appt):
    slot = make_slot(appt.hall_a, capacity=1)
    booking = _book(cast, appt, slot)
    assert _booked(slot) == 1
    svc.booking_cancel(actor=cast.villager, jurisdiction=appt.villager_j, booking=booking)
    booking.refresh_from_db()
    assert booking.state == Booking.State.CANCELLED and booking.changed_at is not None
    assert _booked(slot) == 0
    other = _book(cast, appt, slot, person=appt.spouse, key="k2")
    assert other.state == Booking.State.BOOKED and _booked(slot) == 1
    assert AuditEvent.objects.filter(action="servicedesk.booking.cancelled").count() == 1


def test_cancelling_twice_gives_back_one_place_only(cast, appt):
    slot = make_slot(appt.hall_a, capacity=3)
    booking = _book(cast, appt, slot)
    _book(cast, appt, slot, person=appt.spouse, key="k2")
    for _ in range(2):
        svc.booking_cancel(actor=cast.villager, jurisdiction=appt.villager_j, booking=booking)
    assert _booked(slot) == 1
    assert AuditEvent.objects.filter(action="servicedesk.booking.cancelled").count() == 1


def test_clerk_cancel_tells_the_villager(cast, appt):
    slot = make_slot(appt.hall_a)
    booking = _book(cast, appt, slot)
    before = Notification.objects.count()
    svc.booking_cancel(actor=cast.clerk_a, jurisdiction=appt.clerk_j, booking=booking)
    assert (
        Notification.objects.filter(subject="预约已取消").count()
        == Notification.objects.count() - before
        >= 1
    )


def test_cancel_after_the_slot_started_is_refused(cast, appt):
    slot = make_slot(appt.hall_a)
    booking = _book(cast, appt, slot)
    Slot.objects.filter(pk=slot.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(minutes=25),
    )
    booking.slot.refresh_from_db()
    with pytest.raises(ValidationError, match="已经开始"):
        svc.booking_cancel(actor=cast.villager, jurisdiction=appt.villager_j, booking=booking)
    booking.refresh_from_db()
    assert booking.state == Booking.State.BOOKED and _booked(slot) == 1


def test_reschedule_moves_the_place_and_links_the_rows(cast, appt):
    old_slot = make_slot(appt.hall_a, hour=9)
    new_slot = make_slot(appt.hall_a, hour=10)
    old = _book(cast, appt, old_slot)
    new = svc.booking_reschedule(
        actor=cast.villager, jurisdiction=appt.villager_j, booking=old, slot=new_slot
    )
    old.refresh_from_db()
    assert old.state == Booking.State.RESCHEDULED
    assert new.replaces_id == old.pk and new.state == Booking.State.BOOKED
    assert new.slot_id == new_slot.pk and new.person_id == appt.me.pk
    assert _booked(old_slot) == 0 and _booked(new_slot) == 1
    event = AuditEvent.objects.get(action="servicedesk.booking.rescheduled")
    assert event.detail["replaces"] == old.pk


def test_reschedule_into_a_full_slot_changes_nothing(cast, appt):
    old_slot = make_slot(appt.hall_a, hour=9)
    full = make_slot(appt.hall_a, hour=10, capacity=1, booked=1)
    old = _book(cast, appt, old_slot)
    with pytest.raises(svc.SlotFull, match="已约满"):
        svc.booking_reschedule(
            actor=cast.villager, jurisdiction=appt.villager_j, booking=old, slot=full
        )
    old.refresh_from_db()
    assert old.state == Booking.State.BOOKED
    assert _booked(old_slot) == 1 and _booked(full) == 1
    assert Booking._base_manager.count() == 1


def test_reschedule_in_either_slot_order_keeps_counts_right(cast, appt):
    # Slots are locked in id order; the later-made slot may be the earlier one in time.
    late = make_slot(appt.hall_a, hour=15)
    early = make_slot(appt.hall_a, hour=8)
    booking = _book(cast, appt, late)
    moved = svc.booking_reschedule(
        actor=cast.villager, jurisdiction=appt.villager_j, booking=booking, slot=early
    )
    back = svc.booking_reschedule(
        actor=cast.villager, jurisdiction=appt.villager_j, booking=moved, slot=late
    )
    assert _booked(late) == 1 and _booked(early) == 0
    assert back.replaces_id == moved.pk


def test_the_same_reschedule_twice_returns_the_first_result(cast, appt):
    old_slot = make_slot(appt.hall_a, hour=9)
    new_slot = make_slot(appt.hall_a, hour=10)
    old = _book(cast, appt, old_slot)
    first = svc.booking_reschedule(
        actor=cast.villager, jurisdiction=appt.villager_j, booking=old, slot=new_slot
    )
    again = svc.booking_reschedule(
        actor=cast.villager, jurisdiction=appt.villager_j, booking=old, slot=new_slot
    )
    assert again.pk == first.pk and _booked(new_slot) == 1 and _booked(old_slot) == 0


def test_reschedule_to_the_same_slot_or_a_cancelled_booking_is_refused(cast, appt):
    slot = make_slot(appt.hall_a, hour=9)
    other = make_slot(appt.hall_a, hour=10)
    booking = _book(cast, appt, slot)
    with pytest.raises(ValidationError, match="不同的时段"):
        svc.booking_reschedule(
            actor=cast.villager, jurisdiction=appt.villager_j, booking=booking, slot=slot
        )
    svc.booking_cancel(actor=cast.villager, jurisdiction=appt.villager_j, booking=booking)
    with pytest.raises(ValidationError, match="不能改约"):
        svc.booking_reschedule(
            actor=cast.villager, jurisdiction=appt.villager_j, booking=booking, slot=other
        )
    assert _booked(other) == 0


def test_mark_attended_and_no_show_by_the_window_staff_only(cast, appt):
    slot = make_slot(appt.centre)  # a working day at least two days ahead
    booking = _book(cast, appt, slot)
    township = {"actor": cast.township_officer, "jurisdiction": appt.township_j}
    with pytest.raises(ValidationError, match="还没开始"):
        svc.booking_mark(**township, booking=booking, outcome="no_show")
    with pytest.raises(ValidationError, match="还没到"):
        svc.booking_mark(**township, booking=booking, outcome="attended")
    Slot.objects.filter(pk=slot.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(minutes=25),
    )
    booking.slot.refresh_from_db()
    # The village clerk is not staff of the township's window.
    with pytest.raises(PermissionDenied):
        svc.booking_mark(
            actor=cast.clerk_a, jurisdiction=appt.clerk_j, booking=booking, outcome="attended"
        )
    marked = svc.booking_mark(**township, booking=booking, outcome="attended")
    assert marked.state == Booking.State.ATTENDED
    # A wrong mark can be turned into the other one.
    marked = svc.booking_mark(**township, booking=booking, outcome="no_show")
    assert marked.state == Booking.State.NO_SHOW
    assert AuditEvent.objects.filter(action="servicedesk.booking.marked").count() == 2
