"""Who reaches what: the outsider (a clerk in another county) gets 404 on every appointment URL
with real ids, pages and API; roles inside the subtree without the permission get 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cunshe.core.models import AuditEvent
from cunshe.servicedesk.models import Booking, Slot
from cunshe.servicedesk.services import appointments as svc
from cunshe.servicedesk.tests.appointments_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.appointments_fixtures import make_slot

API = "/api/v1/servicedesk/appointments"


@pytest.fixture
def booked(cast, appt):  # type: ignore[no-untyped-def]
    """A booking of village A's villager at the township centre, and a second free slot."""
    slot = make_slot(appt.centre, appt.day, 9, capacity=3)
    other = make_slot(appt.centre, appt.day, 10, capacity=3)
    booking = svc.booking_create(
        actor=cast.villager,
        jurisdiction=appt.villager_j,
        slot=slot,
        person=appt.me,
        idempotency_key="k",
    )
    return booking, slot, other


def _page_requests(appt, booking, slot, other):  # type: ignore[no-untyped-def]
    day = appt.day.isoformat()
    gets = []
    posts = []
    for window in (appt.hall_a, appt.centre, appt.county_window):
        gets.append(reverse("servicedesk:window", args=[window.pk]))
        gets.append(f"{reverse('servicedesk:book')}?window={window.pk}")
        posts.append((reverse("servicedesk:window_edit", args=[window.pk]), {"name": "x"}))
        posts.append(
            (
                reverse("servicedesk:window_generate", args=[window.pk]),
                {"start": day, "end": day, "weekdays": ["0"], "capacity": "1", "minutes": "30"},
            )
        )
        posts.append(
            (
                reverse("servicedesk:window_book", args=[window.pk]),
                {"date": day, "slot": str(slot.pk), "person": "王建国", "idempotency_key": "o"},
            )
        )
    gets.append(f"{reverse('servicedesk:book')}?slot={slot.pk}")
    gets.append(reverse("servicedesk:booking_reschedule", args=[booking.pk]))
    posts += [
        (
            reverse("servicedesk:slot_capacity", args=[appt.centre.pk, slot.pk]),
            {"capacity": "0"},
        ),
        (reverse("servicedesk:booking_cancel", args=[booking.pk]), {}),
        (reverse("servicedesk:booking_mark", args=[booking.pk]), {"outcome": "attended"}),
        (
            reverse("servicedesk:booking_reschedule", args=[booking.pk]),
            {"date": day, "slot": str(other.pk)},
        ),
    ]
    return gets, posts


def test_outsider_gets_404_on_every_page_with_real_ids(client_as, appt, booked):
    booking, slot, other = booked
    gets, posts = _page_requests(appt, booking, slot, other)
    client = client_as("outsider")
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    booking.refresh_from_db()
    slot.refresh_from_db()
    assert booking.state == Booking.State.BOOKED and slot.booked == 1 and slot.capacity == 3
    assert Slot.objects.filter(window=appt.centre).count() == 2


def test_outsider_gets_404_on_every_api_route_with_real_ids(client_as, appt, booked):
    booking, slot, other = booked
    client = client_as("outsider")
    for window in (appt.hall_a, appt.centre, appt.county_window):
        r = client.get(f"{API}/windows/{window.pk}/slots")
        assert r.status_code == 404 and r.json()["code"] == "not_found"
    for path, body in (
        (f"/bookings/{booking.pk}/cancel", {}),
        (f"/bookings/{booking.pk}/reschedule", {"slot_id": other.pk}),
    ):
        r = client.post(f"{API}{path}", body, content_type="application/json")
        assert r.status_code == 404, path
    r = client.post(
        f"{API}/bookings",
        {"slot_id": slot.pk, "person_id": appt.me.pk},
        content_type="application/json",
        headers={"Idempotency-Key": "o"},
    )
    assert r.status_code == 404
    assert booking.pk not in [b["id"] for b in client.get(f"{API}/bookings").json()["items"]]
    slot.refresh_from_db()
    assert slot.booked == 1


def test_roles_without_the_permission_get_403(client_as, appt, booked):
    booking, _slot, _other = booked
    # The village leader supervises (servicedesk.view) but keeps no windows.
    assert client_as("leader_a").get(reverse("servicedesk:windows")).status_code == 403
    assert client_as("auditor").get(reverse("servicedesk:windows")).status_code == 403
    assert (
        client_as("system_admin")
        .get(reverse("servicedesk:window", args=[appt.hall_a.pk]))
        .status_code
        == 403
    )
    # The township handles windows but does not book or cancel for villagers.
    r = client_as("township_officer").post(reverse("servicedesk:booking_cancel", args=[booking.pk]))
    assert r.status_code == 403
    assert client_as("clerk_a").get(reverse("servicedesk:book")).status_code == 403
    assert client_as("clerk_a").get(reverse("servicedesk:my_bookings")).status_code == 403
    booking.refresh_from_db()
    assert booking.state == Booking.State.BOOKED
    assert AuditEvent.objects.filter(action="core.permission.denied").count() >= 5


def test_supervisors_see_places_but_no_names(client_as, appt, booked):
    for who in ("leader_a", "auditor"):
        r = client_as(who).get(
            f"{reverse('servicedesk:window', args=[appt.centre.pk])}?date={appt.day.isoformat()}"
        )
        assert r.status_code == 200, who
        assert r.context["bookings"] is None and "王建国" not in r.content.decode()
        assert r.context["slots"][0].booked == 1


def test_ids_beyond_the_database_range_are_404_not_errors(client_as, appt):
    huge = "9" * 25
    assert client_as("clerk_a").get(f"/desk/windows/{huge}/").status_code == 404
    assert client_as("villager").get(reverse("servicedesk:book"), {"slot": huge}).status_code == 404
    assert (
        client_as("villager").get(reverse("servicedesk:book"), {"window": huge}).status_code == 404
    )
    r = client_as("villager").post(f"/desk/bookings/{huge}/cancel/")
    assert r.status_code == 404
