"""The points flow in a real browser: a villager declares a deed on a 390 px phone → the clerk
(reviewing for the group) reviews on the desk → leader_a (两委) approves and it shows as posted →
the posting ends (the job runs with a later date) → credited → the villager sees the balance.
No CSP violation, no outside request. Screenshots: var/screenshots/points_*.png."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import PASSWORD
from cunshe.volunteering.models import Declaration
from cunshe.volunteering.services import declarations as dsvc
from cunshe.volunteering.tests.points_fixtures import *  # noqa: F403
from cunshe.volunteering.tests.points_fixtures import later

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _login(page, origin: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(origin + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(screenshots_dir() / f"points_{name}.png"), full_page=True)


def test_household_earns_points_through_the_whole_flow(
    browser, server, settings, cast, points, villager_person
):
    settings.REQUIRE_STAFF_2FA = False
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    watch = Watch(phone, server)
    vpage = phone.new_page()
    _login(vpage, server, "villager")
    vpage.goto(server + "/vol/me/points/")
    assert vpage.locator("#my-balance").inner_text().strip() == "0"
    vpage.select_option(
        "#declare-form select[name=earning_rule]", str(points.rules["elder-care"].pk)
    )
    vpage.fill("#declare-form input[name=quantity]", "1")
    vpage.fill("#declare-form input[name=deed_date]", timezone.localdate().isoformat())
    vpage.fill("#declare-form textarea[name=description]", "照顾卧床的老母亲一个月")
    vpage.click("#declare-form button[type=submit]")
    vpage.wait_for_load_state("networkidle")
    assert "已申报" in vpage.locator("#my-pending").inner_text()
    assert vpage.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(vpage, "1_villager_declared_phone")
    d = Declaration._base_manager.get()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    dwatch = Watch(desk, server)
    page = desk.new_page()
    _login(page, server, "clerk_a")
    page.goto(server + f"/vol/points/declarations/{d.pk}/")
    page.click("button:has-text('组长审核通过')")
    page.wait_for_load_state("networkidle")
    assert "组长已审" in page.locator("#declaration-status").inner_text()
    _shot(page, "2_clerk_reviewed_desk")
    page.context.clear_cookies()
    _login(page, server, "leader_a")
    page.goto(server + f"/vol/points/declarations/{d.pk}/")
    page.click("button:has-text('两委审批并公示')")
    page.wait_for_load_state("networkidle")
    assert "公示中" in page.locator("#declaration-status").inner_text()
    page.goto(server + "/vol/points/declarations/?status=posted")
    assert page.locator(f"[data-declaration='{d.pk}']").count() == 1
    _shot(page, "3_leader_posted_desk")
    assert dwatch.csp_violations() == [] and dwatch.foreign() == []

    vpage.reload()
    assert "公示中" in vpage.locator("#my-pending").inner_text()
    d.refresh_from_db()
    assert dsvc.credit_due(today=later(d)) == 1  # time passes: the posting has ended
    vpage.reload()
    assert vpage.locator("#my-balance").inner_text().strip() == "30"
    assert "孝敬照料老人" in vpage.locator("#my-movements").inner_text()
    _shot(vpage, "4_villager_credited_phone")
    page.goto(server + "/vol/points/accounts/")
    _shot(page, "5_accounts_desk")
    assert watch.csp_violations() == [] and watch.foreign() == []
    desk.close()
    phone.close()
