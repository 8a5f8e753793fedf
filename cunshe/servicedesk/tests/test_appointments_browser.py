"""Appointments in a real browser: a villager books on a 360 px phone (window → day → time →
confirm; on PostgreSQL a double tap on confirm still books once) and sees it under 我的预约;
the village clerk sees the name on the hall's day; a county officer sees places only. No inline
script (CSP), no outside request. Screenshots go to the screenshots directory
(appointments_*.png)."""

from __future__ import annotations

import pytest
from django.db import connection

from cunshe.core.jurisdiction import system_scope
from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import PASSWORD
from cunshe.servicedesk.models import Booking, Slot
from cunshe.servicedesk.tests.appointments_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.appointments_fixtures import make_slot

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def _login(page, origin: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(origin + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(screenshots_dir() / f"appointments_{name}.png"), full_page=True)


def test_villager_books_on_a_phone_and_staff_see_the_day(browser, server, appt, settings):
    settings.REQUIRE_STAFF_2FA = False
    for hour, booked in ((9, 0), (10, 2), (14, 1)):
        make_slot(appt.hall_a, appt.day, hour, capacity=2, booked=booked)
    make_slot(appt.centre, appt.day, 9, capacity=5)

    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "villager")
    page.goto(server + "/desk/book/")
    _shot(page, "1_windows")
    page.click("text=闵家村便民服务站")
    page.wait_for_load_state("networkidle")
    _shot(page, "2_days")
    page.click(".ap-day >> nth=0")
    page.wait_for_load_state("networkidle")
    assert page.locator(".ap-slot").count() == 2  # 10:00 is full
    _shot(page, "3_slots")
    page.click(".ap-slot >> nth=0")
    page.wait_for_load_state("networkidle")
    page.check(f"input[name=person][value='{appt.spouse.pk}']")
    _shot(page, "4_confirm")
    if connection.vendor == "postgresql":
        page.dblclick("button.ap-go")
    else:
        # The live server shares one in-memory SQLite connection between its threads, so two
        # requests at once break the test server itself; the double submit is covered there.
        page.click("button.ap-go")
    page.wait_for_url("**/desk/bookings/mine/")
    page.wait_for_load_state("networkidle")
    _shot(page, "5_mine")
    assert "预约成功" in page.content(), page.inner_text("main")
    with system_scope("browser test"):
        assert Booking.objects.filter(person=appt.spouse).count() == 1
        assert Slot.objects.filter(window=appt.hall_a, booked=1).count() == 2  # 09:00, 14:00
    page.click("text=改约")
    page.wait_for_load_state("networkidle")
    assert page.locator("input[name=slot]").count() == 1  # 14:00; 09:00 is the booking's own
    _shot(page, "5b_reschedule")
    assert watch.foreign() == [] and watch.csp_violations() == []
    context.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    dwatch = Watch(desk, server)
    page = desk.new_page()
    _login(page, server, "clerk_a")
    page.goto(f"{server}/desk/windows/?date={appt.day.isoformat()}")
    _shot(page, "6_desk_windows")
    page.goto(f"{server}/desk/windows/{appt.hall_a.pk}/?date={appt.day.isoformat()}")
    assert "李秀英" in page.content()
    _shot(page, "7_desk_day")
    assert dwatch.foreign() == [] and dwatch.csp_violations() == []
    desk.close()

    county = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = county.new_page()
    _login(page, server, "county_civil")
    page.goto(f"{server}/desk/windows/{appt.hall_a.pk}/?date={appt.day.isoformat()}")
    assert "李秀英" not in page.content() and "只对该窗口所在单位" in page.content()
    _shot(page, "8_county_places_only")
    county.close()
