"""UX fixes checked in a real browser at 390 px: the statistics page /vol/reports/ fits the
phone (tables scroll inside .table-responsive, charts no wider than their box). Screenshots:
var/screenshots/hardening_reports_{phone,desk}.png."""

from __future__ import annotations

import pytest

from cunshe.core.testing.browser import screenshots_dir
from cunshe.volunteering.tests.e2e_fixtures import DESK, PHONE, login
from cunshe.volunteering.tests.reports_fixtures import township_records

pytestmark = pytest.mark.browser

WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 12).map(e => e.tagName + '.' + [...e.classList].join('.') + ' ' +
                    Math.round(e.getBoundingClientRect().right))"""


@pytest.fixture
def records(transactional_db, cast, settings):  # type: ignore[no-untyped-def]
    settings.REQUIRE_STAFF_2FA = False
    return township_records(cast)


def test_the_reports_page_fits_a_phone(browser, server, records):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    page = login(context, server, "township_officer")
    page.goto(server + "/vol/reports/")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-table]").count() > 0 and page.locator("[data-chart]").count() > 0
    page.screenshot(path=str(screenshots_dir() / "hardening_reports_phone.png"), full_page=True)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], (wide, page.evaluate(WIDEST))
    # Every statistics table scrolls inside its own box.
    assert page.locator("table:not(.table-responsive table)").count() == 0
    page.set_viewport_size(DESK)
    page.screenshot(path=str(screenshots_dir() / "hardening_reports_desk.png"), full_page=True)
    # Drawn on a desk, then narrowed (a phone turned, the end-to-end tester's screenshots): the
    # charts are still at the desk size until their resize runs; the page must not widen.
    page.goto(server + "/vol/reports/")
    page.wait_for_load_state("networkidle")
    page.set_viewport_size(PHONE)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], (wide, page.evaluate(WIDEST))
    context.close()
