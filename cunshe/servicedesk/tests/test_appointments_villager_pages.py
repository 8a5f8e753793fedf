"""The villager's booking steps on the phone layout, their bookings, cancel and reschedule."""

from __future__ import annotations

from django.urls import reverse

from cunshe.servicedesk.models import Booking, Slot
from cunshe.servicedesk.services import appointments as svc
from cunshe.servicedesk.tests.appointments_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.appointments_fixtures import make_slot

BOOK = reverse("servicedesk:book")
MINE = reverse("servicedesk:my_bookings")


def _templates(r) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.name for t in r.templates]


def test_step_one_lists_the_windows_the_villager_can_reach(client_as, appt):
    r = client_as("villager").get(BOOK)
    assert r.status_code == 200 and "web/villager.html" in _templates(r)
    names = [w.name for w in r.context["windows"]]
    # Village hall first, then township, then county; never another county's hall.
    assert names == ["闵家村便民服务站", "闵家镇便民服务中心", "榆树市民政局窗口"]


def test_step_two_lists_days_with_places_left(client_as, appt):
    make_slot(appt.centre, appt.day, 9, capacity=3, booked=1)
    make_slot(appt.centre, appt.day, 10, capacity=1, booked=1)  # full: not counted
    r = client_as("villager").get(BOOK, {"window": appt.centre.pk})
    assert [(d.day, d.remaining) for d in r.context["days"]] == [(appt.day, 2)]


def test_step_three_offers_only_slots_with_places(client_as, appt):
    free = make_slot(appt.centre, appt.day, 9, capacity=3, booked=1)
    make_slot(appt.centre, appt.day, 10, capacity=1, booked=1)
    r = client_as("villager").get(BOOK, {"window": appt.centre.pk, "date": appt.day.isoformat()})
    assert [s.pk for s in r.context["slots"]] == [free.pk]
    assert f"?slot={free.pk}" in r.content.decode()


def test_slot_page_query_count_is_constant(client_as, appt, django_assert_num_queries):
    for hour in range(8, 17):
        make_slot(appt.centre, appt.day, hour, capacity=3)
    client = client_as("villager")
    client.get(BOOK)
    # session, user, two-factor device, assignments, the window, its open slots, and the
    # session's idle-timeout touch (savepoint, update, release).
    with django_assert_num_queries(9):
        r = client.get(BOOK, {"window": appt.centre.pk, "date": appt.day.isoformat()})
    assert len(r.context["slots"]) == 9


def test_confirm_books_once_even_when_pressed_twice(client_as, appt):
    slot = make_slot(appt.centre, appt.day, 9, capacity=3)
    client = client_as("villager")
    page = client.get(BOOK, {"slot": slot.pk})
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["person"] == appt.me.pk
    data = {
        "person": str(appt.spouse.pk),
        "item": "",
        "idempotency_key": form.initial["idempotency_key"],
    }
    first = client.post(f"{BOOK}?slot={slot.pk}", data)
    second = client.post(f"{BOOK}?slot={slot.pk}", data)
    assert first.status_code == second.status_code == 302 and first["Location"] == MINE
    slot.refresh_from_db()
    assert slot.booked == 1
    assert Booking.objects.within(appt.villager_j).get().person_id == appt.spouse.pk


def test_confirm_on_a_slot_filled_meanwhile_says_so_and_books_nothing(client_as, appt):
    slot = make_slot(appt.centre, appt.day, 9, capacity=1)
    client = client_as("villager")
    key = client.get(BOOK, {"slot": slot.pk}).context["form"].initial["idempotency_key"]
    Slot.objects.filter(pk=slot.pk).update(booked=1)
    r = client.post(f"{BOOK}?slot={slot.pk}", {"person": str(appt.me.pk), "idempotency_key": key})
    assert r.status_code == 400 and "该时段已约满" in r.content.decode()
    assert not Booking.objects.within(appt.villager_j).exists()


def test_villager_cannot_choose_someone_outside_the_household(client_as, appt):
    slot = make_slot(appt.centre, appt.day, 9, capacity=3)
    r = client_as("villager").post(
        f"{BOOK}?slot={slot.pk}", {"person": str(appt.neighbour.pk), "idempotency_key": "k"}
    )
    assert r.status_code == 400 and r.context["form"].errors["person"]
    slot.refresh_from_db()
    assert slot.booked == 0


