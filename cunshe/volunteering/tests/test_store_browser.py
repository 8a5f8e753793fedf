"""How it will be checked, in a real browser: a clerk at the counter types the villager's card
token, redeems two goods and sees the new balance; a second redemption that would overdraw is
refused with the message and nothing changes. The villager's store on a 390 px phone. No
inline script (CSP), no outside request. Screenshots in var/screenshots/store_*.png."""

from __future__ import annotations

import pytest

from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import PASSWORD, build_cast
from cunshe.volunteering.models import PointsAccount, StoreItem
from cunshe.volunteering.tests.store_fixtures import build_shop

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def shop_live(transactional_db, settings):  # type: ignore[no-untyped-def]
    settings.REQUIRE_STAFF_2FA = False
    cast = build_cast()
    return build_shop(cast)


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(screenshots_dir() / f"store_{name}.png"), full_page=True)


def _login(context, server, username):  # type: ignore[no-untyped-def]
    page = context.new_page()
    page.goto(server + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def test_clerk_redeems_at_the_counter_and_an_overdraw_is_refused(browser, server, shop_live):
    from playwright.sync_api import expect

    shop = shop_live
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    watch = Watch(context, server)
    page = _login(context, server, "clerk_a")
    page.goto(f"{server}/vol/store/{shop.store.pk}/counter/")
    page.fill("#card-token", shop.acc1.card_token)
    page.click("[data-scan-form] button[type=submit]")
    expect(page.locator("[data-balance]")).to_have_text("1000")
    expect(page.locator("[data-account-label]")).to_have_text("赵** 户（S-001）")
    page.fill(f"input[name=qty_{shop.soap.pk}]", "2")
    page.fill(f"input[name=qty_{shop.oil.pk}]", "1")
    expect(page.locator("[data-total]")).to_have_text("50")
    _shot(page, "counter_desktop")
    page.click("[data-redeem]")
    expect(page.locator("[data-balance]")).to_have_text("950")
    expect(page.locator("[data-done]")).to_contain_text("肥皂×2")
    _shot(page, "counter_done_desktop")
    page.fill(f"input[name=qty_{shop.rice.pk}]", "5")
    page.fill(f"input[name=qty_{shop.oil.pk}]", "16")
    page.click("[data-redeem]")
    expect(page.locator("[data-counter-error]")).to_have_text("积分不足：余额 950，需要 980")
    expect(page.locator("[data-balance]")).to_have_text("950")
    _shot(page, "counter_refused_desktop")
    assert PointsAccount._base_manager.get(pk=shop.acc1.pk).balance == 950
    assert StoreItem._base_manager.get(pk=shop.rice.pk).stock == 5
    page.set_viewport_size(PHONE)
    page.goto(f"{server}/vol/store/{shop.store.pk}/")
    _shot(page, "desk_phone")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{server}/vol/store/{shop.store.pk}/")
    _shot(page, "desk_desktop")
    assert watch.foreign() == []
    assert [m for m in watch.csp_violations() if "Applying inline style" not in m] == []
    context.close()

    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch = Watch(phone, server)
    page = _login(phone, server, "villager")
    page.goto(f"{server}/vol/me/store/")
    expect(page.locator("[data-balance]")).to_have_text("950")
    expect(page.locator("[data-affordable]").first).to_be_visible()
    _shot(page, "my_store_phone")
    page.goto(f"{server}/vol/me/store/statement/")
    expect(page.locator("[data-closing]")).to_have_text("950")
    _shot(page, "my_statement_phone")
    assert watch.foreign() == []
    phone.close()
