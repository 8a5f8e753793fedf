"""The village's public volunteering pages in a real browser, as a stranger on a 390 px phone
without signing in: the index, points posted for objection (the 提出异议 link leads to sign-in),
the store with donors, top volunteers, activities open for sign-up (the 报名 link leads to
sign-in); no horizontal scroll, no inline script (CSP), no outside request, first load of each
page ≤ 200 KB; the large-text mode. Then the township's 志愿积分统计 on a desktop with its charts
drawn. Screenshots: var/screenshots/vol_public_*.png, vol_reports_*.png."""

from __future__ import annotations

import pytest

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import build_cast
from cunshe.volunteering.tests.public_fixtures import public_village_a
from cunshe.volunteering.tests.reports_fixtures import township_records

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
A = "220182102200"
BUDGET = 200 * 1024
PASSWORD = "browser-test-password-1"


@pytest.fixture
def world(transactional_db, settings):  # type: ignore[no-untyped-def]
    settings.REQUIRE_STAFF_2FA = False
    cast = build_cast()
    public_village_a(cast)
    township_records(cast)
    officer = User.objects.create_user(username="town_vol", password=PASSWORD, display_name="赵刚")
    RoleAssignment.objects.create(user=officer, role=Role.TOWNSHIP_OFFICER, region=cast.township)
    return cast


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(screenshots_dir() / f"vol_{name}.png"), full_page=True)


def _weight(watch: Watch) -> int:
    total = 0
    for req in watch.requests:
        sizes = req.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    return total


def test_a_stranger_reads_the_public_pages_on_a_phone(browser, server, world):
    weights = {}
    for part in ("", "points/", "store/", "volunteers/", "activities/"):
        context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
        watch = Watch(context, server)
        page = context.new_page()
        page.goto(f"{server}/vol/public/{A}/{part}")
        page.wait_for_load_state("networkidle")
        weights[part or "home"] = _weight(watch)
        assert weights[part or "home"] <= BUDGET, (part, weights)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], part
        html = page.content()
        for private in ("陈桂香", "匿名好心人", "张德丰", "13900001111"):
            assert private not in html, (part, private)
        _shot(page, f"public_{(part or 'home').strip('/')}_390")
        assert watch.csp_violations() == [] and watch.foreign() == []
        context.close()
    print("\npublic pages first load (bytes):", weights)

    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.goto(f"{server}/vol/public/{A}/points/")
    assert page.locator("[data-declaration]").count() == 2
    assert "张*丰 · 一组" in page.content()
    page.click("[data-object-link] >> nth=0")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" in page.url
    page.goto(f"{server}/vol/public/{A}/activities/")
    assert page.locator("[data-activity]").count() == 1
    page.click("[data-signup-link]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" in page.url
    context.close()

    large = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    large.add_cookies([{"name": "cunshe_age_friendly", "value": "1", "url": server}])
    page = large.new_page()
    page.goto(f"{server}/vol/public/{A}/store/")
    assert page.evaluate("document.documentElement.classList.contains('age-friendly')")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "public_store_large_text_390")
    large.close()


def _login(page, origin: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(origin + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_the_township_reads_the_reports_with_charts(browser, server, world):
    for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("390", PHONE)):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        watch = Watch(context, server)
        page = context.new_page()
        _login(page, server, "town_vol")
        page.goto(server + "/vol/reports/")
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-table=hours] tbody tr").count() == 2
        # ECharts drew into every chart box (a canvas each).
        assert page.locator("[data-chart] canvas").count() == 4
        _shot(page, f"reports_township_{name}")
        if name == "desktop":
            page.click(f"[data-table=hours] a[href*='region={A}']")
            page.wait_for_load_state("networkidle")
            assert "region=" + A in page.url
            assert "闵家村委会" in page.locator("h1").inner_text()
            assert page.locator("[data-table=hours] tbody tr").count() == 0  # a village: totals
            _shot(page, "reports_village_desktop")
        assert watch.csp_violations() == [] and watch.foreign() == []
        context.close()
