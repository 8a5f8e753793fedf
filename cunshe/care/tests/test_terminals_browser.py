"""The terminal register in a real browser on a 390 px phone: a clerk registers a terminal for
an elderly person (the secret shown once), sees it online with its events after messages came
in; the system administrator reviews parked messages. No inline script (CSP), no outside
request. Screenshots: var/screenshots/care_terminals_*.png."""

from __future__ import annotations

import pytest

from cunshe.care import ingest, signing
from cunshe.care.models import CareProfile, Terminal
from cunshe.care.tests.terminals_fixtures import message
from cunshe.core.jurisdiction import system_scope
from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _login(page, origin: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(origin + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(screenshots_dir() / f"care_terminals_{name}.png"), full_page=True)


def test_a_clerk_registers_a_terminal_on_a_phone(browser, server, family, make_profile, settings):
    settings.REQUIRE_STAFF_2FA = False
    with system_scope("test set-up"):
        # identification may already have found her (its jobs run on commit in this test)
        found = CareProfile.objects.filter(person=family.grandmother).exists()
    if not found:
        make_profile(family.grandmother, "elderly")
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "clerk_a")
    page.goto(server + "/care/terminals/new/")
    page.fill("input[name=serial]", "860000000000001")
    page.select_option("select[name=person]", str(family.grandmother.pk))
    page.fill("input[name=model_name]", "老人一键呼叫器 K1")
    page.fill("input[name=callback_phone]", "13900001111")
    _shot(page, "1_register")
    page.click("button[type=submit] >> text=登记")
    page.wait_for_load_state("networkidle")
    _shot(page, "2_secret")
    secret = page.inner_text("[data-secret] code").strip()
    terminal = Terminal._base_manager.get(serial="860000000000001")
    assert secret == terminal.secret

    ingest.ingest_batch(
        [
            signing.sign(secret, {k: v for k, v in message(
                "860000000000001", kind=kind, secret="", battery=battery).items()})
            for kind, battery in (("heartbeat", 64), ("checkin", 63), ("sos", 62))
        ],
        "http",
    )  # fmt: skip
    page.goto(server + "/care/terminals/")
    assert "在线" in page.inner_text("[data-terminals]")
    _shot(page, "3_list")
    page.click("text=860000000000001")
    page.wait_for_load_state("networkidle")
    assert "一键呼救" in page.inner_text("[data-events]")
    _shot(page, "4_detail")
    assert watch.foreign() == [] and watch.csp_violations() == []
    context.close()


def test_the_administrator_reviews_parked_messages(browser, server, family, settings):
    settings.REQUIRE_STAFF_2FA = False
    ingest.ingest_batch(
        [message("LATE-0001", secret="x") for _ in range(3)] + [message("TEST-9", secret="y")],
        "mqtt",
    )
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "system_admin")
    page.goto(server + "/care/parked/")
    assert "LATE-0001" in page.inner_text("[data-parked]")
    _shot(page, "5_parked")
    assert watch.foreign() == [] and watch.csp_violations() == []
    context.close()
