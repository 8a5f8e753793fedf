"""Staff pages: the windows list, a window's day, creating a window, generating slots, changing
places, a clerk booking for a villager, marking who came."""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from cunshe.core.models import AuditEvent, CalendarDay
from cunshe.servicedesk.models import Booking, ServiceWindow, Slot
from cunshe.servicedesk.services import appointments as svc
from cunshe.servicedesk.tests.appointments_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.appointments_fixtures import make_slot, workday

WINDOWS = reverse("servicedesk:windows")


def _day_url(window, day: date) -> str:  # type: ignore[no-untyped-def]
    return f"{reverse('servicedesk:window', args=[window.pk])}?date={day.isoformat()}"


def test_windows_list_shows_own_and_upward_windows_with_the_days_places(client_as, appt):
    make_slot(appt.hall_a, appt.day, 9, capacity=3, booked=1)
    make_slot(appt.hall_a, appt.day, 10, capacity=2)
    r = client_as("clerk_a").get(WINDOWS, {"date": appt.day.isoformat()})
    assert r.status_code == 200
    rows = {w.name: w for w in r.context["rows"]}
    assert set(rows) == {"闵家村便民服务站", "闵家镇便民服务中心", "榆树市民政局窗口"}
    hall = rows["闵家村便民服务站"]
    assert (hall.day_slots, hall.day_capacity, hall.day_booked) == (2, 5, 1)


def test_windows_list_query_count_is_constant(client_as, appt, django_assert_num_queries):
    for window in (appt.hall_a, appt.centre, appt.county_window):
        for hour in (9, 10, 11):
            make_slot(window, appt.day, hour)
    client = client_as("clerk_a")
    client.get(WINDOWS)  # warm the session
    # session, user, two-factor device, role assignments, the windows with the day's totals,
    # and the session's idle-timeout touch (savepoint, update, release).
    with django_assert_num_queries(8):
        r = client.get(WINDOWS, {"date": appt.day.isoformat()})
    assert r.status_code == 200 and len(r.context["rows"]) == 3


def test_create_window_for_own_unit(client_as, appt):
    r = client_as("township_officer").post(
        WINDOWS, {"name": "  闵家镇社保窗口 ", "address": "二楼"}
    )
    window = ServiceWindow.objects.within(appt.township_j).get(name="闵家镇社保窗口")
    assert r.status_code == 302 and r["Location"] == reverse("servicedesk:window", args=[window.pk])
    assert window.kind == ServiceWindow.Kind.TOWNSHIP_CENTRE and window.region_code == "220182102"


def test_county_window_takes_the_officers_department(client_as, appt):
    client_as("county_civil").post(WINDOWS, {"name": "民政二号窗口", "department": "health"})
    assert not ServiceWindow.objects.within(appt.county_j).filter(name="民政二号窗口").exists()
    r = client_as("county_civil").post(WINDOWS, {"name": "民政二号窗口", "department": ""})
    window = ServiceWindow.objects.within(appt.county_j).get(name="民政二号窗口")
    assert r.status_code == 302 and window.department == "civil_affairs"


def test_create_window_with_bad_input_changes_nothing(client_as, appt):
    before = ServiceWindow.objects.within(appt.clerk_j).count()
    r = client_as("clerk_a").post(WINDOWS, {"name": "   "})
    assert r.status_code == 400 and r.context["form"].errors
    assert ServiceWindow.objects.within(appt.clerk_j).count() == before


def test_generate_skips_holidays_weekends_and_existing_starts(client_as, appt):
    start = workday(3)
    while start.weekday() != 0:  # a Monday, so the week is predictable
        start += timedelta(days=1)
    CalendarDay.objects.update_or_create(
        date=start + timedelta(days=2), defaults={"is_workday": False, "name": "测试假日"}
    )
    make_slot(appt.hall_a, start, 9, capacity=7)  # already there: kept as it is
    url = reverse("servicedesk:window_generate", args=[appt.hall_a.pk])
    r = client_as("clerk_a").post(
        url,
        {
            "start": start.isoformat(),
            "end": (start + timedelta(days=6)).isoformat(),
            "weekdays": ["0", "1", "2", "3", "4"],
            "am_start": "09:00",
            "am_end": "10:00",
            "pm_start": "",
            "pm_end": "",
            "minutes": "30",
            "capacity": "3",
        },
    )
    assert r.status_code == 302
    slots = Slot.objects.filter(window=appt.hall_a).order_by("starts_at")
    days = sorted({timezone.localtime(s.starts_at).date() for s in slots})
    # Mon, Tue, Thu, Fri: Wednesday is the holiday; Saturday and Sunday are not working days.
    assert [d.weekday() for d in days] == [0, 1, 3, 4]
    assert slots.count() == 8
    assert slots.first().capacity == 7  # the existing 09:00 slot was skipped, not overwritten
    event = AuditEvent.objects.get(action="servicedesk.slots.generated")
    assert event.detail["created"] == 7 and event.detail["skipped"] == 1


