"""Booking a place: who may book for whom, at which windows, when; a full slot, a double
submit, the per-person cap; the message the person receives; the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cunshe.core.models import AuditEvent, Notification
from cunshe.residents import services as register_services
from cunshe.residents.codes import EventKind
from cunshe.servicedesk.models import Booking, Slot
from cunshe.servicedesk.services import appointments as svc
from cunshe.servicedesk.tests.appointments_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.appointments_fixtures import make_slot


def _book(appt, actor, j, slot, person, key="k1"):  # type: ignore[no-untyped-def]
    return svc.booking_create(
        actor=actor, jurisdiction=j, slot=slot, person=person, idempotency_key=key
    )


def _bookings() -> int:
    return Booking._base_manager.count()


def test_villager_books_for_themselves_and_the_place_is_taken(cast, appt):
    slot = make_slot(appt.hall_a, capacity=2)
    booking = _book(appt, cast.villager, appt.villager_j, slot, appt.me)
    slot.refresh_from_db()
    assert booking.state == Booking.State.BOOKED and booking.replayed is False
    assert slot.booked == 1
    assert booking.region_code == appt.me.region_code
    event = AuditEvent.objects.filter(action="servicedesk.booking.created").get()
    assert event.object_id == str(booking.pk) and "王建国" not in str(event.detail)


def test_villager_books_for_a_household_member_at_the_township_and_county(cast, appt):
    for window in (appt.centre, appt.county_window):
        slot = make_slot(window)
        booking = _book(appt, cast.villager, appt.villager_j, slot, appt.spouse, key=str(window.pk))
        assert booking.person_id == appt.spouse.pk


def test_villager_cannot_book_for_someone_outside_their_household(cast, appt):
    slot = make_slot(appt.hall_a)
    with pytest.raises(PermissionDenied, match="本户"):
        _book(appt, cast.villager, appt.villager_j, slot, appt.neighbour)
    slot.refresh_from_db()
    assert slot.booked == 0 and _bookings() == 0


def test_clerk_books_for_a_villager_of_their_village_but_not_another(cast, appt):
    slot = make_slot(appt.centre, capacity=3)
    booking = _book(appt, cast.clerk_a, appt.clerk_j, slot, appt.neighbour)
    assert booking.booked_by == cast.clerk_a
    with pytest.raises(PermissionDenied):
        _book(appt, cast.clerk_a, appt.clerk_j, slot, appt.person_b, key="k2")
    slot.refresh_from_db()
    assert slot.booked == 1


def test_a_role_without_booking_rights_is_refused(cast, appt):
    slot = make_slot(appt.centre)
    with pytest.raises(PermissionDenied):
        _book(appt, cast.township_officer, appt.township_j, slot, appt.me)
    assert _bookings() == 0


def test_a_window_the_person_cannot_reach_is_refused(cast, appt):
    # Village B's people use their own hall, their township and county; not village A's hall.
    from cunshe.core.jurisdiction import Jurisdiction

    township_clerk = Jurisdiction(
        prefixes=(cast.township.code,), permissions=frozenset({"servicedesk.intake"})
    )
    slot = make_slot(appt.hall_a)
    with pytest.raises(ValidationError) as exc:
        _book(appt, cast.township_officer, township_clerk, slot, appt.person_b)
    assert "slot" in exc.value.message_dict
    slot.refresh_from_db()
    assert slot.booked == 0 and _bookings() == 0


def test_full_slot_gets_a_clear_message_and_changes_nothing(cast, appt):
    slot = make_slot(appt.hall_a, capacity=1, booked=1)
    with pytest.raises(svc.SlotFull) as exc:
        _book(appt, cast.villager, appt.villager_j, slot, appt.me)
    assert "该时段已约满" in exc.value.message_dict["slot"][0]
    slot.refresh_from_db()
    assert slot.booked == 1 and _bookings() == 0
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.filter(action="servicedesk.booking.created").exists()


def test_double_submit_with_the_same_key_books_once(cast, appt):
    slot = make_slot(appt.hall_a, capacity=5)
    first = _book(appt, cast.villager, appt.villager_j, slot, appt.me, key="same")
    second = _book(appt, cast.villager, appt.villager_j, slot, appt.me, key="same")
    slot.refresh_from_db()
    assert second.pk == first.pk and second.replayed is True
    assert slot.booked == 1 and _bookings() == 1
    assert Notification.objects.filter(channel="in_app").count() == 1


def test_same_key_replays_even_when_the_slot_has_since_filled(cast, appt):
    slot = make_slot(appt.hall_a, capacity=1)
    first = _book(appt, cast.villager, appt.villager_j, slot, appt.me, key="last")
    again = _book(appt, cast.villager, appt.villager_j, slot, appt.me, key="last")
    assert again.pk == first.pk


def test_same_person_twice_in_one_slot_is_refused(cast, appt):
    slot = make_slot(appt.hall_a, capacity=5)
    _book(appt, cast.villager, appt.villager_j, slot, appt.me, key="a")
    with pytest.raises(ValidationError, match="已预约了这个时段"):
        _book(appt, cast.villager, appt.villager_j, slot, appt.me, key="b")
    slot.refresh_from_db()
    assert slot.booked == 1


def test_past_slot_is_refused(cast, appt):
    slot = make_slot(appt.hall_a, starts_at=timezone.now() - timedelta(hours=2))
    with pytest.raises(ValidationError, match="已经过去"):
        _book(appt, cast.villager, appt.villager_j, slot, appt.me)
    slot.refresh_from_db()
    assert slot.booked == 0 and _bookings() == 0


def test_slot_starting_within_the_closing_time_is_refused(cast, appt, settings):
    settings.SERVICEDESK_RULES = {"BOOKING_CLOSES_BEFORE_MINUTES": 60}
    slot = make_slot(appt.hall_a, starts_at=timezone.now() + timedelta(minutes=45))
    with pytest.raises(ValidationError, match="60 分钟"):
        _book(appt, cast.villager, appt.villager_j, slot, appt.me)
    assert _bookings() == 0


def test_paused_window_takes_no_bookings(cast, appt):
    svc.window_update(
        actor=cast.clerk_a, jurisdiction=appt.clerk_j, window=appt.hall_a, name="站", active=False
    )
    slot = make_slot(appt.hall_a)
    with pytest.raises(ValidationError, match="暂停"):
        _book(appt, cast.villager, appt.villager_j, slot, appt.me)


def test_per_person_cap_on_live_bookings(cast, appt, settings):
    settings.SERVICEDESK_RULES = {"MAX_LIVE_BOOKINGS_PER_PERSON": 2}
    slots = [make_slot(appt.hall_a, hour=h) for h in (9, 10, 11)]
    _book(appt, cast.villager, appt.villager_j, slots[0], appt.me, key="1")
    _book(appt, cast.villager, appt.villager_j, slots[1], appt.me, key="2")
    with pytest.raises(ValidationError, match="最多同时保留 2 个"):
        _book(appt, cast.villager, appt.villager_j, slots[2], appt.me, key="3")
    slots[2].refresh_from_db()
    assert slots[2].booked == 0
    # Another member of the household has their own allowance.
    _book(appt, cast.villager, appt.villager_j, slots[2], appt.spouse, key="4")


def test_a_person_no_longer_in_the_register_cannot_be_booked(cast, appt):
    register_services.event_record(
        actor=cast.clerk_a,
        jurisdiction=appt.clerk_j,
        person=appt.neighbour,
        kind=EventKind.DEATH,
        occurred_on=timezone.localdate(),
    )
    appt.neighbour.refresh_from_db()
    slot = make_slot(appt.hall_a)
    with pytest.raises(ValidationError, match="不在本村"):
        _book(appt, cast.clerk_a, appt.clerk_j, slot, appt.neighbour)


def test_missing_idempotency_key_is_refused(cast, appt):
    slot = make_slot(appt.hall_a)
    with pytest.raises(ValidationError) as exc:
        _book(appt, cast.villager, appt.villager_j, slot, appt.me, key="  ")
    assert "idempotency_key" in exc.value.message_dict


def test_confirmation_goes_in_app_and_by_sms_to_an_account_and_by_sms_to_a_phone(cast, appt):
    cast.villager.phone = "13912345678"
    cast.villager.save()
    slot = make_slot(appt.hall_a, capacity=5)
    _book(appt, cast.villager, appt.villager_j, slot, appt.me, key="1")
    mine = Notification.objects.filter(recipient=cast.villager)
    assert set(mine.values_list("channel", flat=True)) == {"in_app", "sms"}
    note = mine.get(channel="in_app")
    assert note.subject == "预约成功" and "闵家村便民服务站" in note.body
    assert note.link == "/desk/bookings/mine/"
    # The neighbour has no account: an SMS to the register's number, masked in the outbox.
    _book(appt, cast.clerk_a, appt.clerk_j, slot, appt.neighbour, key="2")
    sms = Notification.objects.get(recipient=None)
    assert sms.channel == "sms" and sms.phone_masked.endswith("0009")


def test_the_database_refuses_booked_above_capacity(appt):
    slot = make_slot(appt.hall_a, capacity=2, booked=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(booked=F("capacity") + 1)
    slot.refresh_from_db()
    assert slot.booked == 2


def test_a_place_taken_between_the_check_and_the_update_leaves_nothing_behind(
    cast, appt, monkeypatch
):
    slot = make_slot(appt.hall_a, capacity=1)
    real_lock = svc._lock_person

    def someone_else_takes_it(j, person):  # type: ignore[no-untyped-def]
        real_lock(j, person)
        Slot.objects.filter(pk=slot.pk).update(booked=1)

    monkeypatch.setattr(svc, "_lock_person", someone_else_takes_it)
    with pytest.raises(svc.SlotFull):
        _book(appt, cast.villager, appt.villager_j, slot, appt.me)
    assert _bookings() == 0
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.filter(action="servicedesk.booking.created").exists()
