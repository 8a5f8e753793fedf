"""The API docs page in a real browser (Debian's chromium via Playwright): Swagger UI renders
under the platform's CSP, makes no request to another origin, and can call the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.core.testing.cast import build_tree

pytestmark = pytest.mark.browser


def test_docs_page_renders_under_the_csp_without_external_requests(
    browser, server, transactional_db, settings
):
    settings.REQUIRE_STAFF_2FA = False  # TOTP in a browser would only test pyotp
    regions = build_tree()
    user = User.objects.create_user(username="docs_reader", password="docs-reader-pw-1")
    RoleAssignment.objects.create(
        user=user, role=Role.VILLAGE_CLERK, region=regions["220182102200"]
    )
    client = Client()
    client.force_login(user)
    session_cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value

    context = browser.new_context(locale="zh-CN")
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session_cookie, "url": server}]
    )
    requests: list[str] = []
    console: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    context.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    try:
        page = context.new_page()
        page.goto(server + "/api/v1/docs")
        page.wait_for_selector("#operations-me-cunshe_api_me_me", timeout=15000)

        # Try GET /api/v1/me from the page: the browser session authenticates it.
        page.click("#operations-me-cunshe_api_me_me .opblock-summary")
        page.click("#operations-me-cunshe_api_me_me .try-out__btn")
        page.click("#operations-me-cunshe_api_me_me .execute")
        page.wait_for_selector(
            "#operations-me-cunshe_api_me_me .live-responses-table", timeout=15000
        )
        body = page.inner_text("#operations-me-cunshe_api_me_me .live-responses-table")
        shots = Path(django_settings.VAR_DIR) / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "api-docs.png"))
    finally:
        # Close the browser's keep-alive connections before the live server stops.
        context.close()

    foreign = [u for u in requests if not u.startswith((server + "/", "data:", "about:"))]
    assert foreign == []
    assert [m for m in console if "Content Security Policy" in m] == []
    assert "docs_reader" in body