def test_generate_with_bad_input_changes_nothing(client_as, appt):
    url = reverse("servicedesk:window_generate", args=[appt.hall_a.pk])
    r = client_as("clerk_a").post(
        url,
        {
            "start": (timezone.localdate() - timedelta(days=3)).isoformat(),
            "end": timezone.localdate().isoformat(),
            "weekdays": ["0"],
            "am_start": "09:00",
            "am_end": "10:00",
            "minutes": "30",
            "capacity": "3",
        },
    )
    assert r.status_code == 400 and "已经过去" in r.content.decode()
    assert not Slot.objects.filter(window=appt.hall_a).exists()


def test_only_the_windows_own_unit_may_generate(client_as, appt):
    url = reverse("servicedesk:window_generate", args=[appt.centre.pk])
    r = client_as("clerk_a").post(
        url,
        {
            "start": appt.day.isoformat(),
            "end": appt.day.isoformat(),
            "weekdays": ["0", "1", "2", "3", "4"],
            "am_start": "09:00",
            "am_end": "10:00",
            "minutes": "30",
            "capacity": "3",
        },
    )
    assert r.status_code == 403
    assert not Slot.objects.filter(window=appt.centre).exists()
    assert AuditEvent.objects.filter(action="core.permission.denied").exists()


def test_capacity_never_below_booked(client_as, appt):
    slot = make_slot(appt.hall_a, appt.day, 9, capacity=4, booked=3)
    url = reverse("servicedesk:slot_capacity", args=[appt.hall_a.pk, slot.pk])
    r = client_as("clerk_a").post(url, {"capacity": "2"})
    assert r.status_code == 400 and "不能少于已预约的人数（3 人）" in r.content.decode()
    slot.refresh_from_db()
    assert slot.capacity == 4
    r = client_as("clerk_a").post(url, {"capacity": "3"})
    slot.refresh_from_db()
    assert r.status_code == 302 and slot.capacity == 3


def test_unit_staff_see_names_other_staff_see_places_only(cast, client_as, appt):
    slot = make_slot(appt.hall_a, appt.day, 9)
    svc.booking_create(
        actor=cast.villager,
        jurisdiction=appt.villager_j,
        slot=slot,
        person=appt.me,
        idempotency_key="k",
    )
    staff = client_as("clerk_a").get(_day_url(appt.hall_a, appt.day))
    assert staff.status_code == 200 and "王建国" in staff.content.decode()
    county = client_as("county_civil").get(_day_url(appt.hall_a, appt.day))
    assert county.status_code == 200
    assert "王建国" not in county.content.decode() and county.context["bookings"] is None
    assert county.context["slots"][0].booked == 1


def test_clerk_books_for_a_villager_on_the_window_page_once_even_if_posted_twice(client_as, appt):
    slot = make_slot(appt.centre, appt.day, 9, capacity=2)
    client = client_as("clerk_a")
    page = client.get(_day_url(appt.centre, appt.day))
    key = page.context["book_form"].initial["idempotency_key"]
    data = {
        "date": appt.day.isoformat(),
        "slot": str(slot.pk),
        "person": "赵大爷",
        "item": "",
        "idempotency_key": key,
    }
    url = reverse("servicedesk:window_book", args=[appt.centre.pk])
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    slot.refresh_from_db()
    assert slot.booked == 1
    booking = Booking.objects.within(appt.clerk_j).get()
    assert booking.person_id == appt.neighbour.pk


def test_clerk_booking_a_full_slot_is_told_and_nothing_changes(client_as, appt):
    slot = make_slot(appt.centre, appt.day, 9, capacity=1)
    client = client_as("clerk_a")
    client.get(_day_url(appt.centre, appt.day))
    Slot.objects.filter(pk=slot.pk).update(booked=1)  # someone took it meanwhile
    r = client.post(
        reverse("servicedesk:window_book", args=[appt.centre.pk]),
        {
            "date": appt.day.isoformat(),
            "slot": str(slot.pk),
            "person": "赵大爷",
            "idempotency_key": "x1",
        },
    )
    assert r.status_code == 400 and "该时段已约满" in r.content.decode()
    assert not Booking.objects.within(appt.clerk_j).exists()


def test_clerk_booking_an_unknown_person_is_told(client_as, appt):
    slot = make_slot(appt.centre, appt.day, 9, capacity=1)
    r = client_as("clerk_a").post(
        reverse("servicedesk:window_book", args=[appt.centre.pk]),
        {
            "date": appt.day.isoformat(),
            "slot": str(slot.pk),
            "person": "孙古城",
            "idempotency_key": "x",
        },
    )
    assert r.status_code == 400 and "没有找到此人" in r.content.decode()
    slot.refresh_from_db()
    assert slot.booked == 0


def test_mark_button_records_attendance_or_explains(cast, client_as, appt):
    slot = make_slot(appt.hall_a, appt.day, 9)
    booking = svc.booking_create(
        actor=cast.clerk_a,
        jurisdiction=appt.clerk_j,
        slot=slot,
        person=appt.me,
        idempotency_key="k",
    )
    url = reverse("servicedesk:booking_mark", args=[booking.pk])
    r = client_as("clerk_a").post(url, {"outcome": "attended"}, follow=True)
    assert "还没到" in r.content.decode()
    booking.refresh_from_db()
    assert booking.state == Booking.State.BOOKED
