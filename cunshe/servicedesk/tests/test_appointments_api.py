"""/api/v1/servicedesk/appointments/: windows and free places, booking with Idempotency-Key,
409 when full, cancel and reschedule."""

from __future__ import annotations

from cunshe.servicedesk.models import Booking, Slot
from cunshe.servicedesk.services import appointments as svc
from cunshe.servicedesk.tests.appointments_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.appointments_fixtures import make_slot

API = "/api/v1/servicedesk/appointments"


def _post(client, path, data, key=None):  # type: ignore[no-untyped-def]
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"{API}{path}", data, content_type="application/json", headers=headers)


def test_windows_are_scoped_to_what_the_caller_reaches(client_as, appt):
    r = client_as("villager").get(f"{API}/windows")
    assert r.status_code == 200
    names = {w["name"] for w in r.json()["items"]}
    assert names == {"闵家村便民服务站", "闵家镇便民服务中心", "榆树市民政局窗口"}
    outsider = {w["name"] for w in client_as("outsider").get(f"{API}/windows").json()["items"]}
    assert outsider == {"孤家子村便民服务站"}


def test_slots_of_a_day_with_places_left(client_as, appt):
    make_slot(appt.centre, appt.day, 9, capacity=3, booked=1)
    make_slot(appt.centre, appt.day, 10, capacity=1, booked=1)
    r = client_as("villager").get(
        f"{API}/windows/{appt.centre.pk}/slots", {"date": appt.day.isoformat()}
    )
    assert r.status_code == 200
    rows = r.json()
    assert [(s["remaining"], s["bookable"]) for s in rows] == [(2, True), (0, False)]


def test_booking_needs_an_idempotency_key_and_books_once_with_it(client_as, appt):
    slot = make_slot(appt.centre, appt.day, 9, capacity=3)
    client = client_as("villager")
    body = {"slot_id": slot.pk, "person_id": appt.me.pk}
    missing = _post(client, "/bookings", body)
    assert missing.status_code == 422 and "Idempotency-Key" in missing.json()["fields"]
    first = _post(client, "/bookings", body, key="abc")
    again = _post(client, "/bookings", body, key="abc")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["window_name"] == "闵家镇便民服务中心"
    slot.refresh_from_db()
    assert slot.booked == 1


def test_a_full_slot_answers_409_and_changes_nothing(client_as, appt):
    slot = make_slot(appt.centre, appt.day, 9, capacity=1, booked=1)
    r = _post(
        client_as("villager"), "/bookings", {"slot_id": slot.pk, "person_id": appt.me.pk}, "k"
    )
    assert r.status_code == 409
    assert r.json()["code"] == "slot_full" and "该时段已约满" in r.json()["message"]
    slot.refresh_from_db()
    assert slot.booked == 1 and not Booking.objects.within(appt.villager_j).exists()


def test_villager_cannot_book_for_a_neighbour(client_as, appt):
    slot = make_slot(appt.centre, appt.day, 9)
    r = _post(
        client_as("villager"),
        "/bookings",
        {"slot_id": slot.pk, "person_id": appt.neighbour.pk},
        "k",
    )
    assert r.status_code == 404
    slot.refresh_from_db()
    assert slot.booked == 0


def test_a_past_slot_is_refused_with_a_message(client_as, appt):
    from datetime import timedelta

    from django.utils import timezone

    slot = make_slot(appt.centre, starts_at=timezone.now() - timedelta(days=1))
    r = _post(
        client_as("villager"), "/bookings", {"slot_id": slot.pk, "person_id": appt.me.pk}, "k"
    )
    assert r.status_code == 400 and "已经过去" in r.json()["message"]


def test_cancel_and_reschedule(cast, client_as, appt):
    a = make_slot(appt.centre, appt.day, 9, capacity=2)
    b = make_slot(appt.centre, appt.day, 10, capacity=1)
    full = make_slot(appt.centre, appt.day, 11, capacity=1, booked=1)
    booking = svc.booking_create(
        actor=cast.villager,
        jurisdiction=appt.villager_j,
        slot=a,
        person=appt.me,
        idempotency_key="x",
    )
    client = client_as("villager")
    r = _post(client, f"/bookings/{booking.pk}/reschedule", {"slot_id": full.pk})
    assert r.status_code == 409
    r = _post(client, f"/bookings/{booking.pk}/reschedule", {"slot_id": b.pk})
    assert r.status_code == 201 and r.json()["replaces_id"] == booking.pk
    new_id = r.json()["id"]
    r = _post(client, f"/bookings/{new_id}/cancel", {})
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    for slot in (a, b, full):
        slot.refresh_from_db()
    assert (a.booked, b.booked, full.booked) == (0, 0, 1)
    listed = client.get(f"{API}/bookings").json()["items"]
    assert {x["state"] for x in listed} == {"cancelled", "rescheduled"}


def test_a_role_without_booking_rights_gets_403(client_as, appt):
    slot = make_slot(appt.centre, appt.day, 9)
    r = _post(
        client_as("township_officer"),
        "/bookings",
        {"slot_id": slot.pk, "person_id": appt.me.pk},
        "k",
    )
    assert r.status_code == 403
    assert Slot.objects.get(pk=slot.pk).booked == 0


def test_a_date_out_of_range_is_refused_not_a_server_error(client_as, appt):
    client = client_as("villager")
    r = client.get(f"{API}/windows/{appt.centre.pk}/slots", {"date": "9999-12-31"})
    assert r.status_code == 422 and "date" in r.json()["fields"]
    page = client_as("clerk_a").get(f"/desk/windows/{appt.centre.pk}/", {"date": "9999-12-31"})
    assert page.status_code == 200


def test_names_are_masked_for_staff_who_may_not_unmask(client_as, appt):
    slot = make_slot(appt.centre, appt.day, 9, capacity=3)
    villager = client_as("villager")
    booked = _post(villager, "/bookings", {"slot_id": slot.pk, "person_id": appt.me.pk}, "m1")
    name = appt.me.name
    assert booked.json()["person_name"] == name  # the villager sees their own name
    officer = client_as("township_officer").get(f"{API}/bookings").json()["items"]
    clerk = client_as("clerk_a").get(f"{API}/bookings").json()["items"]
    assert [b["person_name"] for b in officer] == [name[0] + "*" * (len(name) - 1)]
    assert [b["person_name"] for b in clerk] == [name]  # the clerk may unmask
