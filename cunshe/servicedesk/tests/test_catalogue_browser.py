"""The catalogue in a real browser: a visitor on a 360 px phone reads a village's two lists and
opens a guide; a county officer shortens a promise on the adjustments page and the public list
follows; a province official picks a county. Screenshots go to var/screenshots/."""

from __future__ import annotations

import pytest

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Department, Role
from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import build_tree
from cunshe.servicedesk.models import CountyAdjustment
from cunshe.servicedesk.services.catalogue import load_catalogue

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "browser-test-password-1"
SHOTS = screenshots_dir()
VILLAGE_A = "220182102200"
LOW_INCOME = "JL-MZ-001"


@pytest.fixture
def people(transactional_db, settings):  # type: ignore[no-untyped-def]
    settings.REQUIRE_STAFF_2FA = False  # TOTP in a browser test would only test pyotp
    regions = build_tree()
    load_catalogue()
    officer = User.objects.create_user("county_cat", password=PASSWORD, display_name="王县民政")
    RoleAssignment.objects.create(
        user=officer,
        role=Role.COUNTY_OFFICER,
        region=regions["220182"],
        department=Department.CIVIL_AFFAIRS,
    )
    province = User.objects.create_user("prov_cat", password=PASSWORD, display_name="省民政厅")
    RoleAssignment.objects.create(user=province, role=Role.PROVINCE_OFFICIAL, region=regions["22"])
    return {"officer": officer, "province": province}


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


def _clean(watch: Watch) -> None:
    assert not watch.foreign(), watch.foreign()
    assert not watch.csp_violations(), watch.csp_violations()


def test_visitor_reads_the_two_lists_on_a_phone_and_opens_a_guide(server, people, browser):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    page.goto(f"{server}/desk/villages/{VILLAGE_A}/lists/")
    page.wait_for_load_state("networkidle")
    # First load on a phone, everything included, stays under the villager pages' 200 KB.
    transferred = 0
    for req in watch.requests:
        sizes = req.sizes()
        transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    print(f"\nvillage lists first load: {len(watch.requests)} requests, {transferred} bytes")
    assert transferred <= 200 * 1024
    assert page.locator("h2", has_text="村委会依法履行职责事项").count() == 1
    assert page.locator("h2", has_text="村委会协助政府工作事项").count() == 1
    assert page.locator("[data-list=performs] li[data-item]").count() >= 4
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(SHOTS / "catalogue-village-lists-360.png"), full_page=True)

    page.click(f"li[data-item={LOW_INCOME}] a")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1", has_text="最低生活保障申请").count() == 1
    assert "榆树市 · 民政" in page.inner_text("[data-handler]")
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(SHOTS / "catalogue-guide-360.png"), full_page=True)
    _clean(watch)
    context.close()


def test_county_officer_shortens_a_promise_and_the_public_list_follows(server, people, browser):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "county_cat")
    page.goto(server + "/desk/catalogue/")
    assert page.locator(f"tr[data-item={LOW_INCOME}]").count() == 1
    page.screenshot(path=str(SHOTS / "catalogue-list-county.png"), full_page=True)
    page.goto(server + "/desk/catalogue/adjustments/")
    page.click(f"tr[data-item={LOW_INCOME}] a.btn")
    page.wait_for_load_state("networkidle")
    page.fill("input[name=promised_days]", "25")
    page.click("form.sd-adjust-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "本县承诺时限只能缩短" in page.content()
    page.screenshot(path=str(SHOTS / "catalogue-adjust-refused.png"), full_page=True)
    assert not CountyAdjustment.objects.exists()
    page.fill("input[name=promised_days]", "12")
    page.fill("input[name=note]", "本县试点提速")
    page.click("form.sd-adjust-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/desk/catalogue/adjustments/")
    assert "已保存本县调整" in page.content()
    page.screenshot(path=str(SHOTS / "catalogue-adjustments-county.png"), full_page=True)
    assert CountyAdjustment.objects.get().promised_days == 12

    page.goto(f"{server}/desk/villages/{VILLAGE_A}/lists/assists/")
    item = page.inner_text(f"li[data-item={LOW_INCOME}]")
    assert "承诺 12 个工作日" in item
    _clean(watch)
    context.close()


def test_province_official_picks_a_county(server, people, browser):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "prov_cat")
    page.goto(server + "/desk/catalogue/")
    page.select_option("#sd-county", "220182")
    page.click("form.sd-search button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "county=220182" in page.url
    assert page.locator("h1", has_text="榆树市").count() == 1
    page.screenshot(path=str(SHOTS / "catalogue-list-province.png"), full_page=True)
    page.goto(server + "/desk/catalogue/adjustments/")
    assert page.locator("a", has_text="调整").count() == 0
    page.screenshot(path=str(SHOTS / "catalogue-adjustments-province.png"), full_page=True)
    _clean(watch)
    context.close()
