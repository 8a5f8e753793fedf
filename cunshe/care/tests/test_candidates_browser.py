"""The candidates and kin pages in a real browser on a 390 px phone: the clerk sees the child
appear after the mother leaves for work (recorded through the register service, whose hook
runs on commit here), confirms it with a risk level, and opens the family's kin page. No inline
script (CSP), no outside request. Screenshots: care_identification_*.png."""

from __future__ import annotations

from datetime import date

import pytest

from cunshe.care.models import CareProfile
from cunshe.core.jurisdiction import system_scope
from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import PASSWORD
from cunshe.residents import services as register_services

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(screenshots_dir() / f"care_identification_{name}.png"), full_page=True)


def test_clerk_confirms_a_child_on_a_phone(browser, server, family, cast, clerk_j, settings):  # type: ignore[no-untyped-def]
    settings.REQUIRE_STAFF_2FA = False
    register_services.event_record(actor=cast.clerk_a, jurisdiction=clerk_j, person=family.mother,
                                   kind="leave_work", occurred_on=date(2026, 9, 1),
                                   destination="天津市")  # fmt: skip
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    page.goto(server + "/accounts/login/")
    page.fill("input[name=username]", "clerk_a")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(server + "/care/candidates/")
    assert page.locator("text=父亲2024-03起在外务工，母亲2026-09起在外务工").count() == 1
    _shot(page, "1_candidates")
    with system_scope("test"):
        child = CareProfile.objects.get(person=family.child, kind="child")
    card = page.locator(f"#candidate-{child.pk}")
    card.locator("select").select_option("high")
    card.locator("button.btn-success").click()
    page.wait_for_load_state("networkidle")
    _shot(page, "2_confirmed")
    with system_scope("test"):
        child.refresh_from_db()
    assert child.status == "active" and child.risk_level == "high"
    page.goto(server + f"/care/households/{family.household.pk}/kin/")
    assert page.locator("text=由户内关系推断").count() > 0
    _shot(page, "3_kin")
    assert watch.foreign() == []
    assert watch.csp_violations() == []
    context.close()