def test_a_window_out_of_reach_is_not_found(client_as, appt):
    slot = make_slot(appt.hall_c, appt.day, 9)
    c = client_as("villager")
    assert c.get(BOOK, {"window": appt.hall_c.pk}).status_code == 404
    assert c.get(BOOK, {"slot": slot.pk}).status_code == 404


def test_my_bookings_lists_the_household_and_cancel_frees_the_place(cast, client_as, appt):
    slot = make_slot(appt.centre, appt.day, 9, capacity=2)
    mine = svc.booking_create(
        actor=cast.villager,
        jurisdiction=appt.villager_j,
        slot=slot,
        person=appt.me,
        idempotency_key="a",
    )
    svc.booking_create(
        actor=cast.clerk_a,
        jurisdiction=appt.clerk_j,
        slot=slot,
        person=appt.neighbour,
        idempotency_key="b",
    )
    client = client_as("villager")
    r = client.get(MINE)
    assert [b.pk for b in r.context["upcoming"]] == [mine.pk]
    assert "赵大爷" not in r.content.decode()
    r = client.post(reverse("servicedesk:booking_cancel", args=[mine.pk]))
    assert r.status_code == 302 and r["Location"] == MINE
    slot.refresh_from_db()
    assert slot.booked == 1


def test_reschedule_page_moves_the_booking_or_explains_a_full_slot(cast, client_as, appt):
    old = make_slot(appt.centre, appt.day, 9, capacity=2)
    free = make_slot(appt.centre, appt.day, 10, capacity=2)
    tight = make_slot(appt.centre, appt.day, 11, capacity=1)
    booking = svc.booking_create(
        actor=cast.villager,
        jurisdiction=appt.villager_j,
        slot=old,
        person=appt.me,
        idempotency_key="a",
    )
    client = client_as("villager")
    url = reverse("servicedesk:booking_reschedule", args=[booking.pk])
    page = client.get(url, {"date": appt.day.isoformat()})
    assert page.status_code == 200 and "web/villager.html" in _templates(page)
    assert [s.pk for s in page.context["open_slots"]] == [free.pk, tight.pk]
    Slot.objects.filter(pk=tight.pk).update(booked=1)
    r = client.post(url, {"date": appt.day.isoformat(), "slot": str(tight.pk)})
    assert r.status_code == 400 and "该时段已约满" in r.content.decode()
    booking.refresh_from_db()
    assert booking.state == Booking.State.BOOKED
    r = client.post(url, {"date": appt.day.isoformat(), "slot": str(free.pk)})
    assert r.status_code == 302 and r["Location"] == MINE
    for slot, booked in ((old, 0), (free, 1), (tight, 1)):
        slot.refresh_from_db()
        assert slot.booked == booked


def test_villager_is_refused_the_staff_pages(client_as, appt):
    c = client_as("villager")
    assert c.get(reverse("servicedesk:windows")).status_code == 403
    assert c.get(reverse("servicedesk:window", args=[appt.hall_a.pk])).status_code == 403


def test_villager_without_a_linked_person_is_told_whom_to_ask(cast, client_as, appt):
    from cunshe.residents.models import Person

    Person._base_manager.filter(pk=appt.me.pk).update(account=None)
    slot = make_slot(appt.centre, appt.day, 9)
    r = client_as("villager").get(BOOK, {"slot": slot.pk})
    assert r.status_code == 200 and "村委会" in r.content.decode()
    assert client_as("villager").get(MINE).status_code == 200


def test_an_item_from_the_service_page_leads_to_its_window_and_is_preselected(client_as, appt):
    from cunshe.servicedesk.models import HandlingLevel, ItemKind, ServiceItem

    item = ServiceItem.objects.create(
        code="TEST-DIBAO",
        name="最低生活保障申请",
        kind=ItemKind.PAYMENT,
        department="civil_affairs",
        level=HandlingLevel.TOWNSHIP,
        legal_basis="《社会救助暂行办法》",
        conditions="家庭人均收入低于当地低保标准",
        promised_days=20,
        statutory_days=30,
        modes=["online", "appointment"],
    )
    slot = make_slot(appt.centre, appt.day, 9, capacity=3)
    client = client_as("villager")
    r = client.get(BOOK, {"item": item.code})
    windows = r.context["windows"]
    assert windows[0].pk == appt.centre.pk and windows[0].suits
    assert not any(w.suits for w in windows[1:])
    html = r.content.decode()
    assert "最低生活保障申请" in html and f"?window={appt.centre.pk}&amp;item=TEST-DIBAO" in html
    r = client.get(BOOK, {"slot": slot.pk, "item": item.code})
    assert r.context["form"].initial["item"] == item.pk
