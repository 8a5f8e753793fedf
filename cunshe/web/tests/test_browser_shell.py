"""The shell in a real browser on a 360 px phone: Debian's chromium driven by Playwright.

Static files go through WhiteNoise, as they do in every deployment, rather than through
Django's test static handler: WhiteNoise sends the gzip twins that scripts/build_assets.py
writes, and what a villager's phone downloads is what the 200 KB budget is about.
"""

from __future__ import annotations

import pytest

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import build_tree

pytestmark = pytest.mark.browser

VILLAGER_BUDGET = 200 * 1024
PHONE = {"width": 360, "height": 740}
PASSWORD = "browser-test-password-1"
SHOTS = screenshots_dir()


@pytest.fixture
def people(transactional_db, settings) -> dict[str, User]:  # type: ignore[no-untyped-def]
    settings.REQUIRE_STAFF_2FA = False  # TOTP in a browser test would only test pyotp
    regions = build_tree()
    village = regions["220182102200"]
    villager = User.objects.create_user(
        username="13900000001", password=PASSWORD, display_name="王秀兰"
    )
    RoleAssignment.objects.create(user=villager, role=Role.VILLAGER, region=village)
    clerk = User.objects.create_user(
        username="clerk_browser", password=PASSWORD, display_name="李明"
    )
    RoleAssignment.objects.create(user=clerk, role=Role.VILLAGE_CLERK, region=village)
    RoleAssignment.objects.create(
        user=clerk, role=Role.VILLAGE_LEADER, region=regions["220182102201"]
    )
    return {"villager": villager, "clerk": clerk}


def _login(page, origin: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(origin + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def _no_horizontal_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_villager_phone_home_is_light_local_and_fits_360px(server, people, browser):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "13900000001")
    page.screenshot(path=str(SHOTS / "villager-home-360.png"), full_page=True)
    assert page.locator("body.cs-villager").count() == 1
    assert _no_horizontal_scroll(page)

    # First load of the home page from an empty cache: a fresh context with the same session.
    fresh = browser.new_context(viewport=PHONE, locale="zh-CN")
    fresh.add_cookies(context.cookies())
    fresh_watch = Watch(fresh, server)
    first = fresh.new_page()
    first.goto(server + "/")
    first.wait_for_load_state("networkidle")
    transferred = 0
    decoded = 0
    for req in fresh_watch.requests:
        sizes = req.sizes()
        transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        response = req.response()
        decoded += len(response.body()) if response else 0
    print(
        f"\nvillager home first load: {len(fresh_watch.requests)} requests, "
        f"{transferred / 1024:.1f} KB transferred ({decoded / 1024:.1f} KB uncompressed)"
    )
    (SHOTS / "villager-home-weight.txt").write_text(
        f"requests={len(fresh_watch.requests)} transferred_bytes={transferred} "
        f"uncompressed_bytes={decoded}\n"
        + "\n".join(r.url.replace(server, "") for r in fresh_watch.requests)
        + "\n"
    )
    assert transferred <= VILLAGER_BUDGET, f"{transferred} bytes > 200 KB"
    urls = " ".join(r.url for r in fresh_watch.requests)
    assert "echarts" not in urls and "bootstrap-icons.woff" not in urls
    assert "bootstrap.bundle" not in urls

    # Settings: the age-friendly switch makes type ≥ 20 px and buttons ≥ 48 px tall.
    page.click("summary.v-settings-btn")
    page.screenshot(path=str(SHOTS / "villager-settings-360.png"))
    page.click("[data-age-toggle]")
    page.wait_for_load_state("networkidle")
    assert "age-friendly" in (page.get_attribute("html", "class") or "")
    font_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_px >= 20
    tile = page.locator(".v-tile").first.bounding_box()
    assert tile is not None and tile["height"] >= 48
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(SHOTS / "villager-home-age-friendly-360.png"), full_page=True)

    # Korean, for Yanbian.
    page.click("summary.v-settings-btn")
    page.click("button[name=language][value=ko]")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("html", "lang") == "ko"
    page.screenshot(path=str(SHOTS / "villager-home-ko-360.png"), full_page=True)

    for w in (watch, fresh_watch):
        assert not w.foreign(), w.foreign()
        assert not w.csp_violations(), w.csp_violations()
    context.close()
    fresh.close()


def test_clerk_desk_works_on_a_360px_phone(server, people, browser):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    page.goto(server + "/")
    assert "/accounts/login/" in page.url
    page.screenshot(path=str(SHOTS / "login-360.png"), full_page=True)
    _login(page, server, "clerk_browser")
    assert page.locator("body.cs-desk").count() == 1
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(SHOTS / "clerk-home-360.png"), full_page=True)

    # The sidebar is an off-canvas menu on a phone.
    page.click("button[data-bs-target='#desk-nav']")
    page.wait_for_selector("#desk-nav.show")
    page.wait_for_timeout(400)  # let the slide-in finish before the picture
    page.screenshot(path=str(SHOTS / "clerk-menu-360.png"))
    page.keyboard.press("Escape")
    page.wait_for_selector("#desk-nav.show", state="detached")

    # The jurisdiction switcher: switch to the second role and see it on the dashboard.
    page.click("[data-role-switcher]")
    page.wait_for_selector(".cs-switcher.show")
    page.screenshot(path=str(SHOTS / "clerk-switcher-360.png"))
    assert _no_horizontal_scroll(page)
    page.click(".cs-switcher button:not(.active)")
    page.wait_for_load_state("networkidle")
    assert "古城村委会" in page.inner_text(".cs-role-card")
    assert _no_horizontal_scroll(page)

    # Two-factor enrolment (reachable although not enforced here) and a 404, on the phone.
    page.goto(server + "/accounts/two-factor/")
    assert page.locator("img.cs-qr").count() == 1
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(SHOTS / "two-factor-enrol-360.png"), full_page=True)
    page.goto(server + "/no-such-page/")
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(SHOTS / "not-found-360.png"), full_page=True)

    wide = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    wide.add_cookies(context.cookies())
    wide_watch = Watch(wide, server)
    desk = wide.new_page()
    desk.goto(server + "/")
    desk.wait_for_load_state("networkidle")
    desk.screenshot(path=str(SHOTS / "clerk-home-1280.png"))

    for w in (watch, wide_watch):
        assert not w.foreign(), w.foreign()
        assert not w.csp_violations(), w.csp_violations()
    context.close()
    wide.close()
