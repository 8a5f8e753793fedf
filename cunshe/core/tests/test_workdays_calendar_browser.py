"""The holiday calendar page in a real browser (Debian's chromium driven by Playwright): the
system administrator sees 2024's month grids, clicks a day to fill the form and makes it a
holiday; no CSP violation, nothing loaded from elsewhere, no sideways scrolling on a phone."""

from __future__ import annotations

from datetime import date

import pytest

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.core.calendar_seed import seed_calendar
from cunshe.core.models import AuditEvent
from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import build_tree
from cunshe.core.workdays import add_working_days

pytestmark = pytest.mark.browser

PASSWORD = "browser-test-password-1"
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 360, "height": 740}
SHOTS = screenshots_dir()


@pytest.fixture
def admin(transactional_db, settings) -> User:  # type: ignore[no-untyped-def]
    settings.REQUIRE_STAFF_2FA = False  # TOTP in a browser test would only test pyotp
    regions = build_tree()
    user = User.objects.create_user(username="sysadmin_cal", password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=Role.SYSTEM_ADMIN, region=regions["22"])
    seed_calendar(2024, 2024)
    return user


def _login(page, origin: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(origin + "/accounts/login/")
    page.fill("input[name=username]", "sysadmin_cal")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_system_admin_makes_a_day_a_holiday_in_the_browser(server, admin, browser):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server)
    page.goto(server + "/core/calendar/?year=2024")
    assert page.locator("h1", has_text="2024").count() == 1
    holiday = page.locator("#m10 td.cs-cal-holiday").first
    assert holiday.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(197, 48, 48)"
    assert page.locator("#m10 td.cs-cal-adjusted").count() == 1  # 10-12
    assert page.locator("#m10 td.cs-cal-holiday, #m10 td.cs-cal-break").count() == 7
    _shot(page, "calendar-2024-desktop.png")

    page.click("#m10 a[href$='date=2024-10-14#edit']")
    page.wait_for_load_state("networkidle")
    assert page.input_value("input[name=date]") == "2024-10-14"
    page.select_option("select[name=status]", "holiday")
    page.fill("input[name=name]", "地方节日")
    page.click("#edit button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已将 2024-10-14 设为" in page.inner_text(".cs-messages")
    cell = page.locator("#m10 td:has(a[href$='date=2024-10-14#edit'])")
    assert "cs-cal-holiday" in cell.get_attribute("class")
    assert "cs-cal-admin" in cell.get_attribute("class")
    _shot(page, "calendar-2024-after-edit.png")
    assert add_working_days(date(2024, 10, 12), 1) == date(2024, 10, 15)
    assert AuditEvent.objects.filter(action="core.calendar.changed").count() == 1

    assert not watch.foreign(), watch.foreign()
    assert not watch.csp_violations(), watch.csp_violations()
    context.close()


def test_calendar_fits_a_phone(server, admin, browser):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server)
    page.goto(server + "/core/calendar/?year=2024")
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    _shot(page, "calendar-2024-360.png")
    assert not watch.csp_violations(), watch.csp_violations()
    context.close()
