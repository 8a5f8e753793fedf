"""The public status page on a 360 px phone, as opened from the receipt's QR code: the number is
already filled in, a wrong digit gets the one generic message, the right digits show the matter
without anybody's name; nothing is loaded from elsewhere and nothing breaks the CSP."""

from __future__ import annotations

import pytest

from cunshe.core.testing.browser import Watch, screenshots_dir

# The fixtures (accepted, submitted, person, item, fresh_cache) come with this import.
from cunshe.servicedesk.tests.status_fixtures import *  # noqa: F403
from cunshe.servicedesk.tests.status_fixtures import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fresh_cache")]

SIZE = {"width": 360, "height": 740}


def _no_horizontal_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_status_lookup_on_a_phone(browser, server, accepted, person):
    context = browser.new_context(viewport=SIZE, device_scale_factor=2, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    page.goto(f"{server}/desk/status/?n={accepted.number}")
    assert page.input_value("input[name=number]") == accepted.number
    assert page.get_attribute("input[name=last4]", "inputmode") == "numeric"
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(screenshots_dir() / "status-form-360.png"), full_page=True)

    page.fill("input[name=last4]", "0000")
    page.click("form.cs-status-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-status-error]") == "编号或手机号后四位不正确"
    assert page.input_value("input[name=number]") == accepted.number  # kept
    assert page.input_value("input[name=last4]") == ""  # never sent back
    assert "last4" not in page.url and "0000" not in page.url

    page.fill("input[name=last4]", PHONE[-4:])
    page.click("form.cs-status-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    result = page.inner_text("[data-status-result]")
    assert "最低生活保障申请" in result and "已受理" in result
    assert page.locator("[data-timeline] li").count() == 2
    body = page.inner_text("body")
    assert person.name not in body and PHONE not in body and person.id_number not in body
    assert PHONE[-4:] not in page.url
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(screenshots_dir() / "status-result-360.png"), full_page=True)

    assert watch.foreign() == []
    assert watch.csp_violations() == []
    context.close()
